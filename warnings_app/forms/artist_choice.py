"""The artist's choice on their private link's page. The same form checks the first post and the
confirmation (whose values come back in hidden fields), so nothing the confirm page carries is
trusted without being checked again."""

import re
from typing import TYPE_CHECKING, Any

from django import forms

from warnings_app.domain.preferences import SAME, Choice
from warnings_app.models import Preference, PreferenceLink, Work
from warnings_app.selectors.preference_register import ArtistState

if TYPE_CHECKING:
    from django.forms.boundfield import BoundWidget

EXPLANATIONS = {
    Preference.RESERVED: (
        "No AI training on your recordings. The label publishes this reservation in "
        "machine-readable form and acts on uses without permission."
    ),
    Preference.LICENSABLE: (
        "AI developers may train on your recordings only under a licence agreed first. "
        "Tell us who they should ask."
    ),
    Preference.UNDECIDED: (
        "You have not decided yet. Until you do, the label keeps your rights reserved; you "
        "can ask the label for a new link when you are ready."
    ),
}
WORK_CHOICES = [(SAME, "Same as above"), *Preference.choices]
WORK_FIELD = re.compile(r"^work_(\d+)$")
NO_BRACKETS = "Please leave out the angle brackets < and >."


def _plain(value: str) -> str:
    """One line of text that will be kept in the confirmation document as typed."""
    if "<" in value or ">" in value:
        raise forms.ValidationError(NO_BRACKETS)
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise forms.ValidationError("Please use ordinary characters only.")
    return " ".join(value.split())


class ArtistChoiceForm(forms.Form):
    preference = forms.ChoiceField(
        choices=Preference.choices,
        widget=forms.RadioSelect,
        label="Your preference for all your recordings",
        error_messages={"required": "Please choose one of the three answers."},
    )
    licensing_contact = forms.CharField(
        max_length=300,
        required=False,
        label="Licensing contact",
        help_text="An e-mail address or postal address for licence requests. Needed when any "
        "recording is licensable.",
    )
    name = forms.CharField(max_length=100, label="Your name")
    email = forms.EmailField(
        max_length=190, label="Your e-mail", help_text="The receipt goes here."
    )

    def __init__(
        self,
        *args: Any,
        link: PreferenceLink,
        works: list[Work],
        current: ArtistState | None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.link, self.works = link, works
        if current is not None:
            self.fields["preference"].initial = current.preference
            self.fields["licensing_contact"].initial = current.licensing_contact
        self.fields["name"].initial = link.recipient_name
        self.fields["email"].initial = link.recipient_email
        for work in works:
            field = forms.ChoiceField(choices=WORK_CHOICES, label=work.title, initial=SAME)
            if current is not None and work.pk in current.works:
                field.initial = current.works[work.pk]
            self.fields[f"work_{work.pk}"] = field

    def preference_options(self) -> list[tuple["BoundWidget", str]]:
        """Each radio button with its plain-language explanation."""
        return [(radio, EXPLANATIONS[radio.data["value"]]) for radio in self["preference"]]

    def work_rows(self) -> list[tuple[Work, forms.BoundField]]:
        return [(work, self[f"work_{work.pk}"]) for work in self.works]

    def clean_licensing_contact(self) -> str:
        return _plain(self.cleaned_data["licensing_contact"])

    def clean_name(self) -> str:
        return _plain(self.cleaned_data["name"])

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        strangers = sorted(  # work fields posted that this form did not offer
            (
                key.removeprefix("work_")
                for key in self.data
                if WORK_FIELD.match(key) and key not in self.fields
            ),
            key=lambda digits: (len(digits), digits),  # numeric order, without int() on them
        )
        if strangers:
            shown = ", ".join(d if len(d) <= 20 else f"{d[:20]}…" for d in strangers[:10])
            raise forms.ValidationError(
                f"Work {shown} is not one of "
                f"{self.link.artist.name}'s recordings. Nothing was recorded."
            )
        preference = data.get("preference")
        if preference is None:
            return data
        chosen = {w.pk: data.get(f"work_{w.pk}") for w in self.works}
        licensable = preference == Preference.LICENSABLE or Preference.LICENSABLE in chosen.values()
        if licensable and not data.get("licensing_contact"):
            self.add_error(
                "licensing_contact", "Licensable on terms needs a contact for licence requests."
            )
        return data

    def choice(self) -> Choice:
        data = self.cleaned_data
        works = {
            work.pk: data[f"work_{work.pk}"]
            for work in self.works
            if data[f"work_{work.pk}"] not in (SAME, data["preference"])
        }
        return Choice(
            preference=data["preference"],
            licensing_contact=data["licensing_contact"],
            works=works,
            name=data["name"],
            email=data["email"],
        )

    def carried(self) -> list[tuple[str, str]]:
        """The checked values as (name, value) pairs for the confirm page's hidden fields."""
        return [(name, str(self.cleaned_data[name])) for name in self.fields]
