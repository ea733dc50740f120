"""Encryption at rest for AAP credentials: a Fernet key derived from SECRET_KEY."""

from __future__ import annotations

import base64
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import models

_INFO = b"automation-dashboard/credentials/v1"


@lru_cache(maxsize=4)
def _fernet(secret_key: str) -> Fernet:
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(
        secret_key.encode()
    )
    return Fernet(base64.urlsafe_b64encode(raw))


def encrypt(value: str) -> str:
    return _fernet(settings.SECRET_KEY).encrypt(value.encode()).decode()


def decrypt(value: str) -> str:
    try:
        return _fernet(settings.SECRET_KEY).decrypt(value.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("stored credential cannot be decrypted: SECRET_KEY changed?") from exc


class EncryptedTextField(models.TextField):
    """Text stored as a Fernet token; Python code sees the plain value."""

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(value)
