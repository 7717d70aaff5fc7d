"""What the Accounts pages show: people with their roles and sign-in state, and the role
requests waiting for a second person."""

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from warnings_app.models import EnrolmentCode, RoleGrant

if TYPE_CHECKING:
    from django.contrib.auth.models import User


@dataclass(frozen=True)
class AccountRow:
    user: "User"
    roles: list[str]
    pending_roles: list[str]
    has_authenticator: bool
    code_open_until: datetime | None


def accounts_overview() -> list[AccountRow]:
    """Every account, active first, with roles, open role requests, whether an authenticator is
    bound, and until when an unused enrolment code is open. Four queries, however many people."""
    now = timezone.now()
    users = (
        get_user_model()
        .objects.annotate(
            has_device=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True))
        )
        .prefetch_related("groups")
        .prefetch_related(
            Prefetch(
                "role_grants",
                queryset=RoleGrant.objects.filter(status=RoleGrant.Status.PENDING),
                to_attr="pending",
            ),
            Prefetch(
                "enrolment_codes",
                queryset=EnrolmentCode.objects.filter(used_at__isnull=True, expires_at__gt=now),
                to_attr="open_codes",
            ),
        )
        .order_by("-is_active", "username")
    )
    return [
        AccountRow(
            user=user,
            roles=sorted(g.name for g in user.groups.all()),
            pending_roles=sorted(g.role for g in user.pending),
            has_authenticator=user.has_device,
            code_open_until=max((c.expires_at for c in user.open_codes), default=None),
        )
        for user in users
    ]


def role_grants_pending() -> QuerySet[RoleGrant]:
    return RoleGrant.objects.filter(status=RoleGrant.Status.PENDING).select_related(
        "subject", "requested_by"
    )


def role_grants_decided(limit: int = 20) -> QuerySet[RoleGrant]:
    return (
        RoleGrant.objects.exclude(status=RoleGrant.Status.PENDING)
        .select_related("subject", "requested_by", "decided_by")
        .order_by("-decided_at", "-pk")[:limit]
    )
