"""Caching of page parts that change rarely but cost a scan of many rows (dashboard counts, early warning).

A part is cached per organisation AND per reader: the key holds the organisation, the user and what the
user's visibility rests on (``policy.Actor``: organisations, audiences, region organisations), so a
cached value is only ever served to a reader who would compute the same value — never across
organisations. The key also holds the *generation* of the data kind (``CacheGeneration``), raised after
every committed write of that kind (``bump``, wired to the models' signals and to the bulk paths), so a
write invalidates every cached part of that kind in every process; ``TIMEOUT`` bounds the age anyway.

The cache itself is Django's ``default`` cache (locmem per process unless a shared one is configured):
with the generation in the database, a per-process cache is still never stale after a write.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache import cache
from django.db.models import F
from django.utils.translation import get_language

from . import policy
from .models import CacheGeneration

T = TypeVar("T")
TIMEOUT = 300  # seconds; writes invalidate at once, this bounds what a missed signal could cost
PREFIX = "cyberbeeld:part"


def generation(name: str) -> int:
    value = CacheGeneration.objects.filter(name=name).values_list("value", flat=True).first()
    return int(value or 0)


def bump(*names: str) -> None:
    """Raise the generations, inside the writer's transaction: the new generation becomes visible together
    with the write (and a rolled-back write leaves it unchanged). Concurrent writers of one kind wait for
    each other on the counter row until commit; incident writes are short (redaction and classification
    run before their transaction)."""
    for name in names:
        if not CacheGeneration.objects.filter(name=name).update(value=F("value") + 1):
            CacheGeneration.objects.get_or_create(name=name, defaults={"value": 1})


def reader_key(user: Any, organisation: Any) -> str:
    """What a cached part may depend on: the organisation, the user and the user's visibility."""
    actor = policy.actor_for(user)
    basis = "|".join([
        str(getattr(organisation, "pk", "-")), str(getattr(user, "pk", "-")),
        ",".join(map(str, sorted(actor.org_ids))), ",".join(map(str, sorted(actor.audience_ids))), ",".join(map(str, sorted(actor.region_org_ids))),
    ])
    return hashlib.sha256(basis.encode()).hexdigest()[:32]


def cached(kind: str, part: str, *, user: Any, organisation: Any, compute: Callable[[], T]) -> T:
    """``compute()`` for this reader, cached until the next write of ``kind`` (or ``TIMEOUT``)."""
    key = (f"{PREFIX}:{kind}:{generation(kind)}:{part}:{get_language() or '-'}:"
           f"org{getattr(organisation, 'pk', '-')}:{reader_key(user, organisation)}")
    hit = cache.get(key)
    if hit is not None:
        return hit  # type: ignore[no-any-return]
    value = compute()
    cache.set(key, value, TIMEOUT)
    return value
