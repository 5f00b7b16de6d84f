"""Dutch full-text search behind one interface: SQLite FTS5 or PostgreSQL full-text search.

* SQLite: an FTS5 virtual table per kind (``sharing_case_fts``, ``sharing_approach_fts``) with
  ``rowid`` = the object's primary key. FTS5 has no Dutch stemmer, so the text is stemmed in Python
  with the Snowball Dutch stemmer (``snowballstemmer``) both when indexing and when querying.
* PostgreSQL: a plain table per kind holding ``to_tsvector('dutch', ...)`` with a GIN index;
  queries use ``plainto_tsquery('dutch', ...)``, i.e. PostgreSQL's own Snowball Dutch stemmer.

The services keep the index current (:func:`index`, :func:`remove`). A search returns only a SQL
condition on the primary key; the caller combines it with the policy filter, so results and facet
counts only ever contain what the user may see.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

from django.db import connection

KINDS = ("case", "approach")
TABLES = {"case": "sharing_case_fts", "approach": "sharing_approach_fts"}
_WORD = re.compile(r"\w+", re.UNICODE)


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    import snowballstemmer

    return snowballstemmer.stemmer("dutch")


def _fold(text: str) -> str:
    nfkd = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in nfkd if not unicodedata.combining(c))


def tokens(text: str) -> list[str]:
    words = [w for w in _WORD.findall(_fold(text or "")) if len(w) > 1 or w.isdigit()]
    return _stemmer().stemWords(words) if words else []


def stemmed(text: str) -> str:
    return " ".join(tokens(text))


def document(obj: Any) -> tuple[str, str, str]:
    """(title, body, tags) of a case or approach as they are indexed."""
    body = "\n".join(str(getattr(obj, f) or "") for f in obj.TEXT_FIELDS)
    return obj.title or "", body, obj.tags or ""


def _kind(obj: Any) -> str:
    return obj._meta.model_name


# --- schema ---------------------------------------------------------------------------------------
def create_schema(schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    for table in TABLES.values():
        if vendor == "sqlite":
            schema_editor.execute(
                f"CREATE VIRTUAL TABLE IF NOT EXISTS {table} USING fts5(title, body, tags, tokenize='unicode61')")
        elif vendor == "postgresql":
            schema_editor.execute(f"CREATE TABLE IF NOT EXISTS {table} (id bigint PRIMARY KEY, doc tsvector NOT NULL)")
            schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {table}_doc ON {table} USING GIN (doc)")


def drop_schema(schema_editor: Any) -> None:
    for table in TABLES.values():
        schema_editor.execute(f"DROP TABLE IF EXISTS {table}")


# --- writes ---------------------------------------------------------------------------------------
def index(obj: Any) -> None:
    index_many(_kind(obj), [(obj.pk, *document(obj))])


def index_many(kind: str, rows: list[tuple[int, str, str, str]]) -> None:
    """(pk, title, body, tags) rows; replaces what was indexed for those primary keys."""
    table = TABLES[kind]
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.executemany(f"DELETE FROM {table} WHERE rowid = %s", [(r[0],) for r in rows])
            cur.executemany(f"INSERT INTO {table}(rowid, title, body, tags) VALUES (%s, %s, %s, %s)",
                            [(pk, stemmed(t), stemmed(b), stemmed(g)) for pk, t, b, g in rows])
        elif connection.vendor == "postgresql":
            cur.executemany(
                f"INSERT INTO {table}(id, doc) VALUES (%s, setweight(to_tsvector('dutch', %s), 'A') || "
                f"setweight(to_tsvector('dutch', %s), 'B') || setweight(to_tsvector('dutch', %s), 'C')) "
                f"ON CONFLICT (id) DO UPDATE SET doc = EXCLUDED.doc",
                [(pk, t, g, b) for pk, t, b, g in rows])  # title A, tags B, body C


def remove(obj: Any) -> None:
    table = TABLES[_kind(obj)]
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.execute(f"DELETE FROM {table} WHERE rowid = %s", [obj.pk])
        else:
            cur.execute(f"DELETE FROM {table} WHERE id = %s", [obj.pk])


# --- reads ----------------------------------------------------------------------------------------
def match_sql(kind: str, query: str) -> tuple[str, list[Any]] | None:
    """SQL selecting the primary keys that match ``query`` (all words, stemmed), or None for no words."""
    table = TABLES[kind]
    if connection.vendor == "sqlite":
        terms = tokens(query)
        if not terms:
            return None
        fts_query = " AND ".join('"' + t.replace('"', "") + '"' for t in terms)
        return f"SELECT rowid FROM {table} WHERE {table} MATCH %s", [fts_query]
    if not _WORD.search(query or ""):
        return None
    return f"SELECT id FROM {table} WHERE doc @@ plainto_tsquery('dutch', %s)", [query]


def matching_ids(kind: str, query: str) -> list[int]:
    """The bare full-text query (no policy): used by the benchmark as the baseline."""
    found = match_sql(kind, query)
    if found is None:
        return []
    sql, params = found
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return [r[0] for r in cur.fetchall()]


def filter_matching(queryset: Any, query: str) -> Any:
    """Restrict a Case/Approach queryset to full-text matches of ``query`` (one SQL subquery)."""
    kind = queryset.model._meta.model_name
    found = match_sql(kind, query)
    if found is None:
        return queryset
    from django.db.models.expressions import RawSQL

    sql, params = found
    return queryset.filter(pk__in=RawSQL(sql, params))


def rebuild(kind: str) -> int:
    from .models import Approach, Case

    model = {"case": Case, "approach": Approach}[kind]
    with connection.cursor() as cur:
        cur.execute(f"DELETE FROM {TABLES[kind]}")
    rows = [(o.pk, *document(o)) for o in model.objects.all()]
    index_many(kind, rows)
    return len(rows)
