"""The licences' dates, with the clock moved (by passing the day to the job, and once with the
clock itself moved by time-machine): reminders on the right business day of the licensee's
country (not the day before), expiry the day after the end, and from that day the company is
not licensed, is written to again, and a letter rendered then says so."""

from datetime import date, datetime, time, timedelta

import pytest
from django.core.management import call_command

from tests.factories import ContactFactory, make_notice
from tests.licence_deal_helpers import deal_terms, make_matter, record_deal
from tests.preference_factories import artist_with_works, make_statement
from warnings_app import models as m
from warnings_app.domain.licences import NOT_LICENSED, is_licensed, licensed_uses, uses_phrase
from warnings_app.selectors.merge_data import merge_data_for_notice
from warnings_app.services.licence_reminders import licence_dates_run
from warnings_app.services.licences import LicenceInvalid, licence_renew

pytestmark = pytest.mark.django_db

ENDS = date(2027, 1, 4)  # a Monday, after Christmas and New Year


@pytest.fixture(autouse=True)
def _setup(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.LICENCE_END_REMINDER_BUSINESS_DAYS = 20
    settings.USAGE_REPORT_DUE_BUSINESS_DAYS = 20
    settings.USAGE_REPORT_REMINDER_BUSINESS_DAYS = 5
    artist, _ = artist_with_works("Ona Open", 2)
    make_statement(artist, m.Preference.LICENSABLE, effective_from=date(2025, 1, 1))


def _german_deal(**changes):
    contact = ContactFactory(company__country="DE")
    values = {"signed_on": date(2026, 1, 1), "starts_on": date(2026, 1, 1), "ends_on": ENDS}
    values.update(changes)
    licence = record_deal(make_matter(contact.company), today=values["signed_on"], **values)
    return licence, contact


def _reminders(licence, kind):
    return list(licence.reminders.filter(kind=kind).values_list("due_on", "raised_on"))


def test_the_end_reminder_comes_20_german_business_days_before_the_end_and_not_a_day_sooner():
    """Back from Monday 4 January 2027 over New Year's Day, Christmas Day and four weekends,
    the 20th business day in Germany is Thursday 3 December 2026."""
    licence, _ = _german_deal(reporting_months=0)

    licence_dates_run(today=date(2026, 12, 2))
    assert _reminders(licence, "ends") == []

    licence_dates_run(today=date(2026, 12, 3))
    assert _reminders(licence, "ends") == [(ENDS, date(2026, 12, 3))]


def test_the_reminder_is_raised_and_audited_once_however_often_the_job_runs():
    licence, _ = _german_deal(reporting_months=0)

    for day in (date(2026, 12, 3), date(2026, 12, 3), date(2026, 12, 10)):
        licence_dates_run(today=day)

    assert _reminders(licence, "ends") == [(ENDS, date(2026, 12, 3))]
    assert m.AuditEvent.objects.filter(verb="licence.reminder_raised").count() == 1


def test_a_short_notice_reminder_steps_back_over_the_weekend_and_christmas(settings):
    settings.LICENCE_END_REMINDER_BUSINESS_DAYS = 2
    licence, _ = _german_deal(ends_on=date(2026, 12, 29), reporting_months=0)  # a Tuesday

    licence_dates_run(today=date(2026, 12, 23))
    assert _reminders(licence, "ends") == []
    licence_dates_run(today=date(2026, 12, 24))  # Mon 28 (1), Fri 25 holiday, Thu 24 (2)
    assert _reminders(licence, "ends") == [(date(2026, 12, 29), date(2026, 12, 24))]


def test_a_usage_report_reminder_comes_5_business_days_before_it_is_due():
    """The first quarter ends 31 March 2026; its report is due 20 German business days later
    (Good Friday and Easter Monday skipped): 30 April. Five business days before: 23 April."""
    licence, _ = _german_deal(reporting_months=3)

    licence_dates_run(today=date(2026, 4, 22))
    assert _reminders(licence, "report_due") == []
    licence_dates_run(today=date(2026, 4, 23))
    assert _reminders(licence, "report_due") == [(date(2026, 4, 30), date(2026, 4, 23))]


def test_no_report_reminder_once_the_report_has_come():
    licence, _ = _german_deal(reporting_months=3)
    m.UsageReport.objects.create(
        licence=licence,
        period_start=date(2026, 1, 1),
        period_end=date(2026, 3, 31),
        file="licences/usage/q1.csv",
        original_filename="q1.csv",
        content_type="text/csv",
        size=1,
        sha256="a" * 64,
        imported_by=licence.created_by,
    )

    licence_dates_run(today=date(2026, 4, 23))

    assert _reminders(licence, "report_due") == []


def test_at_expiry_the_company_and_the_next_letter_say_not_licensed_from_the_day_after():
    contact = ContactFactory(company__country="DE")
    notice = make_notice(company=contact.company, contact=contact)
    licence = record_deal(
        make_matter(contact.company),
        today=date(2026, 1, 1),
        signed_on=date(2026, 1, 1),
        starts_on=date(2026, 1, 1),
        ends_on=ENDS,
        reporting_months=0,
        uses=["training", "evaluation"],
    )
    company = contact.company

    licence_dates_run(today=ENDS)

    assert licensed_uses(company.pk, ENDS) == ["training", "evaluation"]
    on_last_day = merge_data_for_notice(notice, letter_date=ENDS)["recipient"]
    assert on_last_day["licence_status"] == "Licensed for training and evaluation"
    assert on_last_day["licensed_uses"] == "training and evaluation"
    assert _reminders(licence, "expired") == []
    licence.matter.refresh_from_db()
    assert licence.matter.stage == "active"

    day_after = ENDS + timedelta(days=1)
    licence_dates_run(today=day_after)

    assert not is_licensed(company.pk, day_after)
    assert uses_phrase(licensed_uses(company.pk, day_after)) == NOT_LICENSED
    next_letter = merge_data_for_notice(notice, letter_date=day_after)["recipient"]
    assert next_letter["licence_status"] == "Not licensed"
    assert next_letter["licensed_uses"] == ""
    assert _reminders(licence, "expired") == [(day_after, day_after)]
    licence.matter.refresh_from_db()
    assert licence.matter.stage == "expired"
    assert licence.matter.moves.last().by is None


def test_a_renewal_in_force_the_day_after_means_no_expiry():
    licence, contact = _german_deal(reporting_months=0)
    renewal = licence_renew(
        old=licence,
        matter=make_matter(contact.company),
        terms=deal_terms(
            signed_on=date(2026, 11, 1),
            starts_on=ENDS + timedelta(days=1),
            ends_on=ENDS + timedelta(days=365),
            reporting_months=0,
        ),
        by=licence.created_by,
        today=date(2026, 11, 1),
    )

    licence_dates_run(today=date(2026, 12, 3))
    licence_dates_run(today=ENDS + timedelta(days=1))

    assert renewal.renews == licence
    assert _reminders(licence, "expired") == []
    assert _reminders(licence, "ends") == []
    assert is_licensed(contact.company_id, ENDS + timedelta(days=1))
    renewal.matter.refresh_from_db()
    assert renewal.matter.stage == "active"
    # The old talks end with their licence, so talks by stage count one active deal, as the
    # licences in force do.
    licence.matter.refresh_from_db()
    assert licence.matter.stage == "expired"
    assert m.LicenceMatter.objects.filter(stage="active").count() == 1


def test_a_renewal_must_be_the_same_companys_and_start_later():
    licence, _ = _german_deal(reporting_months=0)
    stranger = make_matter()

    with pytest.raises(LicenceInvalid, match="another company"):
        licence_renew(old=licence, matter=stranger, terms=deal_terms(), by=licence.created_by)
    with pytest.raises(LicenceInvalid, match="starts after"):
        licence_renew(
            old=licence,
            matter=make_matter(licence.company),
            terms=deal_terms(signed_on=date(2025, 12, 1), starts_on=date(2025, 12, 1)),
            by=licence.created_by,
        )


def test_a_licence_signed_ahead_becomes_active_on_its_first_day():
    licence, _ = _german_deal(
        signed_on=date(2026, 1, 1), starts_on=date(2026, 2, 1), reporting_months=0
    )
    licence.matter.refresh_from_db()
    assert licence.matter.stage == "signed"

    licence_dates_run(today=date(2026, 1, 31))
    licence.matter.refresh_from_db()
    assert licence.matter.stage == "signed"

    licence_dates_run(today=date(2026, 2, 1))
    licence.matter.refresh_from_db()
    assert licence.matter.stage == "active"


def test_the_command_runs_the_job_for_the_day_given(capsys):
    licence, _ = _german_deal(reporting_months=0)

    call_command("licence_dates", "--today", "2026-12-03")

    assert "1 ending soon" in capsys.readouterr().out
    assert _reminders(licence, "ends") == [(ENDS, date(2026, 12, 3))]


def test_the_periodic_task_is_scheduled_and_runs_the_job():
    from config.celery import app
    from warnings_app.tasks import licence_dates_task

    assert app.conf.beat_schedule["licence-dates"]["task"] == "warnings.licence_dates"

    assert set(licence_dates_task()) == {"started", "ends", "report_due", "expired", "overdue"}


def test_a_licence_signed_ahead_can_be_terminated_before_it_starts():
    from warnings_app.services.licences import licence_terminate

    licence, contact = _german_deal(
        signed_on=date(2026, 1, 1), starts_on=date(2026, 3, 1), ends_on=ENDS, reporting_months=0
    )
    licence.matter.refresh_from_db()
    assert licence.matter.stage == "signed"

    licence_terminate(
        licence=licence, on=date(2026, 3, 1), reason="Walked away", by=licence.created_by
    )

    licence.refresh_from_db()
    licence.matter.refresh_from_db()
    assert licence.terminated_on == date(2026, 3, 1)
    assert licence.matter.stage == "terminated"
    assert licence_dates_run(today=date(2026, 3, 2))["started"] == 0
    assert not is_licensed(contact.company_id, date(2026, 3, 2))


def test_a_terminated_licence_still_gets_the_reminder_for_its_last_usage_report():
    from warnings_app.domain.licence_periods import report_periods
    from warnings_app.services.licences import licence_terminate

    licence, _ = _german_deal(reporting_months=3)
    licence_terminate(licence=licence, on=date(2026, 5, 16), reason="Breach", by=licence.created_by)
    licence.refresh_from_db()
    last = report_periods(licence, until=date(2027, 1, 1), due_business_days=20)[-1]
    assert (last.start, last.end) == (date(2026, 4, 1), date(2026, 5, 15))

    licence_dates_run(today=last.due)

    assert [due for due, _ in _reminders(licence, "report_due")][-1] == last.due
    assert _reminders(licence, "ends") == []
    assert _reminders(licence, "expired") == []


def test_with_the_clock_moved_the_letters_change_from_the_day_after_expiry():
    """The clock itself moved (time-machine), no date passed in: on the licence's last day the
    company is left out of campaigns and refused a warning letter; the next day it is written to
    again, and the letter rendered that day says "Not licensed"."""
    import time_machine
    from django.utils import timezone as tz

    from tests.factories import TemplateVersionFactory
    from warnings_app.selectors.campaigns import campaign_recipients
    from warnings_app.services.errors import ServiceError
    from warnings_app.tasks import render_notice_task

    licence, contact = _german_deal(reporting_months=0, uses=["training"])
    company = contact.company
    version = TemplateVersionFactory(
        body="Dear {{ recipient.name }}: {{ recipient.licence_status }}."
    )

    def noon(day: date):
        return datetime.combine(day, time(12), tzinfo=tz.get_default_timezone())

    with time_machine.travel(noon(ENDS), tick=False):
        licence_dates_run()
        included, excluded = campaign_recipients({"company_ids": [company.pk]})
        assert (included, [c for c, _ in excluded]) == ([], [company])
        with pytest.raises(ServiceError, match="licensed for training only"):
            make_notice(company=company, contact=contact, template_version=version)

    with time_machine.travel(noon(ENDS + timedelta(days=1)), tick=False):
        licence_dates_run()
        included, _ = campaign_recipients({"company_ids": [company.pk]})
        assert included == [company]
        notice = make_notice(company=company, contact=contact, template_version=version)
        render_notice_task(notice.pk)

    notice.refresh_from_db()
    assert notice.status == "rendered", notice.problem
    assert notice.merge_data["recipient"]["licence_status"] == "Not licensed"
    assert notice.merge_data["notice"]["date_iso"] == (ENDS + timedelta(days=1)).isoformat()
    assert _reminders(licence, "expired") == [(ENDS + timedelta(days=1),) * 2]
