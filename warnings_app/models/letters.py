"""Letter templates and their versions. A version used by any notice is frozen for good."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class LetterTemplate(models.Model):
    class Kind(models.TextChoices):
        INITIAL_NOTICE = "initial_notice", "Initial notice"
        REMINDER = "reminder", "Reminder"
        FINAL_NOTICE = "final_notice", "Final notice"
        CEASE_AND_DESIST = "cease_and_desist", "Cease and desist"
        LICENCE_INVITATION = "licence_invitation", "Licence invitation"

    class PaperSize(models.TextChoices):
        A4 = "A4", "A4"
        LETTER = "letter", "US Letter"

    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=30, choices=Kind.choices)
    # ISO country code the wording is written for, or "*" for any jurisdiction.
    jurisdiction = models.CharField(max_length=2, default="*")
    language = models.CharField(max_length=10, default="en")
    paper_size = models.CharField(max_length=10, choices=PaperSize.choices, default=PaperSize.A4)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["kind", "jurisdiction", "language", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(jurisdiction="*") | Q(jurisdiction__regex=r"^[A-Z]{2}$"),
                name="template_jurisdiction_iso2_or_any",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class TemplateVersion(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted for approval"
        APPROVED = "approved", "Approved"
        RETIRED = "retired", "Retired"

    template = models.ForeignKey(LetterTemplate, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    subject = models.CharField(max_length=300)
    body = models.TextField(max_length=100_000)
    layout = models.CharField(max_length=50, default="standard")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Everyone who changed the text while it was a draft: none of them may approve it (four eyes
    # counts every hand on the wording, not only whoever opened or submitted the draft).
    edited_by = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    # Set by the first render that pins this version; from then on its text never changes.
    frozen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["template", "-number"]
        permissions = [("approve_templateversion", "Can approve template versions")]
        constraints = [
            models.UniqueConstraint(fields=["template", "number"], name="template_version_number"),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "submitted", "approved", "retired"]),
                name="template_version_valid_status",
            ),
            models.CheckConstraint(
                condition=~Q(status="approved") | Q(approved_at__isnull=False),
                name="template_version_approved_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(approved_by=models.F("created_by")),
                name="template_version_four_eyes",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.template} v{self.number}"

    @property
    def is_frozen(self) -> bool:
        return self.frozen_at is not None
