"""Every number on the home page is a link to exactly the rows it counts: for each role, on the
varied register of tests/figures_agree_helpers.py (seed_scale's 2,000 letters with bounces,
failures, replies to letters and to reminders, domain-only matches, holds, overdue and not),
with some replies assigned to the paralegal and some letters waiting for approval, each figure
equals the number of rows its link lists, page after page."""

import html
import re

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from tests.factories import UserFactory, make_notice
from tests.figures_agree_helpers import register_built
from tests.page_helpers import figure_shown, page_as
from warnings_app.domain.matters import due_this_week, overdue_matters, replies_to_classify
from warnings_app.models import Notice, Response

pytestmark = pytest.mark.django_db

ROLES = {"Legal": "agree-legal", "Paralegal": "agree-paralegal", "Manager": "agree-manager"}


@pytest.fixture(scope="module")
def built(django_db_setup, django_db_blocker):
    """The register, plus what it lacks for the home page: replies assigned to the paralegal,
    letters rendered and waiting for approval, a failure and one due later this week."""
    with register_built(django_db_blocker), django_db_blocker.unblock():
        legal = UserFactory(username="agree-legal", role="Legal")
        paralegal = get_user_model().objects.get(username="agree-paralegal")
        mine = replies_to_classify().order_by("pk").values_list("pk", flat=True)[:7]
        Response.objects.filter(pk__in=list(mine)).update(assigned_to=paralegal)
        for _ in range(3):
            letter = make_notice()
            Notice.objects.filter(pk=letter.pk).update(status="rendered")
        failed = make_notice()
        Notice.objects.filter(pk=failed.pk).update(
            status="failed", problem="550 no such user", approved_by=legal
        )
        yield


def _todos(page: str) -> dict[str, tuple[int, str]]:
    """{key: (number shown, link)} of the home page's to-do items."""
    found = re.findall(
        r'<a href="([^"]+)" data-todo="(\w+)"><span class="todo-figure" data-count>(\d+)</span>',
        page,
    )
    return {key: (int(n), html.unescape(url)) for url, key, n in found}


def _rows_listed(client, username: str, url: str) -> int:
    """The rows the queue lists at `url`, following its pages to the end."""
    total, page = 0, 1
    while True:
        body = page_as(client, username, f"{url}&page={page}")
        table = body[body.index("<tbody>") : body.index("</tbody>")]
        total += table.count("<tr>") - table.count("Nothing here.")
        if 'rel="next"' not in body:
            return total
        page += 1


@pytest.mark.parametrize("role", list(ROLES))
def test_every_number_on_the_home_page_is_the_count_of_the_rows_it_links_to(built, client, role):
    username = ROLES[role]

    todos = _todos(page_as(client, username, "/"))

    assert len(todos) >= 4, todos
    assert sum(n for n, _ in todos.values()) > 0
    for key, (shown, url) in todos.items():
        listed = _rows_listed(client, username, url)
        assert listed == shown, f"{role}: {key} says {shown}, its page lists {listed}"
        section = re.search(r"section=(\w+)", url).group(1)
        queue = page_as(client, username, url)
        assert int(figure_shown(queue, "count", section)) == shown, key


def test_the_figures_are_the_named_rules_and_mine_comes_first(built, client):
    today = timezone.localdate()

    paralegal = _todos(page_as(client, "agree-paralegal", "/"))
    manager = _todos(page_as(client, "agree-manager", "/"))
    legal = _todos(page_as(client, "agree-legal", "/"))

    assert next(iter(paralegal)) == "my_replies"
    assert paralegal["my_replies"][0] == 7
    awake = replies_to_classify().exclude(snoozed_until__gt=today)
    assert paralegal["replies"][0] == awake.count() > 7
    assert paralegal["deadlines"][0] == due_this_week(today).count()
    assert paralegal["bounces"][0] == Notice.objects.filter(status="bounced").count() > 0
    assert manager["overdue"][0] == overdue_matters(today).count() > 0
    assert legal["letters_to_approve"][0] == 3
    assert legal["failures"][0] == Notice.objects.filter(status="failed").count() > 0
    dashboard = figure_shown(page_as(client, "agree-manager", "/dashboard/"), "tile", "overdue")
    assert int(dashboard.replace(",", "")) == manager["overdue"][0]
