from warnings_app.views.audit import AuditAnchorView, AuditExportView, AuditLogView
from warnings_app.views.campaign_recipients import CampaignRecipientsPreviewView
from warnings_app.views.campaigns import (
    CampaignApproveView,
    CampaignCreateView,
    CampaignDetailView,
    CampaignGenerateView,
    CampaignListView,
    CampaignPauseView,
    CampaignProgressView,
    CampaignResumeView,
    CampaignSendView,
)
from warnings_app.views.companies import (
    CompanyCreateView,
    CompanyDetailView,
    CompanyEditView,
)
from warnings_app.views.contacts import ContactCreateView, ContactEditView
from warnings_app.views.dashboard import DashboardView
from warnings_app.views.evidence import (
    EvidenceBundleDownloadView,
    EvidenceBundleView,
    EvidenceRequestView,
)
from warnings_app.views.exports import ExportView, OutcomeExportView
from warnings_app.views.health import healthz
from warnings_app.views.home import HomeView
from warnings_app.views.imports import CompanyImportCommitView, CompanyImportView
from warnings_app.views.letter_templates import (
    TemplateCreateView,
    TemplateDetailView,
    TemplateListView,
    VersionDraftView,
)
from warnings_app.views.notices import NoticeDetailView, NoticePdfView, NoticeWithdrawView
from warnings_app.views.outcomes import CampaignOutcomesActionView, CampaignOutcomesView
from warnings_app.views.printing import (
    PrintBatchDetailView,
    PrintBatchFileView,
    PrintBatchHandOverView,
    PrintBatchListView,
    PrintBatchTrackingView,
)
from warnings_app.views.register import CompanyHoldView, CompanyListView
from warnings_app.views.replies import (
    LogReplyView,
    ReplyClassifyView,
    ReplyDetailView,
    ReplyMatchView,
)
from warnings_app.views.search import SearchView
from warnings_app.views.template_versions import (
    VersionApproveView,
    VersionDiffView,
    VersionEditView,
    VersionPdfView,
    VersionPreviewView,
    VersionRejectView,
    VersionSubmitView,
)
from warnings_app.views.work_queue import WorkQueueActionView, WorkQueueView

__all__ = [
    "AuditAnchorView",
    "AuditExportView",
    "AuditLogView",
    "CampaignApproveView",
    "CampaignCreateView",
    "CampaignDetailView",
    "CampaignGenerateView",
    "CampaignListView",
    "CampaignOutcomesActionView",
    "CampaignOutcomesView",
    "CampaignPauseView",
    "CampaignProgressView",
    "CampaignRecipientsPreviewView",
    "CampaignResumeView",
    "CampaignSendView",
    "CompanyCreateView",
    "CompanyDetailView",
    "CompanyEditView",
    "CompanyHoldView",
    "CompanyImportCommitView",
    "CompanyImportView",
    "CompanyListView",
    "ContactCreateView",
    "ContactEditView",
    "DashboardView",
    "EvidenceBundleDownloadView",
    "EvidenceBundleView",
    "EvidenceRequestView",
    "ExportView",
    "HomeView",
    "LogReplyView",
    "NoticeDetailView",
    "NoticePdfView",
    "NoticeWithdrawView",
    "OutcomeExportView",
    "PrintBatchDetailView",
    "PrintBatchFileView",
    "PrintBatchHandOverView",
    "PrintBatchListView",
    "PrintBatchTrackingView",
    "ReplyClassifyView",
    "ReplyDetailView",
    "ReplyMatchView",
    "SearchView",
    "TemplateCreateView",
    "TemplateDetailView",
    "TemplateListView",
    "VersionApproveView",
    "VersionDiffView",
    "VersionDraftView",
    "VersionEditView",
    "VersionPdfView",
    "VersionPreviewView",
    "VersionRejectView",
    "VersionSubmitView",
    "WorkQueueActionView",
    "WorkQueueView",
    "healthz",
]
