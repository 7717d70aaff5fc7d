"""Campaigns and letters are the legal team's work: administrators keep read access only."""

from django.db import migrations

MODELS = ["campaign", "ladderstep", "notice", "deliveryattempt", "followup"]
CODENAMES = [f"{action}_{model}" for action in ("add", "change", "delete") for model in MODELS]


def _admin_and_permissions(apps):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    perms = Permission.objects.filter(
        codename__in=CODENAMES, content_type__app_label="warnings_app"
    )
    return Group.objects.filter(name="Admin").first(), perms


def forwards(apps, schema_editor):
    admin, perms = _admin_and_permissions(apps)
    if admin is not None:
        admin.permissions.remove(*perms)


def backwards(apps, schema_editor):
    admin, perms = _admin_and_permissions(apps)
    if admin is not None:
        admin.permissions.add(*perms)


class Migration(migrations.Migration):
    dependencies = [("warnings_app", "0006_notice_problem")]

    operations = [migrations.RunPython(forwards, backwards)]
