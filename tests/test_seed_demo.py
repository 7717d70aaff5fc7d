import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.http import HttpRequest

from warnings_app.models import AuditEvent, Company, LetterTemplate, Principal, Work

pytestmark = pytest.mark.django_db


def _dump() -> str:
    out = io.StringIO()
    call_command("dumpdata", "warnings_app", "auth", exclude=["auth.permission"], stdout=out)
    return out.getvalue()


def test_seed_demo_fills_the_register_and_a_second_run_changes_nothing(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    first = _dump()

    second_output = io.StringIO()
    call_command("seed_demo", stdout=second_output)

    assert _dump() == first
    assert "nothing changed" in second_output.getvalue()
    assert Company.objects.count() >= 700
    assert Company.objects.values("segment").distinct().count() >= 5
    assert Company.objects.values("country").distinct().count() >= 10
    assert Company.objects.filter(contacts__role="legal_notices").distinct().count() == (
        Company.objects.count()
    )
    assert Principal.objects.count() == 2
    assert Work.objects.count() == 50
    assert set(LetterTemplate.objects.values_list("kind", flat=True)) == {
        "initial_notice",
        "reminder",
        "final_notice",
    }
    assert AuditEvent.objects.filter(verb="demo.seeded").count() == 1


def test_demo_companies_are_fictional(settings):
    settings.DEBUG = True
    call_command("seed_demo", companies=50, stdout=io.StringIO())

    domains = Company.objects.values_list("domain", flat=True)
    assert all(d.endswith(".example") for d in domains)


def test_demo_users_can_log_in_with_the_printed_passwords(client, settings):
    settings.DEBUG = True
    output = io.StringIO()
    call_command("seed_demo", companies=5, stdout=output)

    for line in output.getvalue().splitlines()[2:]:
        username, password, role = line.split()
        # django-axes needs the request to know the address the attempt came from.
        request = HttpRequest()
        request.META["REMOTE_ADDR"] = "127.0.0.1"
        assert client.login(request=request, username=username, password=password), username
        assert client.get("/").context["roles"] == [role]
        client.logout()


def test_seed_demo_refuses_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="known passwords"):
        call_command("seed_demo", stdout=io.StringIO())
    assert not Company.objects.exists()
