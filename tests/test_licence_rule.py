"""The one rule for "licensed" (domain/licences.py), the reporting periods
(domain/licence_periods.py), business days before a date, stage moves (services/licence_moves.py)
and migration 0027, which turns the old "licensed — do not send" flag into licences."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from tests.factories import CompanyFactory, LicenceFactory, UserFactory
from warnings_app.domain.deadlines import business_days_before, business_days_between
from warnings_app.domain.licence_periods import add_months, report_periods
from warnings_app.domain.licences import (
    is_licensed,
    licensed_company,
    licensed_uses,
    uses_phrase,
    warning_blocked,
)
from warnings_app.models import AuditEvent, Company, LicenceMatter, MatterMove
from warnings_app.services.errors import ServiceError
from warnings_app.services.licence_moves import matter_move

pytestmark = pytest.mark.django_db

DAY = dt.date(2027, 3, 10)


def test_a_licence_is_in_force_from_its_first_to_its_last_day_unless_terminated():
    licence = LicenceFactory(starts_on=DAY, ends_on=DAY + dt.timedelta(days=9))
    company = licence.company.pk
    assert not is_licensed(company, DAY - dt.timedelta(days=1))
    assert is_licensed(company, DAY)
    assert is_licensed(company, DAY + dt.timedelta(days=9))
    assert not is_licensed(company, DAY + dt.timedelta(days=10))

    licence.terminated_on = DAY + dt.timedelta(days=5)
    licence.save()
    assert is_licensed(company, DAY + dt.timedelta(days=4))
    assert not is_licensed(company, DAY + dt.timedelta(days=5))


def test_group_companies_are_licensed_for_the_uses_of_every_licence_that_covers_them():
    parent, subsidiary, other = CompanyFactory(), CompanyFactory(), CompanyFactory()
    training = LicenceFactory(company=parent, starts_on=DAY)
    training.group_companies.add(subsidiary)
    LicenceFactory(company=subsidiary, use_training=False, use_output=True, starts_on=DAY)

    assert licensed_uses(parent.pk, DAY) == ["training"]
    assert licensed_uses(subsidiary.pk, DAY) == ["training", "output"]
    assert licensed_uses(other.pk, DAY) == []
    licensed = set(Company.objects.filter(licensed_company(DAY)).values_list("pk", flat=True))
    assert licensed == {parent.pk, subsidiary.pk}
    assert uses_phrase(["training"]) == "Licensed for training only"
    assert uses_phrase(["training", "output"]) == "Licensed for training and output generation"
    assert uses_phrase([]) == "Not licensed"
    assert "licensed for training only" in warning_blocked(parent.pk, DAY)
    assert warning_blocked(other.pk, DAY) == ""


def test_reporting_periods_run_in_calendar_months_and_the_last_ends_with_the_licence():
    licence = LicenceFactory(
        starts_on=dt.date(2027, 1, 31), ends_on=dt.date(2027, 8, 15), reporting_months=3
    )
    periods = report_periods(licence, until=dt.date(2028, 1, 1), due_business_days=20)
    assert [(p.start, p.end) for p in periods] == [
        (dt.date(2027, 1, 31), dt.date(2027, 4, 29)),
        (dt.date(2027, 4, 30), dt.date(2027, 7, 29)),
        (dt.date(2027, 7, 30), dt.date(2027, 8, 15)),
    ]
    # Due 20 business days (of the licensee's country, DE) after the period ends.
    assert all(business_days_between(p.end, p.due, "DE") == 20 for p in periods)
    # A period still running is not asked for.
    assert len(report_periods(licence, until=dt.date(2027, 7, 29), due_business_days=20)) == 1
    assert add_months(dt.date(2028, 1, 31), 1) == dt.date(2028, 2, 29)


def test_business_days_before_skips_weekends_and_holidays():
    # Two business days before Tuesday 30 March 2027 in GB: Monday 29 March counts, the
    # weekend and Good Friday (26 March) do not, so Thursday 25 March.
    reminder = business_days_before(dt.date(2027, 3, 30), 2, "GB")
    assert reminder == dt.date(2027, 3, 25)
    assert business_days_between(reminder, dt.date(2027, 3, 30), "GB") == 2


def test_stage_moves_are_checked_kept_and_audited():
    lawyer = UserFactory()
    matter = LicenceMatter.objects.create(company=CompanyFactory(), opened_by=lawyer)

    matter_move(matter=matter, to_stage="term_sheet", by=lawyer, reason="NDA not needed")
    with pytest.raises(ServiceError, match="signed by recording its licence"):
        matter_move(matter=matter, to_stage="signed", by=lawyer)
    matter_move(matter=matter, to_stage="declined", by=lawyer)
    with pytest.raises(ServiceError, match="declined: open new talks"):
        matter_move(matter=matter, to_stage="negotiation", by=lawyer)

    matter.refresh_from_db()
    assert matter.stage == "declined"
    assert matter.closed_at is not None
    moves = list(MatterMove.objects.filter(matter=matter).values_list("from_stage", "to_stage"))
    assert moves == [("enquiry", "term_sheet"), ("term_sheet", "declined")]
    events = AuditEvent.objects.filter(verb="licence_matter.moved").order_by("pk")
    assert [(e.from_state, e.to_state) for e in events] == moves


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_migration_0027_turns_the_flag_into_licences_recorded_before_licences_existed():
    before = [("warnings_app", "0026_campaign_sent")]
    after = [("warnings_app", "0027_licences")]
    try:
        executor = MigrationExecutor(connection)
        executor.migrate(before)
        old = executor.loader.project_state(before).apps
        OldCompany = old.get_model("warnings_app", "Company")
        flagged = OldCompany.objects.create(
            legal_name="Flagged Ltd", name_key="flagged", country="GB", licensed_do_not_send=True
        )
        OldCompany.objects.create(legal_name="Plain Ltd", name_key="plain", country="GB")

        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(after)
        new = executor.loader.project_state(after).apps
        Licence = new.get_model("warnings_app", "Licence")
        licence = Licence.objects.get()
        assert licence.company_id == flagged.pk
        assert licence.origin == "recorded_before"
        assert (licence.scope, licence.territories, licence.ends_on) == ("all", ["*"], None)
        assert all(
            getattr(licence, f"use_{u}")
            for u in ("training", "fine_tuning", "evaluation", "retrieval", "output")
        )
    finally:
        # Leave the database as every other test expects it: every migration applied.
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
    assert is_licensed(flagged.pk, timezone.localdate())


def test_a_deal_is_not_terminated_by_moving_its_talks():
    lawyer = UserFactory()
    matter = LicenceMatter.objects.create(company=CompanyFactory(), opened_by=lawyer)
    matter_move(matter=matter, to_stage="signed", by=lawyer, system=True)

    with pytest.raises(ServiceError, match="terminated from its licence's page"):
        matter_move(matter=matter, to_stage="terminated", by=lawyer)

    matter.refresh_from_db()
    assert matter.stage == "signed"
