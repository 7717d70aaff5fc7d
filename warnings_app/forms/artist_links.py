"""The form staff use to send an artist a private link."""

from typing import Any

from django import forms
from django.conf import settings

from warnings_app.models import Artist, PreferenceLink


class PreferenceLinkForm(forms.Form):
    """Who gets the link and for how long. Unbound, it is prefilled with the artist's own
    address, or their manager's when only that is known."""

    recipient_name = forms.CharField(max_length=200, required=False, label="Recipient's name")
    recipient_email = forms.EmailField(
        max_length=254,
        label="Recipient's e-mail",
        help_text="The artist's or their manager's address on record; only a lawyer may send "
        "the link to another address.",
    )
    valid_days = forms.IntegerField(
        min_value=1,
        max_value=PreferenceLink.MAX_DAYS,
        label="Open for (days)",
        help_text=(
            f"1 to {PreferenceLink.MAX_DAYS} days; the link also closes once it has been used."
        ),
    )

    def __init__(self, *args: Any, artist: Artist, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "link_%s")  # unique ids on the artist's page
        super().__init__(*args, **kwargs)
        self.artist = artist
        if artist.email:
            name, email = artist.name, artist.email
        else:
            name, email = artist.manager_name, artist.manager_email
        self.fields["recipient_name"].initial = name
        self.fields["recipient_email"].initial = email
        self.fields["valid_days"].initial = settings.PREFERENCE_LINK_DAYS

    def problems(self) -> str:
        """The errors as one line, for a message on the page the form was posted from."""
        parts = []
        for name, errors in self.errors.items():
            label = self.fields[name].label if name in self.fields else ""
            parts += [f"{label}: {e}" if label else str(e) for e in errors]
        return " ".join(parts)
