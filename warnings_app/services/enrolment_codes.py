"""One-time enrolment codes. A person binds an authenticator app only after giving a code an
administrator issued for them: knowing the password (which whoever created the account knows) is
not enough to become the owner of the account's second factor.

The code is shown once, at issue; only a password hash of it is stored (Django's hasher). It is
good once, until ENROLMENT_CODE_HOURS after issue; issuing a new code ends the older ones."""

import secrets
from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from warnings_app.models import EnrolmentCode
from warnings_app.services.account_changes import acting_as
from warnings_app.services.accounts import refuse_for_oneself
from warnings_app.services.audit import audit_record
from warnings_app.services.errors import ServiceError

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# No 0/O, 1/I/L: read aloud or copied by hand without doubt. 16 of 31 symbols: 79 bits.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
GROUPS, GROUP_SIZE = 4, 4
# How many of a person's latest codes a wrong code is compared with, to say why it failed.
CHECKED = 5


def _new_code() -> str:
    groups = ("".join(secrets.choice(ALPHABET) for _ in range(GROUP_SIZE)) for _ in range(GROUPS))
    return "-".join(groups)


def normalise_code(text: str) -> str:
    """As typed: any case, with or without the dashes and spaces."""
    plain = "".join(ch for ch in text.upper() if ch.isalnum())
    return "-".join(plain[i : i + GROUP_SIZE] for i in range(0, len(plain), GROUP_SIZE))


def enrolment_code_issue(*, subject: "User", by: "User | None") -> tuple[EnrolmentCode, str]:
    """A new code for `subject`, and the code itself (to show once). `by` None is the system
    (the enrolment_code command, for the first administrator). Nobody issues one for
    themselves."""
    if by is not None:
        refuse_for_oneself(by=by, subject=subject, action="enrolment_code_issue")
    if not subject.is_active:
        raise ServiceError(f"{subject} is deactivated")
    code = _new_code()
    now = timezone.now()
    with transaction.atomic():
        ended = EnrolmentCode.objects.filter(
            user=subject, used_at__isnull=True, expires_at__gt=now
        ).update(expires_at=now)
        row = EnrolmentCode.objects.create(
            user=subject,
            code_hash=make_password(code),
            issued_by=by,
            issued_at=now,
            expires_at=now + timedelta(hours=settings.ENROLMENT_CODE_HOURS),
        )
        audit_record(
            actor=by,
            verb="account.enrolment_code_issued",
            target=subject,
            data={
                "code": row.pk,
                "expires_at": row.expires_at.isoformat(),
                "earlier_codes_ended": ended,
            },
        )
    return row, code


def _why_refused(subject: "User", code: str) -> str:
    rows = list(EnrolmentCode.objects.filter(user=subject)[:CHECKED])
    for row in rows:
        if check_password(code, row.code_hash):
            return "used" if row.used_at is not None else "expired"
    return "wrong" if rows else "no code issued"


def enrolment_code_redeem(*, user: "User", code: str) -> EnrolmentCode | None:
    """Use a code: the row, marked used, when `code` is the person's current code; None (and
    an audit event saying why) otherwise. Using it removes any unconfirmed device, so the
    secret shown next is new: one that someone saw before the code was given is worthless."""
    code = normalise_code(code)
    now = timezone.now()
    with transaction.atomic():
        current = EnrolmentCode.objects.filter(user=user, used_at__isnull=True, expires_at__gt=now)
        row = next((r for r in current if check_password(code, r.code_hash)), None)
        claimed = (
            row is not None
            and EnrolmentCode.objects.filter(pk=row.pk, used_at__isnull=True).update(used_at=now)
            == 1
        )
        if row is None or not claimed:
            audit_record(
                actor=user,
                verb="account.enrolment_code_refused",
                target=user,
                data={"reason": _why_refused(user, code)},
            )
            return None
        with acting_as(user):
            for device in TOTPDevice.objects.filter(user=user, confirmed=False):
                device.delete()
        audit_record(
            actor=user, verb="account.enrolment_code_used", target=user, data={"code": row.pk}
        )
    row.refresh_from_db()
    return row


def enrolment_code_valid_for(*, user: "User", code_id: object) -> bool:
    """Whether the code this session redeemed (its id, kept in the session) is the person's."""
    if not isinstance(code_id, int):
        return False
    return EnrolmentCode.objects.filter(pk=code_id, user=user, used_at__isnull=False).exists()
