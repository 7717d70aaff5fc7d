"""From warning to licence: licence talks with a company (a *licence matter*, not to be confused
with a notice series, which domain/matters.py calls a matter), the deals signed in them with
their scope, the works each includes, the flags and reminders on them. The licensee's usage
reports are in models/usage.py.

Nothing here that is evidence is edited in place: a stage move, a note, a document, a reminder
and a flag are each a new row. A licence's terms are fixed once signed; it ends by its date or
by a termination recorded on it (terminated_on), and a renewal is a new licence.
Whether a company is licensed, and for which uses, is one rule (domain/licences.py)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

SHA256_HEX = r"^[0-9a-f]{64}$"


class LicenceUse(models.TextChoices):
    """What a licence may grant. Each is a boolean column on Licence (use_<value>), so "covers
    training" is a plain filter on every database."""

    TRAINING = "training", "Training"
    FINE_TUNING = "fine_tuning", "Fine-tuning"
    EVALUATION = "evaluation", "Evaluation"
    RETRIEVAL = "retrieval", "Retrieval or inference"
    OUTPUT = "output", "Output generation"


class MatterStage(models.TextChoices):
    ENQUIRY = "enquiry", "Enquiry"
    NDA = "nda", "NDA"
    TERM_SHEET = "term_sheet", "Term sheet"
    NEGOTIATION = "negotiation", "Negotiation"
    SIGNED = "signed", "Signed"
    ACTIVE = "active", "Active"
    EXPIRED = "expired", "Expired"
    TERMINATED = "terminated", "Terminated"
    DECLINED = "declined", "Declined"


# Talks under way: the ladder waits while a matter is in one of these stages.
TALKS_STAGES = ("enquiry", "nda", "term_sheet", "negotiation")
# A deal was made.
DEAL_STAGES = ("signed", "active")
# Nothing more happens in the matter.
CLOSED_STAGES = ("expired", "terminated", "declined")


class LicenceMatter(models.Model):
    """Licence talks with one company, from the first enquiry to a deal or its end."""

    company = models.ForeignKey(
        "warnings_app.Company", on_delete=models.PROTECT, related_name="licence_matters"
    )
    # Where the talks came from: the reply that asked for them, and the letter it answered.
    reply = models.ForeignKey(
        "warnings_app.Response",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="licence_matters",
    )
    notice = models.ForeignKey(
        "warnings_app.Notice",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="licence_matters",
    )
    stage = models.CharField(
        max_length=20, choices=MatterStage.choices, default=MatterStage.ENQUIRY, db_index=True
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="licence_matters",
    )
    next_step = models.CharField(max_length=300, blank=True)
    next_step_on = models.DateField(null=True, blank=True)
    opened_at = models.DateTimeField(default=timezone.now)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    stage_changed_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    # A lawyer's decision, when talks closed without a deal, to let the ladder go on: replies
    # received before this moment no longer stop it.
    ladder_restarted_at = models.DateTimeField(null=True, blank=True)
    ladder_restarted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-opened_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(stage__in=MatterStage.values), name="licencematter_valid_stage"
            ),
            # One set of talks at a time with a company.
            models.UniqueConstraint(
                fields=["company"],
                condition=Q(stage__in=TALKS_STAGES),
                name="licencematter_one_open_per_company",
            ),
            models.CheckConstraint(
                condition=Q(ladder_restarted_at__isnull=True) | Q(stage="declined"),
                name="licencematter_restart_only_when_declined",
            ),
        ]

    def __str__(self) -> str:
        return f"Licence talks #{self.pk} with {self.company}"


class MatterMove(models.Model):
    """One move of a licence matter from a stage to the next, as it happened."""

    matter = models.ForeignKey(LicenceMatter, on_delete=models.PROTECT, related_name="moves")
    from_stage = models.CharField(max_length=20, choices=MatterStage.choices, blank=True)
    to_stage = models.CharField(max_length=20, choices=MatterStage.choices)
    at = models.DateTimeField(default=timezone.now)
    # None when the system moved it (a licence's start or end date passed).
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["matter", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.matter}: {self.from_stage or 'opened'} → {self.to_stage}"


