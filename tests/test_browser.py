"""Smoke test in a real Chromium: each demo role logs in and sees its navigation."""

import os
import shutil

import pytest

from warnings_app import demo_data
from warnings_app.services.demo import demo_seed

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
EXPECTED_NAV = {
    "Legal": ["Home", "Companies", "New company", "Templates"],
    "Paralegal": ["Home", "Companies", "New company", "Templates"],
    "Manager": ["Home", "Companies", "Templates"],
    "Admin": ["Home", "Companies", "New company", "Templates", "Administration"],
}


@pytest.fixture
def browser(monkeypatch):
    if not shutil.which("chromium") and not os.path.exists(CHROMIUM):
        if os.environ.get("SKIP_BROWSER_TESTS") and os.environ.get("CI") != "true":
            pytest.skip("SKIP_BROWSER_TESTS set and Chromium is not installed")
        pytest.fail("Chromium is missing: apt-get install chromium (make test does this as root)")
    # Playwright's sync API runs an event loop in this thread; the ORM calls in the test are
    # still plain synchronous calls, so Django's async-safety guard does not apply.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_each_demo_role_logs_in_and_sees_its_navigation(live_server, browser, settings):
    demo_seed(companies=12)

    for username, first_name, _last, role, _staff in demo_data.USERS:
        context = browser.new_context()
        page = context.new_page()
        page.goto(f"{live_server.url}/companies/")
        assert "/accounts/login/" in page.url

        page.get_by_label("User name").fill(username)
        page.get_by_label("Password").fill(demo_data.demo_password(username))
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(f"{live_server.url}/companies/")

        nav = page.get_by_test_id("main-nav").get_by_role("link").all_inner_texts()
        assert nav == EXPECTED_NAV[role], username
        assert page.get_by_test_id("result-count").inner_text() == "12 companies"
        page.get_by_role("link", name="Home").click()
        assert f"Good to see you, {first_name}" in page.locator("h1").inner_text()

        page.get_by_role("button", name="Log out").click()
        page.wait_for_url(f"{live_server.url}/accounts/login/")
        context.close()
