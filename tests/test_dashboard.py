"""The dashboard's figures against counts worked out by hand from a known set of letters, and
the page that shows them."""

import statistics
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests import report_helpers
from tests.campaign_helpers import make_campaign
from tests.factories import UserFactory
from tests.report_helpers import CASES, SENT
from warnings_app.domain.roles import MANAGER
from warnings_app.models import DailySnapshot
from warnings_app.reports.dashboard.figures import dashboard_figures
from warnings_app.reports.dashboard.rollup import figures_refresh
from warnings_app.selectors.letter_filters import LetterFilter

pytestmark = pytest.mark.django_db


@pytest.fixture
def known_letters():
    return report_helpers.known_letters()


def _expected(cases):
    replied_days = [c["days"] for c in cases if c["replied"]]
    return {
        "issued": len(cases),
        **{
            name: sum(c[name] for c in cases)
            for name in ("delivered", "bounced", "replied", "overdue", "resolved")
        },
        "replied_late": sum(c["late"] for c in cases),
        "median": statistics.median(replied_days) if replied_days else None,
    }


def test_figures_match_the_letters_counted_by_hand(known_letters):
    campaign, _ = known_letters
    figures_refresh()

    figures = dashboard_figures(LetterFilter())

    expected = _expected(CASES)
    for name in ("issued", "delivered", "bounced", "replied", "replied_late", "overdue"):
        assert figures.totals[name] == expected[name], name
    assert figures.totals["resolved"] == expected["resolved"]
    assert figures.median_days_to_reply == expected["median"] == 11
    assert figures.steps_due_this_week == 1
    assert dict(figures.outcomes) == {"complied": 1, "disputes": 1, "unclassified": 1}
    assert dict(figures.reply_days) == {3: 1, 18: 1, 11: 1}
    # Replies per week: the week of 5 Oct (on time, domain guess excluded), 19 Oct, 26 Oct.
    assert dict(figures.reply_weeks) == {
        date(2026, 10, 5): 1,
        date(2026, 10, 19): 1,
        date(2026, 10, 26): 1,
    }
    assert figures.by_campaign[campaign.pk]["issued"] == len(CASES)


def test_a_segment_filter_counts_only_that_segment(known_letters):
    figures_refresh()
    music = [c for c in CASES if c["seg"] == "generative_music"]

    figures = dashboard_figures(LetterFilter(segment="generative_music"))

    expected = _expected(music)
    for name in ("issued", "delivered", "bounced", "replied", "overdue"):
        assert figures.totals[name] == expected[name], name
    assert figures.median_days_to_reply == expected["median"]
    assert set(figures.by_segment) == {"generative_music"}


def test_a_date_range_outside_the_sending_day_counts_nothing(known_letters):
    figures_refresh()

    figures = dashboard_figures(LetterFilter(since=SENT + timedelta(days=1)))

    assert figures.totals["issued"] == 0
    assert figures.median_days_to_reply is None


def test_refresh_takes_todays_snapshot_and_keeps_earlier_days(known_letters):
    campaign, _ = known_letters
    yesterday = timezone.localdate() - timedelta(days=1)
    DailySnapshot.objects.create(
        day=yesterday, campaign=campaign, issued=3, replied=1, taken_at=timezone.now()
    )

    figures_refresh()
    figures_refresh()  # a second run the same day replaces today's row, not adds one

    today = DailySnapshot.objects.get(day=timezone.localdate(), campaign=campaign)
    assert (today.issued, today.replied, today.overdue) == (len(CASES), 3, 3)
    assert DailySnapshot.objects.get(day=yesterday, campaign=campaign).issued == 3
    trend = dashboard_figures(LetterFilter(campaign=campaign)).trend
    assert [row["day"] for row in trend] == [yesterday, timezone.localdate()]


def test_the_page_shows_the_figures_and_a_table_for_every_chart(client, known_letters):
    figures_refresh()
    client.force_login(UserFactory(role=MANAGER))

    page = client.get(reverse("dashboard"), {"segment": "foundation_model"})

    html = page.content.decode()
    assert page.status_code == 200
    tiles = {t["key"]: t["value"] for t in page.context["page"].tiles}
    assert (tiles["issued"], tiles["bounced"], tiles["replied"]) == (3, 1, 1)
    for chart in page.context["page"].charts:
        assert f'data-chart="{chart.key}"' in html or not chart.rows, chart.key
        assert f'data-table="{chart.key}"' in html
    assert "segment=foundation_model" in html  # the download links carry the filter


