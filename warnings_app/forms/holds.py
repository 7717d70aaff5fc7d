"""The reason given when companies are put on hold from the register."""

from django import forms


class HoldForm(forms.Form):
    reason = forms.CharField(
        max_length=300,
        help_text="Shown on each company's page and in the audit log.",
        error_messages={"required": "Say why these companies are put on hold."},
    )
