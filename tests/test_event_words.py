"""Every audit verb the code writes has a sentence, and the pages show sentences, not codes."""

import ast
import csv
import io
import re
from pathlib import Path

import pytest
from django.urls import reverse

from tests.factories import UserFactory, make_notice
from warnings_app.domain import event_words
from warnings_app.domain.roles import LEGAL
from warnings_app.models.lifecycle import TRANSITIONS
from warnings_app.services.audit import audit_record

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [ROOT / "warnings_app", ROOT / "warnings_demo"]
_FILE_NAME = re.compile(r"\.(csv|pdf|json|zip|txt|html)$")
# The f-string in views/printing.py: one verb per kind of file a print batch offers.
_PRINT_KINDS = ("pdf", "manifest")


def _python_files() -> list[Path]:
    return [path for root in SOURCES for path in root.rglob("*.py")]


def _namespaces() -> set[str]:
    """The first word of every verb written literally (`verb="campaign.created"`)."""
    found: set[str] = set()
    for path in _python_files():
        found.update(re.findall(r'verb="([a-z0-9_]+)\.', path.read_text()))
    return found


def verbs_in_source() -> set[str]:
    """Every string in the app that has the shape of a verb in a namespace the code audits."""
    shape = re.compile(r"^(" + "|".join(sorted(_namespaces())) + r")\.[a-z0-9_]+$")
    verbs: set[str] = set()
    for path in _python_files():
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            text = node.value if isinstance(node, ast.Constant) else None
            if isinstance(text, str) and shape.match(text) and not _FILE_NAME.search(text):
                verbs.add(text)
    verbs.update(t.verb for t in TRANSITIONS.values())
    verbs.update(f"print_batch.{kind}_downloaded" for kind in _PRINT_KINDS)
    return verbs


def test_the_scan_finds_verbs_written_in_each_way():
    verbs = verbs_in_source()

    assert "campaign.created" in verbs  # verb="..."
    assert "notice.claim" in verbs  # a transition of the state machine
    assert "account.2fa_device_confirmed" in verbs  # assigned to a variable first
    assert "print_batch.manifest_downloaded" in verbs  # an f-string
    assert "demo.seeded" in verbs  # the development tools write to the same log
    assert len(verbs) > 100


def test_every_verb_the_code_writes_has_a_sentence():
    missing = sorted(v for v in verbs_in_source() if v not in event_words.SENTENCES)

    assert missing == []


def test_sentences_are_words_not_codes():
    for verb, text in event_words.SENTENCES.items():
        assert "_" not in text, verb
        assert "." not in text, verb
        assert text[0].isupper(), verb


def test_a_transition_reads_as_a_sentence_with_its_states_as_labels():
    assert event_words.sentence("notice.claim") == "Sending started"
    assert event_words.change("queued", "sending") == "Queued → Sending"
    assert event_words.change("needs_reconciliation", "sent") == "Needs reconciliation → Sent"
    assert event_words.change("", "draft") == "now Draft"
    assert event_words.sentence("notice.unheard_of") == "Notice: unheard of"


@pytest.mark.django_db
def test_the_notice_timeline_shows_sentences_and_names(client):
    lawyer = UserFactory(role=LEGAL, first_name="Ada", last_name="Lovelace")
    notice = make_notice()
    audit_record(
        actor=lawyer,
        verb="notice.claim",
        target=notice,
        from_state="queued",
        to_state="sending",
        data={"lease": "w1"},
    )
    client.force_login(lawyer)

    page = client.get(reverse("notice_detail", args=[notice.pk])).content.decode()

    assert "Sending started (Queued → Sending) by Ada Lovelace" in page
    assert "notice.claim" not in page.split("<details")[0]
    assert "(queued → sending)" not in page


@pytest.mark.django_db
def test_the_audit_log_shows_people_and_sentences_with_raw_data_folded(client):
    lawyer = UserFactory(role=LEGAL, first_name="Ada", last_name="Lovelace")
    notice = make_notice()
    audit_record(
        actor=lawyer,
        verb="notice.held",
        target=notice,
        data={"reason": "talks with their counsel"},
    )
    client.force_login(lawyer)

    page = client.get(reverse("audit_log")).content.decode()

    row = page.split('data-testid="audit-events"')[1]
    assert "Put on hold" in row
    assert "Ada Lovelace" in row
    assert f"Letter {notice}" in row
    assert "talks with their counsel" in row
    assert "warnings_app.notice" not in row.split("<details")[0]
    assert "{&#x27;reason&#x27;" not in row.split("<details")[0]
    assert "<details" in row


@pytest.mark.django_db
def test_the_audit_download_keeps_the_record_and_adds_the_sentence(client):
    lawyer = UserFactory(role=LEGAL, first_name="Ada", last_name="Lovelace")
    notice = make_notice()
    audit_record(
        actor=lawyer,
        verb="notice.approve",
        target=notice,
        from_state="rendered",
        to_state="approved",
    )
    client.force_login(lawyer)

    content = client.get(reverse("audit_export")).content.decode("utf-8-sig")

    header, *rows = list(csv.reader(io.StringIO(content, newline="")))
    [row] = [
        r
        for r in (dict(zip(header, r, strict=True)) for r in rows)
        if r["verb"] == "notice.approve"
    ]
    assert header[:4] == ["id", "created_at", "actor", "verb"]
    assert row["verb"] == "notice.approve"
    assert row["description"] == "Letter approved (Rendered → Approved) by Ada Lovelace"


@pytest.mark.django_db
def test_the_company_page_shows_its_history_in_words(client):
    lawyer = UserFactory(role=LEGAL, first_name="Ada", last_name="Lovelace")
    company = make_notice().company
    audit_record(actor=lawyer, verb="company.updated", target=company, data={"fields": ["notes"]})
    client.force_login(lawyer)

    page = client.get(reverse("company_detail", args=[company.pk])).content.decode()

    history = page.split('data-testid="history-events"')[1]
    assert "Company details changed by Ada Lovelace" in history
    assert "company.updated" not in history.split("<details")[0]
