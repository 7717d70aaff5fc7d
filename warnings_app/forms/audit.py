"""The audit log's filters and its page links."""

from typing import Any

from django import forms

from warnings_app.forms.ids import IdField


class AuditFilterForm(forms.Form):
    actor = forms.CharField(required=False, label="User name")
    verb = forms.CharField(required=False, label="Action starts with")
    target_type = forms.CharField(required=False, label="Object type")
    target_id = forms.CharField(required=False, label="Object id")
    reference = forms.CharField(required=False, label="Letter reference")
    since = forms.DateField(required=False, label="From", widget=forms.DateInput({"type": "date"}))
    until = forms.DateField(required=False, label="To", widget=forms.DateInput({"type": "date"}))

    def chosen_filters(self) -> dict[str, Any]:
        """The filters given, as selectors.audit_log.audit_events takes them (after is_valid)."""
        return {k: v for k, v in self.cleaned_data.items() if v not in ("", None)}

    def chosen(self) -> dict[str, str]:
        return {k: str(v) for k, v in self.chosen_filters().items()}


class AuditCursorForm(forms.Form):
    """Where a page starts: the events older than `before` or newer than `after` (event ids,
    from the page links)."""

    before = IdField(required=False)
    after = IdField(required=False)
