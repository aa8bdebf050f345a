"""The case list's indexes (newest first, by squad, community or state), the office's next deadline
(the overdue filter) and the bigram search column.

On PostgreSQL the new columns of existing cases are filled by one UPDATE per kind of case (with
and without a party), before the new indexes exist (so each row is written once and no new index
is maintained during the fill); then a GIN index over the bigrams answers 2-character searches.
"""

from django.db import migrations, models

GIN_INDEX = "casework_case_search_bigrams_gin"
# What casework.deadlines.clocks.clocks_refresh stores: the end of the first running clock that is
# not a party's window.
OFFICE_DUE_AT = """(
    SELECT min(k.due_at) FROM casework_caseclock k WHERE k.case_id = {case}.id AND k.satisfied_at IS NULL
    AND NOT k.is_window
)"""


def fill_columns(apps, schema_editor):
    from casework.search import bigrams_sql, case_search_bigrams

    if schema_editor.connection.vendor == "postgresql":
        due = OFFICE_DUE_AT.format(case="c")
        schema_editor.execute(
            f"UPDATE casework_case c SET office_due_at = {due}, "
            f"search_bigrams = {bigrams_sql('c.number', 'c.location', 'p.name', 'p.address')} "
            "FROM casework_party p WHERE p.id = c.party_id")
        schema_editor.execute(
            f"UPDATE casework_case c SET office_due_at = {due}, "
            f"search_bigrams = {bigrams_sql('c.number', 'c.location')} WHERE c.party_id IS NULL")
        # Run now any deferred foreign-key checks the UPDATEs queued: PostgreSQL refuses to index a
        # table with pending trigger events.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        schema_editor.execute(
            f"CREATE INDEX {GIN_INDEX} ON casework_case USING gin (string_to_array(search_bigrams, ' '))"
        )
        return
    schema_editor.execute(f"UPDATE casework_case SET office_due_at = {OFFICE_DUE_AT.format(case='casework_case')}")
    Case = apps.get_model("casework", "Case")
    for case in Case.objects.select_related("party").iterator(chunk_size=2000):
        party = case.party
        bigrams = case_search_bigrams(
            number=case.number, location=case.location,
            party_name=party.name if party else "", party_address=party.address if party else "")
        Case.objects.filter(pk=case.pk).update(search_bigrams=bigrams)


def drop_gin_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {GIN_INDEX}")


class Migration(migrations.Migration):

    dependencies = [
        ("casework", "0011_clock_case_columns"),
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
        migrations.AddField(
            model_name="case",
            name="office_due_at",
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name="office's next deadline"),
        ),
        migrations.RunPython(fill_columns, drop_gin_index),
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
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=["office_due_at"], include=("id", "year", "sequence", "status", "squad"),
                               name="case_list_overdue_idx"),
        ),
    ]
