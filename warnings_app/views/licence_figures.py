"""The rows behind the dashboard's licence figures: each number there opens one of these lists,
filtered to exactly what it counts (selectors/licence_figures.py); each list and each of the
section's tables downloads as CSV or XLSX. Lists only: the talks, licences and reports have
their own pages."""

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import OuterRef, Subquery
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from warnings_app.forms.ids import parse_id
from warnings_app.models import Campaign, Company
from warnings_app.models.licences import Licence, MatterStage
from warnings_app.reports.dashboard.licences import TABLES
from warnings_app.reports.licence_exports import licence_table_file, rows_file
from warnings_app.selectors.licence_figures import (
    CONVERSION_STEPS,
    NOT_COUNTED,
    UNDER_WAY,
    conversion_companies,
    first_letters_sent,
    licences_with_fee,
    matters_in_stage,
    overdue_usage_reports,
)
from warnings_app.services.audit import audit_record
from warnings_app.views.access import AuthenticatedHttpRequest, RoleRequiredMixin
from warnings_app.views.exports import export_refused

PAGE_SIZE = 50
STAGE_LABELS = {**dict(MatterStage.choices), UNDER_WAY: "Under way"}
STEP_LABELS = {
    "sent": "sent the first letter",
    "talks": "in licence talks after the first letter",
    "signed": "that signed a licence in those talks",
}


@dataclass(frozen=True)
class Cell:
    text: Any
    url: str = ""


class BadQuery(Exception):
    pass