def test_the_download_links_choose_what_the_figures_show(client, known_letters):
    figures_refresh()
    client.force_login(UserFactory(role=MANAGER))

    # The dashboard has no status filter: a status typed into the address changes nothing on
    # the page, so it must not narrow the exports its links download either.
    page = client.get(reverse("dashboard"), {"segment": "foundation_model", "status": "bounced"})

    assert page.status_code == 200
    assert page.context["export_query"] == "segment=foundation_model"
    tiles = {t["key"]: t["value"] for t in page.context["page"].tiles}
    assert tiles["issued"] == 3


def test_bad_filters_are_refused_with_a_reason(client, known_letters):
    figures_refresh()
    client.force_login(UserFactory(role=MANAGER))

    page = client.get(reverse("dashboard"), {"since": "2026-12-01", "until": "2026-01-01"})

    assert page.status_code == 400
    assert "The start date is after the end date." in page.content.decode()


def test_labels_cannot_inject_markup(client, known_letters):
    campaign, _ = known_letters
    type(campaign).objects.filter(pk=campaign.pk).update(name='<script>alert("x")</script>')
    figures_refresh()
    client.force_login(UserFactory(role=MANAGER))

    html = client.get(reverse("dashboard")).content.decode()

    assert "<script>alert" not in html
    assert "&lt;script&gt;alert" in html


@pytest.mark.parametrize(
    "choice",
    [
        {},
        {"segment": "generative_music"},
        {"country": "US"},
        {"campaign": True},
        {"campaign": True, "segment": "foundation_model", "country": "US"},
        {"segment": "platform"},  # nothing sent there
    ],
)
def test_summaries_give_the_same_figures_as_summing_the_cells(known_letters, choice):
    """Without dates the dashboard reads the summaries; with a range that holds every letter it
    sums the cells. Both must say the same."""
    campaign, _ = known_letters
    make_campaign(companies=0, tag="other")  # a second campaign, with nothing sent
    figures_refresh()
    chosen = {**choice, "campaign": campaign if choice.get("campaign") else None}

    from_summaries = dashboard_figures(LetterFilter(**chosen))
    from_cells = dashboard_figures(LetterFilter(**chosen, since=date(2000, 1, 1)))

    for part in ("totals", "statuses", "outcomes", "reply_days", "reply_weeks"):
        assert dict(getattr(from_summaries, part)) == dict(getattr(from_cells, part)), part
    for part in ("by_segment", "by_country"):
        assert {k: dict(v) for k, v in getattr(from_summaries, part).items()} == {
            k: dict(v) for k, v in getattr(from_cells, part).items()
        }, part
    assert {k: (v["issued"], dict(v["days"])) for k, v in from_summaries.by_campaign.items()} == {
        k: (v["issued"], dict(v["days"])) for k, v in from_cells.by_campaign.items()
    }


def test_a_new_installation_is_told_the_figures_are_being_built_not_made_to_wait(
    client, known_letters, django_capture_on_commit_callbacks
):
    """The first build is the worker's job: the request only asks for it."""
    from warnings_app.models import FigureCell

    client.force_login(UserFactory(role=MANAGER))

    with django_capture_on_commit_callbacks() as asked:
        page = client.get(reverse("dashboard"))

    assert page.status_code == 200
    assert "being built for the first time" in page.content.decode()
    assert not FigureCell.objects.exists()
    assert len(asked) == 1  # the build task, published after the request's commit


def test_reading_the_figures_writes_nothing_and_enqueues_nothing(
    known_letters, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    with django_capture_on_commit_callbacks() as asked, django_assert_max_num_queries(20) as ran:
        dashboard_figures(LetterFilter())

    assert asked == []
    assert not [
        q for q in ran.captured_queries if not q["sql"].lstrip().upper().startswith("SELECT")
    ]
