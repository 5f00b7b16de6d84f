"""Caching of page parts that change rarely but cost a scan of many rows (dashboard counts, early warning).

A part is cached per organisation AND per reader: the key holds the organisation, the user and what the
user's visibility rests on (``policy.Actor``: organisations, audiences, region organisations), so a
cached value is only ever served to a reader who would compute the same value — never across
organisations. The key also holds the *generations* of the data kind (``CacheGeneration``) that the reader's
view rests on, raised inside the transaction of every write of that kind, so a write invalidates every cached
part built on it in every process; ``TIMEOUT`` bounds the age anyway.

Generations are per owner organisation (``bump_owner``): a reader's parts rest on the generation of the whole
kind (``bump``: bulk paths, anything not attributed), on ``<kind>:shared`` (raised by every write of a row
that is, or was, visible outside its owner) and on ``<kind>:org:<id>`` of each of the reader's own
organisations. A write that only the owner can see (an AMBER incident shared with nobody) leaves the cached
parts of every other organisation warm; the writer's own organisation — the writer included — sees it at
once. All of a reader's generations come from one query.

The cache itself is Django's ``default`` cache (locmem per process unless a shared one is configured):
with the generation in the database, a per-process cache is still never stale after a write.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache import cache
from django.db import connection
from django.db.models import F
from django.utils import timezone
from django.utils.translation import get_language

from . import policy
from .models import CacheGeneration

T = TypeVar("T")
TIMEOUT = 300  # seconds; writes invalidate at once, this bounds what a missed signal could cost
PREFIX = "cyberbeeld:part"


def generation(name: str) -> int:
    """One indexed row, read on every request that serves a cached part: plain SQL (the ORM's query building cost
    more than the read itself)."""
    with connection.cursor() as cur:
        cur.execute(f"SELECT value FROM {CacheGeneration._meta.db_table} WHERE name = %s", [name])  # noqa: S608
        row = cur.fetchone()
    return int(row[0]) if row else 0


def bump(*names: str) -> None:
    """Raise the generations, inside the writer's transaction: the new generation becomes visible together
    with the write (and a rolled-back write leaves it unchanged). Concurrent writers of one kind wait for
    each other on the counter row until commit; incident writes are short (redaction and classification
    run before their transaction)."""
    for name in names:
        if not CacheGeneration.objects.filter(name=name).update(value=F("value") + 1):
            CacheGeneration.objects.get_or_create(name=name, defaults={"value": 1})


def owner_generation_name(kind: str, organisation_id: Any) -> str:
    return f"{kind}:org:{organisation_id}"


def shared_generation_name(kind: str) -> str:
    return f"{kind}:shared"


def bump_owner(kind: str, organisation_id: Any, *, shared: bool) -> None:
    """A write of one owner's row: raise that owner's generation, and ``<kind>:shared`` too when the row is (or
    was) visible outside the owner organisation (then any reader may have it in a cached part)."""
    names = [owner_generation_name(kind, organisation_id)] if organisation_id is not None else [kind]
    if shared:
        names.append(shared_generation_name(kind))
    bump(*names)


def generations_for(kind: str, user: Any) -> str:
    """The generations a reader's cached parts of ``kind`` rest on, as one key fragment (one query)."""
    actor = policy.actor_for(user)
    names = [kind, shared_generation_name(kind)] + [owner_generation_name(kind, pk) for pk in sorted(actor.org_ids)]
    with connection.cursor() as cur:  # plain SQL, as in generation()
        cur.execute(f"SELECT name, value FROM {CacheGeneration._meta.db_table} WHERE name IN "  # noqa: S608
                    f"({', '.join(['%s'] * len(names))})", names)
        values = dict(cur.fetchall())
    return ".".join(str(values.get(name, 0)) for name in names)


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
    key = (f"{PREFIX}:{kind}:{generations_for(kind, user)}:{part}:{get_language() or '-'}:"
           f"org{getattr(organisation, 'pk', '-')}:{reader_key(user, organisation)}")
    hit = cache.get(key)
    if hit is not None:
        return hit  # type: ignore[no-any-return]
    value = compute()
    cache.set(key, value, TIMEOUT)
    return value


