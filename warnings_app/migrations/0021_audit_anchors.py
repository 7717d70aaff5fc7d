"""Anchors of the audit chain: its head, timestamped and copied outside the database. Like the
events (0014), an anchor cannot be changed or deleted on PostgreSQL (a trigger; TRUNCATE and
disabling the trigger are left to the tables' owner, which the application's role must not be:
docs/operations.md). Legal and Admin may anchor on demand."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.contrib.auth.management import create_permissions
from django.db import migrations, models

APPEND_ONLY = """
CREATE OR REPLACE FUNCTION warnings_app_auditanchor_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit anchors are append-only';
END
$$;
CREATE TRIGGER warnings_app_auditanchor_append_only
BEFORE UPDATE OR DELETE ON warnings_app_auditanchor
FOR EACH ROW EXECUTE FUNCTION warnings_app_auditanchor_append_only();
"""
DROP_APPEND_ONLY = """
DROP TRIGGER IF EXISTS warnings_app_auditanchor_append_only ON warnings_app_auditanchor;
DROP FUNCTION IF EXISTS warnings_app_auditanchor_append_only();
"""
ANCHORING_ROLES = ("Legal", "Admin")


def append_only(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(APPEND_ONLY)


def not_append_only(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_APPEND_ONLY)


def grant(apps, schema_editor):
    app_config = apps.get_app_config("warnings_app")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permission = Permission.objects.get(
        codename="anchor_audit_chain", content_type__app_label="warnings_app"
    )
    for name in ANCHORING_ROLES:
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(permission)


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Permission.objects.filter(
        codename="anchor_audit_chain", content_type__app_label="warnings_app"
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("warnings_app", "0020_mail_evidence"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="AuditAnchor",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "created_at",
                    models.DateTimeField(default=django.utils.timezone.now, editable=False),
                ),
                ("event_id", models.BigIntegerField(unique=True)),
                ("event_hash", models.CharField(max_length=64)),
                ("stamped", models.BinaryField(help_text="The exact bytes timestamped.")),
                ("token", models.BinaryField(help_text="The RFC 3161 timestamp token (DER).")),
                ("stamped_at", models.DateTimeField(help_text="The time in the token.")),
                ("authority", models.CharField(max_length=300)),
                (
                    "demo",
                    models.BooleanField(default=False, help_text="Stamped by the demo authority."),
                ),
                ("emailed_to", models.CharField(blank=True, max_length=254)),
                ("file_path", models.CharField(blank=True, max_length=500)),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["pk"],
                "permissions": [("anchor_audit_chain", "Can anchor the audit chain on demand")],
            },
        ),
        migrations.RunPython(append_only, not_append_only),
        migrations.RunPython(grant, revoke),
    ]
