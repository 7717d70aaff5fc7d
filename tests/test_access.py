"""Built from the URL configuration: every URL must be listed here with the roles that may use
it, so a new page cannot ship without a decision about who sees it."""

import hashlib

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.access_rows import Rows
from tests.factories import CompanyFactory, UserFactory
from warnings_app.domain.roles import ADMIN, ALL_ROLES, LEGAL, MANAGER, PARALEGAL
from warnings_app.models import (
    Company,
    EvidenceBundle,
    LicenceMatter,
    MatterDocument,
    PrintBatch,
    Response,
    RoleGrant,
)

pytestmark = pytest.mark.django_db

# The artist's private link needs no account; the published reservations are for the world.
PUBLIC = {
    "login",
    "healthz",
    "artist_choice",
    "artist_choice_confirm",
    "tdmrep_json",
    "reservations_robots",
    "reservation_policy",
    "organisation_logo",  # shown on the artist's public pages
}
EVERYONE = set(ALL_ROLES)
SIGNED_IN = EVERYONE | {None}  # any signed-in user, even one not yet given a role
EDITORS = {LEGAL, PARALEGAL, ADMIN}
ALLOWED = {
    "home": SIGNED_IN,
    "logout": SIGNED_IN,
    "two_factor_setup": SIGNED_IN,
    "two_factor_verify": SIGNED_IN,
    "company_list": EVERYONE,
    "company_detail": EVERYONE,
    "company_create": EDITORS,
    "company_import": EDITORS,
    "company_import_commit": EDITORS,
    "company_edit": EDITORS,
    "company_hold": EDITORS,
    "contact_create": EDITORS,
    "contact_edit": EDITORS,
    "template_list": EVERYONE,
    "template_detail": EVERYONE,
    "template_create": {LEGAL},
    "version_draft": {LEGAL},
    "version_edit": {LEGAL},
    "version_preview": {LEGAL},
    "version_pdf": EVERYONE,
    "version_diff": EVERYONE,
    "version_submit": {LEGAL},
    "version_approve": {LEGAL},
    "version_reject": {LEGAL},
    "notice_pdf": EVERYONE,
    "notice_detail": EVERYONE,
    "notice_withdraw": {LEGAL},
    "printbatch_list": EVERYONE,
    "printbatch_detail": EVERYONE,
    "printbatch_pdf": EVERYONE,
    "printbatch_manifest": EVERYONE,
    "printbatch_hand_over": {LEGAL, PARALEGAL},
    "printbatch_tracking": {LEGAL, PARALEGAL},
    "search": EVERYONE,
    "export": {LEGAL, MANAGER, ADMIN},
    "dashboard": {LEGAL, MANAGER, ADMIN},
    "company_evidence": {LEGAL, ADMIN},
    "campaign_evidence": {LEGAL, ADMIN},
    "evidence_bundle": {LEGAL, ADMIN},
    "evidence_bundle_download": {LEGAL, ADMIN},
    "work_queue": EVERYONE,
    "work_queue_act": {LEGAL, PARALEGAL, ADMIN},
    "reconciliation": EVERYONE,
    "notice_reconcile": {LEGAL},
    "reply_detail": EVERYONE,
    "reply_match": {LEGAL, PARALEGAL, ADMIN},
    "reply_classify": {LEGAL, PARALEGAL, ADMIN},
    "notice_log_reply": {LEGAL, PARALEGAL, ADMIN},
    "company_log_reply": {LEGAL, PARALEGAL, ADMIN},
    "campaign_list": EVERYONE,
    "campaign_detail": EVERYONE,
    "campaign_progress": EVERYONE,
    "campaign_create": {LEGAL},
    "campaign_recipients_preview": {LEGAL},
    "campaign_generate": {LEGAL},
    "campaign_approve": {LEGAL},
    "campaign_send": {LEGAL},
    "campaign_pause": {LEGAL},
    "campaign_review": {LEGAL},
    "campaign_approve_confirm": {LEGAL},
    "campaign_send_confirm": {LEGAL},
    "campaign_pause_confirm": {LEGAL},
    "notice_pdf_view": EVERYONE,
    "notice_page_image": EVERYONE,
    "notice_approve": {LEGAL},
    "notice_send_back": {LEGAL},
    "campaign_resume": {LEGAL},
    "campaign_outcomes": EVERYONE,
    # Open to whoever may take one of its actions (chase, withdraw, hold); only Legal may.
    "campaign_outcomes_act": {LEGAL},
    "campaign_outcomes_export": {LEGAL, MANAGER, ADMIN},  # as the other exports
    "audit_log": {LEGAL, ADMIN},
    "audit_export": {LEGAL, ADMIN},
    "audit_anchor": {LEGAL, ADMIN},
    "artist_list": EVERYONE,
    "artist_detail": EVERYONE,
    "preference_record": {LEGAL},
    "preference_instruction": EVERYONE,
    "preference_link_create": {LEGAL, PARALEGAL},
    "preference_link_revoke": {LEGAL, PARALEGAL},
    "licence_create": {LEGAL},
    "licence_detail": {LEGAL, PARALEGAL, MANAGER},
    "licence_agreement": {LEGAL, PARALEGAL, MANAGER},
    "licence_todos": {LEGAL, PARALEGAL, MANAGER},
    "licence_terminate": {LEGAL},
    "licence_flag_resolve": {LEGAL},
    "licence_reminder_done": {LEGAL, PARALEGAL},
    "reservation_list": EVERYONE,
    "reservation_download": EVERYONE,
    # Licence talks (issue 19): everyone with a licences role reads them; paralegals open them
    # from a reply and file documents; lawyers run them.
    "licence_matter_list": {LEGAL, PARALEGAL, MANAGER},
    "licence_matter_detail": {LEGAL, PARALEGAL, MANAGER},
    "licence_matter_document_file": {LEGAL, PARALEGAL, MANAGER},
    "licence_matter_open_reply": {LEGAL, PARALEGAL},
    "licence_matter_open_company": {LEGAL},
    "licence_matter_move": {LEGAL},
    "licence_matter_next_step": {LEGAL},
    "licence_matter_note": {LEGAL},
    "licence_matter_document": {LEGAL, PARALEGAL},
    "licence_matter_decline": {LEGAL},
    "api_tokens": EVERYONE,
    "api_token_revoke": EVERYONE,
    "account_list": {ADMIN},
    "account_create": {ADMIN},
    "account_role": {ADMIN},
    "account_deactivate": {ADMIN},
    "account_authenticator_reset": {ADMIN},
    "account_enrolment_code": {ADMIN},
    # The second person for a Legal or Admin grant holds Legal or Admin.
    "rolegrant_list": {LEGAL, ADMIN},
    "rolegrant_confirm": {LEGAL, ADMIN},
    "rolegrant_cancel": {LEGAL, ADMIN},
    "usage_report_upload": {LEGAL, PARALEGAL},
    "usage_report_detail": {LEGAL, PARALEGAL, MANAGER},
    "licence_findings": {LEGAL, PARALEGAL, MANAGER},
    "usage_finding_notice": {LEGAL},
    # The rows behind the dashboard's licence figures: whoever reads licence talks, licences or
    # findings (Admin does not); the tables' downloads as the other exports, for those of them
    # who may see reports.
    "licence_figures_matters": {LEGAL, PARALEGAL, MANAGER},
    "licence_figures_conversion": {LEGAL, PARALEGAL, MANAGER},
    "licence_figures_licences": {LEGAL, PARALEGAL, MANAGER},
    "licence_figures_overdue": {LEGAL, PARALEGAL, MANAGER},
    "licence_figures_export": {LEGAL, MANAGER},
}
# Pages that list nothing without their filters.
QUERIES = {"licence_figures_conversion": "?by=segment&key=platform&step=sent"}
TWO_FACTOR = {"two_factor_setup", "two_factor_verify"}  # any signed-in user's own sign-in step
OWN_CREDENTIALS = TWO_FACTOR | {"api_tokens", "api_token_revoke"}  # and their own API tokens
POST_ONLY = {
    "logout",
    "audit_anchor",
    "api_token_revoke",
    "company_import_commit",
    "work_queue_act",
    "reply_match",
    "reply_classify",
    "version_draft",
    "version_preview",
    "version_submit",
    "version_approve",
    "version_reject",
    "notice_withdraw",
    "notice_reconcile",
    "notice_approve",
    "notice_send_back",
    "company_evidence",
    "campaign_evidence",
    "campaign_generate",
    "campaign_approve",
    "campaign_send",
    "campaign_pause",
    "campaign_resume",
    "campaign_outcomes_act",
    "printbatch_hand_over",
    "printbatch_tracking",
    "preference_link_create",
    "preference_link_revoke",
    "licence_reminder_done",
    "account_role",
    "account_deactivate",
    "account_authenticator_reset",
    "account_enrolment_code",
    "rolegrant_confirm",
    "rolegrant_cancel",
    "licence_matter_open_reply",
    "licence_matter_move",
}


