"""The navigation bar: each entry names the permission needed to see it, so a role sees exactly
what it may use. Later pages add their entries here."""

from django.http import HttpRequest
from django.urls import reverse

NAV_ITEMS = [
    ("Home", "home", None),
    ("Dashboard", "dashboard", "warnings_app.view_reports"),
    ("Companies", "company_list", "warnings_app.view_company"),
    ("New company", "company_create", "warnings_app.add_company"),
    ("Artists", "artist_list", "warnings_app.view_artist"),
    ("Work queue", "work_queue", "warnings_app.change_response"),
    ("Campaigns", "campaign_list", "warnings_app.view_campaign"),
    ("Licences", "licence_matter_list", "warnings_app.view_licencematter"),
    ("Templates", "template_list", "warnings_app.view_lettertemplate"),
    ("Print", "printbatch_list", "warnings_app.view_deliveryattempt"),
    ("Audit log", "audit_log", "warnings_app.view_auditevent"),
    ("Accounts", "account_list", "auth.view_user"),
    ("Role requests", "rolegrant_list", "warnings_app.confirm_rolegrant"),
]


def navigation(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = [
        {
            "label": label,
            "url": reverse(name),
            "active": request.resolver_match is not None
            and request.resolver_match.url_name == name,
        }
        for label, name, perm in NAV_ITEMS
        if perm is None or user.has_perm(perm)
    ]
    if user.is_staff:
        items.append({"label": "Administration", "url": reverse("admin:index"), "active": False})
    return {"nav_items": items}
