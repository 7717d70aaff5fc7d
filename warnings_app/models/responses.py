"""Replies to notices, their attachments, and the answer to each demand of the letter."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class Response(models.Model):
    """What came back for a notice: a reply, a bounce report or an automatic answer. Called a
    "reply" everywhere people read it; the class keeps the name `Response` because its table, its
    permissions and the target type in the chained audit events carry it."""

    class Kind(models.TextChoices):
        REPLY = "reply", "Reply"
        BOUNCE = "bounce", "Bounce report"
        AUTOMATIC = "automatic", "Automatic message (out of office, delay notice, list)"

    class Match(models.TextChoices):
        REPLY_ADDRESS = "reply_address", "Sent to the notice's reply address"
        THREAD = "thread", "Answers our message (In-Reply-To)"
        REFERENCE = "reference", "Quotes the notice reference"
        DOMAIN = "domain", "Sender's domain is the company's: pick the notice"
        MANUAL = "manual", "Matched by hand"
        UNMATCHED = "unmatched", "Not matched (triage)"

    class Trust(models.TextChoices):
        """Whether the reply may act on its notice (move it, stop its ladder) by itself."""

        TRUSTED = "trusted", "Sender authenticated: acted on automatically"
        CONFIRMED = "confirmed", "Confirmed by a person"
        UNCONFIRMED = "unconfirmed", "Waiting for a person to confirm"
        UNCHECKED = "unchecked", "Acted on before sender checks existed"

    class Channel(models.TextChoices):
        EMAIL = "email", "E-mail"
        LETTER = "letter", "Letter"
        PHONE = "phone", "Phone call"
        PORTAL = "portal", "Portal submission"
        OTHER = "other", "Other"

    class Outcome(models.TextChoices):
        UNCLASSIFIED = "unclassified", "Not yet classified"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"
        COMPLIED = "complied", "Complied / confirmed no use"
        DISPUTES = "disputes", "Disputes"
        CLAIMS_LICENCE = "claims_licence", "Claims licence or exception"
        REQUESTS_TALKS = "requests_talks", "Requests licence talks"
        REFERS_TO_COUNSEL = "refers_to_counsel", "Refers to counsel"
        OTHER = "other", "Other"

    # Null while the reply waits in the triage inbox, unmatched.
    notice = models.ForeignKey(
        "warnings_app.Notice",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="responses",
    )
    company = models.ForeignKey(
        "warnings_app.Company",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="responses",
    )
    channel = models.CharField(max_length=20, choices=Channel.choices)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.REPLY)
    matched_by = models.CharField(max_length=20, choices=Match.choices, default=Match.MANUAL)
    received_at = models.DateTimeField(db_index=True)
    sender = models.CharField(max_length=500, blank=True)
    subject = models.CharField(max_length=998, blank=True)
    body_text = models.TextField(blank=True)
    # HTML bodies only ever as sanitised by nh3: no scripts, no styles, no images.
    body_html = models.TextField(blank=True)
    recipients = models.JSONField(default=list, blank=True)
    # What could be verified of the sender (DKIM on the raw bytes, SPF/DMARC from our own
    # receiving server): integrations/sender_auth.SenderEvidence as JSON.
    sender_check = models.JSONField(default=dict, blank=True)
    trust = models.CharField(max_length=12, choices=Trust.choices, default=Trust.CONFIRMED)
    # Why it acted, or why it waits for a person ("sender not authenticated", ...).
    trust_reason = models.CharField(max_length=500, blank=True)
    # The notice the message seems to answer, while it waits for a person to confirm it.
    suggested_notice = models.ForeignKey(
        "warnings_app.Notice",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="suggested_replies",
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    in_reply_to = models.CharField(max_length=995, blank=True)
    # What ingestion could not take as it was: refused attachments, undecodable parts.
    problems = models.TextField(blank=True)
    # Inbound e-mail: the Message-ID makes ingestion idempotent; the raw bytes are kept as sent.
    message_id = models.CharField(max_length=995, null=True, blank=True, unique=True)
    raw_message = models.FileField(upload_to="replies/%Y/%m/", blank=True)
    raw_sha256 = models.CharField(max_length=64, blank=True)
    authentication_results = models.JSONField(default=dict, blank=True)
    outcome = models.CharField(
        max_length=30, choices=Outcome.choices, default=Outcome.UNCLASSIFIED, db_index=True
    )
    classification_note = models.TextField(blank=True, max_length=5000)
    classified_at = models.DateTimeField(null=True, blank=True)
    classified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_responses",
    )
    snoozed_until = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "reply"
        verbose_name_plural = "replies"
        ordering = ["-received_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    outcome__in=[
                        "unclassified",
                        "acknowledged",
                        "complied",
                        "disputes",
                        "claims_licence",
                        "requests_talks",
                        "refers_to_counsel",
                        "other",
                    ]
                ),
                name="response_valid_outcome",
            ),
            models.CheckConstraint(
                condition=Q(channel__in=["email", "letter", "phone", "portal", "other"]),
                name="response_valid_channel",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["reply", "bounce", "automatic"]), name="response_valid_kind"
            ),
            models.CheckConstraint(
                condition=Q(trust__in=["trusted", "confirmed", "unconfirmed", "unchecked"]),
                name="response_valid_trust",
            ),
            # A reply waiting for a person acts on nothing: it is tied to no notice yet.
            models.CheckConstraint(
                condition=~Q(trust="unconfirmed") | Q(notice__isnull=True),
                name="response_unconfirmed_has_no_notice",
            ),
        ]

    def __str__(self) -> str:
        return f"Reply {self.pk} ({self.get_channel_display()}, {self.received_at:%Y-%m-%d})"


class ResponseAttachment(models.Model):
    response = models.ForeignKey(Response, on_delete=models.PROTECT, related_name="attachments")
    # Empty when the attachment was refused (too large): the raw message still holds it.
    file = models.FileField(upload_to="replies/attachments/%Y/%m/", blank=True)
    original_filename = models.CharField(max_length=255)
    # What the content is (sniffed from its bytes) and what the sender said it was.
    content_type = models.CharField(max_length=100)
    declared_type = models.CharField(max_length=100, blank=True)
    refused_reason = models.CharField(max_length=500, blank=True)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["response", "pk"]

    def __str__(self) -> str:
        return self.original_filename


class DemandAnswer(models.Model):
    """How a reply answers one specific demand of the letter."""

    class Demand(models.TextChoices):
        UNDERTAKING = "undertaking", "Undertaking to stop"
        DISCLOSURE = "disclosure", "Disclosure of training use"
        DELETION = "deletion", "Deletion of copies"
        LICENCE_INTEREST = "licence_interest", "Interest in a licence"
        PRESERVATION = "preservation", "Preservation of evidence"

    class Answer(models.TextChoices):
        YES = "yes", "Yes"
        NO = "no", "No"
        PARTIAL = "partial", "Partial"
        UNCLEAR = "unclear", "Unclear"

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="demands")
    demand = models.CharField(max_length=30, choices=Demand.choices)
    answer = models.CharField(max_length=10, choices=Answer.choices)
    note = models.TextField(blank=True, max_length=2000)

    class Meta:
        ordering = ["response", "demand"]
        constraints = [
            models.UniqueConstraint(fields=["response", "demand"], name="demand_once_per_reply"),
        ]

    def __str__(self) -> str:
        return f"{self.get_demand_display()}: {self.get_answer_display()}"
