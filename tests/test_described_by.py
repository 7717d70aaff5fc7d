"""Every aria-describedby on every page of the access matrix names an element that exists on that
page, both as the page first opens and after a form is sent back with errors; otherwise a screen
reader announces neither the help text nor the error."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from tests.factories import UserFactory
from tests.test_access import ALLOWED, POST_ONLY, _PageRows
from warnings_app.domain.roles import ADMIN, LEGAL

pytestmark = pytest.mark.django_db

# Pages whose form, sent empty, comes back with its errors and changes nothing.
FORMS_SENT_EMPTY = [
    "company_create",
    "contact_create",
    "campaign_create",
    "template_create",
    "account_create",
    "preference_record",
    "notice_log_reply",
    "company_log_reply",
    "version_edit",
    "company_edit",
    "contact_edit",
    "licence_create",
    "licence_terminate",
    "licence_flag_resolve",
]


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.described: list[tuple[str, str]] = []  # (tag#id, id it points at)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.ids.add(str(found["id"]))
        for target in (found.get("aria-describedby") or "").split():
            self.described.append((f"{tag}#{found.get('id', '')}", target))


def dangling(html: str) -> list[tuple[str, str]]:
    parser = _Ids()
    parser.feed(html)
    return [(element, target) for element, target in parser.described if target not in parser.ids]


def _role_for(name: str) -> str | None:
    allowed = ALLOWED[name]
    for role in (LEGAL, ADMIN):
        if role in allowed:
            return role
    return next(iter(sorted(r for r in allowed if r))) if any(allowed) else None


def test_the_check_sees_a_dangling_reference():
    assert dangling('<input id="a" aria-describedby="a_help">') == [("input#a", "a_help")]
    assert dangling('<input id="a" aria-describedby="a_help"><small id="a_help">') == []


@pytest.mark.parametrize("name", sorted(set(ALLOWED) - POST_ONLY - {"logout"}))
def test_every_described_by_on_a_page_exists(client, name):
    url = reverse(name, kwargs=_PageRows().kwargs(name))
    client.force_login(UserFactory(role=_role_for(name)))

    response = client.get(url)

    if "text/html" in response.get("Content-Type", ""):
        assert dangling(response.content.decode()) == []


@pytest.mark.parametrize("name", FORMS_SENT_EMPTY)
def test_every_described_by_on_a_form_with_errors_exists(client, name):
    url = reverse(name, kwargs=_PageRows().kwargs(name))
    client.force_login(UserFactory(role=_role_for(name)))

    response = client.post(url, {})

    assert response.status_code in (200, 400), response.status_code
    html = response.content.decode()
    assert 'aria-invalid="true"' in html
    assert dangling(html) == []


@pytest.mark.parametrize(
    ("name", "query"),
    [
        ("company_list", {"segment": "no-such-segment", "country": "ZZ"}),
        ("audit_log", {"since": "not a date", "until": "31/02"}),
        ("campaign_outcomes", {"q": "x" * 300}),
    ],
)
def test_every_described_by_on_a_filter_with_errors_exists(client, name, query):
    url = reverse(name, kwargs=_PageRows().kwargs(name))
    client.force_login(UserFactory(role=LEGAL))

    response = client.get(url, query)

    html = response.content.decode()
    assert 'aria-invalid="true"' in html
    assert dangling(html) == []
