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


def forwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    admin = Group.objects.filter(name="Admin").first()
    if admin is not None:
        admin.permissions.remove(
            *Permission.objects.filter(
                codename__in=CODENAMES, content_type__app_label="warnings_app"
            )
        )


def backwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    admin = Group.objects.filter(name="Admin").first()
    if admin is not None:
        admin.permissions.add(
            *Permission.objects.filter(
                codename__in=CODENAMES, content_type__app_label="warnings_app"
            )
        )


class Migration(migrations.Migration):
    dependencies = [("warnings_app", "0003_letters_and_four_eyes")]

    operations = [migrations.RunPython(forwards, backwards)]
