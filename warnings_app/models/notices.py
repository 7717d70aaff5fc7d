"""A notice is one letter to one company; it moves through the states in `lifecycle.py`."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from warnings_app.models.lifecycle import NoticeStatus


class Notice(models.Model):
    Status = NoticeStatus

    class Channel(models.TextChoices):
        EMAIL = "email", "E-mail"
        POST = "post", "Post"
        COURIER = "courier", "Courier"

    reference = models.CharField(max_length=32, unique=True, editable=False)
    company = models.ForeignKey(
        "warnings_app.Company", on_delete=models.PROTECT, related_name="notices"
    )
    contact = models.ForeignKey(
        "warnings_app.Contact",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="notices",
    )
    addressed_to_counsel = models.BooleanField(default=False)
    campaign = models.ForeignKey(
        "warnings_app.Campaign",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="notices",
    )
    ladder_step = models.ForeignKey(
        "warnings_app.LadderStep",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="notices",
    )
    # The notice this one follows up (a reminder points at the initial notice).
    follows = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="follow_up_notices"
    )
    # A letter about a licence (a usage finding, a renewal): it may go to a licensed company,
    # which receives no warning letters (domain/licences.py).
    licence = models.ForeignKey(
        "warnings_app.Licence",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="notices",
    )
    template_version = models.ForeignKey(
        "warnings_app.TemplateVersion", on_delete=models.PROTECT, related_name="notices"
    )
    # On whose behalf, and about which works; copied from the campaign when there is one.
    principals = models.ManyToManyField(
        "warnings_app.Principal", blank=True, related_name="notices"
    )
    works = models.ManyToManyField("warnings_app.Work", blank=True, related_name="notices")
    status = models.CharField(
        max_length=30, choices=NoticeStatus.choices, default=NoticeStatus.DRAFT, db_index=True
    )
    channels = models.JSONField(default=list, blank=True)
    on_hold = models.BooleanField(default=False)
    # Why it is on hold (set with the hold, cleared on release); each change is audited too.
    hold_reason = models.CharField(max_length=500, blank=True)
    # What stops this letter now (a failed render, no deliverable address); empty when fine.
    problem = models.CharField(max_length=1000, blank=True)
    # Response deadline and how it was computed (business days, holidays skipped).
    due_date = models.DateField(null=True, blank=True, db_index=True)
    due_date_explanation = models.CharField(max_length=500, blank=True)
    # What the letter was rendered from, frozen at render time.
    merge_data = models.JSONField(default=dict, blank=True)
    pdf = models.FileField(upload_to="notices/%Y/%m/", blank=True)
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    pdf_size = models.PositiveBigIntegerField(null=True, blank=True)
    pdf_pages = models.PositiveIntegerField(null=True, blank=True)
    rendered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    # A worker's claim on the notice while it delivers it; expired leases are swept back.
    lease_owner = models.CharField(max_length=100, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    # Queued notices: not to be tried before this (backoff after a transient failure), and when
    # a send task was last published for it (the sweeper republishes only stale ones).
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        permissions = [
            ("approve_notice", "Can approve notices (four eyes)"),
            ("send_notice", "Can send notices"),
            ("view_reports", "Can view dashboards and export reports"),
            # Legal's internal notes are attorney work product: out of every export and evidence
            # bundle unless someone with this permission asks for them (include_privileged=1).
            ("include_privileged", "Can include privileged notes in exports and bundles"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=NoticeStatus.values), name="notice_valid_status"
            ),
            models.CheckConstraint(
                condition=Q(pdf_sha256="") | Q(pdf_sha256__regex=r"^[0-9a-f]{64}$"),
                name="notice_pdf_sha256_hex",
            ),
            models.CheckConstraint(
                condition=~Q(approved_by=models.F("created_by")),
                name="notice_four_eyes",
            ),
            # Nothing leaves before a second lawyer approved it.
            models.CheckConstraint(
                condition=Q(status__in=["draft", "rendered", "withdrawn"])
                | Q(approved_by__isnull=False),
                name="notice_approved_before_leaving",
            ),
        ]
        indexes = [
            models.Index(fields=["company", "status"]),
            models.Index(fields=["campaign", "status"]),
            # A campaign's first letters in reference order: the outcome view's first pages.
            models.Index(
                fields=["campaign", "reference"],
                condition=Q(ladder_step__isnull=True),
                name="notice_first_letters",
            ),
            # Campaign first letters that went out, per campaign and company: the licence
            # figures' "sent" (selectors/licence_figures.conversion) from the index alone.
            models.Index(
                fields=["campaign", "company"],
                condition=Q(
                    ladder_step__isnull=True, sent_at__isnull=False, campaign__isnull=False
                ),
                name="notice_first_sent",
            ),
        ]

    def __str__(self) -> str:
        return self.reference


class DeliveryAttempt(models.Model):
    """One try at delivering a notice over one channel, with what the other side said."""

    class Outcome(models.TextChoices):
        PENDING = "pending", "Pending"
        ACCEPTED = "accepted", "Accepted"
        BOUNCED = "bounced", "Bounced"
        FAILED = "failed", "Failed"
        UNKNOWN = "unknown", "Outcome unknown"
        # Accepted by our relay; the recipient's server reported it is still trying.
        DELAYED = "delayed", "Accepted, delivery delayed"

    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, related_name="deliveries")
    channel = models.CharField(max_length=20, choices=Notice.Channel.choices)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, default=Outcome.PENDING)
    # Stable per notice and channel so a provider (or our SMTP Message-ID) can de-duplicate.
    idempotency_key = models.CharField(max_length=100)
    message_id = models.CharField(max_length=255, blank=True)
    recipient = models.CharField(max_length=500, blank=True)
    # E-mail: the Reply-To and the envelope sender (VERP bounce address) this attempt carried;
    # empty for attempts made before addresses carried tokens.
    reply_to = models.CharField(max_length=320, blank=True)
    return_path = models.CharField(max_length=320, blank=True)
    server_reply = models.TextField(blank=True, max_length=5000)
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    # How far an e-mail conversation got: "content" means the message may have been accepted.
    phase = models.CharField(max_length=20, blank=True)
    tracking_number = models.CharField(max_length=100, blank=True)
    carrier = models.CharField(max_length=100, blank=True)
    delivered_on = models.DateField(null=True, blank=True)
    print_batch = models.ForeignKey(
        "warnings_app.PrintBatch",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="attempts",
    )
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["notice", "started_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["notice", "channel"],
                condition=Q(outcome__in=["accepted", "delayed"]),
                name="one_accepted_delivery_per_notice_channel",
            ),
            models.CheckConstraint(
                condition=Q(
                    outcome__in=["pending", "accepted", "bounced", "failed", "unknown", "delayed"]
                ),
                name="delivery_valid_outcome",
            ),
            models.CheckConstraint(
                condition=Q(channel__in=["email", "post", "courier"]), name="delivery_valid_channel"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.notice} by {self.channel}: {self.outcome}"


class FollowUp(models.Model):
    """A ladder step due for a notice; the periodic follow-up job picks these up by due time."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        AWAITING_APPROVAL = "awaiting_approval", "Awaiting approval"
        DONE = "done", "Done"
        CANCELLED = "cancelled", "Cancelled"

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="follow_ups")
    step = models.ForeignKey(
        "warnings_app.LadderStep", on_delete=models.PROTECT, related_name="follow_ups"
    )
    due_at = models.DateTimeField(db_index=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SCHEDULED)
    result_notice = models.ForeignKey(
        Notice, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cancelled_reason = models.CharField(max_length=300, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["notice", "step"], name="follow_up_once_per_step"),
            models.CheckConstraint(
                condition=Q(status__in=["scheduled", "awaiting_approval", "done", "cancelled"]),
                name="follow_up_valid_status",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.notice} → {self.step.name} due {self.due_at:%Y-%m-%d}"


class PrintBatch(models.Model):
    """Letters going by post or courier: one merged PDF with separator pages and a CSV manifest
    for the mail house. Handing the batch to the carrier records each letter as sent that way."""

    class Status(models.TextChoices):
        PREPARED = "prepared", "Prepared"
        HANDED_OVER = "handed_over", "Handed to the carrier"

    # Printed on every separator page, so the mail house and we name the same batch.
    code = models.CharField(max_length=20, unique=True)
    channel = models.CharField(max_length=20, choices=Notice.Channel.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PREPARED)
    campaign = models.ForeignKey(
        "warnings_app.Campaign",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="print_batches",
    )
    pdf = models.FileField(upload_to="print/%Y/%m/")
    pdf_sha256 = models.CharField(max_length=64)
    manifest = models.FileField(upload_to="print/%Y/%m/")
    manifest_sha256 = models.CharField(max_length=64)
    letters = models.PositiveIntegerField()
    pages = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    handed_over_at = models.DateTimeField(null=True, blank=True)
    handed_over_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(channel__in=["post", "courier"]), name="print_batch_postal_channel"
            ),
        ]

    def __str__(self) -> str:
        return f"Print batch {self.code} ({self.get_channel_display()}, {self.letters} letters)"
