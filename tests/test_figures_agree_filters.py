"""One question, one answer, for every filter: on the varied register of test_figures_agree
(seed_scale's 2,000 letters with reminders, bounces, replies to letters and to reminders,
domain-only matches, holds, overdue and not, plus letters on each side of the rules' edges,
letters outside any campaign, bounce reports, out-of-office replies, a domain guess tied to a
letter, triage and a snoozed reply), for each filter below every page that
counts the chosen letters says what the rows say, or differs exactly as its label says: the
dashboard's tiles and chart tables (its rendered HTML), the figures API, the three CSV exports,
the campaigns' outcome views, and (unfiltered only: they have no filters) the home page and the
work queue. The expected numbers are worked out in tests/figures_agree_helpers.py from the rows,
in plain Python, from the business wording."""

import re
from collections import Counter
from datetime import timedelta

import pytest
from django.urls import reverse
from django_countries import countries

from tests.figures_agree_helpers import (
    OUTSIDE_COUNTRY,
    Choice,
    Expected,
    Rows,
    expected_figures,
    expected_rows,
    register_built,
    rows_read,
)
from tests.figures_pages_helpers import (
    Table,
    api_figures,
    csv_data_rows,
    dashboard_as_shown,
    number,
    outcome_view_count,
)
from tests.page_helpers import page_as
from warnings_app.models import Campaign, Company, Response
from warnings_app.models.lifecycle import NoticeStatus
from warnings_app.selectors.companies import home_figures

pytestmark = pytest.mark.django_db

CHOICES = [
    "everything", "one campaign", "one segment", "one country", "one status",
    "a sent-date range", "a segment sent since a day",
]  # fmt: skip
NO_STATUS = [name for name in CHOICES if name != "one status"]  # the dashboard and the API
NO_DATES = [name for name in CHOICES if "sent" not in name]  # the outcome view
FIGURES = ("issued", "delivered", "bounced", "replied", "replied_late", "resolved", "overdue")


@pytest.fixture(scope="module")
def register(django_db_setup, django_db_blocker):
    with register_built(django_db_blocker):
        yield rows_read()