def _app_url_names() -> set[str]:
    names = set()

    def walk(patterns):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                # The admin has its own guard; the API has its own matrix (test_api_access.py).
                if entry.app_name not in ("admin", "api"):
                    walk(entry.url_patterns)
            elif isinstance(entry, URLPattern) and entry.name:
                names.add(entry.name)

    walk(get_resolver().url_patterns)
    return names


class _PageRows(Rows):
    def reply(self):
        return self.once(
            "reply",
            lambda: Response.objects.create(channel="email", received_at=self.notice().created_at),
        )

    def bundle(self):
        """A ready bundle of a company, its zip in storage."""
        content = b"PK stand-in for a built bundle"
        return self.once(
            "bundle",
            lambda: EvidenceBundle.objects.create(
                subject_kind="company",
                subject_id=self.contact().company_id,
                subject_name="Example",
                requested_by=UserFactory(),
                status="ready",
                file=default_storage.save("bundles/test.zip", ContentFile(content)),
                sha256=hashlib.sha256(content).hexdigest(),
                size=len(content),
            ),
        )

    def batch(self):
        return self.once(
            "batch",
            lambda: PrintBatch.objects.create(
                code="PB-TEST",
                channel="post",
                pdf=self.notice().pdf.name,
                pdf_sha256=self.notice().pdf_sha256,  # the batch's files are served verified
                manifest=default_storage.save("print/test.csv", ContentFile(b"item\n")),
                manifest_sha256=hashlib.sha256(b"item\n").hexdigest(),
                letters=0,
                pages=0,
                created_by=UserFactory(),
            ),
        )

    def subject(self):
        """Someone the accounts pages act on (a person other than the one signed in)."""
        return self.once("subject", lambda: UserFactory(username="subject"))

    def grant(self):
        return self.once(
            "grant",
            lambda: RoleGrant.objects.create(
                subject=self.subject(),
                role=LEGAL,
                requested_by=UserFactory(role=ADMIN),
                requested_at=self.subject().date_joined,
            ),
        )

    def matter(self):
        return self.once(
            "matter",
            lambda: LicenceMatter.objects.create(
                company=self.contact().company, opened_by=UserFactory()
            ),
        )

    def document(self):
        """A document of the talks, its file in storage."""
        content = b"Draft NDA between the parties."
        return self.once(
            "document",
            lambda: MatterDocument.objects.create(
                matter=self.matter(),
                description="Draft NDA",
                file=default_storage.save("licences/documents/test.txt", ContentFile(content)),
                original_filename="nda.txt",
                content_type="text/plain",
                size=len(content),
                sha256=hashlib.sha256(content).hexdigest(),
                uploaded_by=UserFactory(),
            ),
        )

    def kwargs(self, name: str) -> dict | None:
        if name == "licence_matter_document_file":
            return {"pk": self.document().pk}
        if name == "licence_matter_open_reply":
            return {"pk": self.reply().pk}
        if name == "licence_matter_open_company":
            return {"pk": self.contact().company_id}
        if name.startswith("licence_matter_") and name != "licence_matter_list":
            return {"pk": self.matter().pk}
        if name.startswith("account_") and name not in ("account_list", "account_create"):
            return {"pk": self.subject().pk}
        if name == "notice_page_image":
            return {"pk": self.notice().pk, "page": 1}
        if name in ("rolegrant_confirm", "rolegrant_cancel"):
            return {"pk": self.grant().pk}
        if name.startswith("printbatch_") and name != "printbatch_list":
            return {"pk": self.batch().pk}
        if name.startswith("campaign_") and name not in (
            "campaign_list",
            "campaign_create",
            "campaign_recipients_preview",
        ):
            return {"pk": self.campaign().pk}
        if name in ("template_detail", "version_draft"):
            return {"pk": self.notice().template_version.template_id}
        if name.startswith("version_"):
            return {"pk": self.notice().template_version_id}
        if name in ("reply_detail", "reply_match", "reply_classify"):
            return {"pk": self.reply().pk}
        if name in (
            "notice_pdf",
            "notice_pdf_view",
            "notice_approve",
            "notice_send_back",
            "notice_detail",
            "notice_withdraw",
            "notice_log_reply",
            "notice_reconcile",
        ):
            return {"pk": self.notice().pk}
        if name in ("company_evidence", "company_log_reply", "company_detail", "company_edit"):
            return {"pk": self.contact().company_id}
        if name in ("evidence_bundle", "evidence_bundle_download"):
            return {"pk": self.bundle().pk}
        if name in ("artist_detail", "preference_record", "preference_link_create"):
            return {"pk": self.statement().artist_id}
        if name in ("usage_report_upload", "licence_findings"):
            return {"pk": self.licence().pk}
        if name == "usage_report_detail":
            return {"pk": self.usage_report().pk}
        if name == "usage_finding_notice":
            return {"pk": self.usage_finding().pk}
        special = {
            "export": lambda: {"kind": "notices", "fmt": "csv"},
            "licence_figures_export": lambda: {"table": "licence_stages", "fmt": "csv"},
            "contact_create": lambda: {"company_pk": self.contact().company_id},
            "contact_edit": lambda: {"pk": self.contact().pk},
            "preference_instruction": lambda: {"pk": self.statement().pk},
            "preference_link_revoke": lambda: {"pk": self.link().pk},
            "licence_create": lambda: {"pk": self.matter().pk},
            "licence_detail": lambda: {"pk": self.licence().pk},
            "licence_agreement": lambda: {"pk": self.licence().pk},
            "licence_terminate": lambda: {"pk": self.licence().pk},
            "licence_flag_resolve": lambda: {"pk": self.licence().flags.get().pk},
            "licence_reminder_done": lambda: {"pk": self.licence().reminders.get().pk},
            "api_token_revoke": lambda: {"pk": 1},  # nobody's token: see the POST matrix
            "reservation_download": lambda: {
                "version": self.publication().version,
                "kind": "tdmrep.json",
            },
        }
        return special[name]() if name in special else None


