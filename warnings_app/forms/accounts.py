"""The Accounts page's forms: a new account, and a role to give or take."""

from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.validators import UnicodeUsernameValidator

from warnings_app.domain.roles import ALL_ROLES


class AccountCreateForm(forms.Form):
    username = forms.CharField(
        max_length=150, label="User name", validators=[UnicodeUsernameValidator()]
    )
    first_name = forms.CharField(max_length=150, required=False, label="First name")
    last_name = forms.CharField(max_length=150, required=False, label="Last name")
    email = forms.EmailField(max_length=254, required=False, label="E-mail")
    password = forms.CharField(
        label="First password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="Give it to the person privately. Roles are given afterwards.",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        password = data.get("password")
        if password:
            try:
                password_validation.validate_password(password)
            except forms.ValidationError as exc:
                self.add_error("password", exc)
        return data


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=[(r, r) for r in ALL_ROLES])
    action = forms.ChoiceField(choices=[("give", "Give"), ("remove", "Remove")])
