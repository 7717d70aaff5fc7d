"""Settings for the test suite: the real settings, read from the same environment, with only
what a test run needs differently. DATABASE_URL and CELERY_BROKER_URL still choose the services."""

import os
import tempfile

# A developer's .env (written by `make run`) must not change the suite; worker processes that
# tests start inherit this too.
os.environ["WARNINGS_IGNORE_DOTENV"] = "1"

os.environ.setdefault("SECRET_KEY", "test-suite-only-not-a-secret")
# A Redis database of its own, so a test run never takes messages meant for a running demo.
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/15")
# The test client and the live server speak plain http; tests/test_deploy.py checks the redirect.
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
# The suite seeds the demo and the scale register (warnings_demo) in production-like settings too.
os.environ.setdefault("DEMO_TOOLS", "true")
# Messages stay in memory (django.core.mail.outbox); integration tests point workers at a loopback
# SMTP server through EMAIL_URL instead. Worker processes inherit this choice.
os.environ.setdefault("EMAIL_URL", "memorymail://")

from config.settings import *  # noqa: F403

# Hashing demo passwords with PBKDF2's full work factor would dominate the run time.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Worker processes started by integration tests get the same folder through the environment.
MEDIA_ROOT = os.environ.get("TEST_MEDIA_ROOT") or tempfile.mkdtemp(prefix="warnings-test-media-")
# Pages render without a collectstatic run; tests/test_serving.py checks the production storage.
# WhiteNoise warns on every request cycle when STATIC_ROOT does not exist: give it an empty one.
STATIC_ROOT = tempfile.mkdtemp(prefix="warnings-test-static-")
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Tests sign in with force_login; tests/test_signin.py switches the second factor on itself.
TWO_FACTOR_ROLES = []
