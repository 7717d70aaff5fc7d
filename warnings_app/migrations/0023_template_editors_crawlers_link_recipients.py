"""Issue 17's smaller holes: every editor of a template version is recorded (filled for existing
versions from their audit events), crawler user agents are validated at the model, and only
Legal may send an artist's private link to an address not on record."""

from django.conf import settings
from django.contrib.auth.management import create_permissions
from django.db import migrations, models

import warnings_app.domain.crawlers


def editors_from_the_audit(apps, schema_editor):
    """Versions edited before editors were recorded: their editors are the actors of their
    `template_version.edited` audit events."""
    AuditEvent = apps.get_model("warnings_app", "AuditEvent")
    TemplateVersion = apps.get_model("warnings_app", "TemplateVersion")
    Editor = TemplateVersion.edited_by.through
    pairs = set(
        AuditEvent.objects.filter(
            verb="template_version.edited",
            target_type="warnings_app.templateversion",
            actor__isnull=False,
        ).values_list("target_id", "actor_id")
    )
    existing = set(TemplateVersion.objects.values_list("pk", flat=True))
    Editor.objects.bulk_create(
        [
            Editor(templateversion_id=int(target), user_id=actor)
            for target, actor in pairs
            if target.isdigit() and int(target) in existing
        ],
        ignore_conflicts=True,
    )


def grant_any_address(apps, schema_editor):
    app_config = apps.get_app_config("warnings_app")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permission = Permission.objects.get(
        codename="send_link_to_any_address", content_type__app_label="warnings_app"
    )
    group, _ = Group.objects.get_or_create(name="Legal")
    group.permissions.add(permission)


def revoke_any_address(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Permission.objects.filter(
        codename="send_link_to_any_address", content_type__app_label="warnings_app"
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("warnings_app", "0022_api_tokens"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="preferencelink",
            options={
                "ordering": ["-created_at", "-pk"],
                "permissions": [
                    (
                        "send_link_to_any_address",
                        "Can send an artist's private link to an address not on record",
                    )
                ],
            },
        ),
        migrations.AddField(
            model_name="templateversion",
            name="edited_by",
            field=models.ManyToManyField(blank=True, related_name="+", to=settings.AUTH_USER_MODEL),
        ),
        migrations.AlterField(
            model_name="aicrawler",
            name="user_agent",
            field=models.CharField(
                help_text="e.g. GPTBot",
                max_length=100,
                unique=True,
                validators=[warnings_app.domain.crawlers.validate_user_agent],
            ),
        ),
        migrations.RunPython(editors_from_the_audit, migrations.RunPython.noop),
        migrations.RunPython(grant_any_address, revoke_any_address),
    ]
