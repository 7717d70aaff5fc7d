"""Stored files get fresh unguessable names of our own, and come back only as they were stored."""

import hashlib

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from warnings_app.services.stored_files import (
    StoredFileAltered,
    stored_file_read_verified,
    stored_file_save,
)

CONTENT = b"%PDF-1.7 a letter"


def test_each_save_gets_a_fresh_name_under_its_folder_and_month():
    names = {stored_file_save(folder="notices", content=CONTENT, extension=".pdf") for _ in "ab"}

    month = f"notices/{timezone.localdate():%Y/%m}/"
    assert len(names) == 2
    assert all(n.startswith(month) and n.endswith(".pdf") for n in names)
    assert all(len(n.removeprefix(month).removesuffix(".pdf")) >= 32 for n in names)


def test_a_file_comes_back_only_while_it_matches_its_recorded_hash():
    name = stored_file_save(folder="notices", content=CONTENT, extension=".pdf")
    sha256 = hashlib.sha256(CONTENT).hexdigest()

    assert stored_file_read_verified(name=name, sha256=sha256) == CONTENT
    default_storage.delete(name)
    default_storage.save(name, ContentFile(CONTENT + b" changed"))
    with pytest.raises(StoredFileAltered):
        stored_file_read_verified(name=name, sha256=sha256)
    default_storage.delete(name)
    with pytest.raises(StoredFileAltered):
        stored_file_read_verified(name=name, sha256=sha256)
