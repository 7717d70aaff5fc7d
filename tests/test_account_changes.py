"""Changes of rights are audited by signals, whatever path makes them: here the shell's paths
(direct ORM calls), recorded with no actor (the system) and with their before and after."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import UserFactory
from warnings_app.domain.roles import ADMIN, LEGAL, PARALEGAL
from warnings_app.models import AuditEvent
from warnings_app.services.account_changes import acting_as

pytestmark = pytest.mark.django_db


def _new(verb: str, before: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(pk__gt=before, verb=verb).order_by("pk"))


def _head() -> int:
    return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def test_a_role_given_in_the_shell_is_audited_with_before_and_after():
    user = UserFactory(role=PARALEGAL)
    before = _head()

    user.groups.add(Group.objects.get(name=LEGAL))

    [event] = _new("account.roles_changed", before)
    assert event.actor is None  # the system: no signed-in person made it
    assert event.target_type == "auth.user"
    assert event.target_id == str(user.pk)
    assert event.data == {
        "before": [PARALEGAL],
        "after": [LEGAL, PARALEGAL],
        "added": [LEGAL],
        "removed": [],
    }
    call_command("verify_integrity")


def test_a_user_added_from_the_groups_side_and_a_clear_are_audited():
    user = UserFactory(role=PARALEGAL)
    admin_group = Group.objects.get(name=ADMIN)
    before = _head()

    admin_group.user_set.add(user)
    user.groups.clear()

    added, cleared = _new("account.roles_changed", before)
    assert added.target_id == cleared.target_id == str(user.pk)
    assert added.data["added"] == [ADMIN]
    assert cleared.data["after"] == []
    assert cleared.data["removed"] == [ADMIN, PARALEGAL]


def test_a_permission_added_to_a_group_or_a_user_is_audited():
    approve = Permission.objects.get(codename="approve_notice")
    user = UserFactory()
    before = _head()

    Group.objects.get(name=ADMIN).permissions.add(approve)
    user.user_permissions.add(approve)

    [group_event] = _new("role.permissions_changed", before)
    [user_event] = _new("account.permissions_changed", before)
    assert group_event.target_repr == ADMIN
    assert group_event.data["added"] == ["warnings_app.approve_notice"]
    assert user_event.data == {
        "before": [],
        "after": ["warnings_app.approve_notice"],
        "added": ["warnings_app.approve_notice"],
        "removed": [],
    }


def test_flags_and_password_changes_are_audited_without_the_password():
    user = UserFactory()
    actor = UserFactory(role=ADMIN)
    before = _head()

    user.is_superuser = True
    user.is_staff = True
    user.save()
    with acting_as(actor):
        user.set_password("a-brand-new-secret-2026")
        user.save()
    old_hash = user.password
    user.save(update_fields=["last_login"])  # a sign-in: not a change of rights

    [flags] = _new("account.changed", before)
    [password] = _new("account.password_changed", before)
    assert flags.actor is None
    assert flags.data["changes"] == {"is_staff": [False, True], "is_superuser": [False, True]}
    assert password.actor == actor
    assert password.data == {"usable": True}
    recorded = str(list(AuditEvent.objects.values_list("data", flat=True)))
    assert "a-brand-new-secret" not in recorded
    assert old_hash not in recorded


def test_authenticator_devices_created_confirmed_and_deleted_are_audited():
    user = UserFactory(role=LEGAL)
    before = _head()

    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=False)
    device.confirmed = True
    device.save()
    device.throttle_increment()  # a wrong code saves the device too: not a change of rights
    device.delete()

    verbs = [
        e.verb for e in AuditEvent.objects.filter(pk__gt=before, verb__startswith="account.2fa")
    ]
    assert verbs == [
        "account.2fa_device_created",
        "account.2fa_device_confirmed",
        "account.2fa_device_deleted",
    ]
    deleted = AuditEvent.objects.get(verb="account.2fa_device_deleted")
    assert deleted.target_id == str(user.pk)
    assert deleted.data["confirmed"] is True


def test_a_user_created_in_the_shell_is_audited():
    before = _head()

    user = UserFactory(username="shelly", is_staff=True)

    [event] = _new("account.created", before)
    assert event.target_id == str(user.pk)
    assert event.data["after"]["is_staff"] is True
    assert event.data["password_set"] is True
