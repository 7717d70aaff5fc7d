"""axe-core in a real Chromium: the engine's script comes from the axe-playwright-python package
(installed from PyPI with the test tools), injected into each page and run there."""

import importlib.util
import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client

BLOCKING_IMPACTS = ("serious", "critical")


def axe_script() -> Path:
    """The path of axe.min.js as the installed package ships it."""
    spec = importlib.util.find_spec("axe_playwright_python")
    assert spec is not None, "axe-playwright-python is not installed (make test installs it)"
    assert spec.origin is not None
    script = Path(spec.origin).parent / "axe.min.js"
    assert script.is_file(), f"{script} is missing from the axe-playwright-python package"
    return script


def blocking_violations(page: Any) -> list[dict[str, Any]]:
    """axe's violations of impact serious or critical on the page as it stands now."""
    page.add_script_tag(path=str(axe_script()))
    result = page.evaluate(
        "async () => { const r = await axe.run(document, {resultTypes: ['violations']});"
        " return r.violations; }"
    )
    return [v for v in result if v.get("impact") in BLOCKING_IMPACTS]


def describe(url: str, violations: list[dict[str, Any]]) -> str:
    """The violations as a person fixing them needs them: rule id, help and the elements."""
    lines = []
    for violation in violations:
        lines.append(f"{url}: {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:5]:
            lines.append(f"    {json.dumps(node['target'])} {node.get('failureSummary', '')}")
    return "\n".join(lines)


def axe_context(browser: Any, **options: Any) -> Any:
    """A browser context that lets the test inject axe's script despite the pages' CSP (the
    script is the test's, not the page's: the pages themselves stay as served)."""
    return browser.new_context(bypass_csp=True, **options)


def logged_in_context(browser: Any, base_url: str, username: str, **options: Any) -> Any:
    """An axe_context carrying `username`'s session (logged in through Django's test client,
    which is what the login form would have done)."""
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    context = axe_context(browser, **options)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": base_url,
            }
        ]
    )
    return context
