"""The case list's indexes (newest first, by squad, community or state), the office's next deadline
(the overdue filter) and the bigram search column.

On PostgreSQL the column of existing cases is filled with one UPDATE (the same bigrams
casework.search computes) and a GIN index over it answers 2-character searches.
"""

from django.db import migrations, models

GIN_INDEX = "casework_case_search_bigrams_gin"
# What casework.deadlines.clocks.clocks_refresh stores: the end of the first running clock that is
# not a party's window.
FILL_OFFICE_DUE_AT = """
UPDATE casework_case SET office_due_at = (
    SELECT min(k.due_at) FROM casework_caseclock k
    WHERE k.case_id = casework_case.id AND k.satisfied_at IS NULL AND NOT k.is_window
)
"""


def fill_search_bigrams(apps, schema_editor):
    from casework.search import FILL_SQL, case_search_bigrams

    if schema_editor.connection.vendor == "postgresql":
        for statement in FILL_SQL:
            schema_editor.execute(statement)
        schema_editor.execute(
            f"CREATE INDEX {GIN_INDEX} ON casework_case USING gin (string_to_array(search_bigrams, ' '))"
        )
        return
    Case = apps.get_model("casework", "Case")
    for case in Case.objects.select_related("party").iterator(chunk_size=2000):
        party = case.party
        case.search_bigrams = case_search_bigrams(
            number=case.number, location=case.location,
            party_name=party.name if party else "", party_address=party.address if party else "")
        Case.objects.filter(pk=case.pk).update(search_bigrams=case.search_bigrams)


def drop_gin_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {GIN_INDEX}")


class Migration(migrations.Migration):

    dependencies = [
        ("casework", "0009_totp_device"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="case",
            name="casework_ca_status_722813_idx",
        ),
        migrations.AddField(
            model_name="case",
            name="search_bigrams",
            field=models.TextField(blank=True, default="", editable=False, verbose_name="search bigrams"),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=["year", "sequence"], include=("id",), name="case_list_idx"),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=["squad", "year", "sequence"], include=("id",), name="case_list_squad_idx"),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=["community", "year", "sequence"], include=("id",),
                               name="case_list_community_idx"),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=["status", "year", "sequence"], include=("id",), name="case_list_status_idx"),
        ),
        migrations.AddField(
            model_name="case",
            name="office_due_at",
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name="office's next deadline"),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=["office_due_at"], include=("id", "year", "sequence", "status", "squad"),
                               name="case_list_overdue_idx"),
        ),
        migrations.RunSQL(FILL_OFFICE_DUE_AT, migrations.RunSQL.noop),
        migrations.RunPython(fill_search_bigrams, drop_gin_index),
    ]
