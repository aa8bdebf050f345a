"""Giving tasks written before their case's squad (workflows migrations 0004 and 0006).

Not a migration: the loader skips modules whose names start with "_".
"""


def name_case_squads(apps, schema_editor, roles: tuple[str, ...]) -> None:
    """Every task needing one of `roles` that names no squad is given its case's squad."""
    Task = apps.get_model("viewflow", "Task")
    if not Task.objects.filter(owner_permission__in=roles, owner_permission_obj_pk__isnull=True).exists():
        return
    ContentType = apps.get_model("contenttypes", "ContentType")
    squad_type, _ = ContentType.objects.get_or_create(app_label="casework", model="squad")
    # One statement joining the tasks to their cases (PostgreSQL and SQLite 3.33+): at a million
    # cases it gives millions of tasks their squad.
    schema_editor.execute(
        "UPDATE viewflow_task SET owner_permission_content_type_id = %s, "
        "owner_permission_obj_pk = CAST(named.squad_id AS TEXT) "
        "FROM (SELECT p.process_ptr_id, c.squad_id FROM workflows_demolitionprocess p "
        "      JOIN casework_case c ON c.id = p.case_id) AS named "
        "WHERE viewflow_task.process_id = named.process_ptr_id "
        f"AND viewflow_task.owner_permission IN ({', '.join(['%s'] * len(roles))}) "
        "AND viewflow_task.owner_permission_obj_pk IS NULL",
        [squad_type.pk, *roles],
    )


def forget_squads(apps, roles: tuple[str, ...]) -> None:
    Task = apps.get_model("viewflow", "Task")
    Task.objects.filter(owner_permission__in=roles).update(owner_permission_content_type=None,
                                                           owner_permission_obj_pk=None)
