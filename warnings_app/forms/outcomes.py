"""Forms of a campaign's outcome page: the filters (GET) and the bulk actions (POST)."""

from dataclasses import dataclass
from typing import Any, cast

from django import forms
from django_countries import countries

from warnings_app.models import Company, Notice, Response
from warnings_app.models.lifecycle import NoticeStatus
from warnings_app.selectors.outcomes import NO_REPLY, OutcomeFilters


def _choice(label: str, choices: list[tuple[str, str]], what: str) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        required=False,
        choices=choices,
        error_messages={"invalid_choice": f"“%(value)s” is not {what}."},
    )


class OutcomeFilterForm(forms.Form):
    """Every field is optional; a field that does not validate is left out of the filter and
    its error shown, rather than failing the page."""

    q = forms.CharField(label="Reference or company", required=False, max_length=200)
    status = _choice("Status", [("", "Any status"), *NoticeStatus.choices], "a letter status")
    outcome = _choice(
        "Outcome",
        [("", "Any outcome"), (NO_REPLY, "No reply yet"), *Response.Outcome.choices],
        "an outcome",
    )
    segment = _choice("Segment", [("", "Any segment"), *Company.Segment.choices], "a segment")
    jurisdiction = _choice("Jurisdiction", [], "a jurisdiction this campaign wrote to")
    overdue = forms.BooleanField(label="Overdue only", required=False)
    on_hold = forms.BooleanField(label="On hold only", required=False)

    def __init__(self, *args: Any, jurisdictions: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast("forms.ChoiceField", self.fields["jurisdiction"]).choices = [
            ("", "Any jurisdiction"),
            *((code, countries.name(code) or code) for code in jurisdictions),
        ]

    def filters(self) -> OutcomeFilters:
        """The valid part of the input (call is_valid() first)."""
        data = self.cleaned_data
        return OutcomeFilters(
            status=data.get("status", ""),
            outcome=data.get("outcome", ""),
            segment=data.get("segment", ""),
            jurisdiction=data.get("jurisdiction", ""),
            overdue=data.get("overdue", False),
            on_hold=data.get("on_hold", False),
            text=(data.get("q") or "").strip(),
        )

    def query(self) -> dict[str, str]:
        """The valid, non-empty filters as URL parameters, for sort and page links."""
        data = self.cleaned_data
        return {
            name: "1" if value is True else str(value)
            for name, value in data.items()
            if name in self.fields and value
        }


@dataclass(frozen=True)
class Action:
    label: str
    permission: str
    needs_reason: bool


ACTIONS = {
    "chase": Action("Chase now", "warnings_app.send_notice", False),
    "withdraw": Action("Withdraw", "warnings_app.approve_notice", True),
    "hold": Action("Put on hold", "warnings_app.change_notice", True),
    "release": Action("Release hold", "warnings_app.change_notice", False),
}


class OutcomeActionForm(forms.Form):
    """One bulk action on the chosen first letters of the campaign."""

    action = forms.ChoiceField(
        choices=[(key, a.label) for key, a in ACTIONS.items()],
        error_messages={"required": "Choose an action.", "invalid_choice": "Choose an action."},
    )
    ids = forms.TypedMultipleChoiceField(
        coerce=int,
        choices=[],
        error_messages={
            "required": "Choose at least one letter.",
            "invalid_choice": "letter %(value)s is not a first letter of this campaign.",
        },
    )
    reason = forms.CharField(required=False, max_length=500)

    def __init__(self, *args: Any, notices: list[Notice], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        ids = cast("forms.TypedMultipleChoiceField", self.fields["ids"])
        ids.choices = [(n.pk, n.reference) for n in notices]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        action = ACTIONS.get(data.get("action", ""))
        if action and action.needs_reason and not data.get("reason", "").strip():
            self.add_error("reason", f"Say why ({action.label.lower()}).")
        return data
