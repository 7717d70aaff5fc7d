"""Create the four role groups with their permissions.

The permission lists are written out here, not imported, so this migration keeps meaning the
same thing when the code moves on; later migrations change a role by adding or removing codenames.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

DOMAIN = [
    "company",
    "contact",
    "tag",
    "principal",
    "work",
    "evidenceitem",
    "lettertemplate",
    "templateversion",
    "campaign",
    "ladderstep",
    "notice",
    "deliveryattempt",
    "followup",
    "response",
    "responseattachment",
    "demandanswer",
]


def _perms(actions, models):
    return [f"{action}_{model}" for action in actions for model in models]


ROLES = {
    "Legal": _perms(["view"], [*DOMAIN, "auditevent"])
    + _perms(["add", "change"], DOMAIN)
    + ["approve_notice", "send_notice", "approve_templateversion", "view_reports"],
    "Paralegal": _perms(["view"], DOMAIN)
    + _perms(
        ["add", "change"],
        [
            "company",
            "contact",
            "tag",
            "evidenceitem",
            "deliveryattempt",
            "response",
            "responseattachment",
            "demandanswer",
        ],
    ),
    "Manager": [*_perms(["view"], DOMAIN), "view_reports"],
    # Administrators run users, roles and settings. They do not approve or send letters:
    # that stays with Legal, so no single administrator can issue a letter alone.
    "Admin": [
        *_perms(["view", "add", "change", "delete"], DOMAIN),
        "view_auditevent",
        "view_reports",
        "view_heartbeat",
        *_perms(["view", "add", "change", "delete"], ["user", "group"]),
    ],
}


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations; create them now so groups can get them.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in ROLES.items():
        group, _ = Group.objects.get_or_create(name=role)
        found = Permission.objects.filter(
            codename__in=codenames, content_type__app_label__in=["warnings_app", "auth"]
        )
        missing = set(codenames) - set(found.values_list("codename", flat=True))
        if missing:
            raise RuntimeError(f"role {role}: unknown permissions {sorted(missing)}")
        group.permissions.set(found)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("warnings_app", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
