"""Keep passwords and tokens out of logs and artifacts."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

MASK = "********"

# Keys whose values are secrets wherever they appear (JSON, YAML, env files).
SECRET_KEY_PATTERN = re.compile(
    r"(password|passwd|secret|token|access_key|api_key|authorization|credential)", re.IGNORECASE
)


def is_secret_key(key: str) -> bool:
    return bool(SECRET_KEY_PATTERN.search(key))


def mask_data(data: Any) -> Any:
    """A copy of nested dicts/lists with the values of secret-looking keys masked."""
    if isinstance(data, Mapping):
        return {
            k: (MASK if is_secret_key(str(k)) and v not in (None, "") else mask_data(v))
            for k, v in data.items()
        }
    if isinstance(data, list | tuple):
        return [mask_data(v) for v in data]
    return data


def mask_text(text: str, secrets: Iterable[str | None] = ()) -> str:
    """Replace every known secret value in free text (logs, command output)."""
    for secret in sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text


def mask_env_lines(text: str) -> str:
    """Mask the values of KEY=VALUE lines whose key looks secret."""
    out = []
    for line in text.splitlines():
        key, sep, _value = line.partition("=")
        out.append(f"{key}={MASK}" if sep and is_secret_key(key) else line)
    return "\n".join(out) + ("\n" if text.endswith("\n") else "")
