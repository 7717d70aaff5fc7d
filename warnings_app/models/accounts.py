"""Accounts: role grants that wait for a second person, and the one-time codes that let a person
bind an authenticator app. The rules are in services/accounts.py; these rows are what they did."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class RoleGrant(models.Model):
    """A request to give a user a role. The powerful roles (domain/roles.POWERFUL_ROLES) stay
    pending until a second person confirms; the others are confirmed by the request itself.
    Kept after the decision: the history of who gave whom which rights."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for a second person"
        CONFIRMED = "confirmed", "Confirmed"
        CANCELLED = "cancelled", "Cancelled"

    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="role_grants"
    )
    role = models.CharField(max_length=150)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        permissions = [("confirm_rolegrant", "Can confirm a role grant requested by another")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "confirmed", "cancelled"]),
                name="rolegrant_valid_status",
            ),
            # One open request per person and role: a second would only be confirmed twice.
            models.UniqueConstraint(
                fields=["subject", "role"],
                condition=Q(status="pending"),
                name="rolegrant_one_pending",
            ),
            # Nobody grants a role to themselves, nor confirms their own request.
            models.CheckConstraint(
                condition=~Q(requested_by=models.F("subject")), name="rolegrant_not_to_self"
            ),
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True)
                | ~Q(decided_by=models.F("subject"))
                & (~Q(decided_by=models.F("requested_by")) | ~Q(status="confirmed")),
                name="rolegrant_second_person",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.role} for {self.subject} ({self.status})"


class EnrolmentCode(models.Model):
    """A one-time code an Admin issues so a person can bind an authenticator app. Only its hash
    is stored; it is good once, before `expires_at`. Issuing a new one ends the older ones."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="enrolment_codes"
    )
    code_hash = models.CharField(max_length=128)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-issued_at", "-pk"]

    def __str__(self) -> str:
        return f"Enrolment code for {self.user} issued {self.issued_at:%Y-%m-%d %H:%M}"
