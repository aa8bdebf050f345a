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

SQUAD_ROLES = ("field_officer", "supervisor")
INDEX = (
    "CREATE INDEX workflows_task_unowned_new_in_squad ON viewflow_task "
    "(owner_permission, owner_permission_obj_pk, created) WHERE status = 'NEW' AND owner_id IS NULL"
)


def offer_in_case_squads(apps, schema_editor):
    Task = apps.get_model("viewflow", "Task")
    if not Task.objects.filter(owner_permission__in=SQUAD_ROLES, owner_permission_obj_pk__isnull=True).exists():
        return
    ContentType = apps.get_model("contenttypes", "ContentType")
    squad_type, _ = ContentType.objects.get_or_create(app_label="casework", model="squad")
    # One statement joining the tasks to their cases (PostgreSQL and SQLite 3.33+): at a million
    # cases this gives about ten million tasks their squad.
    schema_editor.execute(
        "UPDATE viewflow_task SET owner_permission_content_type_id = %s, "
        "owner_permission_obj_pk = CAST(offered.squad_id AS TEXT) "
        "FROM (SELECT p.process_ptr_id, c.squad_id FROM workflows_demolitionprocess p "
        "      JOIN casework_case c ON c.id = p.case_id) AS offered "
        "WHERE viewflow_task.process_id = offered.process_ptr_id "
        "AND viewflow_task.owner_permission IN (%s, %s) AND viewflow_task.owner_permission_obj_pk IS NULL",
        [squad_type.pk, *SQUAD_ROLES],
    )


def forget_squads(apps, schema_editor):
    Task = apps.get_model("viewflow", "Task")
    Task.objects.filter(owner_permission__in=SQUAD_ROLES).update(
        owner_permission_content_type=None, owner_permission_obj_pk=None
    )


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