def recent(kind: str, part: str, *, user: Any, organisation: Any, compute: Callable[[], T],
           max_age: int = TIMEOUT) -> tuple[T, Any]:
    """``(compute(), when it was computed)`` for this reader, reused for up to ``max_age`` seconds whatever is written
    meanwhile: for a summary that may lag a few minutes behind the data but costs a scan of many rows, shown with its
    time (the dashboard's early-warning card; the early-warning page itself always computes afresh). The key holds
    the reader (never another reader's value) but no generation."""
    key = (f"{PREFIX}:{kind}:recent:{part}:{get_language() or '-'}:"
           f"org{getattr(organisation, 'pk', '-')}:{reader_key(user, organisation)}")
    hit = cache.get(key)
    if hit is not None:
        return hit  # type: ignore[no-any-return]
    value = (compute(), timezone.now())
    cache.set(key, value, max_age)
    return value


# --- the dashboard's cards ------------------------------------------------------------------------------------

# The cards other than the incident cards (risk picture, casebook, measures and exercises, first steps) read rows of
# these apps (and the public theme): any committed write of one of their models raises this generation. Writes there
# are rare next to reads, so one generation for all of them keeps the rule simple and complete (a missed dependency
# would cost staleness up to TIMEOUT, never another reader's data: the key is per reader).
DASHBOARD_KIND = "dashboard"
DASHBOARD_APPS = frozenset({"accounts", "risks", "sharing", "actions", "reports"})
DASHBOARD_MODELS = frozenset({"indicators.publictheme"})
# written while reading (first views, token use), or on every sign-in (the audit log: a sign-in must never wait
# for another transaction's lock on the counter row), or not shown on any card. The one audit event a card reads
# (the first-steps card's "drafted picture" run) raises the generation where it is written.
NOT_ON_DASHBOARD = frozenset({"accounts.cachegeneration", "sharing.itemview", "accounts.apitoken",
                              "accounts.recoverycode", "accounts.externalidentity", "accounts.auditevent"})


def dashboard_write(sender: Any, **kwargs: Any) -> None:
    """post_save / post_delete / m2m_changed receiver (connected for every sender in ``AccountsConfig.ready``)."""
    if kwargs.get("raw") or str(kwargs.get("action", "post_")).startswith("pre_"):
        return  # fixtures loaded as they are; a many-to-many change signals before and after: "post_" counts
    if getattr(sender, "__module__", "") == "__fake__":
        return  # a migration's historical model: the cached parts of a running site are not at stake
    meta = sender._meta
    if (meta.app_label in DASHBOARD_APPS or meta.label_lower in DASHBOARD_MODELS) \
            and meta.label_lower not in NOT_ON_DASHBOARD:
        bump(DASHBOARD_KIND)


def dashboard_card(key: str, *, user: Any, organisation: Any, compute: Callable[[], T | None]) -> T | None:
    """A dashboard card for this reader, cached until the next write of what the cards show (``DASHBOARD_KIND``),
    the next day (cards count what is overdue today) or ``TIMEOUT``. A card that is not shown (``None``) is cached
    as such."""
    held = cached(DASHBOARD_KIND, f"card:{key}:{timezone.localdate().isoformat()}", user=user,
                  organisation=organisation, compute=lambda: (compute(),))
    return held[0]


def shared(kind: str, part: str, *, compute: Callable[[], T]) -> T:
    """``compute()`` once for every reader alike, cached until the next write of ``kind`` (or ``TIMEOUT``).

    Only for parts that show no organisation's own data and no TLP-marked object, so that every reader would
    compute the same value: the monitor's public statistics (``indicators.selectors.CACHE_KIND``). The key holds
    the language, so a Dutch part is never served on an English page."""
    key = f"{PREFIX}:{kind}:{generation(kind)}:{part}:{get_language() or '-'}:shared"
    hit = cache.get(key)
    if hit is not None:
        return hit  # type: ignore[no-any-return]
    value = compute()
    cache.set(key, value, TIMEOUT)
    return value
