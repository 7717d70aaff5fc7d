"""Campaigns: read as stored, created with the fields of the campaign form, moved on by actions."""

from typing import Any

from django_countries import countries
from rest_framework import serializers

from warnings_app.api.serializers.ids import IdField, IdRelatedField
from warnings_app.api.serializers.strict import StrictTypes
from warnings_app.models import Campaign, Company, Notice, Principal, Tag, TemplateVersion, Work
from warnings_app.services.campaigns import ApprovalResult, SendResult


class LadderStepSerializer(StrictTypes, serializers.Serializer[dict[str, Any]]):
    name = serializers.CharField(max_length=100)
    offset_business_days = serializers.IntegerField(min_value=1, max_value=250)
    action = serializers.ChoiceField(choices=[("letter", "letter"), ("handoff", "handoff")])
    template_version = IdRelatedField(
        queryset=TemplateVersion.objects.filter(status=TemplateVersion.Status.APPROVED),
        required=False,
        allow_null=True,
    )
    channels = serializers.ListField(
        child=serializers.ChoiceField(choices=Notice.Channel.choices), required=False, max_length=3
    )
    requires_approval = serializers.BooleanField(default=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["action"] == "letter" and not attrs.get("template_version"):
            raise serializers.ValidationError(
                {"template_version": ["Choose the letter this step sends."]}
            )
        attrs.setdefault("channels", ["email"])
        return attrs


class RecipientFilterSerializer(StrictTypes, serializers.Serializer[dict[str, Any]]):
    """Which companies get a letter: any of these, combined as the campaign form does."""

    segment = serializers.ListField(
        child=serializers.ChoiceField(choices=Company.Segment.choices), required=False
    )
    country = serializers.ListField(
        child=serializers.ChoiceField(choices=list(countries)), required=False
    )
    tags = serializers.ListField(child=serializers.CharField(max_length=60), required=False)
    company_ids = serializers.ListField(child=IdField(), required=False, max_length=5000)

    def validate_tags(self, names: list[str]) -> list[str]:
        names = [n.strip().lower() for n in names if n.strip()]
        known = set(Tag.objects.filter(name__in=names).values_list("name", flat=True))
        unknown = sorted(set(names) - known)
        if unknown:
            raise serializers.ValidationError(f"Unknown tags: {', '.join(unknown)}.")
        return names

    def validate_company_ids(self, ids: list[int]) -> list[int]:
        found = set(Company.objects.filter(pk__in=ids).values_list("pk", flat=True))
        missing = sorted(set(ids) - found)
        if missing:
            raise serializers.ValidationError(f"Not in the register: {missing[:10]}.")
        return list(dict.fromkeys(ids))

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        chosen = {key: value for key, value in attrs.items() if value}
        if not chosen:
            raise serializers.ValidationError(
                "Choose recipients: by segment, country, tag or a list of company ids."
            )
        return chosen


class CampaignSerializer(StrictTypes, serializers.ModelSerializer[Campaign]):
    template_version = IdRelatedField(
        queryset=TemplateVersion.objects.filter(status=TemplateVersion.Status.APPROVED)
    )
    principals = IdRelatedField(queryset=Principal.objects.all(), many=True, allow_empty=False)
    works = IdRelatedField(queryset=Work.objects.all(), many=True, required=False)
    recipient_filter = RecipientFilterSerializer()
    channels = serializers.ListField(
        child=serializers.ChoiceField(choices=Notice.Channel.choices), allow_empty=False,
        max_length=3,
    )  # fmt: skip
    response_window_days = serializers.IntegerField(min_value=1, max_value=120, default=15)
    # many=True makes a ListSerializer, which takes max_length; the stubs leave it out.
    steps = LadderStepSerializer(  # type: ignore[call-arg]
        many=True, required=False, max_length=6
    )

    class Meta:
        model = Campaign
        fields = [
            "id",
            "name",
            "description",
            "status",
            "template_version",
            "principals",
            "works",
            "recipient_filter",
            "response_window_days",
            "channels",
            "steps",
            "signatory_name",
            "signatory_title",
            "created_at",
            "created_by",
            "approved_at",
            "approved_by",
        ]
        read_only_fields = [
            "id",
            "status",
            "created_at",
            "created_by",
            "approved_at",
            "approved_by",
        ]

    def to_representation(self, campaign: Campaign) -> dict[str, Any]:
        data = super().to_representation(campaign)
        data["steps"] = [
            {
                "name": step.name,
                "offset_business_days": step.offset_business_days,
                "action": step.action,
                "template_version": step.template_version_id,
                "channels": step.channels,
                "requires_approval": step.requires_approval,
            }
            for step in campaign.steps.all()
        ]
        return data

    def validate_name(self, name: str) -> str:
        name = " ".join(name.split())
        if not name:
            raise serializers.ValidationError("Give the campaign a name.")
        if Campaign.objects.filter(name__iexact=name).exists():
            raise serializers.ValidationError("A campaign with this name already exists.")
        return name

    def validate_channels(self, channels: list[str]) -> list[str]:
        return list(dict.fromkeys(channels))


class ApproveSerializer(StrictTypes, serializers.Serializer[dict[str, Any]]):
    notices = serializers.ListField(
        child=IdField(),
        required=False,
        allow_null=True,
        max_length=5000,
        help_text="Approve only these letters; leave out to approve every rendered letter.",
    )


class PauseSerializer(StrictTypes, serializers.Serializer[dict[str, Any]]):
    reason = serializers.CharField(max_length=500)


class ApproveResultSerializer(serializers.Serializer[ApprovalResult]):
    approved = serializers.IntegerField()
    refused = serializers.ListField(child=serializers.CharField())


class SendResultSerializer(serializers.Serializer[SendResult]):
    queued = serializers.IntegerField()
    blocked = serializers.IntegerField()
