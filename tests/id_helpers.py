"""Values that cannot be ids, the answer they get, and the snapshot that proves a refused
request changed nothing (tests/test_oversized_ids.py and tests/test_oversized_ids_api.py)."""

from django.apps import apps

from warnings_app.forms.ids import MAX_ID
from warnings_app.models import Campaign, Notice, Response
from warnings_app.services.campaigns import campaign_generate

PAST_BIGINT = MAX_ID + 1  # 9223372036854775808, the first number no id column can hold
HUGE = 2**64
THOUSANDS_OF_DIGITS = "9" * 5000  # int() itself refuses this many digits
RULE = "is not an id: ids are whole numbers from 1 to 9223372036854775807."


def refusal(value) -> str:
    text = str(value)
    return f"“{text if len(text) <= 24 else text[:24] + '…'}” {RULE}"


def everything() -> dict:
    """What a refused request must leave as it was: the rows of every table of the app (every
    change is audited, so the audit trail's length covers updates too) and each letter's and
    reply's state."""
    counts = {
        model._meta.label: model.objects.count()
        for model in apps.get_app_config("warnings_app").get_models()
    }
    return {
        **counts,
        "notices": list(Notice.objects.order_by("pk").values_list("pk", "status", "on_hold")),
        "replies": list(
            Response.objects.order_by("pk").values_list("pk", "outcome", "assigned_to_id")
        ),
    }


def messages_of(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


def rendered_letters(campaign: Campaign) -> list[Notice]:
    """The campaign's letters rendered and waiting for approval (no worker: set directly)."""
    campaign_generate(campaign=campaign, by=campaign.created_by)
    Notice.objects.filter(campaign=campaign).update(status="rendered")
    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.IN_REVIEW)
    return list(Notice.objects.filter(campaign=campaign).order_by("pk"))
