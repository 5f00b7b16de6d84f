"""Tests of the pure redaction core (no Django, no database).

Run before the Django settings exist with: .venv/bin/pytest -p no:django tests/incidents/test_redact.py
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schwifty import IBAN
from stdnum.nl import bsn

from cyberbeeld.common import redact as R
from cyberbeeld.common.redact import (
    PLACEHOLDER_TYPES,
    STRICT_TYPES,
    CorpusDoc,
    evaluate,
    load_corpus,
    redact,
    redact_main,
    redact_text,
)

# Valid fictitious values (11-proof / mod-97 checked in test_fixture_values_are_valid).
BSN_OK = "111222333"
BSN_BAD = "123456789"  # fails the 11-proof
IBAN_OK = "NL91ABNA0417164300"
IBAN_BAD = "NL91ABNA0417164301"  # fails mod-97

_PH = re.compile(r"\[(?:" + "|".join(PLACEHOLDER_TYPES) + r")\]")


@pytest.fixture(scope="session")
def warm() -> None:
    """deduce builds/loads its lookup structures once per session (slow)."""
    R.warm_up()


@pytest.fixture(scope="session")
def corpus() -> list[CorpusDoc]:
    return load_corpus()


@pytest.fixture(scope="session")
def scores(warm: None, corpus: list[CorpusDoc]) -> dict[str, R.TypeScore]:
    return evaluate(corpus)


def test_fixture_values_are_valid() -> None:
    assert bsn.is_valid(BSN_OK)
    assert not bsn.is_valid(BSN_BAD)
    IBAN(IBAN_OK)
    with pytest.raises(ValueError):
        IBAN(IBAN_BAD)


def test_module_is_pure() -> None:
    src = Path(R.__file__).read_text(encoding="utf-8")
    assert not re.search(r"^\s*(?:from|import)\s+django\b", src, re.MULTILINE)


# ---------------------------------------------------------------------------------------------- types


@pytest.mark.parametrize(
    ("text", "value", "placeholder"),
    [
        ("Melder Jan de Vries belde om 10:00 uur.", "Jan de Vries", "[NAAM]"),
        ("Mevrouw Yilmaz (82) werd gebeld.", "Yilmaz", "[NAAM]"),
        ("VERDACHTE: JANSEN, P. (m) is aangehouden.", "JANSEN, P.", "[NAAM]"),
        ("Een man genaamd Kofi belde namens zijn zoon.", "Kofi", "[NAAM]"),
        ("Zij woont aan de Kerkstraat 12 in Utrecht.", "Kerkstraat 12", "[ADRES]"),
        ("Adres: Burgemeester van Karnebeeklaan 5 te Maastricht.", "Karnebeeklaan 5", "[ADRES]"),
        ("Postcode 6221 CN Maastricht.", "6221 CN", "[POSTCODE]"),
        ("Bel mij op 06-12345678.", "06-12345678", "[TELEFOON]"),
        ("Nummer +31 6 1234 5678 of (043) 350 12 34.", "+31 6 1234 5678", "[TELEFOON]"),
        ("Nummer +31 6 1234 5678 of (043) 350 12 34.", "350 12 34", "[TELEFOON]"),
        ("WhatsApp vanaf +44 7422 545134.", "+44 7422 545134", "[TELEFOON]"),
        ("Mail naar jan.devries@example.nl graag.", "jan.devries@example.nl", "[EMAIL]"),
        ("Mail naar jan(at)example(dot)nl graag.", "jan(at)example", "[EMAIL]"),
        ("Mail naar piet [at] ziggo.nl graag.", "ziggo.nl", "[EMAIL]"),
        ("IBAN: NL91-ABNA-0417-1643-00.", "0417-1643", "[IBAN]"),
        (f"BSN {BSN_OK} is bekend.", BSN_OK, "[BSN]"),
        (f"Haar nummer is {BSN_OK[:4]}.{BSN_OK[4:6]}.{BSN_OK[6:]}.", BSN_OK[:4], "[BSN]"),
        (f"Overgemaakt naar {IBAN_OK}.", IBAN_OK, "[IBAN]"),
        ("Overgemaakt naar NL91 ABNA 0417 1643 00 ING.", "0417 1643", "[IBAN]"),
        ("Naar DE89 3704 0044 0532 0130 00 doorgeboekt.", "0532 0130", "[IBAN]"),
        ("Auto met kenteken 12-ABC-3 reed weg.", "12-ABC-3", "[KENTEKEN]"),
        ("Scooter, kenteken DK512P, gezien.", "DK512P", "[KENTEKEN]"),
        ("Busje VTG-52-K stond er.", "VTG-52-K", "[KENTEKEN]"),
        ("Inlog vanaf 185.12.45.67 gezien.", "185.12.45.67", "[IP]"),
        ("Inlog vanaf 2a02:a46f:1::9 gezien.", "2a02:a46f:1::9", "[IP]"),
        ("Geboren op 12-03-1950 te Heerlen.", "12-03-1950", "[GEBOORTEDATUM]"),
        ("Mw. Jansen, geb. 3 mei 1939, belde.", "3 mei 1939", "[GEBOORTEDATUM]"),
        ("Aangever Piet Bakker (14-02-1971) verklaart.", "14-02-1971", "[GEBOORTEDATUM]"),
        ("Account @dj_money_maker ronselt.", "@dj_money_maker", "[HANDLE]"),
        ("Zie https://www.instagram.com/exposed.sittard_/ voor de posts.", "exposed.sittard_", "[HANDLE]"),
        ("Snapchat: lisa_xx04 stuurde het.", "lisa_xx04", "[HANDLE]"),
        (f"BSN {BSN_BAD} (tikfout).", BSN_BAD, "[NUMMER]"),
        (f"Tegenrekening {IBAN_BAD} klopt niet.", IBAN_BAD, "[NUMMER]"),
    ],
)
def test_each_type_is_redacted(warm: None, text: str, value: str, placeholder: str) -> None:
    out = redact_text(text)
    assert value not in out
    assert placeholder in out


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("De gemeente Maastricht en de politie werken samen.", "gemeente Maastricht"),
        ("De gemeente Maastricht en de politie werken samen.", "politie"),
        ("Gekocht via Marktplaats, betaald met een Tikkie.", "Marktplaats"),
        ("Op 12 maart 2025 om 10:40 uur belde de bank.", "12 maart 2025"),
        ("Incident op 09-03-2025 om 02:13.", "09-03-2025"),
        ("Mevrouw Jansen (82) werd gebeld.", "(82)"),
        (f"Dossiernummer {BSN_OK} is aangemaakt.", BSN_OK),  # 11-proof, but labelled as another number
        (f"Referentie {BSN_BAD} in de mail.", BSN_BAD),  # fails the 11-proof, unlabelled
        (f"Het kenmerk {IBAN_BAD} lijkt op een IBAN.", IBAN_BAD),  # fails mod-97, unlabelled
        ("Server 10.0.4.12 en NAS 192.168.1.20 zijn intern.", "10.0.4.12"),
        ("Bel de gemeente op 14 043.", "14 043"),
        ("Phishingdomein mijn-digid-nl[.]com gebruikt.", "mijn-digid-nl[.]com"),
        ("Ze woont in Heerlen, dicht bij het Vrijthof.", "Heerlen"),
        ("Zijn collega Microsoft belde; Albert Heijn en WhatsApp.", "collega Microsoft"),
        ("Zijn collega Microsoft belde; Albert Heijn en WhatsApp.", "Albert Heijn"),
    ],
)
def test_not_personal_data_is_kept(warm: None, text: str, kept: str) -> None:
    assert kept in redact_text(text)


def test_mixed_text_example(warm: None) -> None:
    text = (
        f"Op 12 maart 2024 belde Jan de Vries (BSN {BSN_OK}, oud nummer {BSN_BAD}) vanaf 06-12345678 over "
        "zijn woning aan de Kerkstraat 12, 3511 AB Utrecht. Contact: jan.devries@example.nl. Hij maakte "
        f"geld over naar {IBAN_OK}."
    )
    res = redact(text)
    assert res.text == (
        "Op 12 maart 2024 belde [NAAM] (BSN [BSN], oud nummer 123456789) vanaf [TELEFOON] over zijn woning "
        "aan de [ADRES], [POSTCODE] Utrecht. Contact: [EMAIL]. Hij maakte geld over naar [IBAN]."
    )
    # span offsets are consistent with input and output
    for sp in res.spans:
        assert res.text[sp.out_start : sp.out_end] == f"[{sp.type}]"
    rebuilt = []
    pos = 0
    for sp in res.spans:
        rebuilt.append(text[pos : sp.start])
        rebuilt.append(f"[{sp.type}]")
        pos = sp.end
    rebuilt.append(text[pos:])
    assert "".join(rebuilt) == res.text


def test_spans_never_carry_the_original(warm: None) -> None:
    text = f"Jan de Vries, BSN {BSN_OK}, mail jan.devries@example.nl, IBAN {IBAN_OK}."
    res = redact(text)
    blob = repr(res) + str(res) + repr(res.spans) + str(res.counts())
    for value in ("Jan", "Vries", BSN_OK, "jan.devries", IBAN_OK):
        assert value not in blob
    assert not hasattr(res.spans[0], "text")


# ---------------------------------------------------------------------------------------- IBANs

IBAN_DE = "DE89370400440532013000"


@pytest.mark.parametrize("sep", [" en ", ", ", " of ", "; "])
def test_two_ibans_found_in_one_detect_call(warm: None, sep: str) -> None:
    # the IBAN start pattern is greedy: "A en B" is one candidate; B must not wait for a second pass
    text = f"Overgemaakt naar {IBAN_OK}{sep}NL81ABNA8452000497{sep}{IBAN_DE} vandaag."
    hits = [h for h in R._detect(text) if h[2] == "IBAN"]
    assert [text[s:e] for s, e, _ in hits] == [IBAN_OK, "NL81ABNA8452000497", IBAN_DE]


def test_invalid_iban_does_not_hide_the_next(warm: None) -> None:
    assert redact_text(f"Kenmerk {IBAN_BAD} en {IBAN_OK}.") == f"Kenmerk {IBAN_BAD} en [IBAN]."
    assert redact_text(f"IBAN {IBAN_BAD} en {IBAN_OK}.") == "IBAN [NUMMER] en [IBAN]."


# ------------------------------------------------------------------------ guards and prefilters

_PHONEY = [
    "+31 6 1234 5678", "(043) 350 12 34", "0031 43 350 1234", "+44 7422 545134", "06-12345678", "(0)", "+", "(",
    "0", "00", "12", "345", "6789", " ", "-", "/", ".", "x", "ext. 12", "tel:", "\n", "bel", "14 043", "0800-1234",
    "+32 478 48 20 49", "(+32) 478", "٠٦١٢٣٤٥٦٧٨", "＋31", "（０４３）", "12-03-2025", "1.250.000", "NL91ABNA0417164300",
]  # fmt: skip


def _unguarded_phones(text: str) -> list[tuple[int, int, str]]:
    saved = R._PHONE_CANDIDATE_RE
    R._PHONE_CANDIDATE_RE = re.compile("")
    try:
        return list(R._find_phones(text))
    finally:
        R._PHONE_CANDIDATE_RE = saved


def test_phone_prefilter_loses_nothing_on_corpus(corpus: list[CorpusDoc]) -> None:
    for doc in corpus:
        assert list(R._find_phones(doc.text)) == _unguarded_phones(doc.text), doc.id


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(_PHONEY), st.text(alphabet="0123456789+()- ./x", max_size=8)), max_size=12))
def test_phone_prefilter_loses_nothing(parts: list[str]) -> None:
    text = "".join(parts)
    assert list(R._find_phones(text)) == _unguarded_phones(text)


# Each guarded pattern and its guard: wherever the pattern matches, the guard holds on the match itself
# (so on any text containing it), i.e. a failing guard means the pattern cannot match.
_GUARDS: list[tuple[re.Pattern[str], object]] = [
    (R._EMAIL_RE, lambda t: "@" in t),
    (R._OBF_EMAIL_RE, R._OBF_AT_HINT_RE.search),
    (R._PROFILE_URL_RE, R._SOCIAL_TLD_HINT_RE.search),
    (R._AT_HANDLE_RE, lambda t: "@" in t),
    (R._LABELLED_HANDLE_RE, lambda t: R._mentions(t, R._HANDLE_LABELS)),
    (R._KENTEKEN_RE, R._DASHED_HINT_RE.search),
    (R._KENTEKEN_CTX_RE, lambda t: R._mentions(t, R._KENTEKEN_WORDS)),
    (R._DOB_RE, lambda t: "*" in t or R._DOB_HINT_RE.search(R._folded(t))),
    (R._IPV4_RE, R._IPV4_HINT_RE.search),
    (R._IPV6_RE, R._IPV6_HINT_RE.search),
    (R._REGISTER_NAME_RE, R._REGISTER_HINT_RE.search),
]
_GUARDED = [
    "jan(at)example(dot)nl", "piet [AT] ziggo.nl", "kees apenstaartje hotmail punt com", "a @ b", "x@y.nl",
    "https://www.instagram.com/exposed_", "T.ME/kanaal", "vinted.nl/member/12", "@dj_money", "Snapchat: lisa_xx04",
    "İNSTAGRAM: foo_bar", "ınsta 'foo_bar'", "ſnapchat: foo_bar", "TIKTOK-naam 'abc_12'", "kik: abc_12",
    "12-ABC-3", "VTG-52-K", "kenteken DK512P", "KENTEKEN dk 512 p", "\u212aenteken DK-512-P", "busje 12 abc 3",
    "AUTO: 12ABC3", "geboren 12-03-1950", "GEB. 3 mei 1939", "D.O.B. 1950-03-12", "d.ob 12/03/50", "do.b 1-2-1950",
    "* 12-03-1950", "Geb.datum 1-2-1950", "GEBDATUM: 1-2-1950", "geb 3 mei 1939", "Geboortedata 1-2-50",
    "185.12.45.67", "10.0.4.12", "2a02:a46f:1::9", "::1", "fe80::1%eth0", "1.2.3", "12:30:45", "date of BIRTH 12-03-1950", "date of bİrth 1-2-1950", "JANSEN, P.", "EL KHATIB, R.M.", "O'BRIEN, K.", " ", "\n", ".",
    ",", "(", ")", "Jan", "de", "12", "-",
]  # fmt: skip


def _check_guards(text: str) -> None:
    for pattern, guard in _GUARDS:
        for m in pattern.finditer(text):
            assert guard(m.group()), (pattern.pattern[:40], m.group())  # type: ignore[operator]
            assert guard(text)  # type: ignore[operator]


def test_guards_hold_on_corpus(corpus: list[CorpusDoc]) -> None:
    for doc in corpus:
        _check_guards(doc.text)
    for fragment in _GUARDED:
        _check_guards(fragment)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(_GUARDED), st.text(max_size=4)), max_size=10), st.sampled_from([" ", "", ": "]))
def test_guards_hold(parts: list[str], sep: str) -> None:
    _check_guards(sep.join(parts))


def test_every_sidecode_passes_the_guard() -> None:
    for code in R._SIDECODES:
        plate = "".join("AB"[i % 2] if c == "L" else str(i % 10) if c == "D" else c for i, c in enumerate(code))
        assert R._KENTEKEN_RE.fullmatch(plate) and R._DASHED_HINT_RE.search(plate), code


def test_every_social_domain_passes_the_guard() -> None:
    for domain in R._SOCIAL_DOMAINS.split("|"):
        plain = re.sub(r"\(\?:[^)]*\)\?", "", domain).replace("\\", "")  # "reddit\.com/u(?:ser)?" → "reddit.com/u"
        url = "https://www." + plain + "/someone"
        m = R._PROFILE_URL_RE.search(url)
        assert m is not None and R._SOCIAL_TLD_HINT_RE.search(m.group()), domain


def _single_pass_redact(text: str) -> R.RedactionResult:
    """The former algorithm: all detectors at once, on the raw text and again until nothing new is found."""
    spans: list[tuple[int, int, str]] = []
    current, applied = text, ()
    for _ in range(8):
        hits = R._detect(current)
        if not hits:
            break
        for s, e, k in hits:
            spans.append((R._to_original(s, applied), R._to_original(e, applied), k))
        current, applied = R._apply(text, spans)
    return R.RedactionResult(current, applied)


def test_families_choose_what_a_single_pass_chooses(warm: None, corpus: list[CorpusDoc]) -> None:
    for doc in corpus:
        assert redact(doc.text) == _single_pass_redact(doc.text), doc.id


# ------------------------------------------------------------------------ idempotence, determinism


def test_idempotent_and_deterministic_on_corpus(warm: None, corpus: list[CorpusDoc]) -> None:
    for doc in corpus:
        first = redact(doc.text)
        assert redact(doc.text) == first, doc.id
        again = redact(first.text)
        assert again.text == first.text, doc.id
        assert again.spans == (), doc.id


def test_placeholders_in_input_are_untouched(warm: None) -> None:
    text = "Mevrouw [NAAM] belde met [TELEFOON] over [IBAN]; [GEBOORTEDATUM] en [NUMMER]."
    res = redact(text)
    assert res.text == text
    assert res.spans == ()


_WORDS = [
    "Mevrouw", "Jansen", "belde", "met", "de", "bank", "over", "haar", "rekening", "geboren", "BSN", "IBAN",
    "kenteken", "op", "12-03-1950", "06-12345678", "Kerkstraat", "12", "6221", "CN", "@", "Snapchat:",
    "gemeente", "Maastricht", "(82)", ",", ".", ":", "'", "Piet", "de", "Vries", "via", "nummer", "[",
    "]", "NAAM", "2a02::1", "185.12.45.67", BSN_OK, BSN_BAD, IBAN_OK, "dhr.", "van", "Dijk", "\n",
]  # fmt: skip


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    parts=st.lists(
        st.one_of(
            st.sampled_from(_WORDS),
            st.sampled_from([f"[{t}]" for t in PLACEHOLDER_TYPES]),
            st.text(max_size=6),
        ),
        max_size=25,
    ),
    seps=st.sampled_from([" ", "", "\n", ", "]),
)
def test_property_placeholders_unaltered_and_idempotent(warm: None, parts: list[str], seps: str) -> None:
    text = seps.join(parts)
    res = redact(text)
    # no redaction touches a placeholder that was in the input
    for m in _PH.finditer(text):
        assert not any(sp.start < m.end() and m.start() < sp.end for sp in res.spans)
    # the input placeholders survive, in order
    it = iter(_PH.findall(res.text))
    assert all(any(ph == o for o in it) for ph in _PH.findall(text))
    # idempotent and deterministic
    assert redact(res.text).text == res.text
    assert redact(text) == res


@pytest.fixture(scope="session")
def strict_values(corpus: list[CorpusDoc]) -> list[tuple[str, str]]:
    return sorted(
        {(d.text[g.start : g.end], g.type) for d in corpus for g in d.spans if g.type in STRICT_TYPES}
    )


_FILLER = [
    "Melder", "belde", "met", "de", "bank", "en", "maakte", "geld", "over", "naar", "via", "zijn", "dochter",
    "gemeente", "Heerlen", "op", "maandag", ".", ",", ":", "(", ")", "contact", "politie", "Marktplaats",
]  # fmt: skip


def test_property_strict_values_never_leak(warm: None, strict_values: list[tuple[str, str]]) -> None:
    values = [v for v, _ in strict_values]

    @settings(max_examples=200, deadline=None)
    @given(
        st.lists(st.one_of(st.sampled_from(values), st.sampled_from(_FILLER)), min_size=1, max_size=20),
    )
    def check(parts: list[str]) -> None:
        out = redact_text(" ".join(parts))
        for p in parts:
            if p in values:
                assert p not in out

    check()


def test_strict_corpus_values_never_leak(warm: None, corpus: list[CorpusDoc]) -> None:
    for doc in corpus:
        out = redact_text(doc.text)
        for g in doc.spans:
            if g.type in STRICT_TYPES:
                assert doc.text[g.start : g.end] not in out, (doc.id, g.type)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=200))
def test_property_arbitrary_text(text: str) -> None:
    res = redact(text)
    assert redact(res.text).text == res.text
    for sp in res.spans:
        assert 0 <= sp.start < sp.end <= len(text)
        assert sp.type in PLACEHOLDER_TYPES


# ----------------------------------------------------------------------------- corpus and targets


def test_corpus_is_big_and_valid(corpus: list[CorpusDoc]) -> None:
    total = sum(len(d.spans) for d in corpus)
    assert total >= 300
    counts: dict[str, int] = {}
    for d in corpus:
        for g in d.spans:
            counts[g.type] = counts.get(g.type, 0) + 1
            value = d.text[g.start : g.end]
            assert value == value.strip(), (d.id, g)
            if g.type == "BSN":
                assert bsn.is_valid(value), (d.id, value)
            if g.type == "IBAN":
                IBAN(value)
    for t in ("BSN", "IBAN", "TELEFOON", "EMAIL", "NAAM"):
        assert counts.get(t, 0) >= 30, t
    # and invalid look-alikes as negatives: 9-digit numbers that fail the 11-proof, unannotated
    negatives = [
        m.group()
        for d in corpus
        for m in re.finditer(r"(?<!\d)\d{9}(?!\d)", d.text)
        if not bsn.is_valid(m.group()) and not any(g.start <= m.start() < g.end for g in d.spans)
    ]
    assert len(negatives) >= 1
    assert len({d.id for d in corpus}) == len(corpus)


TARGETS = {"BSN": 0.98, "IBAN": 0.98, "TELEFOON": 0.98, "EMAIL": 0.98, "NAAM": 0.90}


@pytest.mark.parametrize(("typ", "min_recall"), sorted(TARGETS.items()))
def test_targets_on_corpus(scores: dict[str, R.TypeScore], typ: str, min_recall: float) -> None:
    s = scores[typ]
    assert s.recall >= min_recall, f"{typ}: recall {s.recall:.3f} < {min_recall}"
    assert s.precision >= 0.90, f"{typ}: precision {s.precision:.3f} < 0.90"


def test_evaluate_overlap_matching() -> None:
    doc = CorpusDoc("x", "Mevrouw Jansen belde.", (R.GoldSpan(0, 14, "NAAM"),))

    def fake(text: str) -> R.RedactionResult:
        return R.RedactionResult("Mevrouw [NAAM] belde.", (R.Span(8, 14, "NAAM", 8, 14),))

    s = evaluate([doc], fake)["NAAM"]
    assert (s.recall, s.precision, s.exact) == (1.0, 1.0, 0)


# ------------------------------------------------------------------------------------ CLI, speed


def test_redact_main(warm: None) -> None:
    src = io.StringIO(f"Jan de Vries, BSN {BSN_OK}.\n\nTweede alinea: bel 06-12345678.\n")
    dst = io.StringIO()
    assert redact_main(src, dst) == 0
    out = dst.getvalue()
    assert out == "[NAAM], BSN [BSN].\n\nTweede alinea: bel [TELEFOON].\n"


def test_deduce_cache_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CYBERBEELD_DEDUCE_CACHE", str(tmp_path / "c"))
    assert R._deduce_cache_path(tmp_path) == tmp_path / "c"
    monkeypatch.delenv("CYBERBEELD_DEDUCE_CACHE")
    assert R._deduce_cache_path(tmp_path) == tmp_path  # writable: deduce's own folder
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setattr(os, "access", lambda *a, **k: False)
    assert R._deduce_cache_path(tmp_path / "ro") == tmp_path / "xdg" / "cyberbeeld" / "deduce"


def test_measure_throughput(warm: None) -> None:
    assert R.measure_throughput(["Jan de Vries belde."], min_seconds=0.05) > 0
