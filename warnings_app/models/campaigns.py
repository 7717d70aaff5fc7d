"""A campaign issues one template to many companies and chases them up a ladder of steps."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class Campaign(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        GENERATING = "generating", "Generating letters"
        IN_REVIEW = "in_review", "In review"
        APPROVED = "approved", "Approved"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        # Every letter that left was answered by the provider, but some failed or need a person.
        PARTLY_SENT = "partly_sent", "Partly sent"
        PAUSED = "paused", "Paused"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"

    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True, max_length=5000)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    # While paused: the status a resume returns to (what it was when paused); empty otherwise.
    resume_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    template_version = models.ForeignKey(
        "warnings_app.TemplateVersion", on_delete=models.PROTECT, related_name="campaigns"
    )
    principals = models.ManyToManyField("warnings_app.Principal", related_name="campaigns")
    works = models.ManyToManyField("warnings_app.Work", blank=True, related_name="campaigns")
    # The recipient filter as chosen (segment, country, parent, tags) so it can be shown later.
    recipient_filter = models.JSONField(default=dict, blank=True)
    response_window_days = models.PositiveSmallIntegerField(
        default=15, help_text="Business days the recipient has to reply"
    )
    channels = models.JSONField(default=list, blank=True, help_text='e.g. ["email", "post"]')
    signatory_name = models.CharField(max_length=200, blank=True)
    signatory_title = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    status__in=[
                        "draft",
                        "generating",
                        "in_review",
                        "approved",
                        "sending",
                        "sent",
                        "partly_sent",
                        "paused",
                        "completed",
                        "cancelled",
                    ]
                ),
                name="campaign_valid_status",
            ),
            models.CheckConstraint(
                condition=Q(response_window_days__gte=1), name="campaign_window_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class LadderStep(models.Model):
    """One rung of the escalation ladder, e.g. "day 21: reminder by e-mail"."""

    class Action(models.TextChoices):
        LETTER = "letter", "Send a letter"
        HANDOFF = "handoff", "Hand off to litigation counsel"

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=100)
    offset_business_days = models.PositiveSmallIntegerField(
        help_text="Business days after the initial letter was sent"
    )
    action = models.CharField(max_length=20, choices=Action.choices, default=Action.LETTER)
    template_version = models.ForeignKey(
        "warnings_app.TemplateVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ladder_steps",
    )
    channels = models.JSONField(default=list, blank=True)
    requires_approval = models.BooleanField(default=True)

    class Meta:
        ordering = ["campaign", "order"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "order"], name="ladder_step_order"),
            models.CheckConstraint(
                condition=Q(action="handoff") | Q(template_version__isnull=False),
                name="ladder_letter_step_has_template",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign}: day {self.offset_business_days} {self.name}"
