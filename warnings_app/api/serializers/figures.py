"""The dashboard's figures: the same filters in, the same numbers out."""

from typing import Any

from django_countries import countries
from rest_framework import serializers

from warnings_app.api.serializers.ids import IdRelatedField
from warnings_app.models import Campaign, Company
from warnings_app.reports.dashboard.figures import Figures


class FiguresQuerySerializer(serializers.Serializer[dict[str, Any]]):
    campaign = IdRelatedField(queryset=Campaign.objects.all(), required=False)
    segment = serializers.ChoiceField(choices=Company.Segment.choices, required=False)
    country = serializers.ChoiceField(choices=list(countries), required=False)
    since = serializers.DateField(required=False, help_text="Letters sent on or after")
    until = serializers.DateField(required=False, help_text="Letters sent on or before")

    def to_internal_value(self, data: Any) -> Any:
        blank = [name for name, _field in self.fields.items() if data.get(name) == ""]
        if blank:  # `?until=` is a mistake, not the same as leaving the filter out
            raise serializers.ValidationError({name: ["Give a value."] for name in blank})
        return super().to_internal_value(data)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("since") and attrs.get("until") and attrs["since"] > attrs["until"]:
            raise serializers.ValidationError("The start date is after the end date.")
        return attrs


_COUNTS = serializers.DictField(child=serializers.IntegerField())


class CampaignFiguresSerializer(serializers.Serializer[dict[str, Any]]):
    campaign = serializers.IntegerField(allow_null=True)
    issued = serializers.IntegerField()
    reply_days = serializers.DictField(
        child=serializers.IntegerField(), help_text="{business days to reply: replies}"
    )


class TrendDaySerializer(serializers.Serializer[dict[str, Any]]):
    day = serializers.DateField()
    figures = serializers.DictField(child=serializers.IntegerField())


class FiguresSerializer(serializers.Serializer[dict[str, Any]]):
    built_at = serializers.DateTimeField(allow_null=True)
    totals = serializers.DictField(child=serializers.IntegerField())
    percent = serializers.DictField(child=serializers.FloatField(allow_null=True))
    statuses = serializers.DictField(child=serializers.IntegerField())
    outcomes = serializers.DictField(child=serializers.IntegerField())
    median_days_to_reply = serializers.FloatField(allow_null=True)
    reply_days = serializers.DictField(child=serializers.IntegerField())
    by_segment = serializers.DictField(
        child=serializers.DictField(child=serializers.IntegerField())
    )
    by_country = serializers.DictField(
        child=serializers.DictField(child=serializers.IntegerField())
    )
    by_campaign = CampaignFiguresSerializer(many=True)
    steps_due_this_week = serializers.IntegerField()
    trend = TrendDaySerializer(many=True)


def figures_data(figures: Figures) -> dict[str, Any]:
    """Figures as plain JSON-ready data (the dashboard's dataclass holds defaultdicts, dates and
    int keys)."""
    return {
        "built_at": figures.built_at,
        "totals": dict(figures.totals),
        "percent": {
            name: figures.percent(name)
            for name in ("delivered", "bounced", "replied", "replied_late", "resolved", "overdue")
        },
        "statuses": dict(figures.statuses),
        "outcomes": dict(figures.outcomes),
        "median_days_to_reply": figures.median_days_to_reply,
        "reply_days": {str(day): n for day, n in sorted(figures.reply_days.items())},
        "by_segment": {key: dict(values) for key, values in figures.by_segment.items()},
        "by_country": {key: dict(values) for key, values in figures.by_country.items()},
        "by_campaign": [
            {
                "campaign": pk,
                "issued": values["issued"],
                "reply_days": {str(day): n for day, n in sorted(values["days"].items())},
            }
            for pk, values in figures.by_campaign.items()
        ],
        "steps_due_this_week": figures.steps_due_this_week,
        "trend": [
            {"day": row["day"], "figures": {k: v for k, v in row.items() if k != "day"}}
            for row in figures.trend
        ],
    }
