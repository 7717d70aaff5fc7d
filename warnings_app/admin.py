"""The Django admin for every model, for administrators. Every save and delete made here writes
an audit event like the rest of the system; the audit log itself and the counters are read-only."""

from django.contrib import admin
from django.db import transaction

from warnings_app import models as m
from warnings_app.normalise import company_name_key
from warnings_app.services import audit_record


class AuditedAdmin(admin.ModelAdmin):
    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            audit_record(
                actor=request.user,
                verb="admin.changed" if change else "admin.added",
                target=obj,
                data={"fields": sorted(form.changed_data)},
            )

    def delete_model(self, request, obj):
        with transaction.atomic():
            audit_record(actor=request.user, verb="admin.deleted", target=obj)
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                audit_record(actor=request.user, verb="admin.deleted", target=obj)
            super().delete_queryset(request, queryset)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(m.Company)
class CompanyAdmin(AuditedAdmin):
    list_display = ["legal_name", "domain", "country", "segment", "licensed_do_not_send",
                    "hold_automation"]  # fmt: skip
    list_filter = ["segment", "licensed_do_not_send", "hold_automation"]
    search_fields = ["legal_name", "aliases", "domain"]
    raw_id_fields = ["parent", "created_by"]
    readonly_fields = ["name_key"]

    def save_model(self, request, obj, form, change):
        obj.name_key = company_name_key(obj.legal_name)  # as the register pages keep it
        super().save_model(request, obj, form, change)


@admin.register(m.Contact)
class ContactAdmin(AuditedAdmin):
    list_display = ["__str__", "company", "role", "email", "is_active"]
    list_filter = ["role", "is_active"]
    search_fields = ["name", "organisation", "email", "company__legal_name"]
    raw_id_fields = ["company"]


@admin.register(m.Notice)
class NoticeAdmin(AuditedAdmin):
    list_display = ["reference", "company", "status", "template_version", "due_date"]
    list_filter = ["status"]
    search_fields = ["reference", "company__legal_name"]
    raw_id_fields = ["company", "contact", "campaign", "ladder_step", "follows",
                     "template_version", "created_by", "approved_by"]  # fmt: skip
    # State, evidence and leases move only through services, each change guarded and audited.
    readonly_fields = ["reference", "status", "pdf", "pdf_sha256", "pdf_size", "pdf_pages",
                       "merge_data", "rendered_at", "approved_by", "approved_at", "sent_at",
                       "lease_owner", "lease_expires_at"]  # fmt: skip

    def has_add_permission(self, request, obj=None):
        return False  # notices are created by services, which allocate the reference


@admin.register(m.AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "actor", "verb", "target_repr", "from_state", "to_state"]
    list_filter = ["verb"]
    search_fields = ["target_repr", "verb", "target_id"]


admin.site.register([m.ReferenceCounter, m.Heartbeat], ReadOnlyAdmin)
admin.site.register(
    [m.Tag, m.Principal, m.Work, m.EvidenceItem, m.LetterTemplate, m.TemplateVersion, m.Campaign,
     m.LadderStep, m.DeliveryAttempt, m.FollowUp, m.Response, m.ResponseAttachment,
     m.DemandAnswer],
    AuditedAdmin,
)  # fmt: skip
