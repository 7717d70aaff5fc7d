"""Build a campaign over a few companies, the way the legal team would."""

from tests.factories import (
    CompanyFactory,
    ContactFactory,
    PrincipalFactory,
    TemplateVersionFactory,
    UserFactory,
    WorkFactory,
)
from warnings_app.services.campaigns import campaign_create
from warnings_demo import demo_data


def company_with_contact(**kwargs):
    company = CompanyFactory(**kwargs)
    ContactFactory(company=company, address_line1="1 Main St", city="Berlin", country="DE")
    return company


def make_campaign(*, companies: int = 4, tag: str = "wave-1", steps=None, author=None):
    from warnings_app.models import Tag

    tagged = Tag.objects.get_or_create(name=tag)[0]
    for _ in range(companies):
        company_with_contact().tags.add(tagged)
    principal = PrincipalFactory(signatory_name="Harriet Vale", signatory_title="General Counsel")
    initial = TemplateVersionFactory(subject="Reservation of rights", body=demo_data.INITIAL_NOTICE)
    reminder = TemplateVersionFactory(subject="Reminder", body=demo_data.REMINDER)
    if steps is None:
        steps = [
            {
                "name": "Reminder",
                "offset_business_days": 10,
                "template_version": reminder,
                "channels": ["email"],
                "requires_approval": False,
            }
        ]
    return campaign_create(
        by=author or UserFactory(role="Legal"),
        name=f"Campaign {tag}",
        template_version=initial,
        principals=[principal],
        works=[WorkFactory(principal=principal) for _ in range(3)],
        recipient_filter={"tags": [tag]},
        response_window_days=15,
        channels=["email"],
        steps=steps,
    )


def sent_campaign(**kwargs):
    """A campaign whose letters were generated, approved by a second lawyer and delivered to the
    SMTP server the test set up (the smtp_server fixture)."""
    from warnings_app.models import Notice
    from warnings_app.services.campaigns import campaign_approve, campaign_generate, campaign_send
    from warnings_app.services.delivery.send import notice_deliver
    from warnings_app.tasks import render_notice_task

    campaign = make_campaign(**kwargs)
    campaign_generate(campaign=campaign, by=campaign.created_by)
    for notice in Notice.objects.filter(campaign=campaign):
        render_notice_task(notice.pk)
    campaign_approve(campaign=campaign, by=UserFactory(role="Legal"))
    campaign_send(campaign=campaign, by=campaign.created_by)
    for notice in Notice.objects.filter(campaign=campaign):
        notice_deliver(notice_id=notice.pk, worker="w1")
    campaign.refresh_from_db()
    return campaign


def sent_notices(companies: int = 2):
    from warnings_app.models import Notice

    return list(Notice.objects.filter(campaign=sent_campaign(companies=companies)).order_by("pk"))
