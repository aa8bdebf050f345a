"""A squad role's task names the squad it is offered in, and an index finds them by it.

The tasks of field officers and supervisors are offered to the holders of the role in the
case's squad (workflows.assignment). The flow now records that squad as viewflow's permission
object of the task (owner_permission_obj: "the permission, on this object"), so a person's
queue is read from an index by role and squad. Before, the queue matched each task's case for
its squad, walking every squad's unowned tasks of the role: a cost growing with the number of
squads, not with the person's work.

The tasks written before are given their case's squad here (the squad of a case does not
change after its registration).
"""

from django.db import migrations

from workflows.migrations._task_squads import forget_squads as forget_squads_of
from workflows.migrations._task_squads import name_case_squads as name_case_squads_of

SQUAD_ROLES = ("field_officer", "supervisor")
INDEX = (
    "CREATE INDEX workflows_task_unowned_new_in_squad ON viewflow_task "
    "(owner_permission, owner_permission_obj_pk, created) WHERE status = 'NEW' AND owner_id IS NULL"
)


def offer_in_case_squads(apps, schema_editor):
    name_case_squads_of(apps, schema_editor, SQUAD_ROLES)


def forget_squads(apps, schema_editor):
    forget_squads_of(apps, SQUAD_ROLES)


class Migration(migrations.Migration):
    dependencies = [
        ("workflows", "0003_newest_first_indexes"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    # The index first: on PostgreSQL the UPDATE leaves the content type's deferred foreign key
    # checks pending until the commit, and an index cannot be built on the table meanwhile.
    operations = [
        migrations.RunSQL(INDEX, "DROP INDEX workflows_task_unowned_new_in_squad"),
        migrations.RunPython(offer_in_case_squads, forget_squads),
    ]
