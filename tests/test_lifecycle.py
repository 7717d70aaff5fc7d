import pytest
from django.db import IntegrityError, transaction

from tests.factories import (
    CompanyFactory,
    LicenceFactory,
    TemplateVersionFactory,
    UserFactory,
    make_notice,
)
from warnings_app import services
from warnings_app.models import AuditEvent, Notice, TemplateVersion
from warnings_app.models.lifecycle import TRANSITIONS, NoticeStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def author():
    return UserFactory(role="Legal")


BEFORE_APPROVAL = {NoticeStatus.DRAFT, NoticeStatus.RENDERED, NoticeStatus.WITHDRAWN}


@pytest.fixture
def new_notice(author):
    version = TemplateVersionFactory()
    approver = UserFactory(role="Legal")

    def make(status: str = NoticeStatus.DRAFT) -> Notice:
        notice = make_notice(template_version=version, by=author)
        # Arrange the starting state as the earlier transitions would have left it.
        Notice.objects.filter(pk=notice.pk).update(
            status=status, approved_by=None if status in BEFORE_APPROVAL else approver
        )
        notice.refresh_from_db()
        return notice

    return make


def _perform(name: str, notice: Notice, actor) -> Notice:
    """Each transition through the service a user or worker would call."""
    if name == "approve":
        return services.notice_approve(notice=notice, by=actor)
    if name == "withdraw":
        return services.notice_withdraw(notice=notice, by=actor, reason="test")
    if name in ("render", "rerender"):
        return services.notice_render(notice=notice, by=actor)
    return services.notice_transition(notice=notice, transition=name, by=actor, data={"t": 1})


def _events(notice: Notice):
    return AuditEvent.objects.filter(target_type="warnings_app.notice", target_id=str(notice.pk))


@pytest.mark.parametrize("name", sorted(TRANSITIONS))
def test_every_transition_moves_only_from_its_sources_and_audits_once(name, new_notice):
    actor = UserFactory(role="Legal")

    for status in NoticeStatus.values:
        notice = new_notice(status)
        before = _events(notice).count()
        transition = TRANSITIONS[name]
        if name in ("render", "rerender") and status in (NoticeStatus.DRAFT, NoticeStatus.RENDERED):
            # notice_render picks render or rerender by the state it finds
            transition = TRANSITIONS["render" if status == NoticeStatus.DRAFT else "rerender"]

        if transition.allows(status):
            moved = _perform(name, notice, actor)
            assert moved.status == transition.target
            new_events = list(_events(notice).order_by("pk"))[before:]
            assert len(new_events) == 1
            event = new_events[0]
            assert (event.verb, event.from_state, event.to_state) == (
                transition.verb,
                status,
                transition.target,
            )
            assert event.actor == actor
        else:
            with pytest.raises(services.NoticeStateError, match=notice.reference):
                _perform(name, notice, actor)
            notice.refresh_from_db()
            assert notice.status == status
            assert _events(notice).count() == before


@pytest.mark.parametrize("name", ["approve", "withdraw", "render", "rerender"])
def test_transitions_with_rules_of_their_own_refuse_the_generic_path(name, new_notice, author):
    notice = new_notice(NoticeStatus.RENDERED)

    with pytest.raises(ValueError, match="its own rules"):
        services.notice_transition(notice=notice, transition=name, by=author)

    notice.refresh_from_db()
    assert notice.status == NoticeStatus.RENDERED


def test_the_database_refuses_a_notice_past_approval_without_an_approver(new_notice):
    notice = new_notice(NoticeStatus.RENDERED)

    with pytest.raises(IntegrityError), transaction.atomic():
        Notice.objects.filter(pk=notice.pk).update(status=NoticeStatus.QUEUED)


def test_a_stale_notice_cannot_be_moved_twice(new_notice, author):
    notice = new_notice(NoticeStatus.QUEUED)
    stale_copy = Notice.objects.get(pk=notice.pk)
    services.notice_transition(notice=notice, transition="claim", by=None)

    with pytest.raises(services.NoticeStateError, match="changed by someone else"):
        services.notice_transition(notice=stale_copy, transition="claim", by=None)

    assert _events(notice).filter(verb="notice.claim").count() == 1


def test_notice_approve_rejects_the_author(new_notice, author):
    notice = new_notice(NoticeStatus.RENDERED)

    with pytest.raises(services.NoticeStateError, match="author"):
        services.notice_approve(notice=notice, by=author)

    notice.refresh_from_db()
    assert notice.status == NoticeStatus.RENDERED
    assert not _events(notice).filter(verb="notice.approve").exists()


def test_notice_approve_by_a_second_lawyer_records_who_and_when(new_notice):
    notice = new_notice(NoticeStatus.RENDERED)
    approver = UserFactory(role="Legal")

    approved = services.notice_approve(notice=notice, by=approver)

    assert approved.status == NoticeStatus.APPROVED
    assert approved.approved_by == approver
    assert approved.approved_at is not None


def test_the_database_refuses_an_approval_by_the_author(new_notice, author):
    notice = new_notice(NoticeStatus.APPROVED)

    with pytest.raises(IntegrityError), transaction.atomic():
        Notice.objects.filter(pk=notice.pk).update(approved_by=author)


def test_the_database_refuses_an_unknown_status(new_notice):
    notice = new_notice()

    with pytest.raises(IntegrityError), transaction.atomic():
        Notice.objects.filter(pk=notice.pk).update(status="lost")


def test_withdraw_needs_a_reason_and_keeps_it(new_notice, author):
    notice = new_notice(NoticeStatus.APPROVED)

    with pytest.raises(services.ServiceError, match="why"):
        services.notice_withdraw(notice=notice, by=author, reason="  ")
    services.notice_withdraw(notice=notice, by=author, reason="Company licensed yesterday")

    assert notice.status == NoticeStatus.WITHDRAWN
    assert _events(notice).get(verb="notice.withdraw").data == {
        "reason": "Company licensed yesterday"
    }


def test_notice_create_refuses_an_unapproved_template_and_a_licensed_company(author):
    draft = TemplateVersionFactory(status=TemplateVersion.Status.DRAFT, approved_at=None)
    approved = TemplateVersionFactory()

    with pytest.raises(services.ServiceError, match="not approved"):
        services.notice_create(company=CompanyFactory(), template_version=draft, by=author)
    with pytest.raises(services.ServiceError, match="licensed"):
        services.notice_create(
            company=LicenceFactory().company, template_version=approved, by=author
        )
    with pytest.raises(services.ServiceError, match="at least one principal"):
        services.notice_create(company=CompanyFactory(), template_version=approved, by=author)

    assert Notice.objects.count() == 0
    assert not AuditEvent.objects.filter(verb="notice.created").exists()
