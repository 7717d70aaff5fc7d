"""The usage report pages in a real Chromium: a paralegal uploads a report with a bad row and
sees it named, then a good one and sees its findings; the licence's findings with the
company's answers fit a phone's width. Screenshots at 1440 and 390 px."""

import pytest
from playwright.sync_api import expect

from tests.test_browser_template_editor import _log_in, _shot
from tests.usage_files import csv_bytes, five_hundred_rows, seeded_licence
from warnings_demo.demo import demo_seed


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("width", [1440, 390])
def test_a_paralegal_imports_a_usage_report_and_reads_its_findings(
    live_server, browser, width, tmp_path
):
    demo_seed(companies=1)
    seeded = five_hundred_rows(seeded_licence())
    good = tmp_path / "usage.csv"
    good.write_bytes(csv_bytes(seeded.rows))
    seeded.rows[5][4] = "mining"
    bad = tmp_path / "usage-bad.csv"
    bad.write_bytes(csv_bytes(seeded.rows))
    page = browser.new_context(viewport={"width": width, "height": 900}).new_page()
    _log_in(page, live_server.url, "paralegal")

    page.goto(f"{live_server.url}/licences/{seeded.licence.pk}/usage-reports/new/")
    page.get_by_label("Report's period: first day").fill(seeded.period_start.isoformat())
    page.get_by_label("Report's period: last day").fill(seeded.period_end.isoformat())
    page.get_by_label("Usage report").set_input_files(str(bad))
    page.get_by_role("button", name="Check and import").click()
    expect(page.get_by_test_id("import-problems")).to_contain_text("Unknown use “mining”")
    _shot(page, f"usage-report-refused-{width}")
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    page.get_by_label("Usage report").set_input_files(str(good))
    page.get_by_role("button", name="Check and import").click()
    expect(page.get_by_test_id("finding-counts")).to_contain_text("Use not granted: 3")
    _shot(page, f"usage-report-detail-{width}")
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    page.get_by_role("link", name="All findings of this licence").click()
    expect(page.get_by_test_id("transparency")).to_contain_text("cannot know")
    _shot(page, f"licence-findings-{width}")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
