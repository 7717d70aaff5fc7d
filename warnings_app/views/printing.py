"""Print batches for the mail house: create, download, hand over, record tracking numbers."""

import csv
import io

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View

from warnings_app import services
from warnings_app.forms.ids import parse_id
from warnings_app.models import PrintBatch
from warnings_app.selectors.printing import (
    batch_attempts,
    campaign_chosen,
    campaigns_for_print,
    print_batches_recent,
    print_waiting_counts,
)
from warnings_app.services.printing import (
    print_batch_create,
    print_batch_hand_over,
    tracking_import,
)
from warnings_app.views.access import AuthenticatedHttpRequest, RoleRequiredMixin
from warnings_app.views.files import stored_attachment

MAX_TRACKING_UPLOAD = 2 * 1024 * 1024


class PrintBatchListView(RoleRequiredMixin, View):
    permission_required = "warnings_app.view_deliveryattempt"

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(
            request,
            "warnings_app/printbatch_list.html",
            {
                "batches": print_batches_recent(),
                "waiting": print_waiting_counts(),
                "campaigns": campaigns_for_print(),
            },
        )

    def post(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        if not request.user.has_perm("warnings_app.add_deliveryattempt"):
            return HttpResponse("Your role cannot prepare print batches.", status=403)
        channel = request.POST.get("channel", "")
        campaign_id = request.POST.get("campaign", "")
        campaign = None
        if campaign_id:
            try:
                campaign = campaign_chosen(parse_id(campaign_id))
            except ValidationError as exc:
                messages.error(request, f"Nothing was prepared: {exc.messages[0]}")
                return redirect("printbatch_list")
            if campaign is None:
                messages.error(request, "That campaign does not exist; nothing was prepared.")
                return redirect("printbatch_list")
        if channel not in ("post", "courier"):
            messages.error(request, "Choose post or courier.")
            return redirect("printbatch_list")
        try:
            batch = print_batch_create(channel=channel, by=request.user, campaign=campaign)
        except services.ServiceError as exc:
            messages.error(request, str(exc))
            return redirect("printbatch_list")
        messages.success(request, f"{batch} prepared: download the PDF and the manifest.")
        return redirect("printbatch_detail", pk=batch.pk)


class PrintBatchDetailView(RoleRequiredMixin, View):
    permission_required = "warnings_app.view_deliveryattempt"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        batch = get_object_or_404(PrintBatch, pk=pk)
        return render(
            request,
            "warnings_app/printbatch_detail.html",
            {
                "batch": batch,
                "attempts": batch_attempts(batch),
            },
        )


class PrintBatchFileView(RoleRequiredMixin, View):
    permission_required = "warnings_app.view_deliveryattempt"

    def get(self, request: AuthenticatedHttpRequest, pk: int, kind: str) -> HttpResponse:
        batch = get_object_or_404(PrintBatch, pk=pk)
        stored, sha256 = (
            (batch.pdf, batch.pdf_sha256)
            if kind == "pdf"
            else (batch.manifest, batch.manifest_sha256)
        )
        return stored_attachment(
            by=request.user,
            name=stored.name,
            sha256=sha256,
            content_type="application/pdf" if kind == "pdf" else "text/csv; charset=utf-8",
            filename=f"print-batch-{batch.pk}.{'pdf' if kind == 'pdf' else 'csv'}",
            verb=f"print_batch.{kind}_downloaded",
            target=batch,
            data={},
            what=f"The stored {kind} of print batch {batch.pk}",
        )


class PrintBatchHandOverView(RoleRequiredMixin, View):
    permission_required = "warnings_app.change_deliveryattempt"

    def post(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        batch = get_object_or_404(PrintBatch, pk=pk)
        try:
            print_batch_hand_over(batch=batch, by=request.user)
            messages.success(request, f"{batch} recorded as handed to the carrier.")
        except services.ServiceError as exc:
            messages.error(request, str(exc))
        return redirect("printbatch_detail", pk=pk)


class PrintBatchTrackingView(RoleRequiredMixin, View):
    """POST a CSV (reference, tracking_number, carrier, delivered_on): all rows or none."""

    permission_required = "warnings_app.change_deliveryattempt"

    def post(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        batch = get_object_or_404(PrintBatch, pk=pk)
        upload = request.FILES.get("tracking")
        try:
            if upload is None:
                raise services.ServiceError("Choose a CSV file.")
            if (upload.size or 0) > MAX_TRACKING_UPLOAD:
                raise services.ServiceError("The file is larger than 2 MB.")
            try:
                text = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError as exc:
                raise services.ServiceError(
                    "Save the file as UTF-8 CSV and upload it again."
                ) from exc
            if "\x00" in text:
                raise services.ServiceError("The file contains NUL characters; it is not a CSV.")
            reader = csv.DictReader(io.StringIO(text))
            try:
                rows = list(reader)
            except csv.Error as exc:
                raise services.ServiceError(f"The file is not a readable CSV: {exc}.") from exc
            if not reader.fieldnames or "reference" not in reader.fieldnames:
                raise services.ServiceError(
                    "The first row must name the columns: reference, "
                    "tracking_number, carrier, delivered_on."
                )
            count = tracking_import(batch=batch, rows=rows, by=request.user)
            messages.success(request, f"Tracking recorded for {count} letter(s).")
        except services.ServiceError as exc:
            messages.error(request, str(exc))
        return redirect("printbatch_detail", pk=pk)
