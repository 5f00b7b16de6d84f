"""The incident taxonomy: three categories → forms → RSIT mapping and indicators (pure, no Django).

The data lives in ``data/taxonomy_v1.json``. This module loads it into frozen dataclasses and converts
it to and from the MISP *machinetag* format (the format of ``MISP/misp-taxonomies``), so that a
taxonomy can be exchanged with CERTs and read back without loss:

* :func:`import_machinetag` / :func:`machinetag_to_dict` read and write any MISP machinetag file
  unchanged (key order and unknown keys such as ``uuid``, ``colour``, ``refs`` are kept);
* :func:`export_machinetag` turns our taxonomy into a machinetag (categories are predicates, forms are
  entries) in one language, and :func:`machinetag_to_taxonomy` reads it back.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from cyberbeeld import inputs
from cyberbeeld.common.errors import Invalid

Lang = Literal["nl", "en"]
LANGS: tuple[Lang, ...] = ("nl", "en")
DATA_DIR = Path(__file__).resolve().parent / "data"
DEFAULT_TAXONOMY_PATH = DATA_DIR / "taxonomy_v1.json"
CATEGORY_CODES: tuple[str, ...] = ("cybercrime", "gedigitaliseerde-criminaliteit", "digitale-component")
_UUID_NS = uuid.UUID("6f1d5c3e-2b7a-5f0e-9c41-8d2a7b3e4f10")


class TaxonomyError(Invalid):
    """The taxonomy data is inconsistent or a machinetag cannot be read."""

    code = "taxonomy"


@dataclass(frozen=True)
class Text:
    """A text in Dutch and English."""

    nl: str
    en: str

    def get(self, lang: str) -> str:
        return self.en if lang == "en" else self.nl

    def with_lang(self, lang: str, value: str) -> Text:
        return replace(self, en=value) if lang == "en" else replace(self, nl=value)

    @classmethod
    def from_dict(cls, d: Mapping[str, str]) -> Text:
        return cls(nl=str(d.get("nl", "")), en=str(d.get("en", "")))

    def to_dict(self) -> dict[str, str]:
        return {"nl": self.nl, "en": self.en}


@dataclass(frozen=True)
class RsitMapping:
    """An ENISA RSIT class/type as MISP machine values (``rsit:<klass>="<type>"``)."""

    klass: str
    type: str | None
    exact: bool = True

    @property
    def machinetag(self) -> str:
        return f'rsit:{self.klass}="{self.type}"' if self.type else f"rsit:{self.klass}"


@dataclass(frozen=True)
class Category:
    code: str
    name: Text
    definition: Text


@dataclass(frozen=True)
class Form:
    code: str
    category: str
    name: Text
    definition: Text
    rsit: RsitMapping | None
    rsit_note: str | None
    indicators: tuple[str, ...]


@dataclass(frozen=True)
class Indicator:
    code: str
    source: str
    name: Text
    note: str | None = None


@dataclass(frozen=True)
class Taxonomy:
    version: int
    namespace: str
    name: Text
    description: Text
    categories: tuple[Category, ...]
    forms: tuple[Form, ...]
    indicators: tuple[Indicator, ...] = ()
    rsit_version: int | None = None

    def category(self, code: str) -> Category:
        for c in self.categories:
            if c.code == code:
                return c
        raise KeyError(code)

    def form(self, code: str) -> Form:
        for f in self.forms:
            if f.code == code:
                return f
        raise KeyError(code)

    def indicator(self, code: str) -> Indicator:
        for i in self.indicators:
            if i.code == code:
                return i
        raise KeyError(code)

    @property
    def form_codes(self) -> tuple[str, ...]:
        return tuple(f.code for f in self.forms)

    def category_of(self, form_code: str) -> str:
        return self.form(form_code).category

    def forms_in(self, category_code: str) -> tuple[Form, ...]:
        return tuple(f for f in self.forms if f.category == category_code)

    def validate(self, rsit: MachinetagTaxonomy | None = None) -> None:
        """Raise :class:`TaxonomyError` if codes are duplicated or references dangle.

        With ``rsit`` (the RSIT machinetag), every mapped class/type must exist in it."""
        cat_codes = [c.code for c in self.categories]
        form_codes = [f.code for f in self.forms]
        ind_codes = [i.code for i in self.indicators]
        for what, codes in (("category", cat_codes), ("form", form_codes), ("indicator", ind_codes)):
            if len(set(codes)) != len(codes):
                raise TaxonomyError(f"duplicate {what} code")
        known_ind = set(ind_codes)
        for f in self.forms:
            if f.category not in cat_codes:
                raise TaxonomyError(f"form {f.code}: unknown category {f.category}")
            missing = [i for i in f.indicators if i not in known_ind]
            if self.indicators and missing:
                raise TaxonomyError(f"form {f.code}: unknown indicators {missing}")
            if f.rsit is None and not f.rsit_note:
                raise TaxonomyError(f"form {f.code}: no RSIT class and no note why")
            if rsit is not None and f.rsit is not None:
                allowed = rsit.values_of(f.rsit.klass)
                if f.rsit.klass not in rsit.predicate_values:
                    raise TaxonomyError(f"form {f.code}: unknown RSIT class {f.rsit.klass}")
                if f.rsit.type is not None and f.rsit.type not in allowed:
                    raise TaxonomyError(f"form {f.code}: unknown RSIT type {f.rsit.klass}/{f.rsit.type}")


# --------------------------------------------------------------------------- loading our JSON


def taxonomy_from_dict(d: Mapping[str, Any]) -> Taxonomy:
    forms = []
    for f in d["forms"]:
        r = f.get("rsit")
        forms.append(
            Form(
                code=f["code"],
                category=f["category"],
                name=Text.from_dict(f["name"]),
                definition=Text.from_dict(f["definition"]),
                rsit=None if r is None else RsitMapping(r["class"], r.get("type"), bool(r.get("exact", True))),
                rsit_note=f.get("rsit_note"),
                indicators=tuple(f.get("indicators", ())),
            )
        )
    return Taxonomy(
        version=int(d["version"]),
        namespace=str(d["namespace"]),
        name=Text.from_dict(d["name"]),
        description=Text.from_dict(d["description"]),
        categories=tuple(
            Category(c["code"], Text.from_dict(c["name"]), Text.from_dict(c["definition"])) for c in d["categories"]
        ),
        forms=tuple(forms),
        indicators=tuple(
            Indicator(i["code"], i["source"], Text.from_dict(i["name"]), i.get("note")) for i in d.get("indicators", ())
        ),
        rsit_version=(d.get("rsit") or {}).get("version"),
    )


def load_taxonomy(path: str | Path | None = None) -> Taxonomy:
    """Load and validate a taxonomy file (default: the bundled ``taxonomy_v1.json``)."""
    if path is None:
        return _default_taxonomy()
    tax = taxonomy_from_dict(json.loads(Path(path).read_text(encoding="utf-8")))
    tax.validate()
    return tax


@lru_cache(maxsize=1)
def _default_taxonomy() -> Taxonomy:
    tax = taxonomy_from_dict(json.loads(DEFAULT_TAXONOMY_PATH.read_text(encoding="utf-8")))
    tax.validate()
    return tax


# --------------------------------------------------------------------------- MISP machinetag

_TOP_ORDER = ("namespace", "description", "version", "expanded", "exclusive", "predicates", "values", "uuid")
_ITEM_ORDER = ("value", "expanded", "description", "uuid")


@dataclass(frozen=True)
class MachinetagItem:
    """A predicate or an entry: ``value`` plus optional ``expanded``/``description`` and other keys."""

    value: str
    expanded: str | None = None
    description: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)
    key_order: tuple[str, ...] = ()


@dataclass(frozen=True)
class MachinetagValues:
    """One element of ``values``: the entries that belong to a predicate."""

    predicate: str
    entry: tuple[MachinetagItem, ...]
    extra: Mapping[str, Any] = field(default_factory=dict)
    key_order: tuple[str, ...] = ()


@dataclass(frozen=True)
class MachinetagTaxonomy:
    namespace: str
    description: str
    version: int
    predicates: tuple[MachinetagItem, ...]
    values: tuple[MachinetagValues, ...] | None = None
    expanded: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)
    key_order: tuple[str, ...] = ()

    @property
    def predicate_values(self) -> tuple[str, ...]:
        return tuple(p.value for p in self.predicates)

    def values_of(self, predicate: str) -> tuple[str, ...]:
        for v in self.values or ():
            if v.predicate == predicate:
                return tuple(e.value for e in v.entry)
        return ()

    @property
    def machinetags(self) -> tuple[str, ...]:
        """All tags ``namespace:predicate="value"`` (or ``namespace:predicate`` without values)."""
        out: list[str] = []
        for p in self.predicates:
            vals = self.values_of(p.value)
            if vals:
                out.extend(f'{self.namespace}:{p.value}="{v}"' for v in vals)
            else:
                out.append(f"{self.namespace}:{p.value}")
        return tuple(out)


def _ordered(known: Mapping[str, Any], extra: Mapping[str, Any], key_order: Iterable[str], default: Iterable[str]) -> dict[str, Any]:
    present = {k: v for k, v in known.items() if v is not None}
    present.update(extra)
    order = list(key_order) or [k for k in default if k in present]
    out = {k: present[k] for k in order if k in present}
    for k, v in present.items():  # keys added after reading (or not in the default order) go last
        if k not in out:
            out[k] = v
    return out


def _item_from(d: Mapping[str, Any]) -> MachinetagItem:
    if not isinstance(d, Mapping) or not isinstance(d.get("value"), str):
        raise TaxonomyError("machinetag item without a string 'value'")
    return MachinetagItem(
        value=d["value"],
        expanded=d.get("expanded"),
        description=d.get("description"),
        extra={k: v for k, v in d.items() if k not in ("value", "expanded", "description")},
        key_order=tuple(d.keys()),
    )


def _item_to(i: MachinetagItem) -> dict[str, Any]:
    return _ordered(
        {"value": i.value, "expanded": i.expanded, "description": i.description}, i.extra, i.key_order, _ITEM_ORDER
    )


def import_machinetag(data: Mapping[str, Any] | str | bytes) -> MachinetagTaxonomy:
    """Read a MISP machinetag taxonomy (a dict or JSON text)."""
    if isinstance(data, str | bytes):
        try:  # the shared reading guards: size, encoding, nesting, duplicate keys, finite numbers
            data = inputs.load_json(data, "machinetag.json")
        except inputs.InputRefused as exc:
            prefix = "not JSON: " if "JSON" in exc.reason_en else ""
            raise TaxonomyError(f"{prefix}{exc.reason_en}") from None
    if not isinstance(data, Mapping):
        raise TaxonomyError("a machinetag must be a JSON object")
    for key in ("namespace", "description", "version", "predicates"):
        if key not in data:
            raise TaxonomyError(f"machinetag without '{key}'")
    for key in ("namespace", "description"):
        if not isinstance(data[key], str):
            raise TaxonomyError(f"machinetag '{key}' must be a string")
    if not isinstance(data["version"], int) or isinstance(data["version"], bool) or not 0 <= data["version"] < 2**31:
        raise TaxonomyError("machinetag 'version' must be a whole number from 0")
    if not isinstance(data["predicates"], list):
        raise TaxonomyError("machinetag 'predicates' must be a list")
    if data.get("expanded") is not None and not isinstance(data["expanded"], str):
        raise TaxonomyError("machinetag 'expanded' must be a string")
    values = None
    if "values" in data:
        raw_values = data["values"]
        if not isinstance(raw_values, list):
            raise TaxonomyError("machinetag 'values' must be a list")
        for i, v in enumerate(raw_values, start=1):
            if not isinstance(v, Mapping) or not isinstance(v.get("predicate"), str):
                raise TaxonomyError(f"machinetag 'values' item {i}: an object with a string 'predicate'")
            if not isinstance(v.get("entry", []), list):
                raise TaxonomyError(f"machinetag 'values' item {i}: 'entry' must be a list")
        values = tuple(
            MachinetagValues(
                predicate=v["predicate"],
                entry=tuple(_item_from(e) for e in v.get("entry", ())),
                extra={k: x for k, x in v.items() if k not in ("predicate", "entry")},
                key_order=tuple(v.keys()),
            )
            for v in raw_values
        )
    known = ("namespace", "description", "version", "predicates", "values", "expanded")
    return MachinetagTaxonomy(
        namespace=data["namespace"],
        description=data["description"],
        version=data["version"],
        predicates=tuple(_item_from(p) for p in data["predicates"]),
        values=values,
        expanded=data.get("expanded"),
        extra={k: v for k, v in data.items() if k not in known},
        key_order=tuple(data.keys()),
    )


def machinetag_to_dict(mt: MachinetagTaxonomy) -> dict[str, Any]:
    """The machinetag as a JSON-ready dict, in the key order it was read in."""
    values = None
    if mt.values is not None:
        values = [
            _ordered(
                {"predicate": v.predicate, "entry": [_item_to(e) for e in v.entry]},
                v.extra,
                v.key_order,
                ("predicate", "entry"),
            )
            for v in mt.values
        ]
    return _ordered(
        {
            "namespace": mt.namespace,
            "description": mt.description,
            "version": mt.version,
            "expanded": mt.expanded,
            "predicates": [_item_to(p) for p in mt.predicates],
            "values": values,
        },
        mt.extra,
        mt.key_order,
        _TOP_ORDER,
    )


def dumps_machinetag(mt: MachinetagTaxonomy) -> str:
    """JSON text formatted like the files in MISP/misp-taxonomies (2-space indent, UTF-8, final newline)."""
    return json.dumps(machinetag_to_dict(mt), indent=2, ensure_ascii=False) + "\n"


def _uuid_for(*parts: str) -> str:
    return str(uuid.uuid5(_UUID_NS, "/".join(parts)))


def export_machinetag(tax: Taxonomy, lang: Lang = "en") -> MachinetagTaxonomy:
    """Our taxonomy as a MISP machinetag in one language: categories → predicates, forms → entries.

    Tags look like ``cyberbeeld-incidents:cybercrime="ddos"``. UUIDs are derived from the codes, so
    an export is reproducible."""
    predicates = tuple(
        MachinetagItem(c.code, c.name.get(lang), c.definition.get(lang), {"uuid": _uuid_for(tax.namespace, c.code)})
        for c in tax.categories
    )
    values = tuple(
        MachinetagValues(
            predicate=c.code,
            entry=tuple(
                MachinetagItem(
                    f.code, f.name.get(lang), f.definition.get(lang), {"uuid": _uuid_for(tax.namespace, c.code, f.code)}
                )
                for f in tax.forms_in(c.code)
            ),
        )
        for c in tax.categories
    )
    return MachinetagTaxonomy(
        namespace=tax.namespace,
        description=tax.description.get(lang),
        version=tax.version,
        predicates=predicates,
        values=values,
        expanded=tax.name.get(lang),
        extra={"exclusive": True, "uuid": _uuid_for(tax.namespace)},
    )


def machinetag_to_taxonomy(mt: MachinetagTaxonomy, lang: Lang = "en", base: Taxonomy | None = None) -> Taxonomy:
    """Read a machinetag written by :func:`export_machinetag` back into a :class:`Taxonomy`.

    The machinetag holds one language and no RSIT mapping or indicators; with ``base`` those (and the
    other language) are taken from the base taxonomy for codes it knows."""

    def text(code_lookup: Text | None, value: str | None) -> Text:
        start = code_lookup if code_lookup is not None else Text("", "")
        return start.with_lang(lang, value or "")

    base_cats = {c.code: c for c in base.categories} if base else {}
    base_forms = {f.code: f for f in base.forms} if base else {}
    cats = tuple(
        Category(
            p.value,
            text(base_cats[p.value].name if p.value in base_cats else None, p.expanded),
            text(base_cats[p.value].definition if p.value in base_cats else None, p.description),
        )
        for p in mt.predicates
    )
    forms: list[Form] = []
    for group in mt.values or ():
        for e in group.entry:
            b = base_forms.get(e.value)
            forms.append(
                Form(
                    code=e.value,
                    category=group.predicate,
                    name=text(b.name if b else None, e.expanded),
                    definition=text(b.definition if b else None, e.description),
                    rsit=b.rsit if b else None,
                    rsit_note=b.rsit_note if b else "not in the machinetag",
                    indicators=b.indicators if b else (),
                )
            )
    if base is not None:  # keep the base order of forms (a machinetag groups them per category)
        pos = {f.code: i for i, f in enumerate(base.forms)}
        forms.sort(key=lambda f: pos.get(f.code, len(pos)))
    return Taxonomy(
        version=int(mt.version),
        namespace=mt.namespace,
        name=text(base.name if base else None, mt.expanded or mt.namespace),
        description=text(base.description if base else None, mt.description),
        categories=cats,
        forms=tuple(forms),
        indicators=base.indicators if base else (),
        rsit_version=base.rsit_version if base else None,
    )
