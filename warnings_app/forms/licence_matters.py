"""Forms of the licence talks pages. They parse input only; the services decide."""

from typing import TYPE_CHECKING, Any

from django import forms

from warnings_app.models.licences import MatterStage
from warnings_app.selectors.licence_matters import SECTIONS, matter_owners

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _owner_field(required: bool = False) -> forms.ModelChoiceField:  # type: ignore[type-arg]
    return forms.ModelChoiceField(
        queryset=matter_owners(),
        required=required,
        label="Owner",
        empty_label="Nobody yet",
        help_text="The lawyer or paralegal who takes the talks forward.",
    )


class NextStepForm(forms.Form):
    owner = _owner_field()
    next_step = forms.CharField(
        max_length=300, required=False, label="Next step", help_text="e.g. Send our draft NDA"
    )
    next_step_on = forms.DateField(
        required=False, label="Next step by", widget=DATE_INPUT, input_formats=["%Y-%m-%d"]
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("next_step_on") and not (data.get("next_step") or "").strip():
            self.add_error("next_step", "Say what the next step is, not only its date.")
        return data


class NoteForm(forms.Form):
    text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=10000,
        label="Note",
        help_text="Privileged: only Legal sees notes. A note cannot be changed later; "
        "add another to correct it.",
        error_messages={"required": "Write the note."},
    )


class DocumentForm(forms.Form):
    description = forms.CharField(
        max_length=300,
        label="What the document is",
        help_text="e.g. NDA signed by both sides",
        error_messages={"required": "Say what the document is."},
    )
    file = forms.FileField(
        label="File",
        help_text="PDF, Word, Excel, text, image or e-mail; checked by its content.",
        error_messages={"required": "Choose the file."},
    )

    def file_content(self) -> tuple[str, bytes]:
        upload: UploadedFile[bytes] = self.cleaned_data["file"]
        return upload.name or "document", upload.read()


class DeclineForm(forms.Form):
    reason = forms.CharField(
        max_length=500,
        label="Why the talks ended",
        error_messages={"required": "Say why the talks ended."},
    )
    restart_ladder = forms.TypedChoiceField(
        choices=[
            ("no", "Keep the reminders stopped"),
            ("yes", "Restart the reminders: the warning ladder goes on from today"),
        ],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        label="The warning reminders",
        help_text="A lawyer decides. Restarting schedules again the reminders the reply or the "
        "talks stopped, counted from today; earlier replies no longer stop them.",
        error_messages={"required": "Choose whether the reminders restart."},
    )


class OpenForm(forms.Form):
    """Opening talks with a company a lawyer picks: who owns them and the first step."""

    owner = _owner_field()
    next_step = forms.CharField(max_length=300, required=False, label="First step")
    next_step_on = forms.DateField(
        required=False, label="First step by", widget=DATE_INPUT, input_formats=["%Y-%m-%d"]
    )


class MatterFilterForm(forms.Form):
    section = forms.ChoiceField(choices=list(SECTIONS.items()), required=False, label="Show")
    stage = forms.ChoiceField(
        choices=[("", "Any stage"), *MatterStage.choices], required=False, label="Stage"
    )
    owner = forms.ModelChoiceField(
        queryset=matter_owners(), required=False, label="Owner", empty_label="Anyone"
    )
