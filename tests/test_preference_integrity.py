"""verify_integrity proves the preference register and the published reservations are as
recorded: a statement changed behind the services' back, a swapped instruction file or an
edited published file is named."""

import io

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from tests.factories import UserFactory, WorkFactory
from warnings_app.domain.preferences import Instruction
from warnings_app.models import PreferenceStatement, ReservationPublication
from warnings_app.services.preferences import preference_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def statement():
    work = WorkFactory(artist="Aurora Lane")
    WorkFactory(artist="Aurora Lane", title="Lowlight")
    return preference_record(
        artist=work.artist_profile,
        preference="reserved",
        effective_from=timezone.localdate(),
        work_choices={work.pk: "licensable"},
        licensing_contact="licensing@northlight.example",
        instruction=Instruction(b"Aurora Lane reserves every recording.", "instruction.txt"),
        by=UserFactory(role="Legal", username="harriet"),
    )


def _verify() -> str:
    errors = io.StringIO()
    with pytest.raises(CommandError) as failed:
        call_command("verify_integrity", stdout=io.StringIO(), stderr=errors)
    return f"{failed.value}\n{errors.getvalue()}"


def test_an_untouched_register_verifies(statement):
    out = io.StringIO()

    call_command("verify_integrity", stdout=out, stderr=io.StringIO())

    assert "published reservations; 0 problem(s)" in out.getvalue()


def test_correcting_a_work_or_a_user_name_later_does_not_look_like_tampering(statement):
    work = statement.work_choices.get().work
    work.title = "Glass Harbour (Remastered)"
    work.isrc = "GBAYE2600099"
    work.save()
    statement.recorded_by.username = "harriet.vale"
    statement.recorded_by.save()
    out = io.StringIO()

    call_command("verify_integrity", stdout=out, stderr=io.StringIO())

    assert "published reservations; 0 problem(s)" in out.getvalue()


def test_a_per_work_exception_changed_behind_the_services_back_is_named(statement):
    statement.work_choices.update(preference="undecided")

    report = _verify()

    assert f"preference statement {statement.pk} (Aurora Lane)" in report


def test_a_statement_changed_behind_the_services_back_is_named(statement):
    PreferenceStatement.objects.filter(pk=statement.pk).update(preference="licensable")

    report = _verify()

    assert f"preference statement {statement.pk} (Aurora Lane)" in report
    assert "no longer match its record hash" in report


def test_a_swapped_instruction_file_is_named(statement):
    name = statement.instruction_file.name
    default_storage.delete(name)
    default_storage.save(name, ContentFile(b"Aurora Lane allows everything."))

    report = _verify()

    assert f"preference statement {statement.pk}" in report
    assert "instruction file does not match its SHA-256" in report


def test_an_edited_published_file_is_named(statement):
    publication = ReservationPublication.objects.latest()
    ReservationPublication.objects.filter(pk=publication.pk).update(tdmrep_json="[]")

    report = _verify()

    assert f"published reservations v{publication.version}: tdmrep.json" in report
