"""Input parsing and validation for the pages. Forms never write: views pass cleaned data to a
service."""

from warnings_app.forms.campaigns import CampaignForm, LadderFormSet, PauseForm, WithdrawForm
from warnings_app.forms.letters import (
    LetterTemplateForm,
    PreviewForm,
    RejectForm,
    TemplateVersionForm,
)
from warnings_app.forms.register import CompanyFilterForm, CompanyForm, ContactForm

__all__ = [
    "CampaignForm",
    "CompanyFilterForm",
    "CompanyForm",
    "ContactForm",
    "LadderFormSet",
    "LetterTemplateForm",
    "PauseForm",
    "PreviewForm",
    "RejectForm",
    "TemplateVersionForm",
    "WithdrawForm",
]
