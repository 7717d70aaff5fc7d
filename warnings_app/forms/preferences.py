"""Forms of the preference register: the list's filters and the statement Legal records from an
artist's instruction. The form only parses; preference_record decides what may be recorded."""

from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils import timezone

from warnings_app.domain.preferences import Instruction
from warnings_app.models import Preference, Work
from warnings_app.selectors.preference_register import LABELS, ArtistState

# A statement dated further away than this is almost certainly a typing slip (2062 for 2026).
MAX_YEARS_AWAY = 10
SAME_AS_ARTIST = ""


class ArtistFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=200, label="Search")
    preference = forms.ChoiceField(
        required=False,
        label="Preference today",
        choices=[("", "Any preference"), *LABELS.items()],
    )


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PreferenceStatementForm(forms.Form):
    """One statement for an artist, with a choice per work for the works that differ.
    `exceptions` (work id -> preference) pre-fills the works' choices, e.g. from today's state."""

    # Where the artist stands today, shown beside the form: set by the page that makes it.
    state: ArtistState | None

    preference = forms.ChoiceField(
        choices=[("", "Choose…"), *Preference.choices],
        help_text="Applies to all the artist's works except those set differently below.",
    )
    effective_from = forms.DateField(
        label="In effect from",
        widget=_date_input(),
        help_text="The day the artist's instruction takes effect.",
    )
    licensing_contact = forms.CharField(
        required=False,
        max_length=300,
        help_text="Who to ask for a licence (e-mail or address); needed when anything is "
        "licensable on terms.",
    )
    instruction = forms.FileField(
        label="The artist's instruction",
        help_text="The letter, e-mail (.eml), signed form or scan it was given in: PDF, PNG, "
        "JPEG, text, e-mail or Word. Kept with its SHA-256.",
    )
    note = forms.CharField(
        required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(
        self,
        *args: Any,
        works: list[Work],
        exceptions: dict[int, str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["effective_from"].initial = timezone.localdate()
        self.works = works
        exceptions = exceptions or {}
        for work in works:
            self.fields[f"work_{work.pk}"] = forms.ChoiceField(
                required=False,
                label=f"{work.title}{f' ({work.isrc})' if work.isrc else ''}",
                choices=[(SAME_AS_ARTIST, "Same as the artist"), *Preference.choices],
                initial=exceptions.get(work.pk, SAME_AS_ARTIST),
            )

    def main_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.base_fields]

    def work_fields(self) -> list[tuple[Work, forms.BoundField]]:
        return [(work, self[f"work_{work.pk}"]) for work in self.works]

    def clean_effective_from(self) -> date:
        day: date = self.cleaned_data["effective_from"]
        today = timezone.localdate()
        furthest = timedelta(days=round(365.25 * MAX_YEARS_AWAY))
        if abs(day - today) > furthest:
            raise forms.ValidationError(
                f"{day:%-d %B %Y} is more than {MAX_YEARS_AWAY} years from today; check the date."
            )
        return day

    def instruction_given(self) -> Instruction:
        upload = self.cleaned_data["instruction"]
        upload.seek(0)
        return Instruction(content=upload.read(), filename=upload.name)

    def work_choices(self) -> dict[int, str]:
        """Only the works set to a preference of their own; the rest follow the artist."""
        chosen = {work.pk: self.cleaned_data.get(f"work_{work.pk}") for work in self.works}
        return {pk: choice for pk, choice in chosen.items() if choice}
