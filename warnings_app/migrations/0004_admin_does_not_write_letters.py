"""Letter wording belongs to the legal team: administrators keep read access to templates but
no longer add or change them (0002 gave every domain model to Admin)."""

from django.db import migrations

CODENAMES = [
    "add_lettertemplate",
    "change_lettertemplate",
    "delete_lettertemplate",
    "add_templateversion",
    "change_templateversion",
    "delete_templateversion",
]


def _admin_letter_permissions(apps):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    admin = Group.objects.filter(name="Admin").first()
    perms = Permission.objects.filter(
        codename__in=CODENAMES, content_type__app_label="warnings_app"
    )
    return admin, perms


def forwards(apps, schema_editor):
    admin, perms = _admin_letter_permissions(apps)
    if admin is not None:
        admin.permissions.remove(*perms)


def backwards(apps, schema_editor):
    admin, perms = _admin_letter_permissions(apps)
    if admin is not None:
        admin.permissions.add(*perms)


class Migration(migrations.Migration):
    dependencies = [("warnings_app", "0003_letters_and_four_eyes")]

    operations = [migrations.RunPython(forwards, backwards)]
