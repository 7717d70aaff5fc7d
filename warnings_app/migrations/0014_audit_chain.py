"""Chain the audit log by hash, fill the chain in for the events already written (in id
order), then forbid changing or deleting an event on PostgreSQL. TRUNCATE is left alone: the
test runner empties tables with it, and only the database owner may run it."""

import django.db.models.functions
import django.db.models.lookups
import django.utils.timezone
from django.db import migrations, models

from warnings_app.domain import audit_chain

APPEND_ONLY = """
CREATE OR REPLACE FUNCTION warnings_app_auditevent_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only';
END
$$;
CREATE TRIGGER warnings_app_auditevent_append_only
BEFORE UPDATE OR DELETE ON warnings_app_auditevent
FOR EACH ROW EXECUTE FUNCTION warnings_app_auditevent_append_only();
"""
DROP_APPEND_ONLY = """
DROP TRIGGER IF EXISTS warnings_app_auditevent_append_only ON warnings_app_auditevent;
DROP FUNCTION IF EXISTS warnings_app_auditevent_append_only();
"""


def chain_existing(apps, schema_editor):
    """Link the events already written, oldest id first. Uses the chain rules of today's code
    on purpose: the migration's output must verify with them."""
    event_model = apps.get_model("warnings_app", "AuditEvent")
    prev = audit_chain.GENESIS
    batch = []
    for event in event_model.objects.order_by("pk").iterator(chunk_size=2000):
        event.prev_hash = prev
        event.hash = prev = audit_chain.event_hash(prev, event.__dict__)
        batch.append(event)
        if len(batch) >= 2000:
            event_model.objects.bulk_update(batch, ["prev_hash", "hash"])
            batch = []
    if batch:
        event_model.objects.bulk_update(batch, ["prev_hash", "hash"])


def append_only(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(APPEND_ONLY)


def not_append_only(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_APPEND_ONLY)


class Migration(migrations.Migration):
    dependencies = [
        ("warnings_app", "0013_idempotency_keys"),
    ]

    operations = [
        migrations.AlterField(
            model_name="auditevent",
            name="created_at",
            field=models.DateTimeField(
                db_index=True, default=django.utils.timezone.now, editable=False
            ),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="prev_hash",
            field=models.CharField(default="", editable=False, max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditevent",
            name="hash",
            field=models.CharField(default="", editable=False, max_length=64),
            preserve_default=False,
        ),
        migrations.RunPython(chain_existing, migrations.RunPython.noop, elidable=False),
        migrations.AddConstraint(
            model_name="auditevent",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    django.db.models.lookups.Exact(django.db.models.functions.Length("hash"), 64),
                    django.db.models.lookups.Exact(
                        django.db.models.functions.Length("prev_hash"), 64
                    ),
                ),
                name="auditevent_chained",
            ),
        ),
        migrations.RunPython(append_only, not_append_only),
    ]
