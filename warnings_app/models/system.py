"""Bookkeeping rows: the audit log and its anchors, reference counters and process heartbeats."""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import Exact
from django.utils import timezone


class AuditEvent(models.Model):
    """One recorded change: who did what to which object, from which state to which. Append
    only, and chained by hash (warnings_app/domain/audit_chain.py): write through services.audit."""

    # Not auto_now_add: the time is part of the hash, so it is set before the insert.
    created_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    verb = models.CharField(max_length=100, db_index=True)
    target_type = models.CharField(max_length=100, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    target_repr = models.CharField(max_length=300, blank=True)
    from_state = models.CharField(max_length=50, blank=True)
    to_state = models.CharField(max_length=50, blank=True)
    data = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    prev_hash = models.CharField(max_length=64, editable=False)
    hash = models.CharField(max_length=64, editable=False)

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["target_type", "target_id"])]
        constraints = [
            # Only the chain writer fills these; a row saved around it is refused.
            models.CheckConstraint(
                condition=Q(Exact(Length("hash"), 64), Exact(Length("prev_hash"), 64)),
                name="auditevent_chained",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.verb} {self.target_repr}"


class AuditAnchor(models.Model):
    """The audit chain's head at one moment (event id and hash), timestamped by a timestamp
    authority (RFC 3161) and copied outside the database (e-mail, write-once file). Append only
    like the events (a trigger on PostgreSQL): written by services.audit_anchors, checked by
    verify_integrity. The anchor's own audit event comes after the head it anchors."""

    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Not a foreign key: the event may be deleted behind the application's back, and the
    # anchor must outlive it to say so.
    event_id = models.BigIntegerField(unique=True)  # one anchor per head
    event_hash = models.CharField(max_length=64)
    stamped = models.BinaryField(help_text="The exact bytes timestamped.")
    token = models.BinaryField(help_text="The RFC 3161 timestamp token (DER).")
    stamped_at = models.DateTimeField(help_text="The time in the token.")
    authority = models.CharField(max_length=300)
    demo = models.BooleanField(default=False, help_text="Stamped by the demo authority.")
    emailed_to = models.CharField(max_length=254, blank=True)
    file_path = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["pk"]
        permissions = [("anchor_audit_chain", "Can anchor the audit chain on demand")]

    def __str__(self) -> str:
        return f"anchor #{self.pk}: event {self.event_id} at {self.stamped_at:%Y-%m-%d %H:%M}"


class ReferenceCounter(models.Model):
    """The last reference number handed out per prefix and year. Incremented under a row lock
    inside the transaction that creates the notice, so a rollback returns the number: no gaps."""

    prefix = models.CharField(max_length=10)
    year = models.PositiveSmallIntegerField()
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["prefix", "year"], name="reference_counter_key"),
        ]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.year}: {self.last_value}"


class Heartbeat(models.Model):
    """When a background process (worker, beat) last proved it was alive."""

    name = models.CharField(max_length=50, unique=True)
    seen_at = models.DateTimeField()
    detail = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"{self.name} @ {self.seen_at:%H:%M:%S}"
