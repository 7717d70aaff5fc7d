"""The recipient register: companies, their contacts and tags."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django_countries.fields import CountryField

# The fields people edit on the register pages; forms show them and audit events record them.
COMPANY_EDITABLE_FIELDS = (
    "legal_name",
    "aliases",
    "website",
    "domain",
    "country",
    "segment",
    "parent",
    "hold_automation",
    "hold_reason",
    "notes",
)
CONTACT_EDITABLE_FIELDS = (
    "role",
    "name",
    "title",
    "organisation",
    "email",
    "phone",
    "address_line1",
    "address_line2",
    "city",
    "region",
    "postal_code",
    "country",
    "is_active",
    "notes",
)


class Tag(models.Model):
    name = models.CharField(max_length=60, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Company(models.Model):
    class Segment(models.TextChoices):
        GENERATIVE_MUSIC = "generative_music", "Generative music"
        FOUNDATION_MODEL = "foundation_model", "Foundation model"
        VOICE_CLONING = "voice_cloning", "Voice cloning"
        PLATFORM = "platform", "Platform"
        DATASET_PROVIDER = "dataset_provider", "Dataset provider"
        OTHER = "other", "Other"

    legal_name = models.CharField(max_length=200)
    # Other names the company trades or is reported under, one per line; searched like the name.
    aliases = models.TextField(blank=True, max_length=2000)
    # Normalised key of the legal name (case, punctuation and legal suffixes removed) for
    # spotting likely duplicates such as "Acme AI Ltd" and "ACME A.I. Limited".
    name_key = models.CharField(max_length=200, db_index=True, editable=False)
    website = models.URLField(blank=True, max_length=300)
    # Normalised registrable host, e.g. "acme.ai": lower case, no scheme, no "www.", punycode.
    domain = models.CharField(max_length=253, blank=True)
    country = CountryField(help_text="Jurisdiction of the company (ISO 3166-1)")
    segment = models.CharField(max_length=30, choices=Segment.choices, default=Segment.OTHER)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="affiliates"
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="companies")
    hold_automation = models.BooleanField(
        "hold all automation",
        default=False,
        help_text="Stops every automated letter and chaser to this company.",
    )
    hold_reason = models.CharField(max_length=300, blank=True)
    notes = models.TextField(blank=True, max_length=10000)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["legal_name", "pk"]
        verbose_name_plural = "companies"
        constraints = [
            models.UniqueConstraint(
                fields=["domain"],
                condition=~Q(domain=""),
                name="company_unique_domain",
                violation_error_message="A company with this domain is already registered.",
            ),
            models.CheckConstraint(
                condition=~Q(parent=models.F("pk")), name="company_not_own_parent"
            ),
        ]
        indexes = [models.Index(fields=["segment", "country"])]

    def __str__(self) -> str:
        return self.legal_name

    @property
    def alias_list(self) -> list[str]:
        return [line.strip() for line in self.aliases.splitlines() if line.strip()]


class Contact(models.Model):
    class Role(models.TextChoices):
        LEGAL_NOTICES = "legal_notices", "Legal notices address"
        GENERAL = "general", "General"
        COUNSEL_OF_RECORD = "counsel_of_record", "Counsel of record"

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="contacts")
    role = models.CharField(max_length=30, choices=Role.choices, default=Role.LEGAL_NOTICES)
    name = models.CharField(max_length=200, blank=True, help_text="Person or department")
    title = models.CharField(max_length=200, blank=True)
    organisation = models.CharField(
        max_length=200, blank=True, help_text="For counsel: the law firm"
    )
    email = models.EmailField(blank=True, max_length=254)
    phone = models.CharField(max_length=40, blank=True)
    address_line1 = models.CharField(max_length=200, blank=True)
    address_line2 = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    region = models.CharField(max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    country = CountryField(blank=True)
    is_active = models.BooleanField(default=True)
    notes = models.TextField(blank=True, max_length=5000)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["company", "role", "name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(role__in=["legal_notices", "general", "counsel_of_record"]),
                name="contact_valid_role",
            ),
        ]
        # Search finds a company by any contact's address, whatever its case.
        indexes = [models.Index(Upper("email"), name="contact_email_upper")]

    def __str__(self) -> str:
        label = self.name or self.organisation or self.email or "contact"
        return f"{label} ({self.get_role_display()})"

    @property
    def has_postal_address(self) -> bool:
        return bool(self.address_line1 and self.city and self.country)

    @property
    def address_lines(self) -> list[str]:
        locality = " ".join(part for part in (self.postal_code, self.city) if part)
        lines = [
            self.address_line1,
            self.address_line2,
            locality,
            self.region,
            self.country.name if self.country else "",
        ]
        return [line for line in lines if line]
