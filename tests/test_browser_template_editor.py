"""The template editor in a real Chromium: a lawyer finds a merge field in the palette, inserts it
where the cursor is, and the preview beside the text shows it filled in; a syntax mistake is
explained in plain words with a button to its line. Screenshots at 1440 and 390 px go to
SCREENSHOT_DIR (default var/screenshots/)."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from warnings_demo import demo_data
from warnings_demo.demo import demo_seed


def _shot(page: Page, name: str) -> None:
    folder = Path(os.environ.get("SCREENSHOT_DIR") or "var/screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def _log_in(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(demo_data.demo_password(username))
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base_url}/")


def _open_draft(page: Page) -> None:
    page.get_by_role("link", name="Templates").click()
    page.get_by_role("link", name="Reminder (EN)").click()
    page.get_by_role("button", name="Edit (new draft version)").click()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_lawyer_inserts_a_field_from_the_palette_at_the_cursor_and_the_preview_follows(
    live_server, browser
):
    from warnings_app.models import Company

    demo_seed(companies=3)
    first = Company.objects.order_by("legal_name", "pk").first()
    page = browser.new_context(viewport={"width": 1440, "height": 1000}).new_page()
    _log_in(page, live_server.url, "legal")
    _open_draft(page)

    body = page.get_by_label("Body")
    preview = page.frame_locator("#preview-frame").locator("body")
    expect(page.get_by_test_id("preview-ok")).to_be_visible(timeout=15_000)
    # The palette sits beside the text and the preview beside both, all in the first screen.
    palette_box = page.get_by_test_id("merge-palette").bounding_box()
    body_box = body.bounding_box()
    preview_box = page.locator("#preview-frame").bounding_box()
    assert palette_box["x"] + palette_box["width"] <= body_box["x"]
    assert body_box["x"] + body_box["width"] <= preview_box["x"]
    assert preview_box["y"] < 1000

    _shot(page, "template-editor-open-1440")
    body.fill("Dear Sir or Madam,\n\nThe company MARK-HERE was told.\n\nYours faithfully")
    expect(preview).to_contain_text("MARK-HERE", timeout=15_000)
    # Put the cursor just after "MARK-HERE" and find the field by searching the palette.
    body.evaluate(
        "el => { const at = el.value.indexOf('MARK-HERE') + 9; el.setSelectionRange(at, at); }"
    )
    page.get_by_label("Find a field").fill("web domain")
    expect(page.get_by_test_id("merge-palette").get_by_role("button")).to_have_count(1)
    expect(page.locator("#palette-count")).to_have_text("1 field matches")
    page.get_by_role("button", name="Insert recipient.domain").click()

    expect(body).to_have_value(
        "Dear Sir or Madam,\n\nThe company MARK-HERE{{ recipient.domain }} was told.\n\n"
        "Yours faithfully"
    )
    expect(preview).to_contain_text(f"MARK-HERE{first.domain} was told", timeout=15_000)
    _shot(page, "template-editor-1440")

    # A mistake on line 3, explained in plain words, with a button that goes to that line.
    body.fill("Dear Sir or Madam,\n\nThanks.\n{% if %}x{% endif %}\n")
    problems = page.get_by_test_id("preview-problems")
    expect(problems).to_contain_text(
        "Body: Line 4: the condition of this {% if %} or {% elif %} is incomplete",
        timeout=15_000,
    )
    expect(problems).not_to_contain_text("Unexpected end of expression")
    page.get_by_role("button", name="Go to line 4").click()
    expect(page.get_by_test_id("cursor-position")).to_have_text("Body: line 4, column 1")
    assert body.evaluate("el => el.value.slice(el.selectionStart, el.selectionEnd)") == (
        "{% if %}x{% endif %}"
    )
    _shot(page, "template-editor-problem-1440")

    # Saving is refused with the same sentence under the body, and its own button to the line.
    page.get_by_role("button", name="Save draft").click()
    error = page.locator(".field-error")
    expect(error).to_contain_text("Body: Line 4: the condition of this {% if %}")
    body.evaluate("el => el.setSelectionRange(0, 0)")
    error.get_by_role("button", name="Go to line 4").click()
    expect(page.get_by_test_id("cursor-position")).to_have_text("Body: line 4, column 1")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_at_390_px_the_editor_palette_and_preview_stack_without_overflowing(live_server, browser):
    demo_seed(companies=2)
    page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    _log_in(page, live_server.url, "legal")
    page.goto(f"{live_server.url}/templates/")
    page.get_by_role("link", name="Reminder (EN)").click()
    page.get_by_role("button", name="Edit (new draft version)").click()
    expect(page.get_by_test_id("preview-ok")).to_be_visible(timeout=15_000)

    body = page.get_by_label("Body").bounding_box()
    palette = page.get_by_test_id("merge-palette").bounding_box()
    preview = page.locator("#preview-frame").bounding_box()
    assert body["y"] < palette["y"] < preview["y"]
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.get_by_label("Find a field").fill("deadline")
    expect(page.get_by_role("button", name="Insert notice.response_deadline")).to_be_visible()
    _shot(page, "template-editor-390")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_new_template_page_inserts_from_the_palette_into_the_subject_too(live_server, browser):
    demo_seed(companies=1)
    page = browser.new_context(viewport={"width": 1440, "height": 900}).new_page()
    _log_in(page, live_server.url, "legal")
    page.goto(f"{live_server.url}/templates/new/")

    subject = page.get_by_label("Subject")
    subject.fill("Notice  to you")
    subject.evaluate("el => el.setSelectionRange(7, 7)")
    page.get_by_label("Find a field").fill("reference number")
    page.get_by_role("button", name="Insert notice.reference").click()
    page.get_by_label("Find a field").fill("works at issue")
    page.get_by_label("Body").click()
    page.get_by_role("button", name="Insert works", exact=True).click()

    expect(subject).to_have_value("Notice {{ notice.reference }} to you")
    expect(page.get_by_label("Body")).to_have_value(
        "{% for work in works %}\n{{ work.number }}\n{% endfor %}"
    )
    _shot(page, "template-new-1440")
