"""Letters and their delivery attempts, read-only: both are written only by the services."""

from rest_framework import serializers

from warnings_app.models import DeliveryAttempt, Notice


class NoticeSerializer(serializers.ModelSerializer[Notice]):
    pdf_available = serializers.SerializerMethodField()

    class Meta:
        model = Notice
        fields = [
            "id",
            "reference",
            "company",
            "contact",
            "addressed_to_counsel",
            "campaign",
            "ladder_step",
            "follows",
            "template_version",
            "status",
            "channels",
            "on_hold",
            "problem",
            "due_date",
            "due_date_explanation",
            "pdf_available",
            "pdf_sha256",
            "pdf_size",
            "pdf_pages",
            "rendered_at",
            "created_at",
            "approved_at",
            "approved_by",
            "sent_at",
            "status_changed_at",
        ]
        read_only_fields = fields

    def get_pdf_available(self, notice: Notice) -> bool:
        """Whether the letter has been rendered; download it from /notices/{id}/pdf/."""
        return bool(notice.pdf)


class DeliveryAttemptSerializer(serializers.ModelSerializer[DeliveryAttempt]):
    class Meta:
        model = DeliveryAttempt
        fields = [
            "id",
            "notice",
            "channel",
            "outcome",
            "message_id",
            "recipient",
            "server_reply",
            "pdf_sha256",
            "tracking_number",
            "carrier",
            "delivered_on",
            "print_batch",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields


class SendBackSerializer(serializers.Serializer[dict[str, str]]):
    comment = serializers.CharField(
        max_length=2000, help_text="What must change; kept in the audit log and shown to the author"
    )
