from django.contrib.auth import views as auth_views
from django.urls import path, re_path

from warnings_app import views
from warnings_app.views import (
    accounts,
    api_tokens,
    approvals,
    artist_choice,
    artist_links,
    artists,
    branding,
    licence_figures,
    licence_matters,
    licences,
    reconciliation,
    reservations,
    two_factor,
    usage_reports,
)

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("organisation/logo", branding.organisation_logo, name="organisation_logo"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/two-factor/setup/",
        two_factor.TwoFactorSetupView.as_view(),
        name="two_factor_setup",
    ),
    path(
        "accounts/two-factor/",
        two_factor.TwoFactorVerifyView.as_view(),
        name="two_factor_verify",
    ),
    path("accounts/api-tokens/", api_tokens.ApiTokenListView.as_view(), name="api_tokens"),
    path(
        "accounts/api-tokens/<int:pk>/revoke/",
        api_tokens.ApiTokenRevokeView.as_view(),
        name="api_token_revoke",
    ),
    # Accounts and roles (issue 17): roles, never raw permissions; Legal and Admin need a second
    # person; authenticators are bound with a one-time enrolment code.
    path("accounts/", accounts.AccountListView.as_view(), name="account_list"),
    path("accounts/new/", accounts.AccountCreateView.as_view(), name="account_create"),
    path("accounts/<int:pk>/role/", accounts.AccountRoleView.as_view(), name="account_role"),
    path(
        "accounts/<int:pk>/deactivate/",
        accounts.AccountDeactivateView.as_view(),
        name="account_deactivate",
    ),
    path(
        "accounts/<int:pk>/reset-authenticator/",
        accounts.AccountAuthenticatorResetView.as_view(),
        name="account_authenticator_reset",
    ),
    path(
        "accounts/<int:pk>/enrolment-code/",
        accounts.AccountEnrolmentCodeView.as_view(),
        name="account_enrolment_code",
    ),
    path("accounts/role-requests/", accounts.RoleGrantListView.as_view(), name="rolegrant_list"),
    path(
        "accounts/role-requests/<int:pk>/confirm/",
        accounts.RoleGrantConfirmView.as_view(),
        name="rolegrant_confirm",
    ),
    path(
        "accounts/role-requests/<int:pk>/cancel/",
        accounts.RoleGrantCancelView.as_view(),
        name="rolegrant_cancel",
    ),
    path("companies/", views.CompanyListView.as_view(), name="company_list"),
    path("companies/hold/", views.CompanyHoldView.as_view(), name="company_hold"),
    path("companies/new/", views.CompanyCreateView.as_view(), name="company_create"),
    path("companies/import/", views.CompanyImportView.as_view(), name="company_import"),
    path(
        "companies/import/commit/",
        views.CompanyImportCommitView.as_view(),
        name="company_import_commit",
    ),
    path("companies/<int:pk>/", views.CompanyDetailView.as_view(), name="company_detail"),
    path("companies/<int:pk>/edit/", views.CompanyEditView.as_view(), name="company_edit"),
    path(
        "companies/<int:company_pk>/contacts/new/",
        views.ContactCreateView.as_view(),
        name="contact_create",
    ),
    path("contacts/<int:pk>/edit/", views.ContactEditView.as_view(), name="contact_edit"),
    path("templates/", views.TemplateListView.as_view(), name="template_list"),
    path("templates/new/", views.TemplateCreateView.as_view(), name="template_create"),
    path("templates/<int:pk>/", views.TemplateDetailView.as_view(), name="template_detail"),
    path("templates/<int:pk>/draft/", views.VersionDraftView.as_view(), name="version_draft"),
    path("versions/<int:pk>/edit/", views.VersionEditView.as_view(), name="version_edit"),
    path("versions/<int:pk>/preview/", views.VersionPreviewView.as_view(), name="version_preview"),
    path("versions/<int:pk>/pdf/", views.VersionPdfView.as_view(), name="version_pdf"),
    path("versions/<int:pk>/diff/", views.VersionDiffView.as_view(), name="version_diff"),
    path("versions/<int:pk>/submit/", views.VersionSubmitView.as_view(), name="version_submit"),
    path("versions/<int:pk>/approve/", views.VersionApproveView.as_view(), name="version_approve"),
    path("versions/<int:pk>/reject/", views.VersionRejectView.as_view(), name="version_reject"),
    path("notices/<int:pk>/", views.NoticeDetailView.as_view(), name="notice_detail"),
    path("notices/<int:pk>/pdf/", views.NoticePdfView.as_view(), name="notice_pdf"),
    path("notices/<int:pk>/withdraw/", views.NoticeWithdrawView.as_view(), name="notice_withdraw"),
    # Approving with the letter in view (issue 18): the PDF shown inline, one letter at a time.
    path(
        "notices/<int:pk>/pdf/view/",
        views.NoticePdfView.as_view(inline=True),
        name="notice_pdf_view",
    ),
    path(
        "notices/<int:pk>/pages/<int:page>.png",
        approvals.NoticePageImageView.as_view(),
        name="notice_page_image",
    ),
    path("notices/<int:pk>/approve/", approvals.NoticeApproveView.as_view(), name="notice_approve"),
    path(
        "notices/<int:pk>/send-back/",
        approvals.NoticeSendBackView.as_view(),
        name="notice_send_back",
    ),
    path(
        "campaigns/<int:pk>/review/", approvals.CampaignReviewView.as_view(), name="campaign_review"
    ),
    path(
        "campaigns/<int:pk>/approve/confirm/",
        approvals.CampaignApproveConfirmView.as_view(),
        name="campaign_approve_confirm",
    ),
    path(
        "campaigns/<int:pk>/send/confirm/",
        approvals.CampaignSendConfirmView.as_view(),
        name="campaign_send_confirm",
    ),
    path(
        "campaigns/<int:pk>/pause/confirm/",
        approvals.CampaignPauseConfirmView.as_view(),
        name="campaign_pause_confirm",
    ),
    path("print-batches/", views.PrintBatchListView.as_view(), name="printbatch_list"),
    path("print-batches/<int:pk>/", views.PrintBatchDetailView.as_view(), name="printbatch_detail"),
    path(
        "print-batches/<int:pk>/pdf/",
        views.PrintBatchFileView.as_view(),
        {"kind": "pdf"},
        name="printbatch_pdf",
    ),
    path(
        "print-batches/<int:pk>/manifest/",
        views.PrintBatchFileView.as_view(),
        {"kind": "manifest"},
        name="printbatch_manifest",
    ),
    path(
        "print-batches/<int:pk>/hand-over/",
        views.PrintBatchHandOverView.as_view(),
        name="printbatch_hand_over",
    ),
    path(
        "print-batches/<int:pk>/tracking/",
        views.PrintBatchTrackingView.as_view(),
        name="printbatch_tracking",
    ),
    path("search/", views.SearchView.as_view(), name="search"),
    path("dashboard/", views.DashboardView.as_view(), name="dashboard"),
    # The rows behind the dashboard's licence figures, and its licence tables as downloads.
    path(
        "dashboard/licences/talks/",
        licence_figures.LicenceMatterRowsView.as_view(),
        name="licence_figures_matters",
    ),
    path(
        "dashboard/licences/conversion/",
        licence_figures.ConversionRowsView.as_view(),
        name="licence_figures_conversion",
    ),
    path(
        "dashboard/licences/in-force/",
        licence_figures.LicenceRowsView.as_view(),
        name="licence_figures_licences",
    ),
    path(
        "dashboard/licences/overdue-reports/",
        licence_figures.OverdueReportRowsView.as_view(),
        name="licence_figures_overdue",
    ),
    re_path(
        r"^dashboard/licences/(?P<table>[a-z_]{1,40})\.(?P<fmt>csv|xlsx)$",
        licence_figures.LicenceTableExportView.as_view(),
        name="licence_figures_export",
    ),
    path(
        "companies/<int:pk>/evidence/",
        views.EvidenceRequestView.as_view(),
        {"kind": "company"},
        name="company_evidence",
    ),
    path(
        "campaigns/<int:pk>/evidence/",
        views.EvidenceRequestView.as_view(),
        {"kind": "campaign"},
        name="campaign_evidence",
    ),
    path("evidence/<int:pk>/", views.EvidenceBundleView.as_view(), name="evidence_bundle"),
    path(
        "evidence/<int:pk>/download/",
        views.EvidenceBundleDownloadView.as_view(),
        name="evidence_bundle_download",
    ),
    re_path(
        r"^exports/(?P<kind>notices|deliveries|replies)\.(?P<fmt>csv|xlsx)$",
        views.ExportView.as_view(),
        name="export",
    ),
    path("queue/", views.WorkQueueView.as_view(), name="work_queue"),
    path("queue/act/", views.WorkQueueActionView.as_view(), name="work_queue_act"),
    path("reconciliation/", reconciliation.ReconciliationView.as_view(), name="reconciliation"),
    path(
        "notices/<int:pk>/reconcile/",
        reconciliation.ReconcileNoticeView.as_view(),
        name="notice_reconcile",
    ),
    path("replies/<int:pk>/", views.ReplyDetailView.as_view(), name="reply_detail"),
    path(
        "notices/<int:pk>/log-reply/",
        views.LogReplyView.as_view(),
        {"kind": "notice"},
        name="notice_log_reply",
    ),
    path(
        "companies/<int:pk>/log-reply/",
        views.LogReplyView.as_view(),
        {"kind": "company"},
        name="company_log_reply",
    ),
    path("replies/<int:pk>/match/", views.ReplyMatchView.as_view(), name="reply_match"),
    # Licence talks (issue 19): opened from a reply or by a lawyer from the company page.
    path("licence-talks/", licence_matters.MatterListView.as_view(), name="licence_matter_list"),
    path(
        "licence-talks/<int:pk>/",
        licence_matters.MatterDetailView.as_view(),
        name="licence_matter_detail",
    ),
    path(
        "replies/<int:pk>/licence-talks/",
        licence_matters.MatterOpenFromReplyView.as_view(),
        name="licence_matter_open_reply",
    ),
    path(
        "companies/<int:pk>/licence-talks/new/",
        licence_matters.MatterOpenFromCompanyView.as_view(),
        name="licence_matter_open_company",
    ),
    path(
        "licence-talks/<int:pk>/move/",
        licence_matters.MatterMoveView.as_view(),
        name="licence_matter_move",
    ),
    path(
        "licence-talks/<int:pk>/next-step/",
        licence_matters.MatterNextStepView.as_view(),
        name="licence_matter_next_step",
    ),
    path(
        "licence-talks/<int:pk>/notes/new/",
        licence_matters.MatterNoteView.as_view(),
        name="licence_matter_note",
    ),
    path(
        "licence-talks/<int:pk>/documents/new/",
        licence_matters.MatterDocumentView.as_view(),
        name="licence_matter_document",
    ),
    path(
        "licence-talks/<int:pk>/decline/",
        licence_matters.MatterDeclineView.as_view(),
        name="licence_matter_decline",
    ),
    path(
        "licence-talks/documents/<int:pk>/",
        licence_matters.MatterDocumentFileView.as_view(),
        name="licence_matter_document_file",
    ),
    path("replies/<int:pk>/classify/", views.ReplyClassifyView.as_view(), name="reply_classify"),
    path("campaigns/", views.CampaignListView.as_view(), name="campaign_list"),
    path("campaigns/new/", views.CampaignCreateView.as_view(), name="campaign_create"),
    path(
        "campaigns/new/recipients/",
        views.CampaignRecipientsPreviewView.as_view(),
        name="campaign_recipients_preview",
    ),
    path("campaigns/<int:pk>/", views.CampaignDetailView.as_view(), name="campaign_detail"),
    path(
        "campaigns/<int:pk>/progress/",
        views.CampaignProgressView.as_view(),
        name="campaign_progress",
    ),
    path(
        "campaigns/<int:pk>/generate/",
        views.CampaignGenerateView.as_view(),
        name="campaign_generate",
    ),
    path(
        "campaigns/<int:pk>/approve/", views.CampaignApproveView.as_view(), name="campaign_approve"
    ),
    path("campaigns/<int:pk>/send/", views.CampaignSendView.as_view(), name="campaign_send"),
    path("campaigns/<int:pk>/pause/", views.CampaignPauseView.as_view(), name="campaign_pause"),
    path("campaigns/<int:pk>/resume/", views.CampaignResumeView.as_view(), name="campaign_resume"),
    path(
        "campaigns/<int:pk>/outcomes/",
        views.CampaignOutcomesView.as_view(),
        name="campaign_outcomes",
    ),
    path(
        "campaigns/<int:pk>/outcomes/act/",
        views.CampaignOutcomesActionView.as_view(),
        name="campaign_outcomes_act",
    ),
    path(
        "campaigns/<int:pk>/outcomes/export/",
        views.OutcomeExportView.as_view(),
        name="campaign_outcomes_export",
    ),
    path("audit/", views.AuditLogView.as_view(), name="audit_log"),
    path("audit/export.csv", views.AuditExportView.as_view(), name="audit_export"),
    path("audit/anchor", views.AuditAnchorView.as_view(), name="audit_anchor"),
    # Licences (issue 19): a deal recorded from licence talks, its scope, flags and reminders.
    path(
        "licence-talks/<int:pk>/licence/new/",
        licences.LicenceCreateView.as_view(),
        name="licence_create",
    ),
    path("licences/to-do/", licences.LicenceTodoView.as_view(), name="licence_todos"),
    path("licences/<int:pk>/", licences.LicenceDetailView.as_view(), name="licence_detail"),
    path(
        "licences/<int:pk>/agreement/",
        licences.LicenceAgreementView.as_view(),
        name="licence_agreement",
    ),
    path(
        "licences/<int:pk>/terminate/",
        licences.LicenceTerminateView.as_view(),
        name="licence_terminate",
    ),
    path(
        "licence-flags/<int:pk>/resolve/",
        licences.LicenceFlagResolveView.as_view(),
        name="licence_flag_resolve",
    ),
    path(
        "licence-reminders/<int:pk>/done/",
        licences.LicenceReminderDoneView.as_view(),
        name="licence_reminder_done",
    ),
    # Artists' AI-training preferences (issue 9): the register, links to artists, publication.
    path("artists/", artists.ArtistListView.as_view(), name="artist_list"),
    path("artists/<int:pk>/", artists.ArtistDetailView.as_view(), name="artist_detail"),
    path(
        "artists/<int:pk>/preferences/new/",
        artists.PreferenceRecordView.as_view(),
        name="preference_record",
    ),
    path(
        "preference-statements/<int:pk>/instruction/",
        artists.InstructionFileView.as_view(),
        name="preference_instruction",
    ),
    path(
        "artists/<int:pk>/links/new/",
        artist_links.PreferenceLinkCreateView.as_view(),
        name="preference_link_create",
    ),
    path(
        "preference-links/<int:pk>/revoke/",
        artist_links.PreferenceLinkRevokeView.as_view(),
        name="preference_link_revoke",
    ),
    # Public: the artist's private link (no account) and the published reservations.
    path(
        "choose/<int:artist_pk>/<str:token>/",
        artist_choice.ArtistChoiceView.as_view(),
        name="artist_choice",
    ),
    path(
        "choose/<int:artist_pk>/<str:token>/confirm/",
        artist_choice.ArtistChoiceConfirmView.as_view(),
        name="artist_choice_confirm",
    ),
    path(".well-known/tdmrep.json", reservations.TdmrepView.as_view(), name="tdmrep_json"),
    path("reservations/robots.txt", reservations.RobotsView.as_view(), name="reservations_robots"),
    path(
        "reservations/policies/<int:artist_pk>.json",
        reservations.PolicyView.as_view(),
        name="reservation_policy",
    ),
    path("reservations/", reservations.PublicationListView.as_view(), name="reservation_list"),
    re_path(
        r"^reservations/v(?P<version>[0-9]+)/(?P<kind>tdmrep\.json|robots\.txt)$",
        reservations.PublicationDownloadView.as_view(),
        name="reservation_download",
    ),
    # Usage reports and their findings, under a licence (issue 19).
    path(
        "licences/<int:pk>/usage-reports/new/",
        usage_reports.UsageReportUploadView.as_view(),
        name="usage_report_upload",
    ),
    path(
        "licences/<int:pk>/findings/",
        usage_reports.LicenceFindingsView.as_view(),
        name="licence_findings",
    ),
    path(
        "usage-reports/<int:pk>/",
        usage_reports.UsageReportDetailView.as_view(),
        name="usage_report_detail",
    ),
    path(
        "usage-findings/<int:pk>/letter/",
        usage_reports.UsageFindingNoticeView.as_view(),
        name="usage_finding_notice",
    ),
]
