"""The campaign form's live preview: which companies its recipient fields select, and who is
left out and why, as an HTML fragment. It reads the same fields as the campaign form
(RecipientsForm) and applies the same rule as generating the letters (`campaign_recipients`)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views import View

from warnings_app.forms.campaigns import RecipientsForm
from warnings_app.selectors.campaigns import campaign_recipients
from warnings_app.views.access import RoleRequiredMixin

SHOWN = 50  # companies listed by name; the count covers them all


def recipients_preview(form: RecipientsForm) -> dict[str, object]:
    """What the fragment shows for a bound form (valid or not)."""
    if not form.is_valid():
        return {"errors": [e for errors in form.errors.values() for e in errors]}
    chosen = form.recipient_filter()
    if not chosen:
        return {"empty": True}
    included, excluded = campaign_recipients(chosen)
    return {
        "included_count": len(included),
        "included": included[:SHOWN],
        "more": max(0, len(included) - SHOWN),
        "excluded": excluded,
    }


class CampaignRecipientsPreviewView(RoleRequiredMixin, View):
    permission_required = "warnings_app.add_campaign"

    def get(self, request: HttpRequest) -> HttpResponse:
        preview = recipients_preview(RecipientsForm(request.GET))
        return render(
            request,
            "warnings_app/_campaign_recipients.html",
            {"preview": preview},
            status=400 if "errors" in preview else 200,
        )
