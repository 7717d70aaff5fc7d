"""Binding an authenticator needs a one-time code an Admin issued: the first person to open a
new Legal or Admin account's enrolment page no longer owns its second factor. Superusers need
the second factor too."""

import datetime as dt
from io import StringIO
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import UserFactory
from tests.test_signin import _code
from warnings_app.domain.roles import ADMIN, LEGAL
from warnings_app.models import AuditEvent, EnrolmentCode
from warnings_app.services.enrolment_codes import enrolment_code_issue, enrolment_code_redeem

pytestmark = pytest.mark.django_db
SETUP = "two_factor_setup"


@pytest.fixture
def two_factor(settings):
    settings.TWO_FACTOR_ROLES = [LEGAL, ADMIN]
    return settings


def _issue(subject) -> str:
    return enrolment_code_issue(subject=subject, by=UserFactory(role=ADMIN))[1]


def _enter(client, code):
    return client.post(reverse(SETUP), {"enrolment_code": code})


def test_without_a_code_the_page_shows_no_secret_and_refuses_a_token(client, two_factor):
    lawyer = UserFactory(role=LEGAL)
    client.force_login(lawyer)

    home = client.get(reverse("home"))
    page = client.get(reverse(SETUP))
    token = client.post(reverse(SETUP), {"token": "123456"})

    assert urlsplit(home.url).path == reverse(SETUP)
    assert page.status_code == 200
    assert b"needs a one-time enrolment code from an administrator" in page.content
    assert b"otpauth" not in page.content
    assert b"<svg" not in page.content
    assert token.status_code == 403
    assert not TOTPDevice.objects.filter(user=lawyer).exists()


@pytest.mark.parametrize("problem", ["wrong", "used", "expired"])
def test_a_wrong_used_or_expired_code_is_refused_and_audited(client, two_factor, problem):
    lawyer = UserFactory(role=LEGAL)
    code = _issue(lawyer)
    if problem == "wrong":
        code = "AAAA-BBBB-CCCC-DDDD"
    elif problem == "used":
        assert enrolment_code_redeem(user=lawyer, code=code) is not None
    else:
        EnrolmentCode.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    client.force_login(lawyer)

    response = _enter(client, code)

    assert response.status_code == 400
    assert b"not accepted: it is mistyped, already used or expired" in response.content
    assert b"otpauth" not in client.get(reverse(SETUP)).content
    refused = AuditEvent.objects.get(verb="account.enrolment_code_refused")
    assert (refused.actor, refused.data) == (lawyer, {"reason": problem})


def test_with_the_code_an_admin_issued_the_person_enrols(client, two_factor):
    admin = UserFactory(role=ADMIN, is_staff=True)
    lawyer = UserFactory(role=LEGAL)
    TOTPDevice.objects.create(user=admin, name="phone", confirmed=True)
    client.force_login(admin)
    session = client.session
    session["otp_device_id"] = TOTPDevice.objects.get(user=admin).persistent_id
    session.save()

    issued = client.post(reverse("account_enrolment_code", args=[lawyer.pk]))
    code = issued.context["code"]
    stored = EnrolmentCode.objects.get(user=lawyer)
    assert issued.status_code == 200
    assert "no-store" in issued["Cache-Control"]
    assert code in issued.content.decode()
    assert code not in stored.code_hash
    assert stored.expires_at - stored.issued_at == dt.timedelta(hours=72)

    client.force_login(lawyer)
    entered = _enter(client, code.lower().replace("-", " "))  # as typed by hand
    page = client.get(entered.url)
    device = TOTPDevice.objects.get(user=lawyer, confirmed=False)
    confirmed = client.post(reverse(SETUP), {"token": _code(device), "next": "/"})

    assert urlsplit(entered.url).path == reverse(SETUP)
    assert device.config_url.encode() in page.content.replace(b"&amp;", b"&")
    assert confirmed.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("home")).status_code == 200
    verbs = list(
        AuditEvent.objects.filter(verb__startswith="account.").values_list("verb", "actor")
    )
    assert ("account.enrolment_code_issued", admin.pk) in verbs
    assert ("account.enrolment_code_used", lawyer.pk) in verbs
    assert ("account.2fa_device_created", lawyer.pk) in verbs
    assert ("account.2fa_device_confirmed", lawyer.pk) in verbs
    assert code not in str(list(AuditEvent.objects.values_list("data", flat=True)))


def test_a_secret_someone_saw_before_the_code_is_worthless(client, two_factor):
    lawyer = UserFactory(role=LEGAL)
    seen = TOTPDevice.objects.create(user=lawyer, name="opened by someone", confirmed=False)
    client.force_login(lawyer)

    _enter(client, _issue(lawyer))
    client.get(reverse(SETUP))

    [device] = TOTPDevice.objects.filter(user=lawyer)
    assert device.pk != seen.pk
    assert device.key != seen.key


def test_a_new_code_ends_the_older_one(two_factor):
    lawyer = UserFactory(role=LEGAL)
    first = _issue(lawyer)
    second = _issue(lawyer)

    assert enrolment_code_redeem(user=lawyer, code=first) is None
    assert enrolment_code_redeem(user=lawyer, code=second) is not None


def test_an_admin_cannot_issue_a_code_for_themselves(client):
    admin = UserFactory(role=ADMIN)
    client.force_login(admin)

    page = client.post(reverse("account_enrolment_code", args=[admin.pk]), follow=True)

    assert "Nobody can change their own" in page.content.decode()
    assert not EnrolmentCode.objects.exists()
    assert AuditEvent.objects.get(verb="account.refused").data["action"] == "enrolment_code_issue"


def test_a_superuser_without_a_device_is_sent_to_enrolment(client, settings):
    settings.TWO_FACTOR_ROLES = []  # whatever the roles need: superusers always give a code
    client.force_login(UserFactory(is_superuser=True, is_staff=True))

    home = client.get(reverse("home"))
    admin = client.get(reverse("admin:index"))

    assert home.status_code == 302
    assert urlsplit(home.url).path == reverse(SETUP)
    assert urlsplit(admin.url).path == reverse(SETUP)


def test_the_first_administrator_gets_a_code_from_the_shell(client, two_factor):
    admin = UserFactory(username="first-admin", role=ADMIN)
    out = StringIO()

    call_command("enrolment_code", "first-admin", stdout=out)
    code = out.getvalue().split(": ", 1)[1].split()[0]
    client.force_login(admin)

    assert _enter(client, code).status_code == 302
    issued = AuditEvent.objects.get(verb="account.enrolment_code_issued")
    assert issued.actor is None
