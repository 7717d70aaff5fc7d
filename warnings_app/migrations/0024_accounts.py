"""Accounts (issue 17): role grants that wait for a second person, enrolment codes, and the
roles' rights over accounts. Admin no longer changes groups (the four roles are fixed; their
permissions change only in migrations like this one) nor deletes users (the audit chain names
them); it requests roles, issues enrolment codes, and with Legal confirms another's request.
Codenames are written out here, as in 0002_roles."""

import django.db.models.deletion
from django.conf import settings
from django.contrib.auth.management import create_permissions
from django.db import migrations, models

CHANGES = {
    # role: (codenames added, codenames removed)
    "Admin": (
        ["add_rolegrant", "view_rolegrant", "confirm_rolegrant", "add_enrolmentcode"],
        ["add_group", "change_group", "delete_group", "view_group", "delete_user"],
    ),
    "Legal": (["view_rolegrant", "confirm_rolegrant"], []),
}


def _permissions(apps, codenames):
    Permission = apps.get_model("auth", "Permission")
    found = Permission.objects.filter(
        codename__in=codenames, content_type__app_label__in=["warnings_app", "auth"]
    )
    missing = set(codenames) - set(found.values_list("codename", flat=True))
    if missing:
        raise RuntimeError(f"unknown permissions {sorted(missing)}")
    return found


def forwards(apps, schema_editor):
    app_config = apps.get_app_config("warnings_app")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    for role, (added, removed) in CHANGES.items():
        group = Group.objects.filter(name=role).first()
        if group is not None:
            group.permissions.add(*_permissions(apps, added))
            group.permissions.remove(*_permissions(apps, removed))


def backwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for role, (added, removed) in CHANGES.items():
        group = Group.objects.filter(name=role).first()
        if group is not None:
            group.permissions.remove(*_permissions(apps, added))
            group.permissions.add(*_permissions(apps, removed))


class Migration(migrations.Migration):
    dependencies = [
        ("warnings_app", "0023_template_editors_crawlers_link_recipients"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="EnrolmentCode",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("code_hash", models.CharField(max_length=128)),
                ("issued_at", models.DateTimeField()),
                ("expires_at", models.DateTimeField()),
                ("used_at", models.DateTimeField(blank=True, null=True)),
                (
                    "issued_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="enrolment_codes",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["-issued_at", "-pk"],
            },
        ),
        migrations.CreateModel(
            name="RoleGrant",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("role", models.CharField(max_length=150)),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("pending", "Waiting for a second person"),
                            ("confirmed", "Confirmed"),
                            ("cancelled", "Cancelled"),
                        ],
                        default="pending",
                        max_length=10,
                    ),
                ),
                ("requested_at", models.DateTimeField()),
                ("decided_at", models.DateTimeField(blank=True, null=True)),
                (
                    "decided_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "requested_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "subject",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="role_grants",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["-requested_at", "-pk"],
                "permissions": [
                    ("confirm_rolegrant", "Can confirm a role grant requested by another")
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("status__in", ["pending", "confirmed", "cancelled"])),
                        name="rolegrant_valid_status",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("status", "pending")),
                        fields=("subject", "role"),
                        name="rolegrant_one_pending",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("requested_by", models.F("subject")), _negated=True),
                        name="rolegrant_not_to_self",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("decided_by__isnull", True),
                            models.Q(
                                models.Q(("decided_by", models.F("subject")), _negated=True),
                                models.Q(
                                    models.Q(
                                        ("decided_by", models.F("requested_by")), _negated=True
                                    ),
                                    models.Q(("status", "confirmed"), _negated=True),
                                    _connector="OR",
                                ),
                            ),
                            _connector="OR",
                        ),
                        name="rolegrant_second_person",
                    ),
                ],
            },
        ),
        migrations.RunPython(forwards, backwards),
    ]
