"""System checks of our own, run by `manage.py check` (those tagged deploy only with --deploy)."""

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, register
from django.core.checks import Warning as CheckWarning
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.utils.module_loading import import_string

from warnings_app.integrations import dkim_signing


def _sends_by_smtp() -> bool:
    try:
        backend = import_string(settings.EMAIL_BACKEND)
    except ImportError:
        return False  # Django's own checks and the first send say so
    return isinstance(backend, type) and issubclass(backend, SmtpBackend)


@register("mail", deploy=True)
def dkim_signing_ready(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    """W016: mail really leaves by SMTP but cannot be signed. Unconfigured, letters would go out
    unsigned (receivers may take them for forgeries); configured with a key that cannot be read,
    every send would be refused until it can. Console and test backends send nothing out."""
    if not _sends_by_smtp():
        return []
    try:
        config = dkim_signing.dkim_settings()
        if config is not None:
            dkim_signing.private_key(config.key_file)
            return []
        problem = "DKIM is not configured (DKIM_DOMAIN, DKIM_SELECTOR, DKIM_KEY_FILE)"
        effect = "mail would go out unsigned"
    except dkim_signing.DkimError as exc:
        problem, effect = str(exc), "no message can be sent until it is fixed"
    return [
        CheckWarning(
            f"E-mail is sent by SMTP but {problem}; {effect}.",
            hint="docs/operations.md, DKIM: make a key, publish its record "
            "(manage.py dkim_dns_record), set the three DKIM_* variables.",
            id="warnings_app.W016",
        )
    ]


@register("signing", deploy=True)
def letter_signing_ready(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    """W020: letters would be signed by the demo certificate or timestamped by the demo TSA
    (their certificates say DEMO; no court or recipient should trust them), or the configured
    certificate and key cannot be used, so no letter could be rendered at all."""
    from warnings_app.integrations import signing_credentials  # pyHanko: only when checked

    problems = []
    if signing_credentials.signer_is_demo():
        problems.append(
            "letters would be signed with the DEMO certificate (SIGNING_CERT and SIGNING_KEY "
            "are not set)"
        )
    else:
        try:
            signing_credentials.signer_setup()
        except signing_credentials.SigningSetupError as exc:
            problems.append(f"no letter can be signed, so none can be rendered: {exc}")
    if signing_credentials.tsa_is_demo():
        problems.append("letters would be timestamped by the DEMO timestamp authority (TSA_URL)")
    return [
        CheckWarning(
            f"Letter signing: {problem}.",
            hint="docs/letter-signing.md: set SIGNING_CERT, SIGNING_KEY (and SIGNING_CHAIN, "
            "SIGNING_TRUST_ROOTS), TSA_URL and TSA_TRUST_ROOTS.",
            id="warnings_app.W020",
        )
        for problem in problems
    ]
