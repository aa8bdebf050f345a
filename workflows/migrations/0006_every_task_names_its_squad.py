"""Every person's task names its case's squad, and the dashboard's columns are read by it.

Migration 0004 gave the field officers' and supervisors' tasks their case's squad (viewflow's
permission object) for the tasks a person may take. The other roles' tasks (negotiator, legal
reviewer, head of office) get it too: a squad's supervisor and officers see every open task of
their squad's cases on the process dashboard, whoever does it. Each column is then read from an
index by step and squad, newest first; matched through each task's case, a column walked the
open tasks of every squad at its step to keep the squad's.
"""

from django.db import migrations

from workflows.migrations._task_squads import forget_squads as forget_squads_of
from workflows.migrations._task_squads import name_case_squads as name_case_squads_of

OTHER_ROLES = ("negotiator", "legal_reviewer", "head_of_office")
INDEX = (
    "CREATE INDEX workflows_task_open_by_node_in_squad ON viewflow_task "
    "(flow_task, owner_permission_obj_pk, created) WHERE finished IS NULL OR status = 'ERROR'"
)


def name_case_squads(apps, schema_editor):
    name_case_squads_of(apps, schema_editor, OTHER_ROLES)


def forget_squads(apps, schema_editor):
    forget_squads_of(apps, OTHER_ROLES)


class Migration(migrations.Migration):
    dependencies = [
        ("workflows", "0005_open_tasks_by_process"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    # The index first, as in 0004: on PostgreSQL the UPDATE's deferred foreign key checks stay
    # pending until the commit, and no index can be built on the table meanwhile.
    operations = [
        migrations.RunSQL(INDEX, "DROP INDEX workflows_task_open_by_node_in_squad"),
        migrations.RunPython(name_case_squads, forget_squads),
    ]
