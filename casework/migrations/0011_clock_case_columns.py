import django.db.models.deletion
from django.db import migrations, models

STATUS_CHOICES = [
    ("reported", "Lead registered"), ("inspected", "Inspected"), ("filed", "Filed"), ("notified", "Notified"),
    ("hearing", "Hearing"), ("under_review", "Under legal review"), ("decided", "Decided"),
    ("persuading", "Persuading"), ("self_demolition_committed", "Self-demolition committed"),
    ("self_demolishing", "Self-demolishing"), ("announced", "Announced"), ("demand_issued", "Demand issued"),
    ("execution_decided", "Execution decided"), ("forced_demolished", "Forcibly demolished"),
    ("verified", "Verified"), ("rectified", "Rectified"), ("suspended", "Suspended"), ("closed", "Closed"),
]
FILL_POSTGRESQL = """
UPDATE casework_caseclock AS clock
SET squad_id = c.squad_id, community_id = c.community_id, case_number = c.number, case_status = c.status
FROM casework_case AS c
WHERE c.id = clock.case_id
"""
FILL_OTHER = """
UPDATE casework_caseclock
SET squad_id = (SELECT squad_id FROM casework_case WHERE casework_case.id = casework_caseclock.case_id),
    community_id = (SELECT community_id FROM casework_case WHERE casework_case.id = casework_caseclock.case_id),
    case_number = (SELECT number FROM casework_case WHERE casework_case.id = casework_caseclock.case_id),
    case_status = (SELECT status FROM casework_case WHERE casework_case.id = casework_caseclock.case_id)
"""


def fill_clock_case_columns(apps, schema_editor):
    """Copy each case's squad, community, number and status onto its clocks (as clocks_refresh now does)."""
    sql = FILL_POSTGRESQL if schema_editor.connection.vendor == "postgresql" else FILL_OTHER
    schema_editor.execute(sql)


class Migration(migrations.Migration):

    dependencies = [
        ("casework", "0010_figure_summary"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="caseclock", name="clock_running_due_idx"),
        migrations.AddField(
            model_name="caseclock",
            name="squad",
            field=models.ForeignKey(db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT,
                                    related_name="+", to="casework.squad", verbose_name="squad"),
        ),
        migrations.AddField(
            model_name="caseclock",
            name="community",
            field=models.ForeignKey(db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT,
                                    related_name="+", to="casework.community", verbose_name="community"),
        ),
        migrations.AddField(
            model_name="caseclock",
            name="case_number",
            field=models.CharField(default="", max_length=40, verbose_name="case number"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="caseclock",
            name="case_status",
            field=models.CharField(default="", max_length=30, verbose_name="status", choices=STATUS_CHOICES),
            preserve_default=False,
        ),
        migrations.RunPython(fill_clock_case_columns, migrations.RunPython.noop, elidable=False),
        migrations.AlterField(
            model_name="caseclock",
            name="squad",
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                    to="casework.squad", verbose_name="squad"),
        ),
        migrations.AlterField(
            model_name="caseclock",
            name="community",
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                    to="casework.community", verbose_name="community"),
        ),
        migrations.AddIndex(
            model_name="caseclock",
            index=models.Index(
                condition=models.Q(("is_window", False), ("satisfied_at__isnull", True),
                                   models.Q(("case_status", "suspended"), _negated=True)),
                fields=["due_at"],
                include=("kind", "case", "squad", "community", "case_number", "case_status"),
                name="clock_overdue_due_idx",
            ),
        ),
    ]
