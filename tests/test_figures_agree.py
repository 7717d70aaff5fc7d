"""One question, one number: on a varied register (seed_scale's 2,000 letters with reminders,
bounces, replies to letters and to reminders, replies matched only by domain, holds, overdue and
not, and a few letters outside any campaign: tests/figures_agree_helpers.py), every page that
says how many matters are overdue, or how many replies wait to be classified, says the same,
for the whole register and for each campaign. The rules live in warnings_app/domain/matters.py;
before they did, the work queue counted 5,521 overdue where the dashboard said 1,255."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from tests.api_helpers import api_client
from tests.figures_agree_helpers import EDGE_COMPANY, NOTICES, register_built
from tests.page_helpers import figure_shown, page_as
from warnings_app.domain.matters import overdue_matters
from warnings_app.models import Campaign, Notice, Response

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def built(django_db_setup, django_db_blocker):
    """The register (tests/figures_agree_helpers.py), built once for the module's tests."""
    with register_built(django_db_blocker):
        yield


@pytest.fixture
def register(built, client):
    return client


def _shown(html: str, attribute: str, key: str) -> int:
    return int(figure_shown(html, attribute, key).replace(",", ""))


def _outcome_view_count(client, campaign: Campaign, query: str = "") -> int:
    """How many letters the campaign's outcome view says it lists with the given filter."""
    url = reverse("campaign_outcomes", args=[campaign.pk]) + f"?{query}"
    found = re.search(r"([\d,]+) letters?\b", page_as(client, "agree-manager", url))
    assert found, "the outcome view should say how many letters it lists"
    return int(found.group(1).replace(",", ""))


def _outcome_view_overdue(client, campaign: Campaign) -> int:
    return _outcome_view_count(client, campaign, "overdue=1")


def test_the_data_set_has_every_kind_of_case_the_rules_distinguish(register):
    today = timezone.localdate()
    letters = Notice.objects.filter(ladder_step__isnull=True)

    assert Notice.objects.exclude(company__legal_name=EDGE_COMPANY).count() == NOTICES
    assert letters.count() >= NOTICES / 2
    assert Notice.objects.filter(ladder_step__isnull=False).exists()  # reminders
    assert letters.filter(status="bounced").exists()
    assert Response.objects.filter(notice__ladder_step__isnull=False, kind="reply").exists()
    assert Response.objects.filter(matched_by=Response.Match.DOMAIN).exists()
    assert Response.objects.filter(kind="reply", outcome="unclassified").exists()
    assert letters.filter(on_hold=True).count() == 20
    overdue = overdue_matters(today).count()
    assert 0 < overdue < letters.filter(due_date__lt=today).count()


def test_overdue_is_one_number_on_the_dashboard_the_queue_the_outcome_views_and_the_api(
    register,
):
    client = register
    campaigns = list(Campaign.objects.order_by("pk"))

    dashboard = _shown(page_as(client, "agree-manager", reverse("dashboard")), "tile", "overdue")
    queue = _shown(page_as(client, "agree-paralegal", reverse("work_queue")), "count", "overdue")
    per_campaign = {c.pk: _outcome_view_overdue(client, c) for c in campaigns}
    api = api_client(get_user_model().objects.get(username="agree-manager"))
    api_total = api.get("/api/v1/figures/").json()["totals"]["overdue"]

    assert dashboard > 0
    assert queue == dashboard
    assert api_total == dashboard
    without_campaign = overdue_matters(timezone.localdate()).filter(campaign__isnull=True)
    assert sum(per_campaign.values()) + without_campaign.count() == dashboard
    for campaign in campaigns[:5]:
        url = reverse("dashboard") + f"?campaign={campaign.pk}"
        tile = _shown(page_as(client, "agree-manager", url), "tile", "overdue")
        api_one = api.get(f"/api/v1/figures/?campaign={campaign.pk}").json()["totals"]
        assert tile == per_campaign[campaign.pk] == api_one.get("overdue", 0), campaign.name


def test_replies_to_classify_are_one_number_on_the_home_page_and_the_queue(register):
    client = register

    home = page_as(client, "agree-paralegal", reverse("home"))
    queue = _shown(
        page_as(client, "agree-paralegal", reverse("work_queue")), "count", "unclassified"
    )

    shown = re.search(r'data-todo="replies"><span class="todo-figure" data-count>([\d,]+)<', home)
    assert shown, "the home page should show the replies to classify"
    assert int(shown.group(1).replace(",", "")) == queue > 0


def test_issued_and_replied_per_campaign_agree_between_the_dashboard_and_the_outcome_view(
    register,
):
    client = register

    for campaign in Campaign.objects.order_by("pk")[:6]:
        dashboard = page_as(
            client, "agree-manager", reverse("dashboard") + f"?campaign={campaign.pk}"
        )
        letters = _outcome_view_count(client, campaign)
        unanswered = _outcome_view_count(client, campaign, "outcome=none")
        # The outcome view lists every first letter; the dashboard counts those that went out.
        never_sent = Notice.objects.filter(
            campaign=campaign, ladder_step__isnull=True, sent_at__isnull=True
        )
        statuses = set(never_sent.values_list("status", flat=True))
        listed_unsent = sum(_outcome_view_count(client, campaign, f"status={s}") for s in statuses)

        assert listed_unsent == never_sent.count(), campaign.name
        assert _shown(dashboard, "tile", "issued") == letters - listed_unsent, campaign.name
        assert _shown(dashboard, "tile", "replied") == letters - unanswered, campaign.name
