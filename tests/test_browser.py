"""Smoke test in a real Chromium: each demo role logs in and sees its navigation."""

import pytest
from playwright.sync_api import expect

from warnings_demo import demo_data
from warnings_demo.demo import demo_seed

EXPECTED_NAV = {
    "Legal": [
        "Home",
        "Dashboard",
        "Companies",
        "New company",
        "Artists",
        "Work queue",
        "Campaigns",
        "Licences",
        "Templates",
        "Print",
        "Audit log",
        "Role requests",
    ],
    "Paralegal": [
        "Home",
        "Companies",
        "New company",
        "Artists",
        "Work queue",
        "Campaigns",
        "Licences",
        "Templates",
        "Print",
    ],
    "Manager": [
        "Home",
        "Dashboard",
        "Companies",
        "Artists",
        "Campaigns",
        "Licences",
        "Templates",
        "Print",
    ],
    "Admin": [
        "Home",
        "Dashboard",
        "Companies",
        "New company",
        "Artists",
        "Work queue",
        "Campaigns",
        "Templates",
        "Print",
        "Audit log",
        "Accounts",
        "Role requests",
        "Administration",
    ],
}


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


def _log_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(demo_data.demo_password(username))
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base_url}/")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_lawyer_edits_a_template_and_a_second_lawyer_approves_it(live_server, browser):
    demo_seed(companies=3)
    author = browser.new_context().new_page()
    _log_in(author, live_server.url, "legal")

    author.get_by_role("link", name="Templates").click()
    author.get_by_role("link", name="Reminder (EN)").click()
    author.get_by_role("button", name="Edit (new draft version)").click()
    body = author.get_by_label("Body")
    body.fill(body.input_value() + "\n\nWe also remind you of our clients' licensing offer.")
    preview = author.frame_locator("#preview-frame")
    expect(preview.locator("body")).to_contain_text("licensing offer", timeout=15_000)
    expect(preview.locator("body")).to_contain_text("Reply by")
    body.fill(body.input_value() + "\n\n{{ recipient.nonsense }}")
    expect(author.get_by_test_id("preview-problems")).to_contain_text(
        "“recipient.nonsense” is not a merge field", timeout=15_000
    )
    body.fill(body.input_value().replace("\n\n{{ recipient.nonsense }}", ""))
    author.get_by_role("button", name="Save draft").click()
    expect(author.get_by_role("status")).to_contain_text("saved")
    author.get_by_role("link", name="Back to versions").click()
    author.get_by_role("button", name="Submit for approval").click()
    expect(author.get_by_role("status")).to_contain_text("submitted for approval")
    expect(author.get_by_text("Awaiting another lawyer's approval")).to_be_visible()

    reviewer = browser.new_context().new_page()
    _log_in(reviewer, live_server.url, "legal2")
    reviewer.get_by_role("link", name="Templates").click()
    reviewer.get_by_role("link", name="Reminder (EN)").click()
    reviewer.get_by_role("button", name="Approve v2").click()

    expect(reviewer.get_by_role("status")).to_contain_text("approved")
    versions = reviewer.get_by_test_id("versions")
    expect(versions.locator("tr", has_text="v2")).to_contain_text("Approved")
    expect(versions.locator("tr", has_text="v1")).to_contain_text("Retired")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_campaign_is_created_generated_approved_and_delivered(
    live_server, browser, smtp_server, redis_broker
):
    from tests.conftest import require_postgres
    from tests.worker import Worker, purge_broker, wait_for
    from warnings_app.models import Company

    require_postgres()
    demo_seed(companies=20)
    domains = "\n".join(Company.objects.values_list("domain", flat=True))
    purge_broker()
    worker = Worker(smtp_port=smtp_server.port, concurrency=2).start()
    try:
        author = browser.new_context().new_page()
        _log_in(author, live_server.url, "legal")
        author.get_by_role("link", name="Campaigns").click()
        author.get_by_role("link", name="New campaign").click()
        author.get_by_label("Name").first.fill("Wave one")
        author.get_by_label("Letter (approved template version)").select_option(
            label="Initial notice (EN) v1"
        )
        author.get_by_label("Principals").select_option(index=[0, 1])
        author.get_by_label("Works").select_option(index=list(range(5)))
        author.get_by_label("Domains").fill(domains)
        author.get_by_role("button", name="Create campaign").click()
        generate = author.get_by_role("button", name="Generate")
        letters = int(generate.inner_text().split()[1])
        generate.click()
        expect(author.get_by_test_id("progress-text")).to_contain_text(
            f"{letters} done · 0 failed · 0 remaining of {letters}", timeout=120_000
        )
        expect(author.get_by_test_id("campaign-status")).to_have_text("In review", timeout=15_000)

        reviewer = browser.new_context().new_page()
        _log_in(reviewer, live_server.url, "legal2")
        reviewer.get_by_role("link", name="Campaigns").click()
        reviewer.get_by_role("link", name="Wave one").click()
        reviewer.get_by_role("link", name=f"Approve all {letters}…").click()
        reviewer.get_by_role("button", name=f"Approve {letters} letters").click()
        expect(reviewer.get_by_role("status")).to_contain_text(f"{letters} letter(s) approved")
        reviewer.get_by_role("link", name=f"Send {letters} approved letters…").click()
        reviewer.get_by_role("button", name=f"Send {letters} letters").click()
        expect(reviewer.get_by_role("status")).to_contain_text(f"{letters} letter(s) queued")

        assert wait_for(lambda: len(smtp_server.handler.received) >= letters, 120)
        assert len(set(smtp_server.handler.message_ids())) == letters
    finally:
        worker.stop()
        purge_broker()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_paralegal_matches_and_classifies_a_triage_reply_and_the_queue_shrinks(
    live_server, browser
):
    from django.utils import timezone

    from tests.factories import UserFactory, make_notice
    from warnings_app.models import Notice, Response

    demo_seed(companies=3)
    notice = make_notice()
    Notice.objects.filter(pk=notice.pk).update(
        status="sent", approved_by=UserFactory(role="Legal"), sent_at=timezone.now()
    )
    Response.objects.create(
        channel="email",
        matched_by="unmatched",
        received_at=timezone.now(),
        sender="gc@somewhere.example",
        subject="Your letter of last week",
        body_text="We will stop using the recordings and keep all evidence.",
    )
    page = browser.new_context().new_page()
    _log_in(page, live_server.url, "paralegal")

    page.get_by_test_id("main-nav").get_by_role("link", name="Work queue").click()
    triage = page.locator('[data-count="triage"]')
    unclassified = page.locator('[data-count="unclassified"]')
    expect(triage).to_have_text("1")
    page.get_by_role("link", name="Your letter of last week").click()
    page.get_by_label("Notice reference").fill(notice.reference)
    page.get_by_role("button", name="Match", exact=True).click()
    expect(page.locator("#reply-notice")).to_contain_text(notice.reference)

    page.get_by_label("Outcome").select_option("complied")
    page.get_by_label("Undertaking to stop", exact=True).select_option("yes")
    page.get_by_label("Preservation of evidence", exact=True).select_option("yes")
    page.get_by_label("Undertaking to stop: note").fill("in writing, signed by the GC")
    page.get_by_role("button", name="Save classification").click()
    expect(page.locator("#reply-outcome")).to_contain_text("Complied")
    expect(page.get_by_text("Undertaking to stop: Yes")).to_be_visible()

    page.get_by_role("link", name="← Work queue").click()
    expect(triage).to_have_text("0")
    expect(unclassified).to_have_text("0")
    reply = Response.objects.get()
    assert {d.demand: d.answer for d in reply.demands.all()} == {
        "undertaking": "yes",
        "preservation": "yes",
    }
    assert Notice.objects.get(pk=notice.pk).status == "resolved"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_manager_filters_the_dashboard_by_segment_and_downloads_those_rows(
    live_server, browser, tmp_path
):
    from openpyxl import load_workbook

    from tests.report_helpers import CASES, known_letters
    from warnings_app.reports.dashboard.rollup import figures_refresh

    demo_seed(companies=0)
    _, notices = known_letters()
    figures_refresh()
    models = {c["key"]: notices[c["key"]] for c in CASES if c["seg"] == "foundation_model"}
    page = browser.new_context(accept_downloads=True).new_page()
    _log_in(page, live_server.url, "manager")

    page.get_by_test_id("main-nav").get_by_role("link", name="Dashboard").click()
    issued = page.locator('[data-tile="issued"] .tile-figure')
    funnel = page.locator('[data-chart="funnel"] rect').first
    expect(issued).to_have_text(str(len(CASES)))
    expect(funnel).to_have_attribute("data-value", str(len(CASES)))
    expect(page.locator('[data-chart="outcomes_by_segment"] text.chart-label')).to_have_count(2)

    page.get_by_label("Segment", exact=True).select_option("foundation_model")
    page.get_by_role("button", name="Show").click()
    expect(issued).to_have_text(str(len(models)))
    expect(funnel).to_have_attribute("data-value", str(len(models)))
    expect(page.locator('[data-chart="outcomes_by_segment"] text.chart-label')).to_have_text(
        ["Foundation model"]
    )

    with page.expect_download() as download:
        page.get_by_test_id("export-notices-xlsx").click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    sheet = load_workbook(path, read_only=True).active
    header, *rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    segment = header.index("Segment")
    assert sorted(row[header.index("Reference")] for row in rows) == sorted(
        n.reference for n in models.values()
    )
    assert {row[segment] for row in rows} == {"Foundation model"}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_paralegal_previews_and_imports_a_spreadsheet_of_companies(
    live_server, browser, tmp_path
):
    import openpyxl

    demo_seed(companies=3)
    workbook = openpyxl.Workbook()
    workbook.active.append(["Legal name", "Country", "Website", "Contact email"])
    workbook.active.append(
        ["Müller Tonträger GmbH", "DE", "https://mueller-ton.de", "legal@mueller-ton.de"]
    )
    workbook.active.append(["Société Générale de Son", "France", "sgs-son.fr", ""])
    path = tmp_path / "new-companies.xlsx"
    workbook.save(path)
    page = browser.new_context().new_page()
    _log_in(page, live_server.url, "paralegal")

    page.get_by_test_id("main-nav").get_by_role("link", name="Companies").click()
    page.get_by_role("link", name="Import").click()
    page.get_by_label("Spreadsheet").set_input_files(str(path))
    page.get_by_role("button", name="Preview").click()

    plan = page.get_by_test_id("import-plan")
    expect(plan.get_by_role("row", name="Müller Tonträger GmbH")).to_contain_text("Create company")
    expect(plan.get_by_role("row", name="Müller Tonträger GmbH")).to_contain_text("Create contact")
    expect(plan.get_by_role("row", name="Société Générale de Son")).to_contain_text(
        "Create company"
    )
    page.get_by_role("button", name="Import 2 rows").click()
    page.wait_for_url(f"{live_server.url}/companies/")
    expect(page.get_by_role("link", name="Müller Tonträger GmbH")).to_be_visible()
    expect(page.get_by_role("link", name="Société Générale de Son")).to_be_visible()
    assert page.get_by_test_id("result-count").inner_text() == "5 companies"
