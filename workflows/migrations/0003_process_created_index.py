"""The process list (/process/processes/) shows the newest processes first: without an index on
viewflow_process.created, PostgreSQL sorted every process of the office (one per case) for each
page. viewflow indexes the column on its tasks, not on its processes."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("workflows", "0002_open_task_indexes"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX workflows_process_by_created ON viewflow_process (created)",
            "DROP INDEX workflows_process_by_created",
        ),
    ]
