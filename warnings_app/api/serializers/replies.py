"""Replies: read with their demand answers; logged and classified through the reply services."""

from typing import Any

from django.utils import timezone
from rest_framework import serializers

from warnings_app.api.serializers.ids import IdRelatedField
from warnings_app.api.serializers.strict import StrictTypes
from warnings_app.domain.privileged import may_see_privileged
from warnings_app.models import Company, DemandAnswer, Notice, Response

LOGGABLE_CHANNELS = [(v, label) for v, label in Response.Channel.choices if v != "email"]
OUTCOMES = [(v, label) for v, label in Response.Outcome.choices if v != "unclassified"]


class DemandAnswerSerializer(StrictTypes, serializers.ModelSerializer[DemandAnswer]):
    class Meta:
        model = DemandAnswer
        fields = ["demand", "answer", "note"]


class ReplySerializer(serializers.ModelSerializer[Response]):
    """A reply as read. Its classification note is privileged (attorney work product), so it
    is served only to users for whom `may_see_privileged` holds (Legal), the rule exports and
    evidence bundles follow; for everyone else the key is left out, not sent as null. With no
    request in the context the note is left out too: the safe default.

    Whoever may classify (Paralegal as well as Legal) may still write a note when classifying:
    the classify form and POST .../classify/ take one. Writing it does not let them read it
    back: the classify answer, like every read, shows it only to users allowed privileged
    content."""

    demands = DemandAnswerSerializer(many=True, read_only=True)
    # Not read_only: drf-spectacular lists every read-only field as required, and this key is
    # absent for most users. The serializer only ever writes replies out (read_only_fields).
    classification_note = serializers.CharField(
        required=False,
        help_text="Legal's note on the classification (privileged, attorney work product). "
        "Appears only for users allowed privileged content (Legal); absent for everyone else.",
    )

    class Meta:
        model = Response
        fields = [
            "id",
            "notice",
            "company",
            "channel",
            "kind",
            "matched_by",
            # Whether it acts on its notice by itself, why (or why it waits for a person), the
            # notice it seems to answer while it waits, and what was verified of the sender.
            "trust",
            "trust_reason",
            "suggested_notice",
            "confirmed_by",
            "confirmed_at",
            "sender_check",
            "received_at",
            "sender",
            "subject",
            "body_text",
            "problems",
            "outcome",
            "classification_note",
            "classified_at",
            "classified_by",
            "logged_by",
            "assigned_to",
            "snoozed_until",
            "demands",
            "created_at",
        ]
        read_only_fields = fields

    def to_representation(self, instance: Response) -> dict[str, Any]:
        data = super().to_representation(instance)
        request = self.context.get("request")
        if request is None or not may_see_privileged(request.user):
            del data["classification_note"]
        return data


class ReplyLogSerializer(StrictTypes, serializers.Serializer[dict[str, Any]]):
    """A reply that came by letter, phone or a portal, as the log-a-reply page takes it
    (attachments are added on that page)."""

    notice = IdRelatedField(queryset=Notice.objects.all(), required=False, allow_null=True)
    company = IdRelatedField(queryset=Company.objects.all(), required=False, allow_null=True)
    channel = serializers.ChoiceField(choices=LOGGABLE_CHANNELS)
    received_at = serializers.DateTimeField()
    sender = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    subject = serializers.CharField(max_length=998, required=False, allow_blank=True, default="")
    body_text = serializers.CharField(
        max_length=100_000, required=False, allow_blank=True, default=""
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        notice, company = attrs.get("notice"), attrs.get("company")
        if notice is None and company is None:
            raise serializers.ValidationError("Say which notice or company the reply is about.")
        if notice is not None and company is not None and notice.company_id != company.pk:
            raise serializers.ValidationError({"company": ["This is not the notice's company."]})
        if attrs["received_at"] > timezone.now():
            raise serializers.ValidationError(
                {"received_at": ["The reply cannot have been received in the future."]}
            )
        if not (attrs["subject"].strip() or attrs["body_text"].strip()):
            raise serializers.ValidationError("Write what was said (subject or body_text).")
        return attrs


class ClassifySerializer(StrictTypes, serializers.Serializer[dict[str, Any]]):
    outcome = serializers.ChoiceField(choices=OUTCOMES)
    note = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    # many=True makes a ListSerializer, which takes max_length; the stubs leave it out.
    demands = DemandAnswerSerializer(  # type: ignore[call-arg]
        many=True, required=False, max_length=5
    )

    def validate_demands(self, demands: list[dict[str, Any]]) -> list[dict[str, Any]]:
        names = [d["demand"] for d in demands]
        if len(names) != len(set(names)):
            raise serializers.ValidationError("Each demand may be answered once.")
        return demands

    def service_demands(self) -> dict[str, tuple[str, str]]:
        return {
            d["demand"]: (d["answer"], d.get("note", ""))
            for d in self.validated_data.get("demands", [])
        }
