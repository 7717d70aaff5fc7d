"""The Accounts pages' writes: create a person, give and take roles, deactivate, reset an
authenticator. Roles are the four groups (domain/roles.py), never single permissions.

- Nobody changes their own roles, status or authenticator: refused, and the refusal is audited.
- Giving a powerful role (Legal, Admin) is a request that waits for a second person: someone
  holding Legal or Admin who is neither the requester nor the subject confirms it
  (role_grant_confirm). The other roles are given at once.
- Taking a role away is immediate. It can only lower someone's rights, and a person leaving or
  a compromised account must lose its rights now, not once a second person is found. It is
  audited like every change, so a wrongful removal is seen and undone by a (two-person) grant.

Each function runs its changes inside acting_as(by), so the signal-written events (account.*,
services/account_changes.py) name the person as well as the events written here."""

from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from warnings_app.domain.roles import ADMIN, ALL_ROLES, POWERFUL_ROLES, roles_of
from warnings_app.models import RoleGrant
from warnings_app.services.account_changes import acting_as
from warnings_app.services.audit import audit_record
from warnings_app.services.errors import ServiceError

if TYPE_CHECKING:
    from django.contrib.auth.models import User


class AccountRefused(ServiceError):
    """A change of rights the rules refuse; its audit event is already committed."""


def _refuse(*, by: "User", subject: "User", action: str, reason: str, **data: Any) -> None:
    """Record the refused attempt in its own transaction (it must outlive the refusal), then
    refuse."""
    with transaction.atomic():
        audit_record(
            actor=by,
            verb="account.refused",
            target=subject,
            data={"action": action, "reason": reason, **data},
        )
    raise AccountRefused(reason)


def refuse_for_oneself(*, by: "User", subject: "User", action: str, **data: Any) -> None:
    if by.pk == subject.pk:
        _refuse(
            by=by,
            subject=subject,
            action=action,
            reason="Nobody can change their own roles or sign-in: ask another administrator.",
            **data,
        )


def _staff_follows_admin(user: "User") -> None:
    """The Django admin is the Admin role's tool: its staff flag follows the role (a superuser
    keeps it). Saved, and so audited, only when it changes."""
    staff = user.is_superuser or user.groups.filter(name=ADMIN).exists()
    if user.is_staff != staff:
        user.is_staff = staff
        user.save(update_fields=["is_staff"])


def _group(role: str) -> Group:
    if role not in ALL_ROLES:
        raise ServiceError(f"“{role}” is not a role")
    return Group.objects.get(name=role)


@transaction.atomic
def user_create(
    *, username: str, first_name: str, last_name: str, email: str, password: str, by: "User"
) -> "User":
    """A new account with no role; roles are given afterwards (role_request). The password is
    the one the administrator hands over; a Legal or Admin account also needs an enrolment
    code before it can sign in fully (enrolment_code_issue)."""
    user_model = get_user_model()
    if user_model.objects.filter(username__iexact=username).exists():
        raise ServiceError(f"the user name “{username}” is taken")
    with acting_as(by):
        user = user_model(
            username=username, first_name=first_name, last_name=last_name, email=email
        )
        user.set_password(password)
        user.save()
    return user


def role_request(*, subject: "User", role: str, by: "User") -> RoleGrant | None:
    """Give `subject` a role. A powerful role becomes a pending grant (returned) for a second
    person to confirm; any other role is given now (None returned). Refused for oneself, for an
    inactive account, and for a role already held or already requested."""
    group = _group(role)
    refuse_for_oneself(by=by, subject=subject, action="role_request", role=role)
    with transaction.atomic():
        if not subject.is_active:
            raise ServiceError(f"{subject} is deactivated: no role can be given")
        if subject.groups.filter(pk=group.pk).exists():
            raise ServiceError(f"{subject} already has the role {role}")
        if role not in POWERFUL_ROLES:
            with acting_as(by):
                subject.groups.add(group)
            audit_record(actor=by, verb="account.role_given", target=subject, data={"role": role})
            return None
        if RoleGrant.objects.filter(subject=subject, role=role, status="pending").exists():
            raise ServiceError(f"{role} for {subject} is already waiting for confirmation")
        grant = RoleGrant.objects.create(
            subject=subject, role=role, requested_by=by, requested_at=timezone.now()
        )
        audit_record(
            actor=by,
            verb="account.role_requested",
            target=subject,
            data={"role": role, "grant": grant.pk},
        )
        return grant