class MatterNote(models.Model):
    """A note on the talks. Privileged (attorney work product): shown only to those who may see
    privileged notes (domain/privileged.py). Never edited; a correction is another note."""

    matter = models.ForeignKey(LicenceMatter, on_delete=models.PROTECT, related_name="notes")
    text = models.TextField(max_length=10000)
    written_at = models.DateTimeField(default=timezone.now)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["matter", "written_at", "pk"]

    def __str__(self) -> str:
        return f"Note {self.pk} on {self.matter}"


class MatterDocument(models.Model):
    """A document of the talks (NDA, term sheet, draft), passed through domain/uploads.check and
    stored under a generated name with its SHA-256."""

    matter = models.ForeignKey(LicenceMatter, on_delete=models.PROTECT, related_name="documents")
    description = models.CharField(max_length=300)
    file = models.FileField(upload_to="licences/documents/%Y/%m/")
    original_filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(default=timezone.now)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["matter", "uploaded_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(sha256__regex=SHA256_HEX), name="matterdocument_sha256_hex"
            ),
        ]

    def __str__(self) -> str:
        return self.original_filename


class Licence(models.Model):
    """A signed licence: who is licensed, for what uses, which catalogue, where, when, on what
    fee, and how often the licensee reports its use. Its terms are fixed once recorded."""

    class Origin(models.TextChoices):
        DEAL = "deal", "Signed deal"
        RECORDED_BEFORE = "recorded_before", "Recorded before licences existed"

    class Scope(models.TextChoices):
        ALL = "all", "The whole catalogue"
        PRINCIPALS = "principals", "Chosen principals' catalogues"
        CHOSEN = "chosen", "Chosen works or artists"

    class FeeModel(models.TextChoices):
        FLAT = "flat", "Flat fee"
        PER_WORK = "per_work", "Per work"
        REVENUE_SHARE = "revenue_share", "Revenue share"
        NONE = "none", "No fee recorded"

    class FeePeriod(models.TextChoices):
        ONCE = "once", "Once for the whole term"
        YEAR = "year", "Per year"
        QUARTER = "quarter", "Per quarter"
        MONTH = "month", "Per month"

    class Reporting(models.IntegerChoices):
        NONE = 0, "No usage reports"
        MONTHLY = 1, "Monthly"
        QUARTERLY = 3, "Quarterly"
        HALF_YEARLY = 6, "Every six months"
        YEARLY = 12, "Yearly"

    reference = models.CharField(max_length=32, unique=True)
    matter = models.ForeignKey(
        LicenceMatter, null=True, blank=True, on_delete=models.PROTECT, related_name="licences"
    )
    # The licensee, and the group companies the licence covers as well.
    company = models.ForeignKey(
        "warnings_app.Company", on_delete=models.PROTECT, related_name="licences"
    )
    group_companies = models.ManyToManyField(
        "warnings_app.Company", blank=True, related_name="covering_licences"
    )
    origin = models.CharField(max_length=20, choices=Origin.choices, default=Origin.DEAL)
    use_training = models.BooleanField(default=False)
    use_fine_tuning = models.BooleanField(default=False)
    use_evaluation = models.BooleanField(default=False)
    use_retrieval = models.BooleanField(default=False)
    use_output = models.BooleanField(default=False)
    scope = models.CharField(max_length=20, choices=Scope.choices)
    principals = models.ManyToManyField("warnings_app.Principal", blank=True, related_name="+")
    artists = models.ManyToManyField("warnings_app.Artist", blank=True, related_name="+")
    # ISO 3166-1 alpha-2 codes; ["*"] for the whole world.
    territories = models.JSONField(default=list)
    signed_on = models.DateField()
    starts_on = models.DateField()
    # None only for licences recorded before licences existed (their end was never recorded).
    ends_on = models.DateField(null=True, blank=True)
    terminated_on = models.DateField(null=True, blank=True)
    termination_reason = models.CharField(max_length=500, blank=True)
    fee_model = models.CharField(max_length=20, choices=FeeModel.choices)
    fee_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    fee_currency = models.CharField(max_length=3, blank=True)
    fee_period = models.CharField(max_length=10, choices=FeePeriod.choices, blank=True)
    revenue_share_percent = models.DecimalField(
        max_digits=5, decimal_places=2, null=True, blank=True
    )
    reporting_months = models.PositiveSmallIntegerField(
        choices=Reporting.choices, default=Reporting.NONE
    )
    agreement_file = models.FileField(upload_to="licences/agreements/%Y/%m/", blank=True)
    agreement_filename = models.CharField(max_length=255, blank=True)
    agreement_content_type = models.CharField(max_length=100, blank=True)
    agreement_size = models.PositiveBigIntegerField(null=True, blank=True)
    agreement_sha256 = models.CharField(max_length=64, blank=True)
    # The licence this one renews, if any.
    renews = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="renewals"
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-starts_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(agreement_sha256="") | Q(agreement_sha256__regex=SHA256_HEX),
                name="licence_agreement_sha256_hex",
            ),
            # A signed deal carries its agreement; only the migrated flags have none.
            models.CheckConstraint(
                condition=Q(origin="recorded_before") | ~Q(agreement_sha256=""),
                name="licence_deal_has_agreement",
            ),
            models.CheckConstraint(
                condition=Q(origin="recorded_before") | Q(ends_on__isnull=False),
                name="licence_deal_has_end",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="licence_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(scope__in=["all", "principals", "chosen"]), name="licence_valid_scope"
            ),
            models.CheckConstraint(
                condition=Q(origin__in=["deal", "recorded_before"]), name="licence_valid_origin"
            ),
        ]
        indexes = [models.Index(fields=["company", "starts_on", "ends_on"])]

    def __str__(self) -> str:
        return f"Licence {self.reference} ({self.company})"

    @property
    def uses(self) -> list[str]:
        """The uses granted, in LicenceUse order."""
        return [use for use in LicenceUse.values if getattr(self, f"use_{use}")]


