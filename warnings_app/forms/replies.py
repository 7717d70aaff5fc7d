"""Forms of the work queue and the reply page."""

from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q

from warnings_app.forms.ids import ModelIdChoiceField
from warnings_app.models import DemandAnswer, Notice, Response

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.core.files.uploadedfile import UploadedFile
    from django.db.models import QuerySet

OUTCOMES = [(v, label) for v, label in Response.Outcome.choices if v != "unclassified"]
ANSWERS = [("", "—"), *DemandAnswer.Answer.choices]


def _reference_field() -> forms.CharField:
    return forms.CharField(max_length=30, label="Notice reference", help_text="e.g. WN-2026-000123")


def _notice_for(reference: str) -> Notice:
    notice = Notice.objects.filter(reference__iexact=reference.strip()).first()
    if notice is None:
        raise forms.ValidationError(f"No notice has the reference “{reference.strip()}”.")
    return notice


class MatchForm(forms.Form):
    reference = _reference_field()

    def clean_reference(self) -> Notice:
        return _notice_for(self.cleaned_data["reference"])


class ClassifyForm(forms.Form):
    """The outcome, then one answer (and note) per demand of the letter; blank answers are left
    out."""

    # Starts blank and must be chosen: a careless Save must not record an outcome.
    outcome = forms.ChoiceField(
        choices=[("", "Choose the outcome…"), *OUTCOMES],
        error_messages={"required": "Choose the outcome."},
    )
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=5000
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for demand, label in DemandAnswer.Demand.choices:
            self.fields[f"demand_{demand}"] = forms.ChoiceField(
                choices=ANSWERS, required=False, label=label
            )
            self.fields[f"demand_{demand}_note"] = forms.CharField(
                required=False,
                max_length=2000,
                label=f"{label}: note",
                widget=forms.TextInput(attrs={"aria-label": f"{label}: note"}),
            )

    def demand_fields(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [
            (self[f"demand_{demand}"], self[f"demand_{demand}_note"])
            for demand, _ in DemandAnswer.Demand.choices
        ]

    def demands(self) -> dict[str, tuple[str, str]]:
        data = self.cleaned_data
        return {
            demand: (data[f"demand_{demand}"], data[f"demand_{demand}_note"])
            for demand, _ in DemandAnswer.Demand.choices
            if data.get(f"demand_{demand}")
        }


def _workers() -> "QuerySet[User]":
    users = get_user_model().objects.filter(is_active=True)
    may = Q(groups__permissions__codename="change_response") | Q(is_superuser=True)
    return users.filter(may).distinct().order_by("username")


class QueueActionForm(forms.Form):
    """One bulk action on the chosen replies of the queue."""

    ACTIONS = [
        ("classify", "Classify as"),
        ("assign_me", "Assign to me"),
        ("assign", "Assign to"),
        ("snooze", "Snooze until"),
        ("match", "Match to notice"),
    ]
    action = forms.ChoiceField(
        choices=ACTIONS, error_messages={"required": "Choose an action."}
    )  # fmt: skip
    ids = forms.TypedMultipleChoiceField(coerce=int, choices=[], error_messages={
        "required": "Choose at least one reply."
    })  # fmt: skip
    outcome = forms.ChoiceField(choices=OUTCOMES, required=False)
    assignee = ModelIdChoiceField(queryset=None, required=False, empty_label="Nobody")
    until = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    reference = forms.CharField(max_length=30, required=False)

    def __init__(self, *args: Any, replies: list[Response] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        ids = cast("forms.TypedMultipleChoiceField", self.fields["ids"])
        ids.choices = [(r.pk, r.pk) for r in (replies or [])]
        cast("ModelIdChoiceField", self.fields["assignee"]).queryset = _workers()

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        action = data.get("action")
        if action == "classify" and not data.get("outcome"):
            self.add_error("outcome", "Choose the outcome.")
        if action == "snooze" and not data.get("until"):
            self.add_error("until", "Choose the day the replies come back.")
        if action == "match":
            if not data.get("reference"):
                self.add_error("reference", "Give the notice reference.")
            else:
                try:
                    data["notice"] = _notice_for(data["reference"])
                except forms.ValidationError as exc:
                    self.add_error("reference", exc)
        return data


class _MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class _MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", _MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list["UploadedFile[bytes]"]:
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        return [super(_MultipleFileField, self).clean(f, initial) for f in files]


class LogReplyForm(forms.Form):
    """A reply that came by letter, telephone or a portal, logged by hand."""

    CHANNELS = [(v, label) for v, label in Response.Channel.choices if v != "email"]
    channel = forms.ChoiceField(choices=CHANNELS, label="How it came")
    received_at = forms.DateTimeField(
        label="Received",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    sender = forms.CharField(max_length=500, required=False, label="From (person, firm)")
    subject = forms.CharField(max_length=998, required=False, label="Summary")
    body_text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}), required=False, label="What was said"
    )
    attachments = _MultipleFileField(required=False, label="Scans or files")

    def files_content(self) -> list[tuple[str, str, bytes]]:
        return [(f.name, f.content_type or "", f.read()) for f in self.cleaned_data["attachments"]]
