"""The campaign form that helps: two columns, the Channels label before its boxes, searchable
multi-selects that still post without JavaScript, and the live preview of who the recipient
fields select (and who is left out, and why) from the same rule the campaign uses."""

import re

import pytest
from django.urls import reverse

from tests.factories import CompanyFactory, LicenceFactory, PrincipalFactory, TemplateVersionFactory
from warnings_app.models import Campaign, Tag
from warnings_app.selectors.campaigns import campaign_recipients

pytestmark = pytest.mark.django_db


@pytest.fixture
def tagged():
    tag = Tag.objects.create(name="wave-9")
    sent_to = [CompanyFactory(legal_name=f"Open {i} Ltd", country="FR") for i in range(3)]
    licensed = LicenceFactory(company__legal_name="Licensed Co", company__country="FR").company
    held = CompanyFactory(
        legal_name="Held Co", country="FR", hold_automation=True, hold_reason="In talks"
    )
    CompanyFactory(legal_name="Elsewhere GmbH", country="DE")
    for company in [*sent_to, licensed, held]:
        company.tags.add(tag)
    return sent_to, licensed, held


def _preview(client, **params):
    return client.get(reverse("campaign_recipients_preview"), params)


def test_the_preview_counts_lists_and_explains_who_is_left_out(client_as, tagged):
    sent_to, _licensed, _held = tagged
    response = _preview(client_as("Legal"), tags="wave-9")
    html = response.content.decode()
    assert "<strong>3</strong> companies will get a letter; 2 left out." in html
    listed = re.findall(r"<li>([^<]+?) <small", html)
    assert listed == sorted(c.legal_name for c in sent_to)
    assert "Licensed Co: licensed: no warning letter" in html
    assert "Held Co: on hold: In talks" in html
    assert "Elsewhere GmbH" not in html


def test_the_preview_uses_the_campaigns_own_selection_rule(client_as, tagged):
    html = _preview(client_as("Legal"), countries=["FR", "DE"], segments=["platform"]).content
    included, excluded = campaign_recipients({"country": ["FR", "DE"], "segment": ["platform"]})
    assert f"<strong>{len(included)}</strong>".encode() in html
    for company in included:
        assert company.legal_name.encode() in html
    for company, reason in excluded:
        assert f"{company.legal_name}: {reason}".encode() in html


def test_the_preview_without_filters_asks_for_them_and_bad_input_is_explained(client_as):
    client = client_as("Legal")
    assert b"Choose a segment, country, tag or domains" in _preview(client).content
    response = _preview(client, tags="no-such-tag", domains="not a domain")
    assert response.status_code == 400
    assert b"Unknown tags: no-such-tag." in response.content
    assert b"Not domains: not a domain." in response.content


def test_the_preview_is_only_for_roles_that_create_campaigns(client_as, tagged):
    response = _preview(client_as("Manager"), tags="wave-9")
    assert response.status_code == 403
    assert b"Open 0 Ltd" not in response.content


def test_the_form_has_two_columns_and_channels_is_labelled_before_its_boxes(client_as):
    html = client_as("Legal").get(reverse("campaign_create")).content.decode()
    assert html.count('class="campaign-column"') == 2
    letter, recipients = html.split('id="recipients-heading"')
    assert 'name="template_version"' in letter
    assert 'name="countries"' in recipients
    channels = html.index("<legend>Channels</legend>")
    assert channels < html.index('name="channels"')
    for name in ("countries", "segments", "works"):
        assert re.search(rf'<select name="{name}"[^>]*data-filterable', html), name
    assert "warnings_app/js/select_filter.js" in html
    assert 'id="recipient-preview" aria-live="polite"' in html


def test_the_form_still_creates_a_campaign_without_javascript(client_as, tagged):
    version, principal = TemplateVersionFactory(), PrincipalFactory()
    response = client_as("Legal").post(
        reverse("campaign_create"),
        {
            "name": "Plain post",
            "template_version": version.pk,
            "principals": [principal.pk],
            "countries": ["FR"],
            "response_window_days": "15",
            "channels": ["email", "post"],
            "step-TOTAL_FORMS": "0",
            "step-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    campaign = Campaign.objects.get(name="Plain post")
    assert campaign.recipient_filter == {"country": ["FR"]}
    assert campaign.channels == ["email", "post"]


def test_a_refused_form_shows_the_preview_of_what_it_chose(client_as, tagged):
    response = client_as("Legal").post(
        reverse("campaign_create"),
        {"name": "", "tags": "wave-9", "step-TOTAL_FORMS": "0", "step-INITIAL_FORMS": "0"},
    )
    assert response.status_code == 400
    assert "<strong>3</strong> companies will get a letter" in response.content.decode()
    assert not Campaign.objects.exists()
