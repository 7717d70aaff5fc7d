"""Sign-in: throttling per (user, address), the TOTP second factor for Legal and Admin (enrolled
with an administrator's one-time code: tests/test_enrolment_codes.py), idle and absolute session
expiry, a fresh session key at sign-in, and the audit trail of all of it."""

import datetime as dt
import time
from urllib.parse import urlsplit

import pytest
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests import test_access
from tests.api_helpers import api_key
from tests.factories import UserFactory
from tests.test_access import ALLOWED, POST_ONLY
from warnings_app.domain.roles import ADMIN, LEGAL, PARALEGAL
from warnings_app.models import AuditEvent
from warnings_app.services.enrolment_codes import enrolment_code_issue
from warnings_demo import demo_data
from warnings_demo.demo import demo_seed

pytestmark = pytest.mark.django_db
url_for = test_access.url_for  # the access matrix's fixture: one object per URL name

PASSWORD = "a-long-test-password"  # tests.factories.UserFactory
TWO_FACTOR_PAGES = {"two_factor_setup", "two_factor_verify", "logout"}


def _log_in(client, username, password=PASSWORD, address="10.0.0.1"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


def _code(device: TOTPDevice) -> str:
    """The code the device will accept next, as an authenticator app would show it. A code is
    good once: right after a sign-in in the same 30-second step, the next step's code is the one
    that works (within the device's tolerance), so reading the clock alone would be flaky."""
    device.refresh_from_db()
    generator = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    generator.time = time.time()
    if generator.t() <= device.last_t:
        generator.drift += device.last_t + 1 - generator.t()
    return f"{generator.token():0{device.digits}d}"


@pytest.fixture
def two_factor(settings):
    settings.TWO_FACTOR_ROLES = [LEGAL, ADMIN]
    return settings


@pytest.fixture
def travel(monkeypatch):
    """Moves django.utils.timezone.now (sessions, the lifetime middleware) forward."""
    real_now = timezone.now
    shift = {"by": dt.timedelta(0)}
    monkeypatch.setattr(timezone, "now", lambda: real_now() + shift["by"])

    def to(delta: dt.timedelta) -> None:
        shift["by"] = delta

    return to


# --- throttling ---------------------------------------------------------------------------------


def test_four_wrong_passwords_lock_that_user_from_that_address_only(client):
    victim, colleague = UserFactory(), UserFactory()

    responses = [_log_in(client, victim.username, "wrong-password") for _ in range(4)]
    locked = _log_in(client, victim.username)

    assert [r.status_code for r in responses[:3]] == [200, 200, 200]
    assert responses[3].status_code == 429
    assert locked.status_code == 429
    assert b"Sign-in paused" in locked.content
    assert "_auth_user_id" not in client.session
    assert _log_in(Client(), victim.username, address="10.0.0.2").status_code == 302
    assert _log_in(Client(), colleague.username, address="10.0.0.1").status_code == 302


def test_the_lock_lifts_after_the_cool_off_and_success_resets_the_count(client, settings):
    user = UserFactory()
    for _ in range(4):
        _log_in(client, user.username, "wrong-password")
    assert _log_in(client, user.username).status_code == 429

    # The attempts are as old as the cool-off plus a minute.
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - dt.timedelta(minutes=1)
    )
    response = _log_in(client, user.username)

    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username=user.username).exists()


def test_settings_follow_the_documented_axes_setup():
    assert django_settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"
    assert django_settings.MIDDLEWARE[-1] == "axes.middleware.AxesMiddleware"
    assert django_settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert django_settings.AXES_FAILURE_LIMIT == 4
    assert django_settings.AXES_COOLOFF_TIME  # never locked for ever


def test_forwarded_for_is_not_believed_by_default(client):
    user = UserFactory()

    for n in range(4):
        client.post(
            reverse("login"),
            {"username": user.username, "password": "wrong-password"},
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}",
        )

    assert _log_in(client, user.username, address="10.0.0.1").status_code == 429


def test_the_token_api_still_works_for_a_locked_out_user(client):
    user = UserFactory(role=PARALEGAL)
    key = api_key(user)
    for _ in range(4):
        _log_in(client, user.username, "wrong-password")

    response = Client().get(reverse("api:company-list"), HTTP_AUTHORIZATION=f"Token {key}")

    assert response.status_code == 200


