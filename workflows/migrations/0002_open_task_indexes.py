"""Indexes on viewflow's task table for the reads that stay small while the table grows with
every step of every case (about 20 rows per case: 20 million at a million cases).

- open (or failed) tasks by node, newest first: the process dashboard's columns, in the
  dashboard's own terms so that PostgreSQL can use it;
- a person's assigned tasks by age: the inbox (newest first) and "My work" (oldest first);
- unowned new tasks by role, oldest first: the tasks a person may take ("My work");
- a person's finished tasks, newest first: the archive, and its count without reading the rows.

viewflow's own indexes (status, owner, created, process) each match millions of finished rows.
Partial indexes hold only the rows these reads can return; SQLite builds them the same way.
"""

from django.db import migrations

INDEXES = {
    "workflows_task_open_by_node": "(flow_task, created) WHERE finished IS NULL OR status = 'ERROR'",
    "workflows_task_assigned_by_owner": "(owner_id, created) WHERE status IN ('ASSIGNED', 'STARTED')",
    "workflows_task_unowned_new": "(owner_permission, created) WHERE status = 'NEW' AND owner_id IS NULL",
    "workflows_task_done_by_owner": "(owner_id, created) WHERE finished IS NOT NULL AND flow_task_type = 'HUMAN'",
}


class Migration(migrations.Migration):
    dependencies = [
        ("workflows", "0001_demolition_process"),
        ("viewflow", "0015_task_scheduled"),
    ]

    operations = [
        migrations.RunSQL(f"CREATE INDEX {name} ON viewflow_task {definition}", f"DROP INDEX {name}")
        for name, definition in INDEXES.items()
    ]
