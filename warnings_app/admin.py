"""The Django admin, for administrators. Every save and delete here writes an audit event.
Records whose changes have rules of their own (notices, template versions, deliveries,
campaigns) or that are evidence are read-only here: those change only through their services,
and a correction is a new record (a reclassification is audited with what it replaced).

Accounts are not managed here: users, groups and permissions, and authenticator devices, are
on the Accounts page (views/accounts.py), which gives roles, never raw permissions, and asks a
second person before anyone gets Legal or Admin. The stock user, group and TOTP device admins
are removed below, so /admin/auth/... is not found."""

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from warnings_app import models as m
from warnings_app.domain import uploads
from warnings_app.domain.normalise import normalise_domain
from warnings_app.models.companies import COMPANY_EDITABLE_FIELDS
from warnings_app.services import audit_record, company_create, company_update
from warnings_app.views.access import signed_in_user

if TYPE_CHECKING:
    from django.db.models import Model, QuerySet
    from django.http import HttpRequest

    # django-stubs makes these generic over the model; Django's classes are not subscriptable
    # at run time. The audited admins serve many models, hence Any.
    _ModelAdmin = admin.ModelAdmin[Any]
    _ModelForm = forms.ModelForm[Any]
else:
    _ModelAdmin = admin.ModelAdmin
    _ModelForm = forms.ModelForm


class AuditedAdmin(_ModelAdmin):
    def save_model(self, request: "HttpRequest", obj: Any, form: Any, change: bool) -> None:
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            audit_record(
                actor=request.user,
                verb="admin.changed" if change else "admin.added",
                target=obj,
                data={"fields": sorted(form.changed_data)},
            )

    def delete_model(self, request: "HttpRequest", obj: Any) -> None:
        with transaction.atomic():
            audit_record(actor=request.user, verb="admin.deleted", target=obj)
            super().delete_model(request, obj)

    def delete_queryset(self, request: "HttpRequest", queryset: "QuerySet[Any]") -> None:
        with transaction.atomic():
            for obj in queryset:
                audit_record(actor=request.user, verb="admin.deleted", target=obj)
            super().delete_queryset(request, queryset)


class KeptAdmin(AuditedAdmin):
    """Editable, never deleted: part of the record of what happened."""

    def has_delete_permission(self, request: "HttpRequest", obj: "Model | None" = None) -> bool:
        return False


class EvidenceItemForm(_ModelForm):
    """The exhibit's file passes the upload gate (warnings_app/domain/uploads.py) by its bytes."""

    class Meta:
        model = m.EvidenceItem
        fields = ["company", "works", "description", "source_url", "observed_at", "file"]

    def clean_file(self) -> Any:
        upload = self.cleaned_data.get("file")
        if upload and "file" in self.changed_data:
            content = upload.read()
            upload.seek(0)
            try:
                self.checked = uploads.check(content, name=upload.name)
            except uploads.UploadRefused as exc:
                raise forms.ValidationError(str(exc)) from exc
        return upload


@admin.register(m.EvidenceItem)
class EvidenceItemAdmin(KeptAdmin):
    """Evidence: an exhibit is added here (through the upload gate) and never changed or
    deleted afterwards. Adding is appending, so it stays; a wrong exhibit is answered by a new
    one that says what it corrects."""

    form = EvidenceItemForm
    readonly_fields = ["original_filename", "content_type", "size", "sha256", "uploaded_by"]

    def save_model(
        self, request: "HttpRequest", obj: m.EvidenceItem, form: Any, change: bool
    ) -> None:
        checked = getattr(form, "checked", None)
        if checked is not None:
            # A generated name: the uploader's file name is kept as data, never in the path.
            obj.original_filename = (obj.file.name or "")[:255]
            obj.file.name = uploads.generated_filename(checked)  # upload_to adds evidence/Y/m/
            obj.content_type, obj.size, obj.sha256 = (
                checked.content_type,
                checked.size,
                checked.sha256,
            )
            obj.uploaded_by = signed_in_user(request)
        super().save_model(request, obj, form, change)

    def has_change_permission(self, request: "HttpRequest", obj: "Model | None" = None) -> bool:
        return False


class ReadOnlyAdmin(_ModelAdmin):
    """Shown, never added, changed or deleted here, whatever the user's permissions."""

    def has_add_permission(self, request: "HttpRequest", obj: "Model | None" = None) -> bool:
        return False

    def has_change_permission(self, request: "HttpRequest", obj: "Model | None" = None) -> bool:
        return False

    def has_delete_permission(self, request: "HttpRequest", obj: "Model | None" = None) -> bool:
        return False


class CompanyAdminForm(_ModelForm):
    class Meta:
        model = m.Company
        fields = [*COMPANY_EDITABLE_FIELDS, "tags"]

    def clean_domain(self) -> str:
        try:
            return normalise_domain(self.cleaned_data["domain"])
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc


