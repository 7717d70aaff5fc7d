"""Licence talks, licences, usage reports and their findings, read-only here (they are written
by their services), and the licence figures: the dashboard's numbers, the same rules."""

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from warnings_app.domain.licence_fees import annual_fee
from warnings_app.models.licences import Licence, LicenceMatter
from warnings_app.models.usage import UsageFinding, UsageReport


class LicenceMatterSerializer(serializers.ModelSerializer[LicenceMatter]):
    """A set of licence talks. Its notes are privileged and are not served here."""

    class Meta:
        model = LicenceMatter
        fields = [
            "id",
            "company",
            "reply",
            "notice",
            "stage",
            "owner",
            "next_step",
            "next_step_on",
            "opened_at",
            "opened_by",
            "stage_changed_at",
            "closed_at",
            "ladder_restarted_at",
        ]
        read_only_fields = fields


class AnnualFeeSerializer(serializers.Serializer[dict[str, Any]]):
    amount = serializers.DecimalField(max_digits=20, decimal_places=2, allow_null=True)
    currency = serializers.CharField(allow_blank=True)
    not_counted = serializers.CharField(
        allow_blank=True, help_text="Why the fee is not counted; empty when it is."
    )


class LicenceSerializer(serializers.ModelSerializer[Licence]):
    uses = serializers.ListField(child=serializers.CharField(), read_only=True)
    in_force_today = serializers.BooleanField(read_only=True)
    annualised_fee = serializers.SerializerMethodField()
    included_works = serializers.IntegerField(read_only=True)
    # Blank for a revenue share or no fee: a choice or "", which the schema's enum would not say.
    fee_period = serializers.CharField(
        read_only=True, help_text='"once", "year", "quarter", "month", or "" when none applies'
    )

    class Meta:
        model = Licence
        fields = [
            "id",
            "reference",
            "matter",
            "company",
            "group_companies",
            "origin",
            "uses",
            "scope",
            "principals",
            "artists",
            "territories",
            "signed_on",
            "starts_on",
            "ends_on",
            "terminated_on",
            "termination_reason",
            "in_force_today",
            "fee_model",
            "fee_amount",
            "fee_currency",
            "fee_period",
            "revenue_share_percent",
            "annualised_fee",
            "included_works",
            "reporting_months",
            "agreement_sha256",
            "renews",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(AnnualFeeSerializer)
    def get_annualised_fee(self, licence: Licence) -> dict[str, Any]:
        fee = annual_fee(licence, included_works=getattr(licence, "included_works", 0))
        given = {"amount": fee.amount, "currency": fee.currency, "not_counted": fee.not_counted}
        return AnnualFeeSerializer(given).data


class UsageReportSerializer(serializers.ModelSerializer[UsageReport]):
    class Meta:
        model = UsageReport
        fields = [
            "id",
            "licence",
            "period_start",
            "period_end",
            "original_filename",
            "content_type",
            "size",
            "sha256",
            "rows",
            "imported_at",
            "imported_by",
        ]
        read_only_fields = fields


class UsageFindingSerializer(serializers.ModelSerializer[UsageFinding]):
    class Meta:
        model = UsageFinding
        fields = ["id", "licence", "report", "row", "kind", "detail", "period_end", "found_at"]
        fields += ["notice"]
        read_only_fields = fields


class ConversionSerializer(serializers.Serializer[dict[str, Any]]):
    key = serializers.CharField(help_text="The campaign's id, or the segment")
    sent = serializers.IntegerField(help_text="Companies sent the first letter")
    talks = serializers.IntegerField(help_text="Of those, in licence talks opened after it")
    signed = serializers.IntegerField(help_text="Of those, with a licence signed in those talks")


class CurrencyFeesSerializer(serializers.Serializer[dict[str, Any]]):
    currency = serializers.CharField()
    licences = serializers.IntegerField()
    annualised = serializers.DecimalField(max_digits=20, decimal_places=2)


class OverdueLicenceSerializer(serializers.Serializer[dict[str, Any]]):
    licence = serializers.IntegerField()
    reference = serializers.CharField()
    company = serializers.CharField()
    reports = serializers.IntegerField()


class LicenceFiguresSerializer(serializers.Serializer[dict[str, Any]]):
    today = serializers.DateField()
    stages = serializers.DictField(
        child=serializers.IntegerField(), help_text="{stage: licence talks in it now}"
    )
    conversion_by_campaign = ConversionSerializer(many=True)
    conversion_by_segment = ConversionSerializer(many=True)
    active_licences = serializers.IntegerField(help_text="Licences in force today")
    fees = CurrencyFeesSerializer(many=True)
    fees_not_counted = serializers.IntegerField(
        help_text="Licences in force today whose fee is not counted"
    )
    overdue_reports = serializers.IntegerField()
    overdue_by_licence = OverdueLicenceSerializer(many=True)
