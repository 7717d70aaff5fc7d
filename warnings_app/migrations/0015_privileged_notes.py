"""Legal may include privileged notes (attorney work product) in exports and evidence bundles;
no other role may. The codename is written out here, as in 0002_roles."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def grant(apps, schema_editor):
    app_config = apps.get_app_config("warnings_app")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permission = Permission.objects.get(
        codename="include_privileged", content_type__app_label="warnings_app"
    )
    group, _ = Group.objects.get_or_create(name="Legal")
    group.permissions.add(permission)


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Permission.objects.filter(
        codename="include_privileged", content_type__app_label="warnings_app"
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("warnings_app", "0014_audit_chain"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="notice",
            options={
                "ordering": ["-created_at", "-pk"],
                "permissions": [
                    ("approve_notice", "Can approve notices (four eyes)"),
                    ("send_notice", "Can send notices"),
                    ("view_reports", "Can view dashboards and export reports"),
                    (
                        "include_privileged",
                        "Can include privileged notes in exports and bundles",
                    ),
                ],
            },
        ),
        migrations.RunPython(grant, revoke),
    ]
