"""A licensee's usage reports, as it wrote them, and what they (or their absence) show that
its licence does not allow. Never edited: a correction is another report."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from warnings_app.models.licences import SHA256_HEX, Licence, LicenceUse


class UsageReport(models.Model):
    """A licensee's report of what it used in a period, imported from its file (CSV or XLSX).
    The same file for the same licence is imported once (unique SHA-256)."""

    licence = models.ForeignKey(Licence, on_delete=models.PROTECT, related_name="usage_reports")
    period_start = models.DateField()
    period_end = models.DateField()
    file = models.FileField(upload_to="licences/usage/%Y/%m/")
    original_filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    rows = models.PositiveIntegerField(default=0)
    imported_at = models.DateTimeField(default=timezone.now)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["licence", "-period_end", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["licence", "sha256"], name="usagereport_file_once"),
            models.CheckConstraint(
                condition=Q(sha256__regex=SHA256_HEX), name="usagereport_sha256_hex"
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="usagereport_period_order",
            ),
        ]

    def __str__(self) -> str:
        return f"Usage report {self.pk} for {self.licence} ({self.period_start}–{self.period_end})"


class UsageRow(models.Model):
    """One line of a usage report as the licensee wrote it, with the work it names if found."""

    report = models.ForeignKey(UsageReport, on_delete=models.PROTECT, related_name="lines")
    line = models.PositiveIntegerField(help_text="Row number in the file (header is row 1)")
    isrc = models.CharField(max_length=12, blank=True)
    iswc = models.CharField(max_length=11, blank=True)
    title = models.CharField(max_length=300, blank=True)
    artist = models.CharField(max_length=200, blank=True)
    use = models.CharField(max_length=20, choices=LicenceUse.choices)
    period_start = models.DateField()
    period_end = models.DateField()
    count = models.PositiveBigIntegerField()
    work = models.ForeignKey(
        "warnings_app.Work", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["report", "line"]
        constraints = [
            models.UniqueConstraint(fields=["report", "line"], name="usagerow_once"),
        ]

    def __str__(self) -> str:
        return f"Row {self.line} of report {self.report_id}"


class UsageFinding(models.Model):
    """Something a usage report (or its absence) shows that the licence does not allow. A
    finding can become a notice to the licensee (`notice`)."""

    class Kind(models.TextChoices):
        OUT_OF_SCOPE = "out_of_scope", "Work outside the licence's scope"
        USE_NOT_GRANTED = "use_not_granted", "Use not granted"
        RESERVED_ARTIST = "reserved_artist", "Work of an artist who reserved"
        UNKNOWN_WORK = "unknown_work", "Work not in the catalogue"
        OUTSIDE_TERM = "outside_term", "Used outside the licence's term"
        REPORT_OVERDUE = "report_overdue", "Usage report overdue"

    licence = models.ForeignKey(Licence, on_delete=models.PROTECT, related_name="findings")
    report = models.ForeignKey(
        UsageReport, null=True, blank=True, on_delete=models.PROTECT, related_name="findings"
    )
    row = models.ForeignKey(
        UsageRow, null=True, blank=True, on_delete=models.PROTECT, related_name="findings"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    detail = models.CharField(max_length=1000)
    # For an overdue report: the period that was not reported.
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    found_at = models.DateTimeField(default=timezone.now)
    notice = models.ForeignKey(
        "warnings_app.Notice",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="usage_findings",
    )

    class Meta:
        ordering = ["licence", "report", "row", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["row", "kind"], condition=Q(row__isnull=False), name="usagefinding_once"
            ),
            models.UniqueConstraint(
                fields=["licence", "kind", "period_end"],
                condition=Q(kind="report_overdue"),
                name="usagefinding_overdue_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.detail}"
