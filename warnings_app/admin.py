"""The Django admin for every model, for administrators. The audit log is read-only here."""

from django.contrib import admin

from warnings_app import models as m


@admin.register(m.Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = [
        "legal_name",
        "domain",
        "country",
        "segment",
        "licensed_do_not_send",
        "hold_automation",
    ]
    list_filter = ["segment", "licensed_do_not_send", "hold_automation"]
    search_fields = ["legal_name", "aliases", "domain"]
    raw_id_fields = ["parent", "created_by"]
    readonly_fields = ["name_key"]


@admin.register(m.Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["__str__", "company", "role", "email", "is_active"]
    list_filter = ["role", "is_active"]
    search_fields = ["name", "organisation", "email", "company__legal_name"]
    raw_id_fields = ["company"]


@admin.register(m.Notice)
class NoticeAdmin(admin.ModelAdmin):
    list_display = ["reference", "company", "status", "template_version", "due_date"]
    list_filter = ["status"]
    search_fields = ["reference", "company__legal_name"]
    raw_id_fields = [
        "company",
        "contact",
        "campaign",
        "ladder_step",
        "follows",
        "template_version",
        "created_by",
        "approved_by",
    ]
    # State moves only through services, so that each one is guarded and audited.
    readonly_fields = [
        "reference",
        "status",
        "pdf_sha256",
        "pdf_size",
        "pdf_pages",
        "merge_data",
        "lease_owner",
        "lease_expires_at",
    ]


@admin.register(m.AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "actor", "verb", "target_repr", "from_state", "to_state"]
    list_filter = ["verb"]
    search_fields = ["target_repr", "verb", "target_id"]

    def has_add_permission(self, request, obj=None):  # noqa: ARG002
        return False

    def has_change_permission(self, request, obj=None):  # noqa: ARG002
        return False

    def has_delete_permission(self, request, obj=None):  # noqa: ARG002
        return False


for model in [
    m.Tag,
    m.Principal,
    m.Work,
    m.EvidenceItem,
    m.LetterTemplate,
    m.TemplateVersion,
    m.Campaign,
    m.LadderStep,
    m.DeliveryAttempt,
    m.FollowUp,
    m.Response,
    m.ResponseAttachment,
    m.DemandAnswer,
    m.ReferenceCounter,
    m.Heartbeat,
]:
    admin.site.register(model)
