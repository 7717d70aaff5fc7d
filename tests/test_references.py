import threading

import pytest
from django.db import connection, transaction

from tests.conftest import require_postgres
from tests.factories import (
    CompanyFactory,
    PrincipalFactory,
    TemplateVersionFactory,
    UserFactory,
    make_notice,
)
from warnings_app.models import Notice


@pytest.mark.django_db
def test_references_read_prefix_year_and_six_digits():
    version = TemplateVersionFactory()
    principals = [PrincipalFactory()]
    user = UserFactory()

    first = make_notice(template_version=version, by=user, principals=principals)
    second = make_notice(template_version=version, by=user, principals=principals)

    year = first.created_at.year
    assert first.reference == f"WN-{year}-000001"
    assert second.reference == f"WN-{year}-000002"


@pytest.mark.django_db
def test_a_rolled_back_notice_gives_its_number_back():
    version = TemplateVersionFactory()
    principals = [PrincipalFactory()]
    company = CompanyFactory()

    def create_then_fail():
        with transaction.atomic():
            make_notice(company=company, template_version=version, principals=principals)
            raise RuntimeError("the rest of the request failed")

    with pytest.raises(RuntimeError):
        create_then_fail()
    kept = make_notice(company=company, template_version=version, principals=principals)

    assert kept.reference.endswith("-000001")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_creation_gives_distinct_consecutive_references():
    require_postgres()
    version = TemplateVersionFactory()
    principals = [PrincipalFactory()]
    companies = [CompanyFactory() for _ in range(8)]
    barrier = threading.Barrier(8)
    errors: list[BaseException] = []

    def create_25(company):
        try:
            barrier.wait(timeout=30)
            for _ in range(25):
                make_notice(company=company, template_version=version, principals=principals)
        except BaseException as exc:  # reported below; a thread must not swallow failures
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=create_25, args=(c,)) for c in companies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert not errors
    numbers = sorted(
        int(ref.rsplit("-", 1)[1]) for ref in Notice.objects.values_list("reference", flat=True)
    )
    assert numbers == list(range(1, 201))
