"""Enrolling a TOTP authenticator app: one unconfirmed device per person until a correct code
confirms it. The view verifies the session and writes the audit event (views/two_factor.py);
it lets a person this far only after an enrolment code (services/enrolment_codes.py). The
device's creation and confirmation are audited by services/account_changes.py."""

from django.contrib.auth.models import AbstractBaseUser
from django_otp.plugins.otp_totp.models import TOTPDevice

from warnings_app.integrations.qr_codes import qr_svg
from warnings_app.services.account_changes import acting_as


def totp_device_for_enrolment(*, user: AbstractBaseUser) -> TOTPDevice:
    """The person's unconfirmed device, created on first use. Safe to call again: a reload shows
    the same secret, so a code from an app that already scanned it still works."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is not None:
        return device
    with acting_as(user):  # type: ignore[arg-type]  # the signed-in User
        return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)


def totp_enrolment_confirm(*, device: TOTPDevice, token: str) -> bool:
    """Confirm the device when `token` is a current code for it; False (and nothing changed)
    otherwise."""
    if not device.verify_token(token.strip()):
        return False
    device.confirmed = True
    with acting_as(device.user):
        device.save(update_fields=["confirmed"])
    return True


def totp_qr_svg(device: TOTPDevice) -> str:
    """The device's otpauth URI as a QR code for the phone to scan."""
    return qr_svg(device.config_url)
