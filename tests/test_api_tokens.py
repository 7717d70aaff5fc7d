"""API tokens (django-rest-knox, our ApiToken): made on the "API tokens" page or by
`manage.py create_api_token`, shown once, stored only as a digest, expiring, revocable by their
owner, refused without a verified second factor where the role needs one, and named in the audit
events of what they change."""

import importlib
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.contrib import admin
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from knox.models import AuthToken as KnoxAuthToken
from rest_framework.test import APIClient

from tests.api_helpers import api_key
from tests.factories import UserFactory
from warnings_app.domain.roles import LEGAL, MANAGER, PARALEGAL
from warnings_app.models import ApiToken, AuditEvent, Company
from warnings_app.services.audit import audit_record

pytestmark = pytest.mark.django_db

COMPANIES = "/api/v1/companies/"


def _get(key: str, url: str = COMPANIES) -> int:
    return APIClient(HTTP_AUTHORIZATION=f"Token {key}").get(url).status_code


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _make_on_page(client: Client, name: str = "CRM sync"):
    return client.post(reverse("api_tokens"), {"name": name})


def _key_on(response) -> str:
    """The key as the creation page shows it."""
    html = response.content.decode()
    start = html.index('data-testid="api-token-key">') + len('data-testid="api-token-key">')
    return html[start : html.index("<", start)]


# --- the page -------------------------------------------------------------------------------


def test_a_token_made_on_the_page_works_and_its_key_is_shown_only_once():
    user = UserFactory(role=PARALEGAL)
    client = _signed_in(user)

    made = _make_on_page(client)
    key = _key_on(made)
    listing = client.get(reverse("api_tokens"))

    assert made.status_code == 200
    assert "no-store" in made["Cache-Control"]
    assert len(key) == 64
    assert _get(key) == 200
    token = ApiToken.objects.get(user=user)
    assert token.name == "CRM sync"
    # API_TOKEN_DAYS, 90 by default (knox reads the clock for each field: a few µs apart)
    assert abs(token.expiry - token.created - timedelta(days=90)) < timedelta(seconds=1)
    assert listing.status_code == 200
    assert "CRM sync" in listing.content.decode()
    assert f"{key[:8]}…" in listing.content.decode()
    assert key not in listing.content.decode()
    assert key[:16] not in listing.content.decode()


def test_making_a_token_is_audited_without_the_key():
    user = UserFactory(role=MANAGER)

    key = _key_on(_make_on_page(_signed_in(user), "Dashboard feed"))

    event = AuditEvent.objects.get(verb="api_token.created")
    assert event.actor == user
    assert event.data["name"] == "Dashboard feed"
    assert event.data["prefix"] == key[:8]
    assert key not in str(event.data) + event.target_repr
    assert ApiToken.objects.get().digest not in str(event.data) + event.target_repr


def test_a_token_needs_a_name_and_a_user_with_a_role():
    named = _make_on_page(_signed_in(UserFactory(role=PARALEGAL)), "   ")
    roleless = _make_on_page(_signed_in(UserFactory(role=None)))

    assert named.status_code == 400
    assert roleless.status_code == 403
    assert not ApiToken.objects.exists()
    assert not AuditEvent.objects.filter(verb="api_token.created").exists()


def test_the_page_lists_only_your_own_tokens():
    mine, theirs = UserFactory(role=PARALEGAL), UserFactory(role=PARALEGAL)
    api_key(mine, "Mine")
    api_key(theirs, "Theirs")

    page = _signed_in(mine).get(reverse("api_tokens")).content.decode()

    assert "Mine" in page
    assert "Theirs" not in page


# --- expiry and revocation --------------------------------------------------------------------


def test_an_expired_token_is_refused_and_still_listed_as_expired():
    user = UserFactory(role=PARALEGAL)
    key = api_key(user, "Old feed")
    assert _get(key) == 200
    ApiToken.objects.filter(user=user).update(expiry=timezone.now() - timedelta(seconds=1))

    assert _get(key) == 401
    assert ApiToken.objects.filter(user=user).exists()  # refused, not silently deleted
    assert "expired" in _signed_in(user).get(reverse("api_tokens")).content.decode()


