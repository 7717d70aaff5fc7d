"""The outcome view's Export: the rows the view lists with its filters and order, in words and
typed cells, for the roles that may export, audited."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from tests.factories import UserFactory
from tests.outcome_helpers import add_reply, sent_campaign
from warnings_app.domain.roles import LEGAL, MANAGER, PARALEGAL
from warnings_app.models import AuditEvent, Notice

pytestmark = pytest.mark.django_db


def _sheet(response):
    sheet = load_workbook(io.BytesIO(response.content)).active
    return sheet, [[cell.value for cell in row] for row in sheet.iter_rows()]


def test_the_export_holds_the_filtered_rows_in_the_views_order(client):
    campaign, notices = sent_campaign(companies=4)
    add_reply(notices[0], outcome="complied")
    overdue = notices[1]
    Notice.objects.filter(pk=overdue.pk).update(due_date=timezone.localdate() - timedelta(days=3))
    client.force_login(UserFactory(role=MANAGER))
    url = reverse("campaign_outcomes_export", args=[campaign.pk])

    everything = client.get(url, {"format": "xlsx", "sort": "-reference"})
    unanswered = client.get(url, {"format": "csv", "outcome": "none"})

    sheet, rows = _sheet(everything)
    header = rows[0]
    assert header[:5] == ["Reference", "Company", "Country", "Segment", "Status"]
    assert [r[0] for r in rows[1:]] == sorted((n.reference for n in notices), reverse=True)
    assert sheet.freeze_panes == "A2"
    by_reference = {r[0]: dict(zip(header, r, strict=True)) for r in rows[1:]}
    answered = by_reference[notices[0].reference]
    assert answered["Outcome"] == "Complied / confirmed no use"
    assert answered["Status"] == "Resolved"  # complied: the matter is resolved
    late = by_reference[overdue.reference]
    assert (late["Overdue"], late["Days past due"]) == ("Yes", 3)
    assert isinstance(late["Days past due"], int)
    assert late["Reply due"].date() == timezone.localdate() - timedelta(days=3)
    text = list(csv.reader(io.StringIO(unanswered.content.decode("utf-8-sig"), newline="")))
    assert {r[0] for r in text[1:]} == {n.reference for n in notices[1:]}
    event = AuditEvent.objects.filter(verb="export.downloaded").latest("pk")
    assert event.data == {
        "kind": "outcomes",
        "format": "csv",
        "filters": {"outcome": "none"},
        "rows": 3,
    }


def test_the_view_offers_the_export_with_its_filters_to_those_who_may_export(client):
    campaign, _ = sent_campaign(companies=2)
    page = reverse("campaign_outcomes", args=[campaign.pk])

    client.force_login(UserFactory(role=MANAGER))
    shown = client.get(page, {"outcome": "none", "sort": "company"}).content.decode()
    client.force_login(UserFactory(role=PARALEGAL))
    hidden = client.get(page).content.decode()
    refused = client.get(reverse("campaign_outcomes_export", args=[campaign.pk]))

    export = reverse("campaign_outcomes_export", args=[campaign.pk])
    assert f'href="{export}?format=xlsx&amp;outcome=none&amp;sort=company"' in shown
    assert 'data-testid="outcome-export"' not in hidden
    assert refused.status_code == 403


def test_a_bad_format_or_filter_is_refused_with_a_page_and_nothing_is_audited(client):
    campaign, _ = sent_campaign(companies=1)
    client.force_login(UserFactory(role=LEGAL))
    url = reverse("campaign_outcomes_export", args=[campaign.pk])

    bad_format = client.get(url, {"format": "pdf"})
    bad_filter = client.get(url, {"status": "nonsense"})

    assert bad_format.status_code == bad_filter.status_code == 400
    assert "The export was not made" in bad_filter.content.decode()
    assert "Status:" in bad_filter.content.decode()
    assert not AuditEvent.objects.filter(verb="export.downloaded").exists()