class _RowsView(RoleRequiredMixin, View):
    """A list of the rows one figure counts: `chosen` reads the query (BadQuery when it cannot
    be used), `listed` gives the title, the count's noun, the headers and the rows."""

    title = ""
    kind = ""  # names its downloads

    def chosen(self, request: AuthenticatedHttpRequest) -> dict[str, Any]:
        raise NotImplementedError

    def listed(self, chosen: dict[str, Any]) -> tuple[str, str, list[str], Any]:
        raise NotImplementedError

    def cells(self, item: Any) -> list[Cell]:
        raise NotImplementedError

    def get(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        try:
            chosen = self.chosen(request)
        except BadQuery as problem:
            context = {"title": self.title, "problem": str(problem), "headers": [], "rows": []}
            return render(request, "warnings_app/licence_figure_rows.html", context, status=400)
        title, noun, headers, items = self.listed(chosen)
        query = {k: str(v) for k, v in request.GET.items() if k not in ("page", "format")}
        if "format" in request.GET:
            return self.download(request, request.GET["format"], headers, items, query)
        page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
        return render(
            request,
            "warnings_app/licence_figure_rows.html",
            {
                "title": title,
                "noun": noun,
                "count": page.paginator.count,
                "headers": headers,
                "rows": [self.cells(item) for item in page.object_list],
                "page": page,
                "query": urlencode(query),
            },
        )

    def download(
        self,
        request: AuthenticatedHttpRequest,
        fmt: str,
        headers: list[str],
        items: Any,
        query: dict[str, str],
    ) -> HttpResponse:
        """Every row of the list (not one page) as CSV or XLSX, for the roles that may export
        reports; audited as every export is."""
        if not request.user.has_perm("warnings_app.view_reports"):
            raise PermissionDenied("Downloads are for the roles that may export reports.")
        if fmt not in ("csv", "xlsx"):
            return export_refused(
                request,
                ["Choose XLSX or CSV."],
                back_url=reverse("dashboard"),
                back_label="the dashboard",
            )
        rows = [[cell.text for cell in self.cells(item)] for item in items]
        content, mime = rows_file(fmt, headers, rows, title=self.title)
        audit_record(
            actor=request.user,
            verb="export.downloaded",
            data={"kind": self.kind, "format": fmt, "filters": query, "rows": len(rows)},
        )
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response = HttpResponse(content, content_type=mime)
        response["Content-Disposition"] = f'attachment; filename="{self.kind}-{stamp}.{fmt}"'
        return response


def _company(company: Company) -> Cell:
    return Cell(company.legal_name, reverse("company_detail", args=[company.pk]))


def _licence(licence: Licence) -> Cell:
    return Cell(licence.reference, reverse("licence_detail", args=[licence.pk]))


class LicenceMatterRowsView(_RowsView):
    """GET ?stage=<stage>|talks — the licence talks a stage's figure counts."""

    permission_required = "warnings_app.view_licencematter"
    title = "Licence talks"
    kind = "licence-talks"

    def chosen(self, request: AuthenticatedHttpRequest) -> dict[str, Any]:
        stage = request.GET.get("stage")
        if stage is not None and stage not in STAGE_LABELS:
            raise BadQuery(f'"{stage}" is not a stage of licence talks.')
        return {"stage": stage}

    def listed(self, chosen: dict[str, Any]) -> tuple[str, str, list[str], Any]:
        stage = chosen["stage"]
        title = "Licence talks" + (f": {STAGE_LABELS[stage].lower()}" if stage else "")
        headers = ["Talks", "Company", "Stage", "Opened", "Since", "Owner", "Next step"]
        return title, "licence talks", headers, matters_in_stage(stage)

    def cells(self, matter: Any) -> list[Cell]:
        return [
            Cell(f"#{matter.pk}", reverse("licence_matter_detail", args=[matter.pk])),
            _company(matter.company),
            Cell(matter.get_stage_display()),
            Cell(timezone.localtime(matter.opened_at).date()),
            Cell(timezone.localtime(matter.stage_changed_at).date()),
            Cell(matter.owner.get_username() if matter.owner else "—"),
            Cell(matter.next_step or "—"),
        ]


class ConversionRowsView(_RowsView):
    """GET ?by=campaign|segment&key=<campaign id or segment>&step=sent|talks|signed — the
    companies a conversion figure counts."""

    permission_required = "warnings_app.view_licencematter"
    title = "From letter to licence"
    kind = "licence-conversion"

    def chosen(self, request: AuthenticatedHttpRequest) -> dict[str, Any]:
        by, key, step = (request.GET.get(name, "") for name in ("by", "key", "step"))
        if step not in CONVERSION_STEPS:
            raise BadQuery("Choose a step: sent, talks or signed.")
        if by == "campaign":
            try:
                campaign = Campaign.objects.filter(pk=parse_id(key)).first()
            except ValidationError as exc:
                raise BadQuery(f"Campaign: {exc.messages[0]}") from exc
            if campaign is None:
                raise BadQuery("There is no such campaign.")
            return {"by": by, "key": str(campaign.pk), "step": step, "name": campaign.name}
        if by == "segment":
            segments = dict(Company.Segment.choices)
            if key not in segments:
                raise BadQuery(f'"{key}" is not a segment.')
            return {"by": by, "key": key, "step": step, "name": str(segments[key])}
        raise BadQuery("Choose by campaign or by segment.")

    def listed(self, chosen: dict[str, Any]) -> tuple[str, str, list[str], Any]:
        by, key, step = chosen["by"], chosen["key"], chosen["step"]
        letters = first_letters_sent().filter(
            **{"campaign_id" if by == "campaign" else "company__segment": key}
        )
        companies = conversion_companies(by, key, step).annotate(
            first_sent=Subquery(
                letters.filter(company_id=OuterRef("pk")).order_by("sent_at").values("sent_at")[:1]
            )
        )
        title = f"{chosen['name']}: companies {STEP_LABELS[step]}"
        headers = ["Company", "Segment", "Country", "First letter sent"]
        return title, "companies", headers, companies

    def cells(self, company: Any) -> list[Cell]:
        return [
            _company(company),
            Cell(company.get_segment_display()),
            Cell(company.country.name),
            Cell(timezone.localtime(company.first_sent).date()),
        ]


class LicenceRowsView(_RowsView):
    """GET ?currency=<code>|not_counted — the licences in force today a fee figure counts."""

    permission_required = "warnings_app.view_licence"
    title = "Licences in force today"
    kind = "licences-in-force"

    def chosen(self, request: AuthenticatedHttpRequest) -> dict[str, Any]:
        currency = request.GET.get("currency")
        if currency is not None and currency != NOT_COUNTED:
            if not (len(currency) == 3 and currency.isascii() and currency.isalpha()):
                raise BadQuery("A currency is a three-letter code, such as EUR.")
            currency = currency.upper()
        return {"currency": currency}

    def listed(self, chosen: dict[str, Any]) -> tuple[str, str, list[str], Any]:
        currency = chosen["currency"]
        title = "Licences in force today"
        if currency == NOT_COUNTED:
            title += ": fee not counted"
        elif currency:
            title += f": fees in {currency}"
        headers = ["Licence", "Licensee", "From", "To", "Fee", "Annualised fee"]
        rows = licences_with_fee(timezone.localdate(), currency)
        return title, "licences", headers, rows

    def cells(self, item: Any) -> list[Cell]:
        licence, fee = item
        return [
            _licence(licence),
            _company(licence.company),
            Cell(licence.starts_on),
            Cell(licence.ends_on or "—"),
            Cell(licence.get_fee_model_display()),
            Cell(
                f"{fee.amount} {fee.currency}" if fee.counted else f"not counted: {fee.not_counted}"
            ),
        ]


class OverdueReportRowsView(_RowsView):
    """GET ?licence=<id> — the overdue usage reports (of one licence)."""

    permission_required = "warnings_app.view_usagefinding"
    title = "Usage reports overdue"
    kind = "usage-reports-overdue"

    def chosen(self, request: AuthenticatedHttpRequest) -> dict[str, Any]:
        if "licence" not in request.GET:
            return {"licence": None}
        try:
            return {"licence": parse_id(request.GET["licence"])}
        except ValidationError as exc:
            raise BadQuery(f"Licence: {exc.messages[0]}") from exc

    def listed(self, chosen: dict[str, Any]) -> tuple[str, str, list[str], Any]:
        headers = ["Licence", "Licensee", "Period ended", "Found", "What was found"]
        return self.title, "reports overdue", headers, overdue_usage_reports(chosen["licence"])

    def cells(self, finding: Any) -> list[Cell]:
        return [
            _licence(finding.licence),
            _company(finding.licence.company),
            Cell(finding.period_end or "—"),
            Cell(timezone.localtime(finding.found_at).date()),
            Cell(finding.detail),
        ]


class LicenceTableExportView(RoleRequiredMixin, View):
    """GET /dashboard/licences/<table>.<csv|xlsx> — one of the licence section's tables, as
    the dashboard shows it, for the roles that may export and read licences."""

    permission_required = ("warnings_app.view_reports", "warnings_app.view_licence")

    def get(self, request: AuthenticatedHttpRequest, table: str, fmt: str) -> HttpResponse:
        if table not in TABLES:
            return export_refused(
                request,
                [f'There is no licence table "{table}".'],
                back_url=reverse("dashboard"),
                back_label="the dashboard",
            )
        content, mime = licence_table_file(table, fmt)
        audit_record(
            actor=request.user,
            verb="export.downloaded",
            data={"kind": table, "format": fmt, "filters": {}, "include_privileged": False},
        )
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response = HttpResponse(content, content_type=mime)
        response["Content-Disposition"] = f'attachment; filename="{table}-{stamp}.{fmt}"'
        return response
