"""Areas by every name they have had: code first, then any known name, with a suggestion when unknown.

A name is normalised for look-up (case, accents, punctuation, spacing); a CBS kind suffix such as
"(gemeente)", "(PV)" or "(RE)" says which kind of area is meant ("Groningen (gemeente)" is GM0014,
"Groningen (PV)" is PV20), while a province hint such as "(L.)" in "Bergen (L.)" stays part of the
name. Without a suffix a current gemeente wins over other kinds and over former gemeenten.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping

from .models import Area, AreaKind, AreaName

KIND_SUFFIXES = {"gemeente": AreaKind.GEMEENTE, "gm": AreaKind.GEMEENTE, "pv": AreaKind.PROVINCIE,
                 "provincie": AreaKind.PROVINCIE, "re": AreaKind.POLITIE_EENHEID, "vr": AreaKind.VEILIGHEIDSREGIO}
_SUFFIX = re.compile(r"\s*\((gemeente|gm|pv|provincie|re|vr)\)\s*$", re.IGNORECASE)


def split_kind(name: str) -> tuple[str, str | None]:
    """``"Groningen (PV)"`` → ``("Groningen", "provincie")``; ``"Bergen (L.)"`` keeps its hint."""
    m = _SUFFIX.search(name)
    if not m:
        return name.strip(), None
    return name[: m.start()].strip(), KIND_SUFFIXES[m.group(1).lower()]


def normalise(name: str) -> str:
    """Look-up key: ``"Noardeast-Fryslân"`` → ``"noardeast fryslan"``; ``"Nuenen, Gerwen en Nederwetten"``
    → ``"nuenen gerwen en nederwetten"``; ``"'s-Gravenhage"`` → ``"s gravenhage"``."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = re.sub(r"[^\w.()]+", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def remember(area: Area, names: Iterable[str], source: str = "") -> int:
    """Record names of ``area`` (idempotent); returns how many were new."""
    have = set(AreaName.objects.filter(area=area).values_list("name", flat=True))
    new = []
    for raw in names:
        name = (raw or "").strip()
        if not name or name in have:
            continue
        have.add(name)
        new.append(AreaName(area=area, name=name[:200], key=normalise(split_kind(name)[0])[:200],
                            source=source[:200]))
    AreaName.objects.bulk_create(new)
    return len(new)


class AreaNames:
    """Callable name → area code for the importers' ``area_lookup``, with :meth:`suggest`."""

    def __init__(self, entries: Iterable[tuple[str, str, str, bool]]) -> None:
        # key → [(code, kind, current)]
        self._by_key: dict[str, list[tuple[str, str, bool]]] = defaultdict(list)
        self._display: dict[str, str] = {}
        for name, code, kind, current in entries:
            base, _kind = split_kind(name)
            key = normalise(base)
            if not key:
                continue
            if (code, kind, current) not in self._by_key[key]:
                self._by_key[key].append((code, kind, current))
            self._display.setdefault(key, base)

    @classmethod
    def load(cls, extra: Mapping[str, str] | None = None) -> AreaNames:
        areas = {pk: (code, kind, current) for pk, code, kind, current in (
            (a["pk"], a["code"], a["kind"], a["valid_to"] is None and not a["superseded"])
            for a in Area.objects.values("pk", "code", "kind", "valid_to", "superseded"))}
        entries: list[tuple[str, str, str, bool]] = []
        for pk, name in Area.objects.values_list("pk", "name"):
            entries.append((name, *areas[pk]))
        for area_id, name in AreaName.objects.values_list("area_id", "name"):
            entries.append((name, *areas[area_id]))
        by_code = {code: (kind, current) for code, kind, current in areas.values()}
        for name, code in (extra or {}).items():
            kind, current = by_code.get(code, ("", True))
            entries.append((name, code, kind, current))
        return cls(entries)

    def __call__(self, name: str) -> str | None:
        base, kind = split_kind(name)
        found = self._by_key.get(normalise(base), [])
        if kind is not None:
            found = [f for f in found if f[1] == kind]
        if not found:
            return None
        if len(found) > 1:
            found = sorted(found, key=lambda f: (f[1] != AreaKind.GEMEENTE, not f[2], f[0]))
        return found[0][0]

    def suggest(self, name: str) -> tuple[str, str] | None:
        """The closest known name and its code, for a message ("bedoelt u …?")."""
        base, _kind = split_kind(name)
        close = difflib.get_close_matches(normalise(base), list(self._by_key), n=1, cutoff=0.6)
        if not close:
            return None
        key = close[0]
        return self._display[key], self(self._display[key]) or self._by_key[key][0][0]
