"""The import page's form: a file (or the one already uploaded for the preview) and an encoding."""

import re
from typing import Any

from django import forms

ENCODINGS = [
    ("", "Detect automatically"),
    ("utf-8", "UTF-8"),
    ("utf-16", "UTF-16"),
    ("cp1252", "Windows-1252 / Latin-1 (Western European)"),
    ("cp1250", "Windows-1250 (Central European)"),
    ("cp1251", "Windows-1251 (Cyrillic)"),
    ("iso8859_15", "ISO-8859-15 (Latin-9)"),
    ("mac_roman", "Mac Roman"),
]
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class CompanyImportForm(forms.Form):
    file = forms.FileField(
        required=False,
        label="Spreadsheet",
        help_text="CSV or XLSX, at most 10 MB and 20,000 rows.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )
    encoding = forms.ChoiceField(
        required=False,
        choices=ENCODINGS,
        help_text="For CSV files; leave on “Detect” unless the preview asks.",
    )
    # The file already uploaded for a preview, by its SHA-256: choosing another encoding or
    # committing does not need it uploaded again.
    upload = forms.CharField(required=False, widget=forms.HiddenInput)
    filename = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)

    def clean_upload(self) -> str:
        upload: str = self.cleaned_data["upload"].strip().lower()
        if upload and not _SHA256.match(upload):
            raise forms.ValidationError("The uploaded file reference is not valid.")
        return upload

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if not data.get("file") and not data.get("upload") and not self.errors:
            raise forms.ValidationError("Choose a CSV or XLSX file to import.")
        return data
