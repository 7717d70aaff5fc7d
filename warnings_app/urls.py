from django.contrib.auth import views as auth_views
from django.urls import path

from warnings_app import views

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("companies/", views.CompanyListView.as_view(), name="company_list"),
    path("companies/new/", views.CompanyCreateView.as_view(), name="company_create"),
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
    path("queue/", views.WorkQueueView.as_view(), name="work_queue"),
    path("queue/act/", views.WorkQueueActionView.as_view(), name="work_queue_act"),
    path("replies/<int:pk>/", views.ReplyDetailView.as_view(), name="reply_detail"),
    path("replies/<int:pk>/match/", views.ReplyMatchView.as_view(), name="reply_match"),
    path("replies/<int:pk>/classify/", views.ReplyClassifyView.as_view(), name="reply_classify"),
    path("campaigns/", views.CampaignListView.as_view(), name="campaign_list"),
    path("campaigns/new/", views.CampaignCreateView.as_view(), name="campaign_create"),
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
]
