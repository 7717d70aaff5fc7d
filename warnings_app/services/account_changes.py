"""Every change of rights reaches the audit chain, whatever path makes it: the Accounts pages, a
management command, the shell. Signals see each change to a user's flags and password, to the
links between users, groups and permissions, and to TOTP devices, and record it with its before
and after. Passwords are never recorded, only that one changed.

Who made the change: the services that change accounts run inside `acting_as(user)`; a change
made anywhere else (the shell, a command, a migration) is recorded with no actor, the system.
Connected once, in WarningsAppConfig.ready()."""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import models
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django_otp.plugins.otp_totp.models import TOTPDevice

from warnings_app.services.audit import audit_record

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# The person on whose behalf the current code changes accounts; None is the system.
_actor: ContextVar["User | None"] = ContextVar("account_change_actor", default=None)
# The fields of a user whose changes are recorded with their values.
USER_FIELDS = (
    "username",
    "email",
    "first_name",
    "last_name",
    "is_active",
    "is_staff",
    "is_superuser",
)


@contextmanager
def acting_as(user: "User | None") -> Iterator[None]:
    """Changes to accounts inside this block are recorded as made by `user`."""
    token = _actor.set(user)
    try:
        yield
    finally:
        _actor.reset(token)


def current_actor() -> "User | None":
    return _actor.get()


# --- users: flags, names, password -----------------------------------------------------------


def _user_before(sender: Any, instance: "User", update_fields: Any = None, **_kw: Any) -> None:
    if instance.pk is None or (update_fields is not None and set(update_fields) <= {"last_login"}):
        instance._account_before = None  # type: ignore[attr-defined]
        return
    row = sender.objects.filter(pk=instance.pk).values(*USER_FIELDS, "password").first()
    instance._account_before = row  # type: ignore[attr-defined]


def _user_after(sender: Any, instance: "User", created: bool, **_kw: Any) -> None:
    actor = current_actor()
    if created:
        after = {name: getattr(instance, name) for name in USER_FIELDS}
        audit_record(
            actor=actor,
            verb="account.created",
            target=instance,
            data={"after": after, "password_set": instance.has_usable_password()},
        )
        return
    before = getattr(instance, "_account_before", None)
    if not before:
        return
    changes = {
        name: [before[name], getattr(instance, name)]
        for name in USER_FIELDS
        if before[name] != getattr(instance, name)
    }
    if changes:
        audit_record(
            actor=actor, verb="account.changed", target=instance, data={"changes": changes}
        )
    if before["password"] != instance.password:
        audit_record(
            actor=actor,
            verb="account.password_changed",
            target=instance,
            data={"usable": instance.has_usable_password()},
        )
    instance._account_before = None  # type: ignore[attr-defined]


# --- users in groups, permissions of groups and users ----------------------------------------


class _Link:
    """One many-to-many relation whose changes are recorded: owner (User or Group) to member
    (Group or Permission), through Django's automatic through table."""

    def __init__(self, owner: type[models.Model], field: str, verb: str) -> None:
        self.owner = owner
        self.field = field
        self.verb = verb
        relation = owner._meta.get_field(field)
        self.through: type[models.Model] = relation.remote_field.through  # type: ignore[union-attr]
        self.member: type[models.Model] = relation.related_model  # type: ignore[assignment]
        self.owner_col = f"{owner._meta.model_name}_id"
        self.member_col = f"{self.member._meta.model_name}_id"

    def label(self, member_id: int, labels: dict[int, str]) -> str:
        return labels.get(member_id, str(member_id))

    def labels(self, ids: Iterable[int]) -> dict[int, str]:
        ids = list(ids)
        if self.member is Group:
            return dict(Group.objects.filter(pk__in=ids).values_list("pk", "name"))
        perms = Permission.objects.filter(pk__in=ids).select_related("content_type")
        return {p.pk: f"{p.content_type.app_label}.{p.codename}" for p in perms}

    def snapshot(self, owner_ids: Iterable[int]) -> dict[int, list[str]]:
        rows = list(
            self.through._default_manager.filter(
                **{f"{self.owner_col}__in": list(owner_ids)}
            ).values_list(self.owner_col, self.member_col)
        )
        labels = self.labels({member for _owner, member in rows})
        found: dict[int, list[str]] = {}
        for owner, member in rows:
            found.setdefault(owner, []).append(self.label(member, labels))
        return {owner: sorted(names) for owner, names in found.items()}

    def owners(self, instance: models.Model, reverse: bool, pk_set: set[int] | None) -> list[int]:
        if not reverse:
            return [instance.pk]
        if pk_set is not None:
            return sorted(pk_set)
        # A clear from the member's side: every owner it is linked to now.
        column = self.member_col
        return list(
            self.through._default_manager.filter(**{column: instance.pk}).values_list(
                self.owner_col, flat=True
            )
        )


