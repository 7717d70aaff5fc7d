import csv
import hashlib
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfReader

from tests.factories import UserFactory
from tests.letters_helpers import notice_with_schedule, pdf_text
from warnings_app import services
from warnings_app.models import Contact, DeliveryAttempt, PrintBatch
from warnings_app.models.lifecycle import NoticeStatus
from warnings_app.services.delivery.queue import notice_queue
from warnings_app.services.delivery.send import notice_deliver
from warnings_app.services.printing import print_batch_create, print_batch_hand_over

pytestmark = pytest.mark.django_db


def _queued_postal(**kwargs):
    notice = notice_with_schedule(works=2, channels=["post"], **kwargs)
    notice = services.notice_render(notice=notice, by=None)
    notice = services.notice_approve(notice=notice, by=UserFactory(role="Legal"))
    return notice_queue(notice=notice, by=None)


def _batch_file(field) -> bytes:
    from django.core.files.storage import default_storage

    with default_storage.open(field.name, "rb") as handle:
        return handle.read()


def test_a_print_batch_merges_letters_with_separators_and_a_manifest():
    first, second = _queued_postal(), _queued_postal(legal_name="Second Audio GmbH")
    clerk = UserFactory(role="Paralegal")

    batch = print_batch_create(channel="post", by=clerk)

    merged = _batch_file(batch.pdf)
    assert hashlib.sha256(merged).hexdigest() == batch.pdf_sha256
    reader = PdfReader(io.BytesIO(merged))
    assert len(reader.pages) == batch.pages == first.pdf_pages + second.pdf_pages + 2
    text = pdf_text(merged)
    assert f"Print batch {batch.code} — item 1 of 2" in text
    assert "Second Audio GmbH" in text
    rows = list(csv.DictReader(io.StringIO(_batch_file(batch.manifest).decode())))
    assert [r["reference"] for r in rows] == sorted([first.reference, second.reference])
    assert rows[0]["letter_sha256"] in (first.pdf_sha256, second.pdf_sha256)
    first_page = int(rows[0]["first_page"]) - 1
    assert first.reference in pdf_text_of_page(reader, first_page)
    assert batch.attempts.filter(outcome="pending").count() == 2
    with pytest.raises(services.ServiceError, match="no letter is waiting"):
        print_batch_create(channel="post", by=clerk)


@pytest.mark.parametrize("start", ["+", "-", "@", "\t", "\r"])
def test_the_manifest_neutralises_formulas_in_names_and_addresses(start):
    """The mail house opens the manifest in a spreadsheet: a company's name or address must
    never run there. Each cell comes out as the exports write it, behind an apostrophe."""
    evil = '=HYPERLINK("http://evil","x")'
    notice = notice_with_schedule(works=1, channels=["post"], legal_name=evil)
    Contact.objects.filter(company=notice.company).update(
        name=f"{start}cmd|' /C calc'!A0", address_line1=f"{start}1 Hafenstraße"
    )
    notice = services.notice_render(notice=notice, by=None)
    notice = services.notice_approve(notice=notice, by=UserFactory(role="Legal"))
    notice_queue(notice=notice, by=None)

    batch = print_batch_create(channel="post", by=UserFactory(role="Paralegal"))

    manifest = _batch_file(batch.manifest).decode()
    [row] = list(csv.DictReader(io.StringIO(manifest, newline="")))
    assert row["company"] == "'" + evil
    assert row["addressee"] == f"'{start}cmd|' /C calc'!A0"
    assert row["address"].startswith(f"'{start}1 Hafenstraße / ")
    assert row["reference"] == notice.reference
    assert row["pages"] == str(notice.pdf_pages)


def pdf_text_of_page(reader, index: int) -> str:
    return " ".join(reader.pages[index].extract_text().split())


def test_the_email_worker_leaves_postal_letters_alone(smtp_server):
    notice = _queued_postal()

    outcome = notice_deliver(notice_id=notice.pk, worker="w1")

    assert outcome == "skipped"
    assert smtp_server.handler.received == []


