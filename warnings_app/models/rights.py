"""Whose rights the letters assert, the works at issue, and the evidence gathered."""

from typing import Any

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q

isrc_validator = RegexValidator(
    r"^[A-Z]{2}[A-Z0-9]{3}[0-9]{7}$", "An ISRC is 12 characters, e.g. GBAYE2600001."
)
iswc_validator = RegexValidator(
    r"^T[0-9]{10}$", "An ISWC is T followed by 10 digits, e.g. T0345246801."
)


class Principal(models.Model):
    """A rights holder on whose behalf letters are sent (label, publisher, artist)."""

    class Kind(models.TextChoices):
        LABEL = "label", "Record label"
        PUBLISHER = "publisher", "Music publisher"
        ARTIST = "artist", "Artist"

    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    legal_name = models.CharField(max_length=200, blank=True)
    address = models.TextField(blank=True, max_length=1000)
    email = models.EmailField(blank=True)
    website = models.URLField(blank=True)
    signatory_name = models.CharField(max_length=200, blank=True)
    signatory_title = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Work(models.Model):
    """A recording or composition at issue, identified by ISRC (recording) and/or ISWC (work)."""

    title = models.CharField(max_length=300)
    artist = models.CharField(max_length=200)
    # The artist's entry in the preference register; set from `artist` on every save.
    artist_profile = models.ForeignKey(
        "warnings_app.Artist",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="works",
    )
    principal = models.ForeignKey(Principal, on_delete=models.PROTECT, related_name="works")
    isrc = models.CharField("ISRC", max_length=12, blank=True, validators=[isrc_validator])
    iswc = models.CharField("ISWC", max_length=11, blank=True, validators=[iswc_validator])
    release_year = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["artist", "title", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["isrc"], condition=~Q(isrc=""), name="work_unique_isrc"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.artist} — {self.title}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Ties the work to its artist's register entry, creating the entry for a new artist,
        so every path that saves a work (pages, API, admin, imports) keeps the register whole."""
        from warnings_app.models.preferences import Artist

        self.artist = " ".join(self.artist.split())
        current = self.artist_profile
        if self.artist and (current is None or current.name.casefold() != self.artist.casefold()):
            # Case and spacing do not make another artist: "the lanterns" is The Lanterns.
            self.artist_profile = Artist.objects.filter(
                name__iexact=self.artist
            ).first() or Artist.objects.create(name=self.artist)
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "artist_profile"}
        super().save(*args, **kwargs)


class EvidenceItem(models.Model):
    """Something observed about a company (a model card, a demo, a dataset listing) kept as an
    exhibit: the file is stored once and its SHA-256 recorded at upload."""

    company = models.ForeignKey(
        "warnings_app.Company", on_delete=models.PROTECT, related_name="evidence"
    )
    works = models.ManyToManyField(Work, blank=True, related_name="evidence")
    description = models.TextField(max_length=5000)
    source_url = models.URLField(blank=True, max_length=1000, help_text="Where it was observed")
    observed_at = models.DateTimeField()
    file = models.FileField(upload_to="evidence/%Y/%m/", blank=True)
    original_filename = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["company", "-observed_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(sha256="") | Q(sha256__regex=r"^[0-9a-f]{64}$"),
                name="evidence_sha256_hex",
            ),
        ]

    def __str__(self) -> str:
        return f"Evidence #{self.pk} on {self.company}"
