"""Artists' AI-training preferences: the register, the private links artists answer through,
the machine-readable reservations published from the register, and the AI crawlers they name.

Nothing here is edited in place. A change of preference is a new statement; the state on any
day is the latest statement in effect on that day
(warnings_app/selectors/preference_register.py)."""

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from warnings_app.domain.crawlers import validate_user_agent

SHA256_HEX = r"^[0-9a-f]{64}$"


class Preference(models.TextChoices):
    RESERVED = "reserved", "Reserved (no AI training)"
    LICENSABLE = "licensable", "Licensable on terms"
    UNDECIDED = "undecided", "Undecided"


class Artist(models.Model):
    """A performing artist whose recordings the label represents. Works name their artist in
    `Work.artist`; each work is tied to its register entry when saved (Work.save)."""

    name = models.CharField(max_length=200, unique=True)
    email = models.EmailField(blank=True, help_text="Where the artist's private links go")
    manager_name = models.CharField(max_length=200, blank=True)
    manager_email = models.EmailField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PreferenceLink(models.Model):
    """A private, expiring, single-use link that lets an artist (or their manager) state their
    preference without an account. Only the SHA-256 of the token is stored."""

    MAX_DAYS = 60  # the longest a link may stay open

    artist = models.ForeignKey(Artist, on_delete=models.PROTECT, related_name="links")
    recipient_name = models.CharField(max_length=200, blank=True)
    recipient_email = models.EmailField()
    token_sha256 = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        permissions = [
            (
                "send_link_to_any_address",
                "Can send an artist's private link to an address not on record",
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(token_sha256__regex=SHA256_HEX), name="preferencelink_token_hex"
            ),
        ]

    def __str__(self) -> str:
        return f"Link #{self.pk} for {self.artist}"

    def state(self, now: datetime | None = None) -> str:
        now = now or timezone.now()
        if self.used_at:
            return "used"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= now:
            return "expired"
        return "open"


class PreferenceStatement(models.Model):
    """One statement of an artist's preference, in force from `effective_from` until a later
    statement takes over. It covers all the artist's works; `work_choices` lists the works whose
    preference differs. The artist's instruction is kept as a file with its SHA-256, and the
    whole record is hashed (`record_sha256`) for the receipt."""

    class Source(models.TextChoices):
        STAFF = "staff", "Recorded from the artist's instruction"
        ARTIST_LINK = "artist_link", "Confirmed by the artist through a private link"

    artist = models.ForeignKey(Artist, on_delete=models.PROTECT, related_name="statements")
    preference = models.CharField(max_length=20, choices=Preference.choices)
    licensing_contact = models.CharField(
        max_length=300, blank=True, help_text="Who to ask for a licence (e-mail or address)"
    )
    effective_from = models.DateField()
    source = models.CharField(max_length=20, choices=Source.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    link = models.ForeignKey(
        PreferenceLink,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="statements",
    )
    confirmed_by = models.CharField(
        max_length=300, blank=True, help_text="Who confirmed through the link (name, e-mail)"
    )
    note = models.TextField(blank=True, max_length=2000)
    instruction_file = models.FileField(upload_to="instructions/%Y/%m/")
    instruction_filename = models.CharField(max_length=255)
    instruction_content_type = models.CharField(max_length=100)
    instruction_size = models.PositiveBigIntegerField()
    instruction_sha256 = models.CharField(max_length=64)
    record_sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["artist", "-effective_from", "-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(instruction_sha256__regex=SHA256_HEX),
                name="preferencestatement_instruction_hex",
            ),
            models.CheckConstraint(
                condition=Q(record_sha256__regex=SHA256_HEX),
                name="preferencestatement_record_hex",
            ),
            models.CheckConstraint(
                condition=~Q(source="artist_link") | Q(link__isnull=False),
                name="preferencestatement_link_source",
            ),
        ]
        indexes = [models.Index(fields=["artist", "effective_from"])]

    def __str__(self) -> str:
        return f"{self.artist}: {self.get_preference_display()} from {self.effective_from}"


class PreferenceReceipt(models.Model):
    """One attempt to e-mail the receipt of a statement confirmed through a private link, as it
    ended: sent, or refused for good. Never edited; at most one `sent` per statement, so a
    re-run of the task knows from this table, not from the audit log, that nothing is left."""

    class Outcome(models.TextChoices):
        SENT = "sent", "Sent"
        FAILED = "failed", "Not sent"

    statement = models.ForeignKey(
        PreferenceStatement, on_delete=models.PROTECT, related_name="receipts"
    )
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    at = models.DateTimeField(default=timezone.now)
    recipients = models.JSONField(default=list, blank=True)
    message_id = models.CharField(max_length=255, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["statement", "at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["statement"],
                condition=Q(outcome="sent"),
                name="preferencereceipt_sent_once",
            ),
        ]

    def __str__(self) -> str:
        return f"Receipt of statement {self.statement_id}: {self.get_outcome_display()}"


class WorkPreference(models.Model):
    """A work whose preference differs from its artist's, within one statement."""

    statement = models.ForeignKey(
        PreferenceStatement, on_delete=models.PROTECT, related_name="work_choices"
    )
    work = models.ForeignKey("warnings_app.Work", on_delete=models.PROTECT, related_name="+")
    preference = models.CharField(max_length=20, choices=Preference.choices)

    class Meta:
        ordering = ["statement", "work"]
        constraints = [
            models.UniqueConstraint(fields=["statement", "work"], name="workpreference_once"),
        ]

    def __str__(self) -> str:
        return f"{self.work}: {self.get_preference_display()}"


class AICrawler(models.Model):
    """A crawler that gathers training data for AI models, named in the robots.txt section."""

    user_agent = models.CharField(
        max_length=100,
        unique=True,
        help_text="e.g. GPTBot",
        validators=[validate_user_agent],  # one robots.txt token: no line can be injected
    )
    operator = models.CharField(max_length=200, help_text="Who runs it, e.g. OpenAI")
    active = models.BooleanField(default=True, help_text="Named in the published robots.txt")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["user_agent"]
        verbose_name = "AI crawler"

    def __str__(self) -> str:
        return self.user_agent


class ReservationPublication(models.Model):
    """One published version of the machine-readable reservations: the tdmrep.json and the
    robots.txt section exactly as served, each with its SHA-256. A new version is stored
    exactly when the generated files change; old versions are kept to prove what was published
    when."""

    version = models.PositiveIntegerField(unique=True)
    published_at = models.DateTimeField(default=timezone.now)
    effective_on = models.DateField(help_text="The register's state on this day was published")
    tdmrep_json = models.TextField()
    tdmrep_sha256 = models.CharField(max_length=64)
    robots_txt = models.TextField()
    robots_sha256 = models.CharField(max_length=64)
    summary = models.JSONField(default=dict, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["-version"]
        get_latest_by = "version"
        constraints = [
            models.CheckConstraint(
                condition=Q(tdmrep_sha256__regex=SHA256_HEX) & Q(robots_sha256__regex=SHA256_HEX),
                name="reservationpublication_hex",
            ),
        ]

    def __str__(self) -> str:
        return f"Reservations v{self.version} ({self.published_at:%Y-%m-%d})"