def test_handing_over_marks_postal_letters_sent_and_tracking_marks_them_delivered(client):
    notice = _queued_postal()
    clerk = UserFactory(role="Paralegal")
    batch = print_batch_create(channel="post", by=clerk)

    print_batch_hand_over(batch=batch, by=clerk)
    with pytest.raises(services.ServiceError, match="already handed"):
        print_batch_hand_over(batch=batch, by=clerk)
    client.force_login(clerk)
    bad = SimpleUploadedFile(
        "t.csv",
        b"reference,tracking_number,carrier,delivered_on\n"
        b"WN-1999-000001,RR1,Royal Mail,2026-05-20\n",
    )
    client.post(reverse("printbatch_tracking", args=[batch.pk]), {"tracking": bad})
    good = SimpleUploadedFile(
        "t.csv",
        (
            "reference,tracking_number,carrier,delivered_on\n"
            f"{notice.reference},RR123456789GB,Royal Mail,2026-05-20\n"
        ).encode(),
    )
    client.post(reverse("printbatch_tracking", args=[batch.pk]), {"tracking": good})

    notice.refresh_from_db()
    attempt = DeliveryAttempt.objects.get(notice=notice, channel="post")
    assert attempt.outcome == DeliveryAttempt.Outcome.ACCEPTED
    assert attempt.tracking_number == "RR123456789GB"
    assert str(attempt.delivered_on) == "2026-05-20"
    assert notice.status == NoticeStatus.DELIVERED
    assert PrintBatch.objects.get().status == PrintBatch.Status.HANDED_OVER


def test_a_tracking_file_with_one_bad_row_records_nothing(client):
    notice = _queued_postal()
    clerk = UserFactory(role="Paralegal")
    batch = print_batch_create(channel="post", by=clerk)
    client.force_login(clerk)
    upload = SimpleUploadedFile(
        "t.csv",
        (
            "reference,tracking_number,carrier,delivered_on\n"
            f"{notice.reference},RR1,Royal Mail,2026-05-20\n"
            f"{notice.reference},RR2,Royal Mail,20/05/2026\n"
        ).encode(),
    )

    response = client.post(
        reverse("printbatch_tracking", args=[batch.pk]), {"tracking": upload}, follow=True
    )

    assert "row 3: delivered_on “20/05/2026” is not a YYYY-MM-DD date" in response.content.decode()
    assert DeliveryAttempt.objects.get(notice=notice).tracking_number == ""


def test_a_print_batch_downloads_verified_and_audited_and_an_altered_file_is_refused(client):
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from warnings_app.models import AuditEvent

    _queued_postal()
    clerk = UserFactory(role="Paralegal")
    batch = print_batch_create(channel="post", by=clerk)
    client.force_login(clerk)

    pdf = client.get(reverse("printbatch_pdf", args=[batch.pk]))
    manifest = client.get(reverse("printbatch_manifest", args=[batch.pk]))

    assert pdf.status_code == 200
    assert hashlib.sha256(pdf.content).hexdigest() == batch.pdf_sha256
    assert pdf["X-Content-SHA256"] == batch.pdf_sha256
    assert pdf["Content-Disposition"].startswith("attachment;")
    assert manifest.content == _batch_file(batch.manifest)
    assert manifest["X-Content-SHA256"] == batch.manifest_sha256
    downloads = AuditEvent.objects.filter(
        verb__startswith="print_batch.", verb__endswith="_downloaded"
    )
    assert sorted(downloads.values_list("verb", flat=True)) == [
        "print_batch.manifest_downloaded",
        "print_batch.pdf_downloaded",
    ]

    default_storage.delete(batch.manifest.name)
    default_storage.save(batch.manifest.name, ContentFile(b"reference\nWN-FORGED\n"))
    altered = client.get(reverse("printbatch_manifest", args=[batch.pk]))

    assert altered.status_code == 409
    assert "does not match its recorded SHA-256" in altered.content.decode()
    assert downloads.count() == 2  # a refused file is not recorded as downloaded
