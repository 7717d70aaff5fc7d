"""Approving one letter with the letter in view (its pages drawn as images), and sending one
back with a comment.

Four eyes stay where they are: `notice_approve` and `campaign_approve` refuse the author."""

from typing import TYPE_CHECKING

from django.db import transaction

from warnings_app.integrations.pdf_pages import PageImageUnavailable, pdf_page_png
from warnings_app.models import Notice
from warnings_app.selectors.approvals import SENT_BACK
from warnings_app.services.campaigns import campaign_approve
from warnings_app.services.delivery.queue import notice_queue
from warnings_app.services.errors import NoticeStateError, ServiceError
from warnings_app.services.followups import ladder_stop_reason
from warnings_app.services.notices import apply_transition, notice_approve
from warnings_app.services.stored_files import stored_file_read_verified

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def notice_approve_one(*, notice: Notice, by: "User") -> Notice:
    """rendered -> approved for one letter. A campaign's first letter waits for the campaign's
    Send (and may move the campaign to approved, as approving all would); a ladder letter
    (a reminder) is queued at once in the same transaction, unless its ladder has stopped."""
    if notice.campaign_id is not None and notice.ladder_step_id is None:
        assert notice.campaign is not None  # noqa: S101 — narrowed by campaign_id
        result = campaign_approve(campaign=notice.campaign, by=by, notice_ids=[notice.pk])
        if result["refused"]:
            raise NoticeStateError("the author of a letter cannot approve it")
        if result["approved"] != 1:
            notice.refresh_from_db()
            raise NoticeStateError(
                f"{notice.reference} is {notice.get_status_display().lower()}, "
                "not waiting for approval"
            )
        notice.refresh_from_db()
        return notice
    with transaction.atomic():
        approved = notice_approve(notice=notice, by=by)
        if approved.ladder_step_id is None:
            return approved
        reason = ladder_stop_reason(approved.follows) if approved.follows else ""
        if reason:
            raise ServiceError(f"{approved.reference} is not sent: {reason}")
        return notice_queue(notice=approved, by=by)


def notice_send_back(*, notice: Notice, by: "User", comment: str) -> Notice:
    """rendered -> draft, with the reviewer's comment kept in the audit event and shown as the
    letter's problem until it is rendered again. A comment is required."""
    comment = comment.strip()
    if not comment:
        raise ServiceError("say what must change: a letter is sent back with a comment")
    return apply_transition(
        notice=notice,
        transition="reject",
        by=by,
        data={"comment": comment[:2000]},
        problem=(SENT_BACK + comment)[:1000],
    )


def notice_page_image(*, notice: Notice, page: int) -> bytes:
    """One page of the stored letter as a PNG, for reading it beside Approve. Only if the stored
    bytes still match the recorded SHA-256 (StoredFileAltered otherwise); nothing is written."""
    if not notice.pdf or not 1 <= page <= (notice.pdf_pages or 0):
        raise ServiceError(f"{notice.reference} has no page {page}")
    content = stored_file_read_verified(name=notice.pdf.name, sha256=notice.pdf_sha256)
    try:
        return pdf_page_png(content, page=page)
    except PageImageUnavailable as exc:
        raise ServiceError(f"page {page} of {notice.reference} cannot be shown: {exc}") from exc
