"""Tests of the pure incident taxonomy (no Django, no database)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cyberbeeld.incidents.taxonomy import (
    CATEGORY_CODES,
    TaxonomyError,
    dumps_machinetag,
    export_machinetag,
    import_machinetag,
    load_taxonomy,
    machinetag_to_dict,
    machinetag_to_taxonomy,
)

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("CYBERBEELD_SHARED_DATA", REPO.parent / "shared" / "data"))
MISP_FILES = sorted((SHARED / "taxonomies").glob("*.json")) if (SHARED / "taxonomies").is_dir() else []
needs_shared = pytest.mark.skipif(not MISP_FILES, reason="shared taxonomy data not available")

EXPECTED_FORMS = {
    "hacking-computervredebreuk", "malware-ransomware", "ddos", "phishing", "identiteitsfraude",
    "koop-verkoopfraude", "helpdeskfraude", "vriend-in-nood-fraude", "beleggings-cryptofraude",
    "online-bedreiging-intimidatie", "sextortion-beeldmisbruik", "cyberpesten-doxing", "digitaal-witwassen",
    "aanval-ics", "online-oproep-ordeverstoring", "treitervloggers", "online-opruiing-desinformatie",
}


def test_categories_and_forms() -> None:
    tax = load_taxonomy()
    assert tuple(c.code for c in tax.categories) == CATEGORY_CODES
    assert set(tax.form_codes) == EXPECTED_FORMS
    for c in tax.categories:
        assert c.name.nl and c.name.en and c.definition.nl and c.definition.en
    for f in tax.forms:
        assert f.name.nl and f.name.en and f.definition.nl and f.definition.en
        assert f.category in CATEGORY_CODES
        assert f.rsit is not None or f.rsit_note, f.code
        if f.rsit is not None and not f.rsit.exact:
            assert f.rsit_note, f"approximate RSIT mapping of {f.code} needs a note"
    assert tax.category_of("ddos") == "cybercrime"
    assert tax.category_of("koop-verkoopfraude") == "gedigitaliseerde-criminaliteit"
    assert tax.category_of("treitervloggers") == "digitale-component"
    assert {f.code for f in tax.forms_in("digitale-component")} == {
        "online-oproep-ordeverstoring", "treitervloggers", "online-opruiing-desinformatie"}


def test_indicator_codes() -> None:
    tax = load_taxonomy()
    codes = {i.code for i in tax.indicators}
    for code in ("vm-cybercrime-totaal", "vm-hacken", "vm-identiteitsfraude", "vm-koop-verkoopfraude",
                 "vm-cyberpesten", "vm-online-criminaliteit-totaal", "pol-3.7.4-cybercrime",
                 "pol-3.9.1-horizontale-fraude", "cbs-cri2240-computervredebreuk", "cbs-cri1210-oplichting"):
        assert code in codes
    assert "vm-hacken" in tax.form("hacking-computervredebreuk").indicators
    assert "vm-koop-verkoopfraude" in tax.form("koop-verkoopfraude").indicators
    assert "pol-3.7.4-cybercrime" in tax.form("ddos").indicators


@needs_shared
def test_rsit_mapping_uses_real_machine_values() -> None:
    rsit = import_machinetag((SHARED / "taxonomies" / "misp-rsit.machinetag.json").read_text(encoding="utf-8"))
    tax = load_taxonomy()
    tax.validate(rsit)  # every class/type exists in the MISP RSIT file
    f = tax.form("koop-verkoopfraude")
    assert f.rsit is not None and (f.rsit.klass, f.rsit.type, f.rsit.exact) == ("fraud", "masquerade", False)
    assert tax.form("ddos").rsit is not None
    assert tax.form("ddos").rsit.machinetag == 'rsit:availability="ddos"'  # type: ignore[union-attr]


def test_validate_rejects_dangling_references() -> None:
    from dataclasses import replace

    tax = load_taxonomy()
    bad = replace(tax, forms=(replace(tax.forms[0], category="nope"),) + tax.forms[1:])
    with pytest.raises(TaxonomyError):
        bad.validate()
    bad = replace(tax, forms=(replace(tax.forms[0], indicators=("vm-unknown",)),) + tax.forms[1:])
    with pytest.raises(TaxonomyError):
        bad.validate()


@needs_shared
@pytest.mark.parametrize("path", MISP_FILES, ids=lambda p: p.name)
def test_misp_files_round_trip_byte_for_byte(path: Path) -> None:
    raw = path.read_text(encoding="utf-8")
    mt = import_machinetag(raw)
    assert machinetag_to_dict(mt) == json.loads(raw)
    assert dumps_machinetag(mt) == raw
    # and once more through the dataclasses
    assert dumps_machinetag(import_machinetag(dumps_machinetag(mt))) == raw


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_export_import_our_taxonomy(lang: str) -> None:
    tax = load_taxonomy()
    mt = export_machinetag(tax, lang)  # type: ignore[arg-type]
    text = dumps_machinetag(mt)
    data = json.loads(text)
    assert set(data) >= {"namespace", "description", "version", "predicates", "values"}
    assert [p["value"] for p in data["predicates"]] == list(CATEGORY_CODES)
    for p in data["predicates"]:
        assert set(p) >= {"value", "expanded", "description"}
    for group in data["values"]:
        for e in group["entry"]:
            assert set(e) >= {"value", "expanded", "description"}
    back = import_machinetag(text)
    assert dumps_machinetag(back) == text
    assert machinetag_to_taxonomy(back, lang, base=tax) == tax  # type: ignore[arg-type]
    alone = machinetag_to_taxonomy(back, lang)  # type: ignore[arg-type]
    assert set(alone.form_codes) == set(tax.form_codes)
    assert all(alone.form(f.code).name.get(lang) == f.name.get(lang) for f in tax.forms)
    assert f'{tax.namespace}:digitale-component="treitervloggers"' in back.machinetags
    assert export_machinetag(tax, "en") == export_machinetag(tax, "en")  # reproducible uuids


def test_import_rejects_garbage() -> None:
    for bad in ("not json", "[]", json.dumps({"namespace": "x"}), json.dumps(
            {"namespace": "x", "description": "d", "version": 1, "predicates": [{"expanded": "no value"}]})):
        with pytest.raises(TaxonomyError):
            import_machinetag(bad)


_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)
_item = st.fixed_dictionaries(
    {"value": _text}, optional={"expanded": _text, "description": _text, "uuid": _text, "colour": _text})


@given(st.fixed_dictionaries(
    {"namespace": _text, "description": _text, "version": st.integers(0, 10**6), "predicates": st.lists(_item, max_size=4)},
    optional={"values": st.lists(st.fixed_dictionaries({"predicate": _text, "entry": st.lists(_item, max_size=3)}),
                                 max_size=3),
              "expanded": _text, "exclusive": st.booleans(), "refs": st.lists(_text, max_size=2)}))
def test_round_trip_property(data: dict) -> None:
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    assert dumps_machinetag(import_machinetag(text)) == text
