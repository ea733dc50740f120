"""Bulk insert-or-update keyed by a unique constraint (PostgreSQL ON CONFLICT)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import models

Key = tuple[Any, ...]


def upsert(
    model: type[models.Model],
    key_fields: tuple[str, ...],
    rows: Mapping[Key, Mapping[str, Any]],
    fixed: Mapping[str, Any],
) -> dict[Key, int]:
    """Write rows (key -> values) and return key -> primary key.

    `fixed` holds values shared by all rows that are part of the conflict key (the cluster).
    Rows go in key order so concurrent writers take row locks in the same order.
    """
    if not rows:
        return {}
    ordered = sorted(rows.items(), key=lambda item: tuple(str(v) for v in item[0]))
    objects = [
        model(**fixed, **dict(zip(key_fields, key, strict=True)), **values)
        for key, values in ordered
    ]
    update_fields = sorted({name for _, values in ordered for name in values})
    unique_fields = [*fixed.keys(), *key_fields]
    if update_fields:
        model.objects.bulk_create(
            objects,
            update_conflicts=True,
            unique_fields=unique_fields,
            update_fields=update_fields,
        )
    else:
        model.objects.bulk_create(objects, ignore_conflicts=True)
    return lookup(model, key_fields, rows.keys(), fixed)


def lookup(
    model: type[models.Model],
    key_fields: tuple[str, ...],
    keys: Iterable[Key],
    fixed: Mapping[str, Any],
) -> dict[Key, int]:
    keys = list(keys)
    if not keys:
        return {}
    query = model.objects.filter(**fixed, **{f"{key_fields[0]}__in": {k[0] for k in keys}})
    found = {}
    for row in query.values_list(*key_fields, "pk"):
        found[tuple(row[:-1])] = row[-1]
    return {key: found[key] for key in keys if key in found}
