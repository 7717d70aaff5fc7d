"""The development tools (warnings_demo: the demo register, the scale seeder, `runstack`) are
installed only where DEMO_TOOLS is on, which it is by default only with DEBUG: production
settings have no `seed_demo` or `seed_scale`, and the product never imports the tools."""

import os
import subprocess
import sys
from pathlib import Path

from tests.test_deploy import PRODUCTION_ENV

ROOT = Path(__file__).resolve().parent.parent
DEV_COMMANDS = {"seed_demo", "seed_scale", "runstack"}
KEPT = {"PATH", "HOME", "LANG", "DATABASE_URL", "CELERY_BROKER_URL"}


def _manage(*args: str, **env_overrides: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k in KEPT}
    env |= {"DJANGO_SETTINGS_MODULE": "config.settings", "WARNINGS_IGNORE_DOTENV": "1"}
    env |= env_overrides
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _commands(listing: str) -> set[str]:
    return {line.strip() for line in listing.splitlines() if line.startswith("    ")}


def test_production_settings_do_not_install_the_demo_app():
    listing = _manage("help", **PRODUCTION_ENV)
    seeding = _manage("seed_demo", **PRODUCTION_ENV)

    assert listing.returncode == 0, listing.stderr
    assert "[warnings_demo]" not in listing.stdout
    assert "create_api_token" in _commands(listing.stdout)
    assert not DEV_COMMANDS & _commands(listing.stdout)
    assert seeding.returncode != 0
    assert "Unknown command: 'seed_demo'" in seeding.stderr


def test_development_settings_have_the_seeders_and_the_stack():
    listing = _manage("help", DEBUG="true", SECRET_KEY="development-only")

    assert listing.returncode == 0, listing.stderr
    assert "[warnings_demo]" in listing.stdout
    assert _commands(listing.stdout) >= DEV_COMMANDS


def test_demo_tools_can_be_turned_on_without_debug_for_the_benchmarks():
    listing = _manage("help", **PRODUCTION_ENV, DEMO_TOOLS="true")

    assert _commands(listing.stdout) >= DEV_COMMANDS
