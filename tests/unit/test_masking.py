from __future__ import annotations

from imagetest.core.masking import MASK, mask_data, mask_env_lines, mask_text


def test_mask_data_nested() -> None:
    data = {
        "aap_url": "http://aap:8080",
        "client_id": "abc",
        "client_secret": "very-secret",
        "access_token": "tok",
        "clusters": [{"refresh_token": "r", "address": "aap", "password": ""}],
    }
    masked = mask_data(data)
    assert masked["aap_url"] == "http://aap:8080"
    assert masked["client_id"] == "abc"
    assert masked["client_secret"] == MASK
    assert masked["access_token"] == MASK
    assert masked["clusters"][0]["refresh_token"] == MASK
    assert masked["clusters"][0]["address"] == "aap"
    assert masked["clusters"][0]["password"] == ""  # nothing to hide
    assert data["client_secret"] == "very-secret"  # original untouched


def test_mask_text_longest_first() -> None:
    text = "token abcd1234 and abcd1234efgh, short xy"
    assert mask_text(text, ["abcd1234", "abcd1234efgh", "xy", None]) == (
        f"token {MASK} and {MASK}, short xy"
    )


def test_mask_env_lines() -> None:
    text = "DB_HOST=db\nDB_PASSWORD=pw\nSECRET_KEY=k\n"
    assert mask_env_lines(text) == f"DB_HOST=db\nDB_PASSWORD={MASK}\nSECRET_KEY={MASK}\n"
