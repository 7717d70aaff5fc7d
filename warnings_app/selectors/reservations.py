"""Reads of the published reservations' staff page: the latest version, every version, and the
AI crawlers the robots.txt section names. One query each."""

from django.db.models import QuerySet

from warnings_app.models import AICrawler, ReservationPublication


def latest_publication() -> ReservationPublication | None:
    """The latest published version, if any: one query."""
    return ReservationPublication.objects.order_by("-version").first()


def publications_listed() -> QuerySet[ReservationPublication]:
    """Every version, newest first, with who published it, without the files' texts (the list
    shows their hashes): one query, or two with a paginator's count."""
    return (
        ReservationPublication.objects.select_related("published_by")
        .defer("tdmrep_json", "robots_txt")
        .order_by("-version")
    )


def crawlers_listed() -> list[AICrawler]:
    """Every AI crawler in the list, active or not, by user agent: one query."""
    return list(AICrawler.objects.order_by("user_agent"))
