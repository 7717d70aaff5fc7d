import pytest
from django.urls import reverse

from tests.campaign_helpers import company_with_contact
from tests.factories import (
    LicenceFactory,
    PrincipalFactory,
    TemplateVersionFactory,
    UserFactory,
    WorkFactory,
)
from warnings_app.models import Campaign, Notice, Tag
from warnings_app.services import notice_render
from warnings_app.tasks import render_notice_task

pytestmark = pytest.mark.django_db


def test_a_lawyer_creates_a_campaign_with_a_ladder_and_sees_who_is_left_out(client):
    wave = Tag.objects.create(name="wave-2")
    for _ in range(3):
        company_with_contact().tags.add(wave)
    licensed = company_with_contact(legal_name="Licensed Co")
    LicenceFactory(company=licensed)
    licensed.tags.add(wave)
    initial, reminder = TemplateVersionFactory(), TemplateVersionFactory()
    principal = PrincipalFactory()
    work = WorkFactory(principal=principal)
    client.force_login(UserFactory(role="Legal"))

    response = client.post(
        reverse("campaign_create"),
        {
            "name": "Wave 2",
            "template_version": initial.pk,
            "principals": [principal.pk],
            "works": [work.pk],
            "tags": "wave-2",
            "response_window_days": 15,
            "channels": ["email"],
            "step-TOTAL_FORMS": 3,
            "step-INITIAL_FORMS": 0,
            "step-0-name": "Reminder",
            "step-0-offset_business_days": 10,
            "step-0-action": "letter",
            "step-0-template_version": reminder.pk,
            "step-0-channels": ["email"],
            "step-1-action": "letter",
            "step-2-action": "letter",
        },
    )

    campaign = Campaign.objects.get(name="Wave 2")
    assert response.status_code == 302
    assert list(campaign.steps.values_list("name", "offset_business_days")) == [("Reminder", 10)]
    page = client.get(reverse("campaign_detail", args=[campaign.pk])).content.decode()
    assert "3 companies will receive a letter" in page
    assert "Licensed Co</a> — licensed: no warning letter" in page


def test_campaign_form_errors_keep_the_input(client):
    client.force_login(UserFactory(role="Legal"))

    response = client.post(
        reverse("campaign_create"),
        {
            "name": "No recipients",
            "template_version": TemplateVersionFactory().pk,
            "principals": [PrincipalFactory().pk],
            "response_window_days": 15,
            "channels": ["email"],
            "domains": "nowhere.example",
            "step-TOTAL_FORMS": 3,
            "step-INITIAL_FORMS": 0,
            "step-0-action": "letter",
            "step-1-action": "letter",
            "step-2-action": "letter",
        },
    )

    assert response.status_code == 400
    assert "Not in the register: nowhere.example" in response.content.decode()
    assert response.context["form"]["name"].value() == "No recipients"
    assert not Campaign.objects.exists()


def test_the_progress_endpoint_reports_what_the_database_says(client):
    from tests.campaign_helpers import make_campaign
    from warnings_app.services.campaigns import campaign_generate

    campaign = make_campaign(companies=3)
    campaign_generate(campaign=campaign, by=campaign.created_by)
    first = Notice.objects.filter(campaign=campaign).first()
    render_notice_task(first.pk)
    client.force_login(UserFactory(role="Manager"))

    data = client.get(reverse("campaign_progress", args=[campaign.pk])).json()

    assert (data["done"], data["remaining"], data["total"]) == (1, 2, 3)
    assert data["status"] == "generating"


def test_the_notice_page_explains_its_deadline(client):
    from tests.letters_helpers import notice_with_schedule

    notice = notice_render(notice=notice_with_schedule(), by=None)
    client.force_login(UserFactory(role="Paralegal"))

    page = client.get(reverse("notice_detail", args=[notice.pk])).content.decode()

    assert notice.due_date_explanation in page
    assert "15 business days from" in notice.due_date_explanation
    assert notice.pdf_sha256 in page
