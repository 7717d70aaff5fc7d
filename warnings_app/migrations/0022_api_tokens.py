"""API tokens become knox tokens of ours (ApiToken: digest only, named, expiring), and the
plain-text keys of DRF's authtoken app are destroyed.

rest_framework.authtoken is no longer installed, so Django neither reads nor drops its table;
its keys would stay readable in the database and in every backup. Its migrations are not loaded
any more either, so its model cannot be reached through `apps`: the table is found by
introspection and dropped if present (a fresh database never had it), and authtoken's rows in
django_migrations go too, so re-installing the app one day would create an empty table rather
than expect this one. There is no way back: a dropped plain-text key is meant to stay gone."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.migrations.recorder import MigrationRecorder

OLD_TABLE = "authtoken_token"


def drop_plain_text_tokens(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
    if OLD_TABLE in tables:
        schema_editor.execute(f"DROP TABLE {schema_editor.quote_name(OLD_TABLE)}")
    MigrationRecorder(connection).migration_qs.filter(app="authtoken").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("warnings_app", "0021_audit_anchors"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ApiToken",
            fields=[
                ("token_key", models.CharField(db_index=True, max_length=25)),
                ("created", models.DateTimeField(auto_now_add=True)),
                ("expiry", models.DateTimeField(blank=True, null=True)),
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("digest", models.CharField(max_length=128, unique=True)),
                (
                    "name",
                    models.CharField(
                        help_text="What the token is for, e.g. “CRM sync”", max_length=100
                    ),
                ),
                ("last_used", models.DateTimeField(blank=True, null=True)),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="auth_token_set",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "API token",
                "ordering": ["-created", "-id"],
            },
        ),
        migrations.RunPython(drop_plain_text_tokens, migrations.RunPython.noop),
    ]
