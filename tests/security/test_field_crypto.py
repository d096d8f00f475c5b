"""Field encryption: round trip on both algorithms, tampering refused, keys rotate."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from app.keys import keys_from_secrets
from app.secrets import ensure_keys, read_secrets, rotate_key
from db.crypto import AES_256_GCM, SM4_GCM, FieldCipher, FieldCryptoError, is_envelope, sm4_gcm_available

COLUMN = "case.applicant_id_number"
ID = "310115198506150030"


def _cipher(algorithm: str, **keys: bytes) -> FieldCipher:
    keys = keys or {"1": os.urandom(32)}
    return FieldCipher(keys, max(keys), lookup_key=b"lookup-key-0123456789", algorithm=algorithm)


def test_this_build_offers_sm4_gcm_and_uses_it_by_default() -> None:
    # cryptography 51 on OpenSSL 3 has SM4; the AES fallback is for builds without it.
    assert sm4_gcm_available()
    assert FieldCipher({"1": bytes(32)}, "1").algorithm == SM4_GCM


@pytest.mark.parametrize("algorithm", [SM4_GCM, AES_256_GCM])
def test_round_trip_text_and_bytes(algorithm: str) -> None:
    c = _cipher(algorithm)
    for plain in (ID, "13812345678", "上海市浦东新区演示路88弄8号", "x" * 5000):
        token = c.encrypt(plain, COLUMN)
        assert is_envelope(token) and token.split(":")[1] == algorithm
        assert plain not in token
        assert c.decrypt(token, COLUMN) == plain
    photo = os.urandom(1024)
    assert c.decrypt_bytes(c.encrypt_bytes(photo, "case.photo"), "case.photo") == photo
    assert c.encrypt("", COLUMN) == "" and c.decrypt("", COLUMN) == ""
    # A fresh nonce each time: equal values do not give equal ciphertexts.
    assert c.encrypt(ID, COLUMN) != c.encrypt(ID, COLUMN)


@pytest.mark.parametrize("algorithm", [SM4_GCM, AES_256_GCM])
def test_tampering_is_refused(algorithm: str) -> None:
    c = _cipher(algorithm)
    token = c.encrypt(ID, COLUMN)
    head, body = token.rsplit(":", 1)
    flipped = body[:5] + ("A" if body[5] != "A" else "B") + body[6:]
    with pytest.raises(FieldCryptoError, match="fails authentication") as info:
        c.decrypt(f"{head}:{flipped}", COLUMN)
    assert ID not in str(info.value)
    with pytest.raises(FieldCryptoError, match="fails authentication"):
        c.decrypt(token, "case.applicant_phone")  # moved to another column
    with pytest.raises(FieldCryptoError, match="fails authentication"):
        _cipher(algorithm).decrypt(token, COLUMN)  # another site's key with the same id
    parts = token.split(":")
    with pytest.raises(FieldCryptoError, match="does not have"):
        c.decrypt(":".join([parts[0], parts[1], "9", *parts[3:]]), COLUMN)
    for bad in (
        "v1:sm4gcm:1:!!:??",
        "v1:rot13:1:AAAAAAAAAAAAAAAA:AAAAAAAAAAAAAAAAAAAAAAAA",
        "plain",
        "v1:a:b",
    ):
        with pytest.raises(FieldCryptoError):
            c.decrypt(bad, COLUMN)


def test_rotation_old_key_ids_still_decrypt_new_writes_use_the_new_key(tmp_path: Path) -> None:
    path = tmp_path / "site.secrets"
    ensure_keys(path)
    old = keys_from_secrets(read_secrets(path)).cipher
    token1 = old.encrypt(ID, COLUMN)
    assert token1.split(":")[2] == "1"
    assert rotate_key(path) == "data_key.2"
    new = keys_from_secrets(read_secrets(path)).cipher
    assert new.current == "2"
    token2 = new.encrypt(ID, COLUMN)
    assert token2.split(":")[2] == "2"
    assert new.decrypt(token1, COLUMN) == ID == new.decrypt(token2, COLUMN)
    with pytest.raises(FieldCryptoError):
        old.decrypt(token2, COLUMN)  # the old key set cannot read what the new key wrote
    # Lookups do not change with the data key.
    assert old.lookup_hash(ID) == new.lookup_hash(ID) != ID


def test_algorithms_can_change_per_value() -> None:
    key = {"1": os.urandom(32)}
    sm4, aes = _cipher(SM4_GCM, **key), _cipher(AES_256_GCM, **key)
    assert aes.decrypt(sm4.encrypt(ID, COLUMN), COLUMN) == ID
    assert sm4.decrypt(aes.encrypt(ID, COLUMN), COLUMN) == ID


def test_repr_never_shows_key_material() -> None:
    material = os.urandom(32)
    text = repr(FieldCipher({"1": material}, "1"))
    assert material.hex() not in text and str(material) not in text
