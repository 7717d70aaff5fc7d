"""The organisation's name, address and logo (ORGANISATION_*): in the page header, on the
artist's private pages, and as the display name of every e-mail's From."""

from email.utils import parseaddr

import pytest
from django.test import Client

from tests.factories import UserFactory
from tests.preference_factories import artist_with_works, make_link
from warnings_app.services.artist_link_parts import link_email

pytestmark = pytest.mark.django_db

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d4944415478da63f8cfc0f01f0005000201e2b3d7a40000000049454e44ae426082"
)


@pytest.fixture
def branded(settings):
    settings.ORGANISATION_NAME = "Northlight Records"
    settings.ORGANISATION_ADDRESS = "1 Quay Street\nAshford"
    settings.DEFAULT_FROM_EMAIL = "Legal Notices <notices@northlight.example>"
    return settings


def test_the_header_names_the_organisation(branded):
    client = Client()
    client.force_login(UserFactory(role="Paralegal"))
    html = client.get("/").content.decode()
    assert 'data-testid="brand">Northlight Records</a>' in html
    assert "<title>" in html
    assert "· Northlight Records</title>" in html


def test_the_artists_page_names_the_organisation_and_its_address(branded):
    artist, _works = artist_with_works()
    _link, token = make_link(artist)
    html = Client().get(f"/choose/{artist.pk}/{token}/").content.decode()
    assert (
        "This page comes from <strong>Northlight Records</strong>, 1 Quay Street, Ashford." in html
    )
    assert "Your label, Northlight Records, asks" in html
    refused = Client().get(f"/choose/{artist.pk}/wrong-token/").content.decode()
    assert "<strong>Northlight Records</strong>" in refused


def test_the_artists_link_email_comes_from_the_organisation_by_name(branded):
    artist, _works = artist_with_works()
    link, token = make_link(artist)
    message = link_email(link, token).message()
    assert parseaddr(message["From"]) == ("Northlight Records", "notices@northlight.example")
    assert "Your label, Northlight Records, asks" in link_email(link, token).body


def test_a_bare_from_address_gets_the_organisations_name(branded):
    from warnings_app.integrations.emails import sender_address

    branded.DEFAULT_FROM_EMAIL = "notices@northlight.example"
    assert sender_address() == "Northlight Records <notices@northlight.example>"
    branded.ORGANISATION_NAME = "Smith, Jones & Co"  # a comma must not split the name
    assert parseaddr(sender_address()) == ("Smith, Jones & Co", "notices@northlight.example")


def test_the_logo_is_served_when_set_and_shown_in_the_header(branded, tmp_path):
    client = Client()
    assert client.get("/organisation/logo").status_code == 404
    logo = tmp_path / "logo.png"
    logo.write_bytes(PNG)
    branded.ORGANISATION_LOGO = str(logo)
    response = client.get("/organisation/logo")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == PNG
    client.force_login(UserFactory(role="Paralegal"))
    assert (
        '<img class="brand-logo" src="/organisation/logo" alt="">'
        in client.get("/").content.decode()
    )


def test_a_logo_that_is_not_an_image_is_not_served(branded, tmp_path):
    secret = tmp_path / "settings.env"
    secret.write_text("SECRET_KEY=x")
    branded.ORGANISATION_LOGO = str(secret)
    assert Client().get("/organisation/logo").status_code == 404
