"""The tokens in reply and bounce addresses: made by one key, checked under every key we keep, so
keys can rotate while replies to old letters keep arriving."""

import pytest

from warnings_app.domain.mail_tokens import (
    TOKEN_LENGTH,
    AddressToken,
    bounce_detail,
    read_detail,
    reply_detail,
)

OLD = "k1:an-old-secret-of-enough-length"
NEW = "k2:a-new-secret-of-enough-length!"


def test_a_reply_detail_names_its_notice_and_checks_out(settings):
    settings.MAIL_TOKEN_KEYS = [NEW, OLD]
    detail = reply_detail("WN-2026-000004")

    assert detail.startswith("wn-2026-000004-k2-")
    assert len(detail.rsplit("-", 1)[1]) == TOKEN_LENGTH
    assert read_detail(detail) == AddressToken(reference="WN-2026-000004", valid=True)
    assert read_detail(detail.upper()) == AddressToken(reference="WN-2026-000004", valid=True)


def test_tokens_differ_by_notice_purpose_and_key(settings):
    settings.MAIL_TOKEN_KEYS = [NEW]
    one, two = reply_detail("WN-2026-000004"), reply_detail("WN-2026-000005")
    assert one.rsplit("-", 1)[1] != two.rsplit("-", 1)[1]
    # A reply token cannot be replayed as another notice's, nor as a bounce token.
    forged = two.rsplit("-", 1)[0] + "-" + one.rsplit("-", 1)[1]
    assert read_detail(forged).valid is False
    assert read_detail(bounce_detail(4)) == AddressToken(attempt_id=4, valid=True)
    assert read_detail("b-5-" + bounce_detail(4).split("-", 2)[2]).valid is False


def test_after_a_rotation_old_tokens_still_check_out_and_new_ones_use_the_new_key(settings):
    settings.MAIL_TOKEN_KEYS = [OLD]
    old_reply, old_bounce = reply_detail("WN-2026-000004"), bounce_detail(9)
    settings.MAIL_TOKEN_KEYS = [NEW, OLD]

    assert read_detail(old_reply).valid
    assert read_detail(old_bounce).valid
    assert "-k2-" in reply_detail("WN-2026-000004")
    settings.MAIL_TOKEN_KEYS = [NEW]  # the old key dropped: its tokens no longer prove anything
    assert read_detail(old_reply) == AddressToken(
        reference="WN-2026-000004", valid=False, problem="unknown key “k1”"
    )


def test_without_configured_keys_one_is_derived_from_the_secret_key(settings):
    settings.MAIL_TOKEN_KEYS = []
    detail = reply_detail("WN-2026-000004")
    assert "-s1-" in detail
    settings.SECRET_KEY = "another-secret-key-entirely-different"
    assert read_detail(detail).valid is False


@pytest.mark.parametrize("keys", [["nocolon"], ["k1:short"], ["bad id:a-secret-of-enough-length"]])
def test_a_malformed_key_setting_is_refused_with_its_rule(settings, keys):
    settings.MAIL_TOKEN_KEYS = keys
    with pytest.raises(ValueError, match="each key is id:secret"):
        reply_detail("WN-2026-000004")


@pytest.mark.parametrize(
    "detail", ["", "hello", "WN-2026-000004", "b-1", "x" * 500, "wn-1-s1-" + "1" * TOKEN_LENGTH]
)
def test_anything_else_is_none_of_ours(detail):
    assert read_detail(detail) is None