def role_grant_confirm(*, grant: RoleGrant, by: "User") -> RoleGrant:
    """The second person's confirmation: the role is given. Refused (and audited) for the
    requester, for the subject, and for anyone who holds neither Legal nor Admin."""
    subject = grant.subject
    if by.pk in (grant.requested_by_id, grant.subject_id):
        _refuse(
            by=by,
            subject=subject,
            action="role_confirm",
            reason="A second person must confirm: not the one who asked, nor the one it is for.",
            role=grant.role,
            grant=grant.pk,
        )
    if not set(roles_of(by)) & set(POWERFUL_ROLES):
        _refuse(
            by=by,
            subject=subject,
            action="role_confirm",
            reason="Only someone with the Legal or Admin role can confirm it.",
            role=grant.role,
            grant=grant.pk,
        )
    with transaction.atomic():
        now = timezone.now()
        moved = RoleGrant.objects.filter(pk=grant.pk, status=RoleGrant.Status.PENDING).update(
            status=RoleGrant.Status.CONFIRMED, decided_by=by, decided_at=now
        )
        if moved != 1:
            raise ServiceError("this request was already confirmed or cancelled")
        subject = get_user_model().objects.select_for_update().get(pk=grant.subject_id)
        if not subject.is_active:
            raise ServiceError(f"{subject} is deactivated: no role can be given")
        with acting_as(by):
            subject.groups.add(_group(grant.role))
            _staff_follows_admin(subject)
        audit_record(
            actor=by,
            verb="account.role_confirmed",
            target=subject,
            data={"role": grant.role, "grant": grant.pk, "requested_by": grant.requested_by_id},
        )
    grant.refresh_from_db()
    return grant


@transaction.atomic
def role_grant_cancel(*, grant: RoleGrant, by: "User") -> RoleGrant:
    """Withdraw a pending request (the requester changed their mind, or the second person
    refuses it)."""
    moved = RoleGrant.objects.filter(pk=grant.pk, status=RoleGrant.Status.PENDING).update(
        status=RoleGrant.Status.CANCELLED, decided_by=by, decided_at=timezone.now()
    )
    if moved != 1:
        raise ServiceError("this request was already confirmed or cancelled")
    audit_record(
        actor=by,
        verb="account.role_cancelled",
        target=grant.subject,
        data={"role": grant.role, "grant": grant.pk, "requested_by": grant.requested_by_id},
    )
    grant.refresh_from_db()
    return grant


def role_remove(*, subject: "User", role: str, by: "User") -> None:
    """Take a role away, now (see the module's docstring for why no second person)."""
    group = _group(role)
    refuse_for_oneself(by=by, subject=subject, action="role_remove", role=role)
    with transaction.atomic():
        if not subject.groups.filter(pk=group.pk).exists():
            raise ServiceError(f"{subject} does not have the role {role}")
        with acting_as(by):
            subject.groups.remove(group)
            _staff_follows_admin(subject)
        audit_record(actor=by, verb="account.role_removed", target=subject, data={"role": role})


def user_deactivate(*, subject: "User", by: "User") -> None:
    """The account can no longer sign in (its open sessions end at their next request); its
    pending role requests are cancelled. Kept, never deleted: the audit chain names it."""
    refuse_for_oneself(by=by, subject=subject, action="deactivate")
    with transaction.atomic():
        user = get_user_model().objects.select_for_update().get(pk=subject.pk)
        if not user.is_active:
            raise ServiceError(f"{user} is already deactivated")
        with acting_as(by):
            user.is_active = False
            user.save(update_fields=["is_active"])
        for grant in RoleGrant.objects.filter(subject=user, status=RoleGrant.Status.PENDING):
            role_grant_cancel(grant=grant, by=by)
        audit_record(actor=by, verb="account.deactivated", target=user)


def authenticator_reset(*, subject: "User", by: "User") -> int:
    """Remove the person's authenticator devices (a lost phone). They enrol again, with a new
    enrolment code from an administrator. Returns how many devices were removed."""
    refuse_for_oneself(by=by, subject=subject, action="authenticator_reset")
    with transaction.atomic(), acting_as(by):
        devices = list(TOTPDevice.objects.filter(user=subject))
        for device in devices:
            device.delete()
        audit_record(
            actor=by,
            verb="account.2fa_reset",
            target=subject,
            data={"devices": [d.pk for d in devices]},
        )
    return len(devices)