def test_a_token_is_not_extended_by_use():
    user = UserFactory(role=PARALEGAL)
    key = api_key(user)
    expiry = ApiToken.objects.get(user=user).expiry

    assert _get(key) == 200
    token = ApiToken.objects.get(user=user)
    assert token.expiry == expiry
    assert token.last_used is not None


def test_a_revoked_token_is_refused_and_the_revocation_audited():
    user = UserFactory(role=LEGAL)
    key = api_key(user, "Leaked")
    token = ApiToken.objects.get(user=user)
    client = _signed_in(user)

    response = client.post(reverse("api_token_revoke", args=[token.pk]))

    assert response.status_code == 302
    assert _get(key) == 401
    assert not ApiToken.objects.filter(pk=token.pk).exists()
    event = AuditEvent.objects.get(verb="api_token.revoked")
    assert event.actor == user
    assert event.data["name"] == "Leaked"
    assert key not in str(event.data)


def test_you_cannot_revoke_another_users_token():
    owner = UserFactory(role=PARALEGAL)
    key = api_key(owner)
    token = ApiToken.objects.get(user=owner)

    response = _signed_in(UserFactory(role=LEGAL)).post(
        reverse("api_token_revoke", args=[token.pk])
    )

    assert response.status_code == 404
    assert _get(key) == 200
    assert not AuditEvent.objects.filter(verb="api_token.revoked").exists()


@pytest.mark.parametrize(
    "header", ["Token \xff\xfe", "Token " + "a" * 5000, "Token a b", "Token", "token 0123abcd"]
)
def test_a_malformed_token_header_is_refused_with_401(header):
    response = APIClient(HTTP_AUTHORIZATION=header).get(COMPANIES)

    assert response.status_code == 401


def test_an_inactive_users_token_is_refused():
    user = UserFactory(role=PARALEGAL)
    key = api_key(user)
    user.is_active = False
    user.save()

    assert _get(key) == 401


# --- what the database holds ------------------------------------------------------------------


def test_nothing_stored_in_the_token_row_can_be_used_as_a_key():
    user = UserFactory(role=LEGAL)
    key = api_key(user)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {ApiToken._meta.db_table}")  # noqa: S608 (our table)
        rows = cursor.fetchall()

    stored = {str(value) for row in rows for value in row if value is not None}

    assert _get(key) == 200  # the key itself works, so the refusals below are meaningful
    assert key not in stored
    assert len(stored) >= 5
    for value in stored:
        assert _get(value) == 401, value


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_old_plain_text_tokens_are_dropped_with_their_table():
    """The migration that installs our tokens drops DRF's authtoken table, which held keys in
    plain text, when it is there (a database that ran the project before). Outside a test
    transaction: SQLite's schema editor cannot run inside one."""
    module = _migration_with("drop_plain_text_tokens")
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY)")
        cursor.execute("INSERT INTO authtoken_token VALUES ('0123456789abcdef0123456789abcdef')")

    with connection.schema_editor() as editor:
        module.drop_plain_text_tokens(None, editor)
    with connection.schema_editor() as editor:  # a fresh database has no such table: no error
        module.drop_plain_text_tokens(None, editor)

    assert "authtoken_token" not in connection.introspection.table_names()


def _migration_with(function: str):
    folder = Path(importlib.import_module("warnings_app.migrations").__file__).parent
    for path in sorted(folder.glob("0*.py")):
        module = importlib.import_module(f"warnings_app.migrations.{path.stem}")
        if hasattr(module, function):
            return module
    raise AssertionError(f"no migration defines {function}")


def test_the_admin_cannot_mint_or_edit_tokens():
    assert not admin.site.is_registered(ApiToken)
    assert not admin.site.is_registered(KnoxAuthToken)


# --- second factor ----------------------------------------------------------------------------


@pytest.fixture
def two_factor(settings):
    settings.TWO_FACTOR_ROLES = [LEGAL]
    return settings


def test_a_lawyer_without_a_verified_second_factor_cannot_make_a_token(two_factor):
    user = UserFactory(role=LEGAL)
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)

    response = _make_on_page(_signed_in(user))

    assert response.status_code in (302, 403)
    assert 'data-testid="api-token-key"' not in response.content.decode()
    assert not ApiToken.objects.exists()


