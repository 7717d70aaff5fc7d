import pytest

from warnings_app.domain.normalise import company_name_key, normalise_domain


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://www.Example.AI/about", "example.ai"),
        ("EXAMPLE.ai.", "example.ai"),
        ("sub.example.co.uk:8443/x?y", "sub.example.co.uk"),
        ("münchen.example", "xn--mnchen-3ya.example"),
        ("straße.example", "xn--strae-oqa.example"),  # not folded into strasse.example
        ("", ""),
    ],
)
def test_normalise_domain(raw, expected):
    assert normalise_domain(raw) == expected


@pytest.mark.parametrize(
    "raw",
    ["foo", "1.2.3.4", "http://[::1]/", "-bad-.example", "a" * 64 + ".example", "exa mple.com"],
)
def test_normalise_domain_refuses_what_is_not_a_domain(raw):
    with pytest.raises(ValueError, match=r"not a valid domain|IP address|web address"):
        normalise_domain(raw)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("ACME A.I. Limited", "Acme AI Ltd"),
        ("Sonic Lattice GmbH", "sonic lattice"),
        ("Zürich Audio AG", "Zurich Audio"),
        ("Voxel, Inc.", "VOXEL INC"),
    ],
)
def test_company_name_key_ignores_case_punctuation_and_legal_form(a, b):
    assert company_name_key(a) == company_name_key(b)


def test_company_name_key_keeps_a_name_that_is_only_a_legal_form():
    assert company_name_key("Ltd") == "ltd"
