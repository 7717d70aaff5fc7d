"""Routes of the API (namespace "api"): /api/v1/ resources, the schema and its reference page.
Every route here needs a decision in tests/test_api_access.py."""

from csp import constants as csp
from csp.decorators import csp_update
from django.contrib.auth.decorators import login_not_required, login_required
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from warnings_app.api.imports import ImportCompaniesAPIView
from warnings_app.api.views.campaigns import CampaignViewSet
from warnings_app.api.views.figures import FiguresView
from warnings_app.api.views.letters import LetterTemplateViewSet, TemplateVersionViewSet
from warnings_app.api.views.licences import (
    LicenceFiguresView,
    LicenceMatterViewSet,
    LicenceViewSet,
    UsageFindingViewSet,
    UsageReportViewSet,
)
from warnings_app.api.views.notices import DeliveryAttemptViewSet, NoticeViewSet
from warnings_app.api.views.reconciliation import NoticeReconcileAPIView
from warnings_app.api.views.register import (
    CompanyViewSet,
    ContactViewSet,
    PrincipalViewSet,
    WorkViewSet,
)
from warnings_app.api.views.replies import ReplyViewSet

app_name = "api"

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("companies", CompanyViewSet, basename="company")
router.register("contacts", ContactViewSet, basename="contact")
router.register("principals", PrincipalViewSet, basename="principal")
router.register("works", WorkViewSet, basename="work")
router.register("templates", LetterTemplateViewSet, basename="template")
router.register("template-versions", TemplateVersionViewSet, basename="templateversion")
router.register("campaigns", CampaignViewSet, basename="campaign")
router.register("notices", NoticeViewSet, basename="notice")
router.register("deliveries", DeliveryAttemptViewSet, basename="delivery")
router.register("replies", ReplyViewSet, basename="reply")
router.register("licence-matters", LicenceMatterViewSet, basename="licencematter")
router.register("licences", LicenceViewSet, basename="licence")
router.register("usage-reports", UsageReportViewSet, basename="usagereport")
router.register("usage-findings", UsageFindingViewSet, basename="usagefinding")

urlpatterns = [
    path("v1/figures/", FiguresView.as_view(), name="figures"),
    path("v1/licence-figures/", LicenceFiguresView.as_view(), name="licence-figures"),
    path("v1/companies/import/", ImportCompaniesAPIView.as_view(), name="company-import"),
    re_path(  # ids as the router's: at most 18 digits, anything else is a 404
        r"^v1/notices/(?P<pk>[0-9]{1,18})/reconcile/$",
        NoticeReconcileAPIView.as_view(),
        name="notice-reconcile",
    ),
    path("v1/", include(router.urls)),
    # The schema answers API clients (token or session) with 401/403, like the API itself.
    path("schema/", login_not_required(SpectacularAPIView.as_view()), name="schema"),
    # The reference page is for people: without a session it sends them to log in (DRF views
    # are exempt from LoginRequiredMiddleware, so this says it again).
    path(
        "docs/",
        # The split view serves its start-up script from ?script= instead of inline, so
        # script-src stays 'self'. Swagger UI's page and components carry inline styles that
        # cannot be moved out of the vendored package: this page alone allows them.
        csp_update({"style-src": [csp.UNSAFE_INLINE]})(
            login_required(SpectacularSwaggerSplitView.as_view(url_name="api:schema"))
        ),
        name="docs",
    ),
]