# --- sessions -----------------------------------------------------------------------------------


def test_signing_in_gives_a_fresh_session_key(client):
    user = UserFactory()
    client.get(reverse("login"))
    session = client.session
    session["probe"] = "before sign-in"
    session.save()
    client.cookies[django_settings.SESSION_COOKIE_NAME] = session.session_key
    before = session.session_key

    response = _log_in(client, user.username)

    after = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    assert response.status_code == 302
    assert after != before
    assert not Session.objects.filter(session_key=before).exists()
    assert client.session["probe"] == "before sign-in"  # cycled, not emptied


def test_a_session_ends_after_thirty_idle_minutes_but_not_while_in_use(client, travel):
    _log_in(client, UserFactory().username)

    travel(dt.timedelta(minutes=20))
    assert client.get(reverse("home")).status_code == 200
    travel(dt.timedelta(minutes=40))  # 20 minutes after the previous request
    assert client.get(reverse("home")).status_code == 200
    travel(dt.timedelta(minutes=40, seconds=30))  # within the minute: no session write
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("home")).status_code == 200
    assert not any("UPDATE" in q["sql"] and "django_session" in q["sql"] for q in queries)
    travel(dt.timedelta(minutes=71))  # 31 minutes idle
    response = client.get(reverse("home"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_a_session_ends_twelve_hours_after_sign_in_however_active(client, travel):
    user = UserFactory()
    _log_in(client, user.username)

    for minutes in range(20, 12 * 60, 20):
        travel(dt.timedelta(minutes=minutes))
        assert client.get(reverse("home")).status_code == 200, minutes
    travel(dt.timedelta(hours=12, minutes=5))
    response = client.get(reverse("home"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert AuditEvent.objects.filter(verb="signin.session_expired", actor=user).count() == 1


# --- second factor ------------------------------------------------------------------------------


def _get_or_post(client, name, url):
    return client.post(url) if name in POST_ONLY else client.get(url)


def test_a_lawyer_without_a_verified_device_reaches_only_enrolment(client, url_for, two_factor):
    client.force_login(UserFactory(role=LEGAL))
    setup = reverse("two_factor_setup")

    for name in sorted(set(ALLOWED) - TWO_FACTOR_PAGES):
        url = url_for(name)
        response = _get_or_post(client, name, url)

        assert response.status_code == 302, name
        assert urlsplit(response.url).path == setup, name
    assert client.get(reverse("admin:index")).status_code == 302
    assert client.get(reverse("api:docs")).url.startswith(setup)
    api = client.get(reverse("api:company-list"))
    assert api.status_code == 403
    assert "detail" in api.json()


def test_after_enrolling_a_lawyer_reaches_every_page_again(client, url_for, two_factor):
    user = UserFactory(role=LEGAL)
    client.force_login(user)
    _, enrolment_code = enrolment_code_issue(subject=user, by=UserFactory(role=ADMIN))
    client.post(reverse("two_factor_setup"), {"enrolment_code": enrolment_code})

    page = client.get(reverse("two_factor_setup"), {"next": reverse("company_list")})
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert page.status_code == 200
    assert b"<svg" in page.content
    assert device.config_url.encode() in page.content.replace(b"&amp;", b"&")
    wrong = client.post(reverse("two_factor_setup"), {"token": "000000"})
    assert wrong.status_code == 200
    assert b"did not match" in wrong.content
    device.throttle_reset()  # django-otp delays the try after a wrong code; don't wait for it
    response = client.post(
        reverse("two_factor_setup"), {"token": _code(device), "next": reverse("company_list")}
    )

    assert response.status_code == 302
    assert response.url == reverse("company_list")
    device.refresh_from_db()
    assert device.confirmed
    for name in sorted(set(ALLOWED) - POST_ONLY - TWO_FACTOR_PAGES):
        assert client.get(url_for(name)).status_code == (200 if LEGAL in ALLOWED[name] else 403)
    assert client.get(reverse("api:company-list")).status_code == 200


def test_sign_in_asks_an_enrolled_lawyer_for_a_code_after_the_password(client, two_factor):
    user = UserFactory(role=LEGAL)
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)

    response = _log_in(client, user.username)
    assert response.status_code == 302
    step = client.get(response.url)
    assert step.status_code == 302
    assert urlsplit(step.url).path == reverse("two_factor_verify")
    assert client.get(step.url).status_code == 200
    assert client.post(step.url, {"token": "12345"}).status_code == 200  # not a code
    before = client.session.session_key
    verified = client.post(step.url, {"token": _code(device)})

    assert verified.status_code == 302
    assert client.get(reverse("home")).status_code == 200
    assert client.session.session_key != before
    # A verified session does not let the user enrol another device with the password alone.
    assert urlsplit(client.get(reverse("two_factor_setup")).url).path == reverse(
        "two_factor_verify"
    )


def test_a_paralegal_is_not_asked_for_a_code(client, two_factor):
    client.force_login(UserFactory(role=PARALEGAL))

    assert client.get(reverse("home")).status_code == 200


def test_token_calls_are_not_asked_for_a_code(two_factor):
    key = api_key(UserFactory(role=LEGAL))

    response = Client().get(reverse("api:company-list"), HTTP_AUTHORIZATION=f"Token {key}")

    assert response.status_code == 200


# --- audit --------------------------------------------------------------------------------------


def test_sign_in_steps_are_audited_without_secrets(client, two_factor):
    user = UserFactory(role=LEGAL)
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)

    _log_in(client, "nobody-here", "secret-guess-1")
    for _ in range(4):
        _log_in(client, user.username, "secret-guess-2", address="10.0.0.9")
    _log_in(client, user.username, address="10.0.0.3")
    code = _code(device)
    client.post(reverse("two_factor_verify"), {"token": code})
    client.post(reverse("logout"))

    events = list(AuditEvent.objects.filter(verb__startswith="signin."))
    verbs = [e.verb for e in events]
    assert verbs.count("signin.failed") == 5
    assert verbs.count("signin.locked_out") == 1
    assert verbs[-3:] == ["signin.login", "signin.2fa_verified", "signin.logout"]
    failed = next(e for e in events if e.verb == "signin.failed")
    assert failed.data == {"username": "nobody-here", "ip": "10.0.0.1"}
    locked = next(e for e in events if e.verb == "signin.locked_out")
    assert locked.data == {"username": user.username, "ip": "10.0.0.9"}
    login = next(e for e in events if e.verb == "signin.login")
    assert login.actor == user
    assert login.data["ip"] == "10.0.0.3"
    everything = str([(e.verb, e.data, e.target_repr) for e in events])
    for secret in ("secret-guess", PASSWORD, code):
        assert secret not in everything


# --- in a real browser --------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_lawyer_enrols_and_later_signs_in_with_a_code(live_server, browser, two_factor):
    demo_seed(companies=2)
    legal = get_user_model().objects.get(username="legal")
    admin = get_user_model().objects.get(username="admin")
    _, enrolment_code = enrolment_code_issue(subject=legal, by=admin)
    page = browser.new_context().new_page()

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("User name").fill("legal")
    page.get_by_label("Password").fill(demo_data.demo_password("legal"))
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/accounts/two-factor/setup/?next=%2F")
    assert (
        "needs a one-time enrolment code"
        in page.get_by_test_id("needs-enrolment-code").text_content()
    )
    page.get_by_label("Enrolment code from your administrator").fill(enrolment_code)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{live_server.url}/accounts/two-factor/setup/?next=%2F")
    assert page.get_by_test_id("qr-code").locator("svg").is_visible()
    assert "otpauth://totp/" in page.get_by_test_id("otpauth-uri").text_content()
    device = TOTPDevice.objects.get(user__username="legal")
    page.get_by_label("Code from your authenticator app").fill(_code(device))
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url(f"{live_server.url}/")
    assert "Good to see you" in page.locator("h1").inner_text()
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(f"{live_server.url}/accounts/login/")

    page.get_by_label("User name").fill("legal")
    page.get_by_label("Password").fill(demo_data.demo_password("legal"))
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/accounts/two-factor/?next=%2F")
    page.get_by_label("Code from your authenticator app").fill(_code(device))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{live_server.url}/")

    assert "Good to see you" in page.locator("h1").inner_text()
