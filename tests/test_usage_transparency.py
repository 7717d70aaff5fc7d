"""The company's disclosure answers beside its usage reports: per work, asked about, named in
an answer, reported and from when; an answer of no use contradicted by earlier reported use."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import UserFactory, make_notice
from tests.usage_files import csv_bytes, five_hundred_rows, seeded_licence
from warnings_app.domain.roles import LEGAL, PARALEGAL
from warnings_app.models import DemandAnswer, Response
from warnings_app.selectors.transparency import transparency_for
from warnings_app.services.usage_reports import usage_report_import

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded():
    seeded = five_hundred_rows(seeded_licence())
    usage_report_import(
        licence=seeded.licence,
        file_bytes=csv_bytes(seeded.rows),
        filename="usage.csv",
        period_start=seeded.period_start,
        period_end=seeded.period_end,
        by=UserFactory(role=PARALEGAL),
    )
    return seeded


def _reply(seeded, *, answer, note, works, days_ago=5):
    # (the warning came before the licence; a letter about the licence may go now)
    notice = make_notice(company=seeded.licence.company, licence=seeded.licence)
    notice.works.set(works)
    reply = Response.objects.create(
        channel="email",
        notice=notice,
        company=seeded.licence.company,
        received_at=timezone.now() - timedelta(days=days_ago),
    )
    DemandAnswer.objects.create(response=reply, demand="disclosure", answer=answer, note=note)
    return notice


def test_each_work_says_whether_it_was_asked_named_and_reported(seeded):
    named, unnamed = seeded.included[0], seeded.included[1]
    asked_only = seeded.outside[2]
    _reply(
        seeded,
        answer="partial",
        note=f"We used {named.isrc} to train model Aria-2 in March.",
        works=[named, asked_only],
    )

    facts = transparency_for(seeded.licence.company_id)

    by_work = {w.work_id: w for w in facts.works}
    assert by_work[named.pk].asked
    assert by_work[named.pk].named
    assert by_work[named.pk].first_reported == seeded.period_start
    assert by_work[named.pk].uses == ["Training", "Fine-tuning"]
    assert not by_work[unnamed.pk].asked
    assert not by_work[unnamed.pk].named
    assert by_work[unnamed.pk].reported_not_named
    assert by_work[asked_only.pk].asked  # asked about, and reported as used out of scope
    assert facts.answers[0].note.startswith("We used")
    assert facts.reported_not_named == len(facts.works) - 1


def test_an_answer_of_no_use_is_contradicted_by_use_reported_before_it(seeded):
    _reply(seeded, answer="no", note="We did not use any of your works.", works=[])

    facts = transparency_for(seeded.licence.company_id)

    assert len(facts.contradictions) == 1
    assert "answered “No”" in facts.contradictions[0]
    assert f"{seeded.period_start:%d/%m/%Y}" in facts.contradictions[0]


def test_an_answer_given_before_any_reported_use_is_not_contradicted(seeded):
    _reply(seeded, answer="no", note="None.", works=[], days_ago=60)

    assert transparency_for(seeded.licence.company_id).contradictions == []


def test_the_licence_findings_page_shows_the_answers_and_what_it_cannot_know(client, seeded):
    _reply(seeded, answer="no", note="No use of Label works, model Aria-2, 2026.", works=[])
    client.force_login(UserFactory(role=LEGAL))

    page = client.get(reverse("licence_findings", args=[seeded.licence.pk])).content.decode()

    assert "model Aria-2, 2026" in page
    assert 'data-testid="contradictions"' in page
    assert "Neither source proves use" in page