def test_a_lawyer_with_a_verified_second_factor_can_make_a_token(two_factor):
    user = UserFactory(role=LEGAL)
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    client = _signed_in(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id  # as django_otp.login leaves it
    session.save()

    key = _key_on(_make_on_page(client))

    assert _get(key) == 200


def test_the_page_itself_refuses_an_unverified_lawyer(two_factor, rf):
    """Should the two-factor middleware ever let a request through, the page still refuses."""
    from django.contrib.messages.storage.fallback import FallbackStorage

    from warnings_app.views.api_tokens import NEEDS_CODE, ApiTokenListView

    user = UserFactory(role=LEGAL)
    request = rf.post(reverse("api_tokens"), {"name": "CRM"})
    request.user = user
    request.user.is_verified = lambda: False  # what OTPMiddleware gives an unverified session
    request.session = {}
    request._messages = FallbackStorage(request)

    response = ApiTokenListView.as_view()(request)

    assert response.status_code == 403
    assert NEEDS_CODE in response.content.decode()
    assert not ApiToken.objects.exists()


# --- attribution --------------------------------------------------------------------------------


def test_a_change_made_with_a_token_names_the_token_in_its_audit_event():
    user = UserFactory(role=PARALEGAL)
    key = api_key(user, "CRM sync")
    token = ApiToken.objects.get(user=user)
    body = {"legal_name": "Tokened Ltd", "country": "DE", "segment": "other"}

    response = APIClient(HTTP_AUTHORIZATION=f"Token {key}").post(COMPANIES, body)
    by_session = Client()
    by_session.force_login(user)
    later = by_session.post(COMPANIES, {**body, "legal_name": "Session Ltd"}, "application/json")

    assert response.status_code == 201
    assert later.status_code == 201
    via_token = AuditEvent.objects.get(verb="company.created", target_repr__contains="Tokened")
    assert via_token.actor == user
    assert via_token.data["api_token"] == f"api token CRM sync ({key[:8]}…)" == str(token)
    # The next request on the same thread, by session, is not attributed to the token.
    via_session = AuditEvent.objects.get(verb="company.created", target_repr__contains="Session")
    assert "api_token" not in via_session.data
    assert Company.objects.count() == 2


def test_attribution_ends_with_the_request():
    key = api_key(UserFactory(role=PARALEGAL))
    body = {"legal_name": "Tokened Ltd", "country": "DE", "segment": "other"}
    assert APIClient(HTTP_AUTHORIZATION=f"Token {key}").post(COMPANIES, body).status_code == 201

    after = audit_record(actor=None, verb="test.after_the_request")  # e.g. a task on this thread

    assert "api_token" in AuditEvent.objects.get(verb="company.created").data
    assert "api_token" not in after.data


# --- manage.py create_api_token -----------------------------------------------------------------


def _command(*args: str) -> str:
    out = StringIO()
    call_command("create_api_token", *args, stdout=out, stderr=StringIO())
    return out.getvalue().strip()


def test_create_api_token_prints_a_new_working_token_each_time_and_audits_it():
    user = UserFactory(username="crm", role=PARALEGAL)

    first = _command("crm", "--name", "CRM")
    second = _command("crm", "--name", "CRM backup", "--days", "7")

    assert first != second
    assert _get(first) == 200
    assert _get(second) == 200
    backup = ApiToken.objects.get(user=user, name="CRM backup")
    assert timedelta(days=6, hours=23) < backup.expiry - timezone.now() <= timedelta(days=7)
    events = AuditEvent.objects.filter(verb="api_token.created")
    assert events.count() == 2
    assert all(e.actor is None and e.data["how"] == "manage.py create_api_token" for e in events)
    assert first not in str([e.data for e in events])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("crm",), "--name"),
        (("crm", "--name", "CRM", "--days", "0"), "between 1 and 365"),
        (("crm", "--name", "CRM", "--days", "400"), "between 1 and 365"),
        (("ghost", "--name", "CRM"), "No user"),
        (("idle", "--name", "CRM"), "may not hold"),
    ],
)
def test_create_api_token_refuses_bad_requests(args, message):
    UserFactory(username="crm", role=PARALEGAL)
    UserFactory(username="idle", role=PARALEGAL, is_active=False)

    with pytest.raises(CommandError, match=message):
        _command(*args)

    assert not ApiToken.objects.exists()