@pytest.fixture
def url_for():
    objects = _PageRows()
    return lambda name: reverse(name, kwargs=objects.kwargs(name)) + QUERIES.get(name, "")


def test_every_url_has_an_access_decision():
    assert _app_url_names() == PUBLIC | set(ALLOWED)


@pytest.mark.parametrize("name", sorted(ALLOWED))
def test_anonymous_users_are_sent_to_log_in(client, url_for, name):
    url = url_for(name)

    response = client.post(url) if name in POST_ONLY else client.get(url)

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("name", sorted(set(ALLOWED) - POST_ONLY))
@pytest.mark.parametrize("role", [*ALL_ROLES, None])
def test_each_role_reaches_only_its_pages(client, url_for, name, role):
    client.force_login(UserFactory(role=role))

    response = client.get(url_for(name))

    expected = 200 if role in ALLOWED[name] else 403
    assert response.status_code == expected, f"{role} on {name}"


@pytest.mark.parametrize("name", sorted(POST_ONLY - {"logout"}))
@pytest.mark.parametrize("role", [*ALL_ROLES, None])
def test_each_role_may_post_only_its_actions(client, url_for, name, role):
    client.force_login(UserFactory(role=role))

    response = client.post(url_for(name), {"reason": "x", "subject": "s", "body": "b"})

    if role in ALLOWED[name]:
        # The revoke URL names a token the poster does not own: past the role check, not found.
        expected = (404,) if name == "api_token_revoke" else (200, 302)
        assert response.status_code in expected, f"{role} on {name}"
    else:
        assert response.status_code == 403, f"{role} on {name}"