def choice_named(rows: Rows, name: str) -> Choice:
    """The filters, chosen from the data so that each holds every kind of case."""
    firsts = sorted(m.sent_on for m in rows.letters.values() if m.first and m.sent_on)
    edges = {m.campaign for m in rows.letters.values() if m.company == rows.edge_company}
    return {
        "everything": Choice(name),
        "one campaign": Choice(name, campaign=next(c for c in edges if c)),
        "one segment": Choice(name, segment="voice_cloning"),
        "one country": Choice(name, country=OUTSIDE_COUNTRY),
        "one status": Choice(name, status="delivered"),
        "a sent-date range": Choice(
            name, since=firsts[len(firsts) * 2 // 5], until=firsts[len(firsts) * 3 // 5]
        ),
        "a segment sent since a day": Choice(
            name, segment="generative_music", since=rows.today - timedelta(days=90)
        ),
    }[name]


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _note(tile: dict[str, str]) -> tuple[float | None, int | None]:
    """A tile's note: "45.3% of issued", then "; 12 after the deadline" when there are any."""
    found = re.fullmatch(r"([\d.]+)% of issued(?:; (\d+) after the deadline)?", tile["note"])
    assert found, tile
    return float(found.group(1)), int(found.group(2)) if found.group(2) else None


def _cells(table: Table, heading: str) -> list:
    assert heading in table, f"no row {heading!r} in {sorted(table)}"
    return [number(cell) for cell in table[heading]]


def test_the_data_set_has_every_case_and_each_filter_splits_it(register):
    rows = register
    every = expected_figures(rows, Choice("everything"))
    dates = choice_named(rows, "a sent-date range")

    assert len(rows.letters) >= 2000
    assert all(every.totals[k] for k in ("bounced", "replied_late", "resolved"))
    assert 0 < len(every.overdue) < every.totals["issued"]
    assert every.issued_by_campaign[None] == 2  # sent outside any campaign
    assert every.steps_due_this_week > 0
    # On each side of the rules' edges (the edge cases' letters, in a campaign or outside):
    # (outside, due, overdue, replied, replied late).
    today, yesterday = rows.today, rows.today - timedelta(days=1)
    edges = [
        (
            m.campaign is None,
            m.due,
            m.pk in every.overdue,
            m.pk in every.replied,
            m.pk in every.late,
        )
        for m in every.matters
        if m.company == rows.edge_company
    ]
    assert sorted(edges) == [
        (False, yesterday, False, True, False),  # answered on the deadline day: not late
        (False, yesterday, True, False, False),  # a domain guess is no answer: overdue
        (False, today, False, False, False),  # due today: not overdue yet
        (True, today - timedelta(days=30), False, True, True),  # answered after the deadline
        (True, yesterday, True, False, False),  # a bounce report and an out-of-office only
    ]
    assert Counter(r["kind"] for r in rows.replies).keys() == {"reply", "bounce", "automatic"}
    assert any(r["matched_by"] == "domain" for r in rows.replies)
    assert any(r["snoozed_until"] for r in rows.replies)
    assert any(r["notice_id"] is None for r in rows.replies)
    # The date range splits matters from their reminders both ways, which the rule must settle:
    # a matter sent in it with a reminder sent after it, a reminder sent in it of an older one.
    reminders = [letter for letter in rows.letters.values() if letter.follows and letter.sent_on]
    assert any(
        dates.since <= rows.matter_of(r).sent_on <= dates.until < r.sent_on for r in reminders
    )
    assert any(
        rows.matter_of(r).sent_on < dates.since <= r.sent_on <= dates.until for r in reminders
    )
    for name in CHOICES[1:]:
        chosen = expected_figures(rows, choice_named(rows, name)).totals["issued"]
        assert 0 < chosen < every.totals["issued"] or name == "one status", name


@pytest.mark.parametrize("name", CHOICES)
def test_the_dashboards_tiles_and_tables_show_what_the_rows_say(register, client, name):
    rows = register
    choice = choice_named(rows, name)
    want = expected_figures(rows, choice)
    # The dashboard has no status filter (it shows every status side by side, in the funnel's
    # "Now ..." rows): for the status choice it is read unfiltered, and that row is the figure.
    query = {k: v for k, v in choice.query().items() if k != "status"}

    tiles, tables = dashboard_as_shown(client, query)

    t = want.totals
    shown = {key: number(tile["value"]) for key, tile in tiles.items()}
    assert shown == {
        "issued": t["issued"], "delivered": t["delivered"], "bounced": t["bounced"],
        "replied": t["replied"], "overdue": t["overdue"], "median_days": want.median_days,
        "steps_due": want.steps_due_this_week,
    }  # fmt: skip
    assert _note(tiles["delivered"]) == (_pct(t["delivered"], t["issued"]), None)
    assert _note(tiles["replied"]) == (_pct(t["replied"], t["issued"]), t["replied_late"] or None)
    _funnel_agrees(tables["funnel"], want)
    _replies_per_week_agree(tables["replies_per_week"], want)
    outcome_names, mix = dict(Response.Outcome.choices), tables["outcome_mix"]
    assert {k: _cells(mix, k) for k in mix if k} == {
        outcome_names[o]: [n, _pct(n, t["replied"])] for o, n in want.outcomes.items()
    }
    _groups_agree(tables["outcomes_by_segment"], want.by_segment, dict(Company.Segment.choices))
    _groups_agree(tables["outcomes_by_country"], want.by_country, dict(countries))
    _curves_agree(tables["response_curves"], want)
    # The trend comes from the end-of-day snapshots: a campaign filter applies to it, the
    # segment, jurisdiction and date filters do not (its note says so).
    trend_choice = Choice("trend", campaign=choice.campaign)
    tt = expected_figures(rows, trend_choice).totals
    assert tables["trend"] == {
        "": ["Issued", "Delivered", "Replied", "Resolved", "Overdue"],
        f"{rows.today:%-d %b %Y}": [
            str(tt[k]) for k in ("issued", "delivered", "replied", "resolved", "overdue")
        ],
    }


def _funnel_agrees(funnel: Table, want: Expected) -> None:
    t = want.totals
    stages = {"Issued": "issued", "Delivered": "delivered", "Replied": "replied"}
    for heading, key in {**stages, "Resolved or closed": "resolved"}.items():
        assert _cells(funnel, heading) == [t[key], _pct(t[key], t["issued"])], heading
    now = {
        f"Now {NoticeStatus(s).label.lower()}": [n, _pct(n, t["issued"])]
        for s, n in want.statuses.items()
    }
    assert {k: _cells(funnel, k) for k in funnel if k.startswith("Now ")} == now


def _replies_per_week_agree(table: Table, want: Expected) -> None:
    """Every answer counts in the week it came; the chart shows the last 26 weeks with replies
    at most (its note), so the weeks before that are left out and empty weeks between shown."""
    if not want.reply_weeks:
        assert set(table) == {""}
        return
    last = max(want.reply_weeks)
    first = max(min(want.reply_weeks), last - timedelta(weeks=25))
    weeks = [first + timedelta(weeks=n) for n in range((last - first).days // 7 + 1)]
    assert {k: v for k, v in table.items() if k} == {
        f"{week:%-d %b %Y}": [str(want.reply_weeks[week])] for week in weeks
    }


def _groups_agree(table: Table, groups: dict[str, Counter], names: dict[str, str]) -> None:
    headers = table[""]
    outcome_codes = {label: code for code, label in Response.Outcome.choices}
    for code, group in groups.items():
        cells = dict(zip(headers, _cells(table, names.get(code, code)), strict=True))
        assert cells.pop("Issued") == group["issued"], code
        assert cells.pop("Replied") == group["replied"], code
        assert cells.pop("% replied") == _pct(group["replied"], group["issued"]), code
        assert cells == {label: group[outcome_codes[label]] for label in cells}, code
    assert len(table) - 1 == len(groups)


def _curves_agree(table: Table, want: Expected) -> None:
    """Per campaign: letters issued, and the share of them whose first answer came within 5,
    10, ... 60 business days of sending."""
    names = dict(Campaign.objects.values_list("pk", "name"))
    days = [int(h.removeprefix("Day ")) for h in table[""][1:]]
    assert days == [5, 10, 15, 20, 30, 45, 60]
    expected = {}
    for campaign, issued in want.issued_by_campaign.items():
        took = want.by_campaign.get(campaign, [])
        shares = [_pct(sum(1 for n in took if n <= d), issued) for d in days]
        expected[names.get(campaign, "Letters outside campaigns")] = [issued, *shares]
    assert {k: _cells(table, k) for k in table if k} == expected


@pytest.mark.parametrize("name", NO_STATUS)
def test_the_api_gives_the_figures_the_rows_say_for_the_same_filters(register, name):
    rows = register
    choice = choice_named(rows, name)
    want = expected_figures(rows, choice)

    api = api_figures(choice.query())

    t = want.totals
    assert api["totals"] == {k: t[k] for k in FIGURES}
    assert api["statuses"] == dict(want.statuses)
    assert api["outcomes"] == dict(want.outcomes)
    assert api["median_days_to_reply"] == want.median_days
    assert api["steps_due_this_week"] == want.steps_due_this_week
    assert api["percent"]["overdue"] == _pct(t["overdue"], t["issued"])
    assert api["reply_days"] == {str(d): n for d, n in sorted(Counter(want.reply_days).items())}
    for key, groups in (("by_segment", want.by_segment), ("by_country", want.by_country)):
        assert api[key] == {code: dict(group) for code, group in groups.items()}, key
    assert {c["campaign"]: c["issued"] for c in api["by_campaign"]} == want.issued_by_campaign


@pytest.mark.parametrize("name", CHOICES)
def test_the_exports_hold_the_rows_behind_the_figures(register, client, name):
    rows = register
    choice = choice_named(rows, name)
    want, counts = expected_figures(rows, choice), expected_rows(rows, choice)

    notices = csv_data_rows(client, "notices", choice.query())
    deliveries = csv_data_rows(client, "deliveries", choice.query())
    replies = csv_data_rows(client, "replies", choice.query())

    assert (len(notices), len(deliveries), len(replies)) == (
        counts["notices"], counts["deliveries"], counts["replies"],
    )  # fmt: skip
    if choice.status:
        # The exports filter by the letter's own status, first letters and reminders alike;
        # the dashboard's "Now delivered" counts the first letters among them that went out.
        by_reference = {m.reference: m for m in rows.letters.values()}
        firsts = [r for r in notices if by_reference[r["Reference"]].first and r["Sent"]]
        assert {r["Status"] for r in notices} == {NoticeStatus(choice.status).label}
        assert len(firsts) == want.statuses[choice.status]
        return
    # "Download the rows behind these figures": the first letters that went out among the
    # exported notices are the letters issued, and their deliveries give the delivered and
    # bounced tiles. The rest are reminders (they count with their first letter) and, without
    # dates, letters never sent.
    matters = {m.reference for m in want.matters}
    sent = {r["Reference"] for r in notices if r["Sent"]}
    assert matters <= sent
    assert len(matters) == want.totals["issued"]
    outcomes: dict[str, set[str]] = {}
    for row in deliveries:
        if row["Reference"] in matters:
            outcomes.setdefault(row["Reference"], set()).add(row["Outcome"])
    assert sum("Accepted" in o for o in outcomes.values()) == want.totals["delivered"]
    bounced = sum("Bounced" in o and "Accepted" not in o for o in outcomes.values())
    assert bounced == want.totals["bounced"]
    # Each reply exported is tied to an exported letter (with no filter, triage's are there too).
    references = {r["Reference"] for r in notices} | ({""} if not choice.anything else set())
    assert {r["Reference"] for r in replies} <= references


@pytest.mark.parametrize("name", NO_DATES)
def test_the_outcome_views_list_the_first_letters_the_dashboard_counts(register, client, name):
    """The outcome view is per campaign, with segment, jurisdiction and status filters and no
    dates; it lists every first letter, the dashboard those that went out."""
    rows = register
    choice = choice_named(rows, name)
    want = expected_figures(rows, choice)
    listed = [
        m for m in rows.letters.values() if m.first and m.campaign and choice.chooses(rows, m)
    ]
    outside = [m for m in want.matters if m.campaign is None]
    query = {"segment": choice.segment, "jurisdiction": choice.country, "status": choice.status}
    query = {k: v for k, v in query.items() if v}
    campaigns = sorted({m.campaign for m in listed})  # a jurisdiction must be one written to

    def count(extra: dict[str, str]) -> int:
        return sum(outcome_view_count(client, c, query | extra) for c in campaigns)

    shown, unanswered, overdue = count({}), count({"outcome": "none"}), count({"overdue": "1"})

    never_sent = sum(1 for m in listed if m.sent_on is None)
    replied_outside = sum(1 for m in outside if m.pk in want.replied)
    assert shown == len(listed)
    if choice.status:  # the dashboard's "Now delivered" (its funnel) has the outside ones too
        assert (
            shown + sum(m.status == choice.status for m in outside) == want.statuses[choice.status]
        )
        return
    assert shown - never_sent + len(outside) == want.totals["issued"]
    assert shown - unanswered + replied_outside == want.totals["replied"]
    assert overdue + sum(m.pk in want.overdue for m in outside) == want.totals["overdue"]


def test_the_home_page_and_the_work_queue_agree_with_the_unfiltered_figures(register, client):
    """Neither has filters: they are compared with the whole register only."""
    rows = register
    want = expected_figures(rows, Choice("everything"))
    statuses = Counter(letter.status for letter in rows.letters.values())

    home = page_as(client, "agree-paralegal", reverse("home"))
    queue_page = page_as(client, "agree-paralegal", reverse("work_queue"))
    tiles, tables = dashboard_as_shown(client, {})
    exported = csv_data_rows(client, "notices", {})

    on_home = {
        key: number(figure)
        for key, figure in re.findall(
            r'data-todo="(\w+)"><span class="todo-figure" data-count>([^<]*)<', home
        )
    }
    register_size = re.search(r"The register: ([\d,]+) companies, ([\d,]+) notices", home)
    queue = {k: number(n) for k, n in re.findall(r'data-count="(\w+)">([^<]*)<', queue_page)}

    def awake(reply: dict) -> bool:
        return reply["snoozed_until"] is None or reply["snoozed_until"] <= rows.today

    replies = [r for r in rows.replies if r["kind"] == "reply" and awake(r)]
    to_classify = sum(1 for r in replies if r["notice_id"] and r["outcome"] == "unclassified")
    monday = rows.today - timedelta(days=rows.today.weekday())
    due_week = sum(
        m.first
        and m.status in {"sent", "delivered", "bounced"}
        and m.due is not None
        and monday <= m.due <= monday + timedelta(days=6)
        and m.pk not in want.replied
        for m in rows.letters.values()
    )
    # every letter: reminders and letters never sent too
    assert (number(register_size[1]), number(register_size[2])) == (
        rows.companies,
        len(rows.letters),
    )
    assert on_home == {
        "my_replies": 0,  # nobody is assigned a reply in this register
        "replies": to_classify,
        "triage": sum(1 for r in replies if r["notice_id"] is None),
        "bounces": statuses["bounced"],
        "deadlines": due_week,
        # This register has no licence talks and no licences (tests/test_licence_figures.py and
        # test_home_todos.py count those).
        "talks_due": 0,
        "licence_reminders": 0,
    }
    assert queue == {
        "triage": sum(1 for r in replies if r["notice_id"] is None),
        "unclassified": to_classify,
        "bounced": statuses["bounced"],
        "failed": statuses["failed"],
        "reconciliation": statuses["needs_reconciliation"],
        "to_approve": sum(m.first and m.status == "rendered" for m in rows.letters.values()),
        "approval": sum(not m.first and m.status == "rendered" for m in rows.letters.values()),
        "overdue": len(want.overdue),
        "due_week": due_week,
    }
    figures = home_figures()
    assert (figures["notices"], figures["notices_by_status"]) == (len(exported), statuses)
    assert figures["unclassified_replies"] == to_classify
    # As the labels say: the queue's overdue is "the dashboard's overdue figure"; its bounced
    # section lists every letter the server returned, reminders included, where the funnel's
    # "Now bounced" counts the first letters (a bounced letter has gone out).
    assert queue["overdue"] == number(tiles["overdue"]["value"])
    bounced_reminders = sum(not m.first and m.status == "bounced" for m in rows.letters.values())
    assert queue["bounced"] == _cells(tables["funnel"], "Now bounced")[0] + bounced_reminders
