"""Evidence bundles built by a worker: what was asked for, by whom, how far the build has got,
and the finished zip in storage with its SHA-256. A bundle is built once and never changed; a
newer state of the register is a new bundle."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class EvidenceBundle(models.Model):
    class Kind(models.TextChoices):
        COMPANY = "company", "Company"
        CAMPAIGN = "campaign", "Campaign"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        BUILDING = "building", "Building"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    ACTIVE = (Status.QUEUED, Status.BUILDING)

    subject_kind = models.CharField(max_length=10, choices=Kind.choices)
    subject_id = models.PositiveBigIntegerField()
    subject_name = models.CharField(max_length=300)
    # Legal's internal notes (attorney work product) are in it: only Legal may download it.
    include_privileged = models.BooleanField(default=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    done = models.PositiveIntegerField(default=0)  # letters and replies written so far
    total = models.PositiveIntegerField(default=0)  # letters and replies to write
    file = models.FileField(upload_to="bundles/%Y/%m/", blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    size = models.PositiveBigIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            # One build at a time per subject: asking again while it runs shows that one.
            models.UniqueConstraint(
                fields=["subject_kind", "subject_id", "include_privileged"],
                condition=Q(status__in=["queued", "building"]),
                name="one_active_bundle_per_subject",
            ),
            models.CheckConstraint(
                condition=~Q(status="ready") | (Q(sha256__regex=r"^[0-9a-f]{64}$") & ~Q(file="")),
                name="ready_bundle_has_file_and_hash",
            ),
        ]

    def __str__(self) -> str:
        return f"evidence bundle {self.pk} of {self.subject_kind} {self.subject_name}"

    @property
    def percent(self) -> int:
        return 100 if self.status == self.Status.READY else self.done * 100 // max(self.total, 1)
