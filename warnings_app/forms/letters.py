"""Forms of the template editor."""

from typing import Any

from django import forms
from django_countries import countries

from warnings_app.domain.letters.compose import LAYOUTS
from warnings_app.domain.letters.language import MAX_BODY_CHARS
from warnings_app.forms.register import company_lookup_field
from warnings_app.models import Company, LetterTemplate

LAYOUT_CHOICES = list(LAYOUTS.items())


class TemplateVersionForm(forms.Form):
    subject = forms.CharField(max_length=300)
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 24, "spellcheck": "true"}),
        max_length=MAX_BODY_CHARS,
        strip=False,
        help_text="Blank lines separate paragraphs. Merge fields are listed beside the editor.",
    )
    layout = forms.ChoiceField(choices=LAYOUT_CHOICES, initial="standard")


class LetterTemplateForm(TemplateVersionForm):
    name = forms.CharField(max_length=200)
    kind = forms.ChoiceField(choices=LetterTemplate.Kind.choices)
    jurisdiction = forms.ChoiceField(
        choices=[("*", "Any jurisdiction"), *countries],
        initial="*",
        help_text="The country whose law the wording is written for.",
    )
    language = forms.ChoiceField(
        choices=[
            ("en", "English"),
            ("de", "German"),
            ("fr", "French"),
            ("es", "Spanish"),
            ("it", "Italian"),
            ("nl", "Dutch"),
        ]
    )
    paper_size = forms.ChoiceField(choices=LetterTemplate.PaperSize.choices)
    field_order = [
        "name",
        "kind",
        "jurisdiction",
        "language",
        "paper_size",
        "subject",
        "body",
        "layout",
    ]

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if LetterTemplate.objects.filter(name__iexact=name).exists():
            raise forms.ValidationError("A template with this name already exists.")
        return name

    def template_fields(self) -> dict[str, Any]:
        return {
            k: self.cleaned_data[k]
            for k in ("name", "kind", "jurisdiction", "language", "paper_size")
        }


class PreviewForm(TemplateVersionForm):
    company = forms.CharField(
        required=False,
        max_length=253,
        help_text="Domain or exact legal name; empty for the first company.",
    )

    def clean_company(self) -> Company | None:
        text = self.cleaned_data["company"].strip()
        if not text:
            return Company.objects.order_by("legal_name", "pk").first()
        return company_lookup_field(text)


class RejectForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text="What needs to change before it can be approved.",
    )