class LicenceWork(models.Model):
    """A work considered for a licence when it was signed: included (the artist's wishes allowed
    it on the signing date) or excluded, with the reason either way. Fixed at signing."""

    licence = models.ForeignKey(Licence, on_delete=models.PROTECT, related_name="work_rows")
    work = models.ForeignKey("warnings_app.Work", on_delete=models.PROTECT, related_name="+")
    artist = models.ForeignKey(
        "warnings_app.Artist", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    included = models.BooleanField()
    # The preference that decided it on the signing date ("licensable", "reserved", ...).
    preference = models.CharField(max_length=20, blank=True)
    reason = models.CharField(max_length=300)

    class Meta:
        ordering = ["licence", "-included", "work"]
        constraints = [
            models.UniqueConstraint(fields=["licence", "work"], name="licencework_once"),
        ]

    def __str__(self) -> str:
        return f"{self.work} ({'included' if self.included else 'excluded'})"


class LicenceFlag(models.Model):
    """An artist whose works a licence includes reserved after it was signed: the lawyers must
    look at the licence. The reservation applies from `effective_from`."""

    licence = models.ForeignKey(Licence, on_delete=models.PROTECT, related_name="flags")
    artist = models.ForeignKey("warnings_app.Artist", on_delete=models.PROTECT, related_name="+")
    statement = models.ForeignKey(
        "warnings_app.PreferenceStatement", on_delete=models.PROTECT, related_name="+"
    )
    effective_from = models.DateField()
    works = models.PositiveIntegerField(help_text="Works of the artist the licence includes")
    raised_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolution = models.CharField(max_length=1000, blank=True)

    class Meta:
        ordering = ["-raised_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["licence", "statement"], name="licenceflag_once"),
        ]

    def __str__(self) -> str:
        return f"{self.licence}: {self.artist} reserved from {self.effective_from}"


class LicenceReminder(models.Model):
    """A reminder raised before a licence ends or a usage report falls due, once per licence,
    kind and due date (the periodic job may run as often as it likes)."""

    class Kind(models.TextChoices):
        ENDS = "ends", "Licence ends"
        REPORT_DUE = "report_due", "Usage report due"
        EXPIRED = "expired", "Licence expired"

    licence = models.ForeignKey(Licence, on_delete=models.PROTECT, related_name="reminders")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    due_on = models.DateField()
    raised_on = models.DateField()
    raised_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["due_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["licence", "kind", "due_on"], name="licencereminder_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.licence}: {self.get_kind_display()} on {self.due_on}"
