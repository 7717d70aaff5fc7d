"""The work queue leads: it opens where the work is, narrows a section by mine, age, deadline,
campaign and a search, goes on to the next reply after a save, never records an outcome nobody
chose, and asks before classifying many replies at once."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import TemplateVersionFactory, UserFactory, make_notice
from warnings_app.domain.matters import due_this_week, week_of
from warnings_app.models import Campaign, Notice, Response

pytestmark = pytest.mark.django_db


def _letter(due, campaign=None, status="sent"):
    notice = make_notice(campaign=campaign) if campaign else make_notice()
    Notice.objects.filter(pk=notice.pk).update(
        status=status,
        sent_at=timezone.now() - timedelta(days=20),
        due_date=due,
        approved_by=UserFactory(role="Legal"),
        approved_at=timezone.now() - timedelta(days=21),
    )
    return Notice.objects.get(pk=notice.pk)


def _reply(notice, *, days_ago=1, **fields):
    return Response.objects.create(
        channel="email",
        kind="reply",
        matched_by="reference",
        notice=notice,
        company=notice.company,
        received_at=timezone.now() - timedelta(days=days_ago),
        **fields,
    )


def _listed(html: str) -> list[int]:
    """The ids of the replies the queue page lists, in order."""
    return [int(pk) for pk in re.findall(r'name="ids" value="(\d+)"', html)]


@pytest.fixture
def paralegal():
    return UserFactory(role="Paralegal", username="pat")


@pytest.fixture
def replies(paralegal):
    today = timezone.localdate()
    campaign = Campaign.objects.create(
        name="Spring chase", template_version=TemplateVersionFactory(), created_by=paralegal
    )
    in_campaign = _letter(today - timedelta(days=3), campaign=campaign)
    elsewhere = _letter(today + timedelta(days=40))
    return {
        "old_mine": _reply(in_campaign, days_ago=10, subject="Old", assigned_to=paralegal),
        "new_mine": _reply(elsewhere, days_ago=1, subject="New", assigned_to=paralegal),
        "theirs": _reply(elsewhere, days_ago=5, subject="Acme lawyers write"),
        "campaign": campaign,
    }


def test_the_queue_opens_on_the_first_section_with_something_in_it(client, paralegal, replies):
    client.force_login(paralegal)

    page = client.get(reverse("work_queue")).content.decode()

    assert "<h2>Unclassified replies</h2>" in page  # triage is empty
    assert sorted(_listed(page)) == sorted(r.pk for k, r in replies.items() if k != "campaign")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"mine": "1"}, ["old_mine", "new_mine"]),
        ({"age": "7"}, ["old_mine"]),
        ({"age": "2"}, ["old_mine", "theirs"]),
        ({"deadline": "passed"}, ["old_mine"]),
        ({"campaign": "?"}, ["old_mine"]),
        ({"q": "acme"}, ["theirs"]),
        ({"mine": "1", "age": "2"}, ["old_mine"]),
    ],
)
def test_each_filter_narrows_the_section_and_its_count(client, paralegal, replies, query, expected):
    client.force_login(paralegal)
    if query.get("campaign"):
        query["campaign"] = str(replies["campaign"].pk)

    page = client.get(reverse("work_queue"), {"section": "unclassified", **query})
    html = page.content.decode()

    assert _listed(html) == [replies[k].pk for k in expected]  # oldest first
    assert re.search(r'data-count="unclassified">(\d+)<', html).group(1) == str(len(expected))
    assert f'data-testid="row-count"><strong>{len(expected)}</strong>' in html


def test_deadlines_this_week_are_open_unanswered_matters_due_monday_to_sunday():
    today = timezone.localdate()
    monday, sunday = week_of(today)
    due = [_letter(monday), _letter(sunday), _letter(sunday + timedelta(days=1))]
    answered = _letter(sunday)
    _reply(answered)
    _letter(monday, status="resolved")

    assert list(due_this_week(today)) == due[:2]


def test_save_and_next_classifies_and_opens_the_next_reply_of_the_same_filter(
    client, paralegal, replies
):
    client.force_login(paralegal)
    queue = "section=unclassified&mine=1"
    first = client.get(f"{reverse('reply_detail', args=[replies['old_mine'].pk])}?queue=mine%3D1")
    assert "Save and next" not in first.content.decode()  # no section: no queue to go on in

    page = client.get(reverse("reply_detail", args=[replies["old_mine"].pk]), {"queue": queue})
    assert 'data-testid="save-next"' in page.content.decode()
    assert '<option value="" selected>Choose the outcome…</option>' in page.content.decode()

    saved = client.post(
        reverse("reply_classify", args=[replies["old_mine"].pk]),
        {"outcome": "complied", "queue": queue, "then": "next"},
    )
    assert saved.status_code == 302
    assert saved.url == (
        f"{reverse('reply_detail', args=[replies['new_mine'].pk])}?queue=section%3Dunclassified"
        "%26mine%3D1"
    )
    replies["old_mine"].refresh_from_db()
    assert replies["old_mine"].outcome == "complied"

    last = client.post(
        reverse("reply_classify", args=[replies["new_mine"].pk]),
        {"outcome": "disputes", "queue": queue, "then": "next"},
    )
    assert last.url == f"{reverse('work_queue')}?{queue}"  # "theirs" is not mine: done


def test_saving_without_choosing_an_outcome_is_refused_and_changes_nothing(
    client, paralegal, replies
):
    client.force_login(paralegal)
    reply = replies["theirs"]

    answer = client.post(
        reverse("reply_classify", args=[reply.pk]),
        {"outcome": "", "queue": "section=unclassified", "then": "next"},
        follow=True,
    )

    reply.refresh_from_db()
    assert reply.outcome == "unclassified"
    assert "Nothing was changed: Choose the outcome." in answer.content.decode()
    assert answer.redirect_chain[-1][0].startswith(reverse("reply_detail", args=[reply.pk]))


def test_bulk_classify_asks_first_stating_the_count_and_changes_nothing_until_confirmed(
    client, paralegal, replies
):
    client.force_login(paralegal)
    chosen = [replies["old_mine"].pk, replies["theirs"].pk]
    posted = {"action": "classify", "outcome": "complied", "ids": chosen}
    posted |= {"section": "unclassified", "mine": "1"}

    asked = client.post(reverse("work_queue_act"), posted)

    html = asked.content.decode()
    assert asked.status_code == 200
    assert "Classify 2 replies as “Complied / confirmed no use”?" in html
    assert '<input type="hidden" name="confirmed" value="2">' in html
    assert Response.objects.filter(pk__in=chosen, outcome="unclassified").count() == 2

    wrong = client.post(reverse("work_queue_act"), {**posted, "confirmed": "1"})
    assert wrong.status_code == 200  # a count that is not the one chosen asks again
    assert Response.objects.filter(pk__in=chosen, outcome="unclassified").count() == 2

    done = client.post(reverse("work_queue_act"), {**posted, "confirmed": "2"})
    assert done.url == f"{reverse('work_queue')}?section=unclassified&mine=1"
    assert Response.objects.filter(pk__in=chosen, outcome="complied").count() == 2


def test_assign_to_me_and_no_preselected_action(client, paralegal, replies):
    client.force_login(paralegal)
    page = client.get(reverse("work_queue"), {"section": "unclassified"}).content.decode()
    assert '<select id="action" name="action" required><option value="">Choose' in page
    assert 'data-for="classify"' in page
    assert "data-choose-all" in page

    nothing = client.post(reverse("work_queue_act"), {"ids": [replies["theirs"].pk]}, follow=True)
    assert "Nothing was changed: Choose an action." in nothing.content.decode()

    client.post(
        reverse("work_queue_act"),
        {"action": "assign_me", "ids": [replies["theirs"].pk], "section": "unclassified"},
    )
    replies["theirs"].refresh_from_db()
    assert replies["theirs"].assigned_to == paralegal


def test_filters_that_make_no_sense_are_ignored_not_errors(client, paralegal, replies):
    client.force_login(paralegal)

    page = client.get(
        reverse("work_queue"),
        {"section": "nope", "age": "x", "deadline": "<b>", "campaign": "1; drop", "mine": "yes"},
    )

    assert page.status_code == 200
    assert len(_listed(page.content.decode())) == 3