def _links() -> dict[type[models.Model], _Link]:
    user_model = get_user_model()
    specs = [
        _Link(user_model, "groups", "account.roles_changed"),
        _Link(user_model, "user_permissions", "account.permissions_changed"),
        _Link(Group, "permissions", "role.permissions_changed"),
    ]
    return {spec.through: spec for spec in specs}


def _link_changed(
    sender: type[models.Model],
    instance: models.Model,
    action: str,
    reverse: bool,
    pk_set: set[int] | None,
    **_kw: Any,
) -> None:
    link = LINKS.get(sender)
    if link is None or action not in {
        "pre_add",
        "post_add",
        "pre_remove",
        "post_remove",
        "pre_clear",
        "post_clear",
    }:
        return
    if action.startswith("pre_"):
        owners = link.owners(instance, reverse, pk_set)
        found = link.snapshot(owners)
        instance._links_before = {o: found.get(o, []) for o in owners}  # type: ignore[attr-defined]
        return
    before_all: dict[int, list[str]] = getattr(instance, "_links_before", None) or {}
    instance._links_before = None  # type: ignore[attr-defined]
    after_all = link.snapshot(before_all)
    targets = {t.pk: t for t in link.owner._default_manager.filter(pk__in=list(before_all))}
    for owner_id, before in before_all.items():
        after = after_all.get(owner_id, [])
        if before == after or owner_id not in targets:
            continue
        audit_record(
            actor=current_actor(),
            verb=link.verb,
            target=targets[owner_id],
            data={
                "before": before,
                "after": after,
                "added": sorted(set(after) - set(before)),
                "removed": sorted(set(before) - set(after)),
            },
        )


# --- authenticator devices ---------------------------------------------------------------------


def _device_data(device: TOTPDevice) -> dict[str, Any]:
    return {"device": device.pk, "name": device.name, "confirmed": device.confirmed}


def _device_before(instance: TOTPDevice, update_fields: Any = None, **_kw: Any) -> None:
    confirmed = None
    if instance.pk is not None and (update_fields is None or "confirmed" in update_fields):
        confirmed = (
            TOTPDevice.objects.filter(pk=instance.pk).values_list("confirmed", flat=True).first()
        )
    instance._confirmed_before = confirmed


def _device_saved(instance: TOTPDevice, created: bool, **_kw: Any) -> None:
    before = getattr(instance, "_confirmed_before", None)
    if created:
        verb = "account.2fa_device_created"
    elif before is False and instance.confirmed:
        verb = "account.2fa_device_confirmed"
    elif before is True and not instance.confirmed:
        verb = "account.2fa_device_unconfirmed"
    else:
        return
    audit_record(
        actor=current_actor(), verb=verb, target=instance.user, data=_device_data(instance)
    )


def _device_deleted(instance: TOTPDevice, **_kw: Any) -> None:
    user = get_user_model().objects.filter(pk=instance.user_id).first()
    audit_record(
        actor=current_actor(),
        verb="account.2fa_device_deleted",
        target=user,
        data=_device_data(instance),
    )


LINKS: dict[type[models.Model], _Link] = {}


def connect() -> None:
    """Connect the receivers (once; dispatch_uid makes a second call harmless)."""
    user_model = get_user_model()
    LINKS.update(_links())
    pre_save.connect(_user_before, sender=user_model, dispatch_uid="account_user_before")
    post_save.connect(_user_after, sender=user_model, dispatch_uid="account_user_after")
    for through in LINKS:
        m2m_changed.connect(_link_changed, sender=through, dispatch_uid=f"account_{through}")
    pre_save.connect(_device_before, sender=TOTPDevice, dispatch_uid="account_device_before")
    post_save.connect(_device_saved, sender=TOTPDevice, dispatch_uid="account_device_saved")
    post_delete.connect(_device_deleted, sender=TOTPDevice, dispatch_uid="account_device_deleted")
