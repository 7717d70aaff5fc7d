"""The Accounts page: roles, never raw permissions; Legal and Admin only with a second person's
confirmation; nobody changes their own roles; every attempt in the audit chain."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests import test_access
from tests.factories import UserFactory
from warnings_app.domain.roles import ADMIN, ALL_ROLES, LEGAL, MANAGER, PARALEGAL
from warnings_app.models import AuditEvent, RoleGrant

pytestmark = pytest.mark.django_db
url_for = test_access.url_for  # the access matrix's fixture: one object per URL name


def _admin(client, **kwargs):
    user = UserFactory(role=ADMIN, is_staff=True, **kwargs)
    client.force_login(user)
    return user


def _give(client, subject, role, action="give"):
    return client.post(
        reverse("account_role", args=[subject.pk]), {"role": role, "action": action}, follow=True
    )


def _roles(user) -> set[str]:
    return set(user.groups.values_list("name", flat=True))


def _events(*verbs, after=0):
    return list(AuditEvent.objects.filter(pk__gt=after, verb__in=verbs).order_by("pk"))


def _last_event_id() -> int:
    return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def test_the_page_lists_people_with_roles_and_sign_in_state(client, django_assert_max_num_queries):
    _admin(client)
    lawyer = UserFactory(username="lena", role=LEGAL)
    TOTPDevice.objects.create(user=lawyer, name="phone", confirmed=True)
    UserFactory(username="pat", role=PARALEGAL, is_active=False)
    for n in range(10):
        UserFactory(username=f"extra{n}", role=MANAGER)

    with django_assert_max_num_queries(9):  # 13 people: prefetched, none per person
        page = client.get(reverse("account_list"))

    rows = {row.user.username: row for row in page.context["rows"]}
    assert page.status_code == 200
    assert rows["lena"].roles == [LEGAL]
    assert rows["lena"].has_authenticator is True
    assert rows["pat"].has_authenticator is False
    assert b"Deactivated" in page.content


def test_giving_oneself_a_role_is_refused_with_a_clear_message_and_audited(client):
    admin = _admin(client)
    before = _last_event_id()

    page = _give(client, admin, LEGAL)

    assert "Nobody can change their own roles" in page.content.decode()
    assert _roles(admin) == {ADMIN}
    assert not RoleGrant.objects.exists()
    [refused] = _events("account.refused", after=before)
    assert refused.actor == admin
    assert refused.target_id == str(admin.pk)
    assert refused.data["action"] == "role_request"
    assert refused.data["role"] == LEGAL


def test_removing_ones_own_role_is_refused_too(client):
    admin = _admin(client)

    page = _give(client, admin, ADMIN, action="remove")

    assert "Nobody can change their own roles" in page.content.decode()
    assert _roles(admin) == {ADMIN}


def test_giving_someone_legal_waits_for_a_second_person_and_every_step_is_audited(client):
    admin = _admin(client, username="ada")
    subject = UserFactory(username="newlawyer", role=PARALEGAL)
    colleague = UserFactory(username="lena", role=LEGAL)
    before = _last_event_id()

    requested = _give(client, subject, LEGAL)
    grant = RoleGrant.objects.get()
    assert "takes effect when another person" in requested.content.decode()
    assert grant.status == RoleGrant.Status.PENDING
    assert _roles(subject) == {PARALEGAL}  # not yet

    # The requester cannot be the second person.
    own = client.post(reverse("rolegrant_confirm", args=[grant.pk]), follow=True)
    assert "A second person must confirm" in own.content.decode()
    grant.refresh_from_db()
    assert grant.status == RoleGrant.Status.PENDING
    assert _roles(subject) == {PARALEGAL}

    # A colleague with the Legal role confirms: now it takes effect.
    client.force_login(colleague)
    confirmed = client.post(reverse("rolegrant_confirm", args=[grant.pk]), follow=True)

    grant.refresh_from_db()
    assert confirmed.status_code == 200
    assert grant.status == RoleGrant.Status.CONFIRMED
    assert grant.decided_by == colleague
    assert _roles(subject) == {PARALEGAL, LEGAL}
    events = _events(
        "account.role_requested",
        "account.refused",
        "account.role_confirmed",
        "account.roles_changed",
        after=before,
    )
    assert [(e.verb, e.actor) for e in events] == [
        ("account.role_requested", admin),
        ("account.refused", admin),
        ("account.roles_changed", colleague),
        ("account.role_confirmed", colleague),
    ]
    changed = events[2]
    assert changed.target_id == str(subject.pk)
    assert (changed.data["before"], changed.data["after"]) == ([PARALEGAL], [LEGAL, PARALEGAL])
    assert events[1].data["action"] == "role_confirm"
    call_command("verify_integrity")  # the chain holds every one of them


def test_the_subject_cannot_confirm_their_own_grant(client):
    admin = UserFactory(role=ADMIN)
    subject = UserFactory(role=LEGAL)  # asking for Admin as well
    client.force_login(admin)
    _give(client, subject, ADMIN)
    grant = RoleGrant.objects.get()

    client.force_login(subject)
    page = client.post(reverse("rolegrant_confirm", args=[grant.pk]), follow=True)

    assert "A second person must confirm" in page.content.decode()
    assert _roles(subject) == {LEGAL}
    assert AuditEvent.objects.filter(verb="account.refused", actor=subject).count() == 1


@pytest.mark.parametrize("role", [PARALEGAL, MANAGER])
def test_only_legal_or_admin_may_confirm(client, role):
    admin = UserFactory(role=ADMIN)
    subject = UserFactory()
    client.force_login(admin)
    _give(client, subject, ADMIN)
    grant = RoleGrant.objects.get()
    client.force_login(UserFactory(role=role))

    response = client.post(reverse("rolegrant_confirm", args=[grant.pk]))

    assert response.status_code == 403
    assert _roles(subject) == set()


def test_a_cancelled_request_cannot_be_confirmed_and_both_are_audited(client):
    admin = _admin(client)
    subject = UserFactory()
    _give(client, subject, ADMIN)
    grant = RoleGrant.objects.get()

    client.post(reverse("rolegrant_cancel", args=[grant.pk]))
    client.force_login(UserFactory(role=LEGAL))
    late = client.post(reverse("rolegrant_confirm", args=[grant.pk]), follow=True)

    assert "already confirmed or cancelled" in late.content.decode()
    assert _roles(subject) == set()
    cancelled = AuditEvent.objects.get(verb="account.role_cancelled")
    assert cancelled.actor == admin
    assert cancelled.data["role"] == ADMIN


@pytest.mark.parametrize("role", [PARALEGAL, MANAGER])
def test_the_lesser_roles_are_given_at_once(client, role):
    admin = _admin(client)
    subject = UserFactory()

    _give(client, subject, role)

    assert _roles(subject) == {role}
    assert not RoleGrant.objects.exists()
    given = AuditEvent.objects.get(verb="account.role_given")
    assert (given.actor, given.data) == (admin, {"role": role})


def test_the_admin_role_brings_the_staff_flag_and_takes_it_away(client):
    _admin(client)
    subject = UserFactory()
    _give(client, subject, ADMIN)
    client.force_login(UserFactory(role=LEGAL))

    client.post(reverse("rolegrant_confirm", args=[RoleGrant.objects.get().pk]))
    subject.refresh_from_db()
    staff_after_grant = subject.is_staff
    client.force_login(UserFactory(role=ADMIN))
    _give(client, subject, ADMIN, action="remove")

    subject.refresh_from_db()
    assert staff_after_grant is True
    assert subject.is_staff is False
    flags = AuditEvent.objects.filter(verb="account.changed", target_id=str(subject.pk))
    assert [e.data["changes"] for e in flags] == [
        {"is_staff": [False, True]},
        {"is_staff": [True, False]},
    ]


def test_removing_a_role_is_immediate_and_audited(client):
    admin = _admin(client)
    subject = UserFactory(role=LEGAL)

    _give(client, subject, LEGAL, action="remove")

    assert _roles(subject) == set()
    removed = AuditEvent.objects.get(verb="account.roles_changed", actor=admin)
    assert removed.target_id == str(subject.pk)
    assert removed.data["removed"] == [LEGAL]


def test_an_admin_creates_an_account_without_roles(client):
    admin = _admin(client)

    response = client.post(
        reverse("account_create"),
        {"username": "newbie", "first_name": "New", "password": "a-long-first-password-2026"},
    )
    weak = client.post(reverse("account_create"), {"username": "weak", "password": "123"})
    taken = client.post(
        reverse("account_create"), {"username": "NEWBIE", "password": "another-long-one-2026"}
    )

    assert response.status_code == 302
    assert weak.status_code == taken.status_code == 400
    assert "taken" in taken.content.decode()
    created = AuditEvent.objects.get(verb="account.created", data__after__username="newbie")
    assert created.actor == admin
    assert "a-long-first-password" not in str(created.data)


def test_deactivating_ends_sign_in_and_open_requests_but_not_for_oneself(client):
    admin = _admin(client)
    subject = UserFactory()
    _give(client, subject, LEGAL)

    own = client.post(reverse("account_deactivate", args=[admin.pk]), follow=True)
    other = client.post(reverse("account_deactivate", args=[subject.pk]))

    admin.refresh_from_db()
    subject.refresh_from_db()
    assert "Nobody can change their own" in own.content.decode()
    assert admin.is_active
    assert other.status_code == 302
    assert not subject.is_active
    assert RoleGrant.objects.get().status == RoleGrant.Status.CANCELLED
    change = AuditEvent.objects.get(verb="account.changed", target_id=str(subject.pk))
    assert change.data["changes"] == {"is_active": [True, False]}
    assert change.actor == admin


def test_approve_notice_cannot_be_added_to_a_group_by_any_route(client, url_for):
    admin = _admin(client)
    approve = Permission.objects.get(codename="approve_notice")
    groups = {
        g.name: set(g.permissions.values_list("codename", flat=True)) for g in Group.objects.all()
    }
    form = {
        "name": ADMIN,
        "permissions": [approve.pk],
        "user_permissions": [approve.pk],
        "groups": [Group.objects.get(name=LEGAL).pk],
        "role": LEGAL,
        "action": "give",
    }
    admin_group = Group.objects.get(name=ADMIN)

    stock = client.post(f"/admin/auth/group/{admin_group.pk}/change/", form)
    for name in sorted(set(test_access.ALLOWED) - {"logout"}):
        client.post(url_for(name), form)

    assert stock.status_code == 404
    after = {
        g.name: set(g.permissions.values_list("codename", flat=True)) for g in Group.objects.all()
    }
    assert after == groups
    assert "approve_notice" not in after[ADMIN]
    assert not admin.user_permissions.exists()
    assert _roles(admin) == {ADMIN}
    assert not admin.has_perm("auth.change_group")
    assert not AuditEvent.objects.filter(verb="role.permissions_changed").exists()


def test_the_roles_stay_the_four_groups():
    assert set(Group.objects.values_list("name", flat=True)) == set(ALL_ROLES)


def test_the_database_refuses_a_grant_to_oneself_or_confirmed_by_its_requester():
    admin, subject = UserFactory(role=ADMIN), UserFactory()
    now = subject.date_joined

    with pytest.raises(IntegrityError), transaction.atomic():
        RoleGrant.objects.create(subject=admin, role=LEGAL, requested_by=admin, requested_at=now)
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleGrant.objects.create(
            subject=subject,
            role=LEGAL,
            requested_by=admin,
            requested_at=now,
            status=RoleGrant.Status.CONFIRMED,
            decided_by=admin,
            decided_at=now,
        )
    assert not RoleGrant.objects.exists()
