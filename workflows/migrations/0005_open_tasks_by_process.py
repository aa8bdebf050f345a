"""The open task of each process, found from the process.

A negotiator's dashboard shows the open tasks of the cases assigned to them, whatever step
they are at (workflows.viewsets.ProcessDashboardView._columns_ranked). Without this index
PostgreSQL read every open task of the office at every step and kept the negotiator's: at a
million cases, 280,000 rows for the 6,900 open tasks of a negotiator's 34,000 cases, 590 ms.
From the negotiator's cases, through their processes, each open task is one index entry away:
the page took 250-300 ms instead of 545-650. viewflow's own index on the process holds every
task of every step (about 20 a case).
"""

from django.db import migrations

INDEX = "workflows_task_open_by_process"


class Migration(migrations.Migration):
    dependencies = [
        ("workflows", "0004_tasks_offered_in_squad"),
    ]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX {INDEX} ON viewflow_task (process_id) WHERE finished IS NULL OR status = 'ERROR'",
            f"DROP INDEX {INDEX}",
        ),
    ]
