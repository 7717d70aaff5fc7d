"""Production settings: `check --deploy` passes with the documented environment, every page
carries the Content-Security-Policy, and pages work under it in a real Chromium."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from tests.factories import UserFactory
from warnings_app.domain.roles import MANAGER

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent

# The production environment of deploy/production.env.example, as .ci/run passes it to
# `check --deploy`.
PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "k7Qx2vN9pLm4Rt8Wz1Yb6Hc3Jd5Fg0Sa-" + "pRoDuCtIoN-lIkE-kEy-4-tEsTs-ONLY",
    "ALLOWED_HOSTS": "notices.example.org",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
    "SECURE_HSTS_PRELOAD": "true",
    # Minus the services: no SMTP server (and so no DKIM key), but said explicitly.
    "EMAIL_URL": "consolemail://",
}


def _deploy_check(**overrides: str) -> subprocess.CompletedProcess:
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        in {"PATH", "HOME", "DATABASE_URL", "CELERY_BROKER_URL", "LANG", "WARNINGS_IGNORE_DOTENV"}
    }
    env |= PRODUCTION_ENV | overrides | {"DJANGO_SETTINGS_MODULE": "config.settings"}
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _policy(response) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    return {
        name: values
        for name, *values in (part.split() for part in header.split(";") if part.strip())
    }


def _signing_env(authority) -> dict[str, str]:
    """The signing settings of the production template, pointed at the test CA's files."""
    return {
        "SIGNING_CERT": authority.signer_cert_pem,
        "SIGNING_KEY": authority.signer_key_pem,
        "SIGNING_TRUST_ROOTS": authority.root_pem,
        "TSA_URL": authority.url,
        "TSA_TRUST_ROOTS": authority.root_pem,
    }


def test_check_deploy_passes_with_the_documented_production_environment(test_authority):
    result = _deploy_check(**_signing_env(test_authority))

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_warns_when_letters_would_be_signed_by_the_demo_ca_and_tsa():
    result = _deploy_check()

    assert result.returncode != 0
    assert "warnings_app.W020" in result.stderr
    assert "signed with the DEMO certificate" in result.stderr
    assert "timestamped by the DEMO timestamp authority" in result.stderr


def test_check_deploy_warns_when_the_signing_key_cannot_be_read(test_authority, tmp_path):
    env = _signing_env(test_authority) | {"SIGNING_KEY": str(tmp_path / "missing.key.pem")}

    result = _deploy_check(**env)

    assert result.returncode != 0
    assert "warnings_app.W020" in result.stderr
    assert "no letter can be signed" in result.stderr
    assert "DEMO" not in result.stderr


def test_check_deploy_fails_when_https_is_switched_off():
    result = _deploy_check(SECURE_SSL_REDIRECT="false", SESSION_COOKIE_SECURE="false")

    assert result.returncode != 0
    assert "security.W008" in result.stderr
    assert "security.W012" in result.stderr


def test_without_debug_an_unset_email_url_refuses_to_start():
    without = {k: v for k, v in PRODUCTION_ENV.items() if k != "EMAIL_URL"}
    env = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG"}}
    env |= without | {"DJANGO_SETTINGS_MODULE": "config.settings", "WARNINGS_IGNORE_DOTENV": "1"}

    refused = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    started = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env | {"EMAIL_URL": "smtp://127.0.0.1:25"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert refused.returncode != 0
    assert "ImproperlyConfigured: EMAIL_URL must be set when DEBUG is off" in refused.stderr
    assert "smtp+tls://" in refused.stderr
    assert started.returncode == 0, started.stderr
    assert "no issues" in started.stdout


def test_a_page_carries_a_strict_content_security_policy(client_as):
    client = client_as("Manager")

    response = client.get("/companies/")

    policy = _policy(response)
    assert response.status_code == 200
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_the_api_docs_page_has_no_inline_script_and_relaxes_styles_only(client):
    client.force_login(UserFactory(role=MANAGER))

    page = client.get("/api/docs/")
    script = client.get("/api/docs/?script=")

    policy = _policy(page)
    assert page.status_code == 200
    assert policy["script-src"] == ["'self'"]
    assert "'unsafe-inline'" in policy["style-src"]
    assert re.findall(rb"<script(?![^>]*\bsrc=)[^>]*>", page.content) == []
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle" in script.content


def test_plain_http_is_redirected_to_https_except_the_health_probe(client, settings):
    settings.SECURE_SSL_REDIRECT = True

    page = client.get("/companies/")
    health = client.get("/healthz")

    assert page.status_code == 301
    assert page["Location"].startswith("https://")
    assert health.status_code != 301


def test_page_templates_have_no_inline_scripts_or_style_attributes():
    # Letters, e-mails and print sheets are rendered for WeasyPrint and mail clients, not pages.
    skipped = {"letters", "emails", "print"}
    offenders = []
    for path in (ROOT / "templates").rglob("*.html"):
        if skipped & set(path.relative_to(ROOT / "templates").parts):
            continue
        text = path.read_text()
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>|\sstyle=|<style|\son[a-z]+=", text):
            offenders.append(str(path.relative_to(ROOT)))

    assert offenders == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_swagger_ui_renders_in_chromium_under_the_policy(live_server, browser, client):
    client.force_login(UserFactory(role=MANAGER))
    session = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    context = browser.new_context()
    context.add_cookies(
        [{"name": django_settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
    )
    page = context.new_page()
    violations = []
    page.on(
        "console",
        lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None,
    )

    page.goto(f"{live_server.url}/api/docs/")
    page.get_by_text("/api/v1/companies/").first.wait_for(timeout=15000)

    context.close()
    assert violations == []