@pytest.mark.parametrize("role", ALL_ROLES)
def test_only_administrators_reach_the_django_admin(client, role):
    client.force_login(UserFactory(role=role, is_staff=role == ADMIN))

    response = client.get(reverse("admin:index"))

    if role == ADMIN:
        assert response.status_code == 200
        assert b"Companies" in response.content
    else:
        assert response.status_code == 302
        assert response.url.startswith(reverse("admin:login"))


def test_roles_see_only_the_navigation_they_may_use(client):
    expectations = {
        LEGAL: {
            "Home",
            "Dashboard",
            "Companies",
            "Artists",
            "New company",
            "Work queue",
            "Campaigns",
            "Licences",
            "Templates",
            "Print",
            "Audit log",
            "Role requests",
        },
        PARALEGAL: {
            "Home",
            "Companies",
            "Artists",
            "New company",
            "Work queue",
            "Campaigns",
            "Licences",
            "Templates",
            "Print",
        },
        MANAGER: {
            "Home",
            "Dashboard",
            "Companies",
            "Artists",
            "Campaigns",
            "Licences",
            "Templates",
            "Print",
        },
        ADMIN: {
            "Home",
            "Dashboard",
            "Companies",
            "Artists",
            "New company",
            "Work queue",
            "Campaigns",
            "Templates",
            "Print",
            "Audit log",
            "Accounts",
            "Role requests",
            "Administration",
        },
    }
    for role, labels in expectations.items():
        client.force_login(UserFactory(role=role, is_staff=role == ADMIN))

        nav = client.get(reverse("home")).context["nav_items"]

        assert {item["label"] for item in nav} == labels, role


# A manager's own sign-in (a second factor, API tokens) is theirs to set up; it changes nothing in
# the register.
@pytest.mark.parametrize("name", sorted(set(ALLOWED) - {"logout"} - OWN_CREDENTIALS))
def test_managers_cannot_change_anything(client, url_for, name):
    """Every endpoint refuses a manager's POST, and nothing is written or audited."""
    url = url_for(name)
    client.force_login(UserFactory(role=MANAGER))
    before = _row_counts()

    response = client.post(url, {"reason": "x", "subject": "s", "body": "b", "ids": ["1"]})

    assert response.status_code in (403, 405), name
    assert _row_counts() == before, name


def _row_counts() -> dict[str, int]:
    from django.apps import apps

    return {
        model.__name__: model.objects.count()
        for model in apps.get_app_config("warnings_app").get_models()
    }


def test_a_manager_cannot_post_a_company(client):
    CompanyFactory()
    client.force_login(UserFactory(role=MANAGER))

    response = client.post(
        reverse("company_create"), {"legal_name": "Sneaky Ltd", "country": "DE", "segment": "other"}
    )

    assert response.status_code == 403
    assert not Company.objects.filter(legal_name="Sneaky Ltd").exists()