@admin.register(m.Company)
class CompanyAdmin(AuditedAdmin):
    form = CompanyAdminForm
    list_display = [
        "legal_name",
        "domain",
        "country",
        "segment",
        "hold_automation",
    ]
    list_filter = ["segment", "hold_automation"]
    search_fields = ["legal_name", "aliases", "domain"]
    raw_id_fields = ["parent", "created_by"]
    readonly_fields = ["name_key"]

    def save_model(self, request: "HttpRequest", obj: m.Company, form: Any, change: bool) -> None:
        """Through the register's services, as the pages do: they keep the name key and the
        tags and write company.created / company.updated with the changed fields."""
        values = {name: form.cleaned_data[name] for name in COMPANY_EDITABLE_FIELDS}
        tags = [tag.name for tag in form.cleaned_data.get("tags") or []]
        by = signed_in_user(request)
        if change:
            saved = company_update(company=obj, by=by, tags=tags, **values)
        else:
            saved = company_create(by=by, tags=tags, **values)
        obj.pk, obj.name_key, obj.created_by = saved.pk, saved.name_key, saved.created_by
        obj._state.adding = False

    def save_related(self, request: "HttpRequest", form: Any, formsets: Any, change: bool) -> None:
        """The tags were set by the service with the company; nothing else is related here."""


@admin.register(m.Contact)
class ContactAdmin(AuditedAdmin):
    list_display = ["__str__", "company", "role", "email", "is_active"]
    list_filter = ["role", "is_active"]
    search_fields = ["name", "organisation", "email", "company__legal_name"]
    raw_id_fields = ["company"]


@admin.register(m.Notice)
class NoticeAdmin(ReadOnlyAdmin):
    list_display = ["reference", "company", "status", "template_version", "due_date"]
    list_filter = ["status"]
    search_fields = ["reference", "company__legal_name"]


@admin.register(m.AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "actor", "verb", "target_repr", "from_state", "to_state"]
    list_filter = ["verb"]
    search_fields = ["target_repr", "verb", "target_id"]


# Accounts, roles and authenticators: the Accounts page (see the module's docstring).
admin.site.unregister([get_user_model(), Group, TOTPDevice])
admin.site.register([m.Tag, m.Principal, m.Work], AuditedAdmin)
admin.site.register([m.LetterTemplate], KeptAdmin)
# Evidence (replies with their raw messages and attachments, demand answers, deliveries) and
# the records that change only through their services.
admin.site.register(
    [
        m.Response,
        m.DemandAnswer,
        m.TemplateVersion,
        m.Campaign,
        m.LadderStep,
        m.DeliveryAttempt,
        m.FollowUp,
        m.ResponseAttachment,
        m.PrintBatch,
        m.ReferenceCounter,
        m.Heartbeat,
        m.RoleGrant,
        m.AuditAnchor,
    ],
    ReadOnlyAdmin,
)


class AICrawlerForm(_ModelForm):
    """The user agent goes into robots.txt as a line of its own: one token only (the rule is
    warnings_app/domain/crawlers.py, the model field's validator), so a line break cannot add
    rules for every crawler."""

    class Meta:
        model = m.AICrawler
        fields = ["user_agent", "operator", "active"]


@admin.register(m.AICrawler)
class AICrawlerAdmin(KeptAdmin):
    """The crawlers named in the published robots.txt section. Switch one off rather than
    delete it; every save republishes, so the section follows the list at once."""

    form = AICrawlerForm
    list_display = ["user_agent", "operator", "active"]
    list_filter = ["active"]
    search_fields = ["user_agent", "operator"]
    readonly_fields = ["created_at"]

    def save_model(self, request: "HttpRequest", obj: m.AICrawler, form: Any, change: bool) -> None:
        from warnings_app.services.reservations import reservations_publish

        with transaction.atomic():  # the change, its audit event and the new version together
            super().save_model(request, obj, form, change)
            reservations_publish(by=signed_in_user(request))


@admin.register(m.Artist)
class ArtistAdmin(KeptAdmin):
    """Where the artist's private links go. The name is how works find their artist, so it is
    set when a work first names the artist and not edited here."""

    list_display = ["name", "email", "manager_name", "manager_email"]
    search_fields = ["name", "email", "manager_email"]
    fields = ["name", "email", "manager_name", "manager_email"]

    def get_readonly_fields(self, request: "HttpRequest", obj: m.Artist | None = None) -> list[str]:
        return ["name"] if obj is not None else []


# Statements, their receipts, links and published versions change only through their services.
admin.site.register(
    [
        m.PreferenceStatement,
        m.PreferenceReceipt,
        m.WorkPreference,
        m.PreferenceLink,
        m.ReservationPublication,
    ],
    ReadOnlyAdmin,
)
