"""Redaction of personal data from Dutch free text (pure core: no Django).

Raw incident text never leaves the owning organisation; only the output of :func:`redact` may be shared.
Personal data is replaced by a typed placeholder::

    [NAAM] [ADRES] [POSTCODE] [TELEFOON] [EMAIL] [BSN] [IBAN] [KENTEKEN] [IP] [GEBOORTEDATUM] [HANDLE]
    [NUMMER]   (a number that is *labelled* as BSN or IBAN but fails its check digit; see below)

Field-made libraries do the hard parts:

* ``deduce`` (Dutch de-identification of clinical text) finds person names and street addresses
  (street + house number). Its first ``Deduce()`` builds a lookup cache (~60-90 s, written into
  site-packages, or in ``$CYBERBEELD_DEDUCE_CACHE`` / ``~/.cache/cyberbeeld/deduce`` when site-packages is
  read-only); later starts take ~8 s. One instance is created lazily per process; call :func:`warm_up` at
  install/build time.
* ``python-stdnum`` (``stdnum.nl.bsn``) checks the BSN 11-proof.
* ``schwifty`` checks IBANs (country length, mod-97).
* ``phonenumbers`` (``PhoneNumberMatcher``, region NL, leniency VALID) finds phone numbers.

Small, documented patterns cover the rest: e-mail, postcode, kenteken (the 14 Dutch sidecodes), IPv4/IPv6
(validated with :mod:`ipaddress`), dates of birth (a date with a birth context word) and social-media
handles (``@handle`` and profile URLs).

Decisions (judgement calls, see also ``corpus/README.md``):

* Kept, because they are not personal data or are needed for the threat picture: names of gemeenten,
  places and organisations in a public role ("gemeente Maastricht", "politie", "ING", "Marktplaats",
  "WhatsApp"), ages ("(82)", "82-jarige"), dates of incidents, amounts, phishing domains and other URLs that
  are not a personal profile, case/order/dossier numbers, street names *without* a house number, and the
  place name after a postcode ("[POSTCODE] Maastricht").
* Redacted: every person name, also of officials, agents and of the names fraudsters pretend to have
  (a misused identity is often a real person). Forms of address stay ("mevrouw [NAAM]").
* A 9-digit number that passes the 11-proof is a BSN unless it is labelled as another kind of number
  (dossier, zaak, order, factuur, ...). An 8/9-digit number labelled "BSN"/"burgerservicenummer"/"sofinummer"
  that *fails* the 11-proof is redacted as ``[NUMMER]``: a mistyped BSN is still nearly identifying.
  The same for a Dutch-IBAN-shaped string labelled "IBAN"/"rekening" that fails mod-97. Unlabelled
  look-alikes that fail the check are kept.
* A date is a date of birth when a birth word precedes it closely ("geboren", "geb.", "geboortedatum",
  "DOB") or when it stands in brackets directly after a name ("[NAAM] (12-03-1950)").

Guarantees: deterministic; idempotent (redacting ``redact(x).text`` again changes nothing and finds no
spans); placeholders already in the text are never changed; spans carry offsets and types only, never the
original value.

How idempotence is kept, and kept cheap. The detectors form three families (``_FAMILIES``): identifiers with a
check or a fixed shape plus Dutch phone numbers; then phonenumbers' matcher, postcodes and dates of birth;
then the person detectors around deduce. The families take turns on the current text, and a family's hits are
applied (turned into placeholders) before the next family runs. A family that finds nothing is *quiet* until
the text changes again, and :func:`redact` stops when all families are quiet on the same text. That text is a
fixed point of all detectors together, so redacting it again finds nothing: idempotent by construction,
whatever the detectors do. Each family's kinds outrank those of the families after it (``_PRIORITY``), so the
result is what a single pass over all detectors would choose (on the corpus: the same output for every text as
the single-pass version before, which ran all detectors on the raw text and again on the result).

Cost (corpus of 146 texts, mean 284 characters, one core of the development machine): deduce is about
two thirds of it (≈ 0.58 ms on the text whose identifiers are already placeholders, ≈ 0.33 ms to verify the
result). A text in which deduce finds names pays deduce twice (find, verify), as before, but on less text; a
text in which it finds nothing pays it once (before: twice whenever anything else was found). phonenumbers'
matcher, which parses every digit run it meets, now runs after IBANs, BSNs, Dutch numbers etc. are
placeholders (≈ 0.04 instead of 0.14 ms), and only when some '+', '(' or '0' starts a run of at least five
digits (``_PHONE_CANDIDATE_RE``). Patterns that start with a look-behind, which ``re`` tries at every
position, are guarded by a cheap necessary condition (a literal, a short pattern, or a keyword in the
case-folded text). Together: 1.76 → about 1.35 ms per text.

Measured and not taken:

* Caching deduce per segment (the text between placeholders), so that the verification re-analyses only the
  segments that changed: 0.33 → 0.21 ms per text. Sound only if deduce's annotations never depend on text
  across a placeholder. That holds for the configuration of deduce 3.0 as far as we can read it, but no API
  promises it, and a later deduce could break idempotence without any test noticing. Running deduce per
  segment *by definition* (sound) costs more than it saves (0.56 → 0.72 ms per text for sentences: deduce has
  a fixed cost per call).
* Skipping the verification where the first deduce pass found only things deduce itself reported: a
  placeholder changes deduce's context (it can, e.g., break a longer place-name annotation that suppressed a
  name next to it), so the verification can find something new. Rare, but not impossible.
"""

from __future__ import annotations

import gc
import ipaddress
import json
import os
import pickle
import re
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

__all__ = [
    "PLACEHOLDER_TYPES",
    "STRICT_TYPES",
    "CorpusDoc",
    "GoldSpan",
    "RedactionResult",
    "Span",
    "TypeScore",
    "default_corpus_path",
    "evaluate",
    "load_corpus",
    "measure_throughput",
    "redact",
    "redact_main",
    "redact_text",
    "warm_up",
]

PLACEHOLDER_TYPES: tuple[str, ...] = (
    "NAAM",
    "ADRES",
    "POSTCODE",
    "TELEFOON",
    "EMAIL",
    "BSN",
    "IBAN",
    "KENTEKEN",
    "IP",
    "GEBOORTEDATUM",
    "HANDLE",
    "NUMMER",
)
#: Types with a checkable, unambiguous form: these must never leak (tests enforce it on the corpus).
STRICT_TYPES: frozenset[str] = frozenset({"BSN", "IBAN", "TELEFOON", "EMAIL"})

_PLACEHOLDER_RE = re.compile(r"\[(?:" + "|".join(PLACEHOLDER_TYPES) + r")\]")

# Higher wins when two detections overlap; then the longer one; then the earlier one.
_PRIORITY: dict[str, int] = {
    "EMAIL": 100,
    "IBAN": 90,
    "IP": 85,
    "BSN": 80,
    "NUMMER": 75,
    "HANDLE_URL": 72,
    "KENTEKEN": 70,
    "TELEFOON": 65,
    "GEBOORTEDATUM": 60,
    "POSTCODE": 55,
    "ADRES": 50,
    "HANDLE": 45,
    "NAAM": 40,
}

# A safety net only: every pass that finds something turns text into placeholders, so the loop ends by itself.
_MAX_PASSES = 16


# --------------------------------------------------------------------------------------------------
# Public result types
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Span:
    """One redacted stretch. Offsets only, never the original value.

    ``start``/``end`` index the *input* text, ``out_start``/``out_end`` the placeholder in the output.
    """

    start: int
    end: int
    type: str
    out_start: int
    out_end: int


@dataclass(frozen=True, slots=True)
class RedactionResult:
    """The redacted text and where it was changed. Holds nothing of the original values."""

    text: str
    spans: tuple[Span, ...] = ()

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for s in self.spans:
            out[s.type] = out.get(s.type, 0) + 1
        return out


# --------------------------------------------------------------------------------------------------
# deduce: one lazily created instance per process
# --------------------------------------------------------------------------------------------------

_DEDUCE: Any = None
_DEDUCE_LOCK = threading.Lock()
# We use deduce for names and street addresses only; our own detectors do the rest.
_DEDUCE_DISABLED = frozenset(
    {
        "dates",
        "ages",
        "identifiers",
        "phone_numbers",
        "email_addresses",
        "urls",
        "institutions",
        "redactor",
        "clean_street_tags",
    }
)


def _deduce_cache_path(default: Path) -> Path:
    """Where deduce keeps its lookup cache.

    ``CYBERBEELD_DEDUCE_CACHE`` wins; else deduce's own folder in site-packages when the cache is there or
    the folder is writable; else ``$XDG_CACHE_HOME/cyberbeeld/deduce`` (read-only installs).
    """
    env = os.environ.get("CYBERBEELD_DEDUCE_CACHE")
    if env:
        return Path(env)
    if (default / "cache" / "lookup_structs.pickle").exists() or os.access(default, os.W_OK):
        return default
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "cyberbeeld" / "deduce"


# deduce's lookup structures that only the annotators of a group we disable use ("institutions": the
# "hospital" and "institution" annotators). Their tries are half of deduce's 77 MB lookup cache and of its
# load time (healthcare_institution alone: 26 MB, ~1.3 s), so the cache ``_deduce`` loads (``_TRIMMED``)
# holds them empty. A test checks against deduce's configuration that no enabled annotator uses them.
_UNUSED_LOOKUPS = frozenset({"hospital", "healthcare_institution"})
_TRIMMED = "cyberbeeld-trimmed"  # subfolder of deduce's cache folder


def _trimmed_cache(full: Path) -> Path | None:
    """deduce's cache folder with the unused lookup structures emptied, written next to the full cache
    when missing or older than it; None when it cannot be written (then the full cache is used)."""
    src = full / "cache" / "lookup_structs.pickle"
    folder = full / _TRIMMED
    dst = folder / "cache" / "lookup_structs.pickle"
    try:
        if dst.exists() and (not src.exists() or dst.stat().st_mtime >= src.stat().st_mtime):
            return folder
        if not src.exists():
            return None
        with open(src, "rb") as fh:
            cache = pickle.load(fh)  # noqa: S301 - deduce's own cache file, written by deduce
        structs = cache["lookup_structs"]
        for name in _UNUSED_LOOKUPS & set(structs.keys()):
            structs[name] = type(structs[name])(matching_pipeline=getattr(structs[name], "matching_pipeline", None))
        dst.parent.mkdir(parents=True, exist_ok=True)
        tmp = dst.with_suffix(f".{os.getpid()}.tmp")
        with open(tmp, "wb") as fh:
            pickle.dump(cache, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, dst)
        return folder
    except OSError:
        return None


def _deduce() -> Any:
    global _DEDUCE
    if _DEDUCE is None:
        with _DEDUCE_LOCK:
            if _DEDUCE is None:
                import deduce  # deferred: heavy import (~1.4 s, ~600 MB); the first instance builds a cache
                from deduce.deduce import _LOOKUP_LIST_PATH

                # The lookup structures are millions of small objects: with the cyclic collector running,
                # every few thousand allocations trigger a collection that walks all of them again (the
                # pickle alone: 8.4 s → 3.1 s without). None of them is garbage, so the collector pauses
                # while they load, and afterwards they are frozen out of it: later collections in a serving
                # process no longer walk them, and a forked worker's collections do not write to (and so
                # copy) the pages it shares with its master.
                enabled = gc.isenabled()
                gc.disable()
                try:
                    full = _deduce_cache_path(Path(_LOOKUP_LIST_PATH))
                    if not (full / "cache" / "lookup_structs.pickle").exists():
                        deduce.Deduce(cache_path=full)  # the first start builds deduce's cache (~60-90 s)
                    cache = _trimmed_cache(full) or full
                    _DEDUCE = deduce.Deduce(cache_path=cache)
                finally:
                    if enabled:
                        gc.enable()
                gc.freeze()
    return _DEDUCE


def warm_up() -> None:
    """Create the deduce instance (builds deduce's lookup cache on first use; call at install/build)."""
    _deduce().deidentify("Mevrouw Jansen woont aan de Kerkstraat 1.", disabled=set(_DEDUCE_DISABLED))


# --------------------------------------------------------------------------------------------------
# Detectors. Each yields (start, end, kind) on the text it is given.
# --------------------------------------------------------------------------------------------------

_Hit = tuple[int, int, str]

# Guards. Most patterns below start with a look-behind, so ``re`` tries them at every position of the text. A
# guard is a cheap necessary condition (a literal, a short pattern with a fast scan, or a keyword in the folded
# text) checked first: when it fails, the pattern cannot match and is skipped. Each guard's comment says why
# it is implied by its pattern; tests check the guarded detectors against the unguarded patterns.
_FOLD = str.maketrans({"İ": "i", "ı": "i", "ſ": "s"})


def _folded(text: str) -> str:
    """``text`` lower-cased such that an ASCII word occurs in it wherever ``re.IGNORECASE`` matches it in
    ``text``: besides ASCII case, Python's ``re`` matches 'ı' and 'İ' for i, 'ſ' for s and the Kelvin sign
    for k (which ``str.lower`` maps to k)."""
    return text.translate(_FOLD).lower()


def _mentions(text: str, words: Iterable[str]) -> bool:
    folded = _folded(text)
    return any(w in folded for w in words)


_EMAIL_RE = re.compile(
    r"(?<![\w.%+-])[A-Za-z0-9](?:[A-Za-z0-9._%+-]{0,62}[A-Za-z0-9_%+-])?"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![\w-])"
)


# Obfuscated: "jan(at)example(dot)nl", "jan [at] example.nl", "jan apestaartje example punt nl".
_AT = r"(?:\s?[\[({]\s?(?:at|@|apenstaartje|apestaartje)\s?[\])}]\s?|\s(?:at|apenstaartje|apestaartje)\s)"
_DOT = r"(?:\.|\s?[\[({]\s?(?:dot|punt)\s?[\])}]\s?|\s(?:dot|punt)\s)"
_OBF_EMAIL_RE = re.compile(
    r"(?<![\w.%+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}" + _AT + r"(?:[A-Za-z0-9-]{1,63}" + _DOT + r")+"
    r"[A-Za-z]{2,24}(?![\w-])",
    re.IGNORECASE,
)


# Guard: _AT's two forms, cut short ("ape" for apenstaartje/apestaartje).
_OBF_AT_HINT_RE = re.compile(r"[\[({]\s?(?:at|@|ape)|\s(?:at|ape)", re.IGNORECASE)


def _find_emails(text: str) -> Iterable[_Hit]:
    if "@" in text:  # guard: a literal of the pattern
        for m in _EMAIL_RE.finditer(text):
            yield m.start(), m.end(), "EMAIL"
    if _OBF_AT_HINT_RE.search(text):
        for m in _OBF_EMAIL_RE.finditer(text):
            yield m.start(), m.end(), "EMAIL"


_SOCIAL_DOMAINS = (
    r"instagram\.com|tiktok\.com|facebook\.com|fb\.com|twitter\.com|x\.com|youtube\.com|linkedin\.com/in"
    r"|snapchat\.com/add|t\.me|threads\.net|twitch\.tv|reddit\.com/u(?:ser)?|wa\.me|telegram\.me"
    r"|onlyfans\.com|pinterest\.com|vinted\.nl/member|discord\.com/users"
)
_PROFILE_URL_RE = re.compile(
    r"(?<![\w/.])(?:https?://)?(?:(?:www|m|nl-nl|nl)\.)?(?:" + _SOCIAL_DOMAINS + r")/[^\s<>\"')\]]+",
    re.IGNORECASE,
)
_AT_HANDLE_RE = re.compile(
    r"(?<![\w@./\[])@(?=[A-Za-z0-9_.]*[A-Za-z])[A-Za-z0-9_](?:[A-Za-z0-9_.]{0,28}[A-Za-z0-9_])?"
)
# "Snapchat-account: xyz", "TikTok-naam 'xyz'": a label, then a colon or an opening quote, then the name.
_LABELLED_HANDLE_RE = re.compile(
    r"\b(?:instagram|insta|snapchat|snap|tiktok|telegram|discord|twitter|facebook|youtube|twitch|kik)"
    r"(?:[- ]?(?:account|naam|gebruikersnaam|profiel|kanaal|handle|id))?"
    r"(?:\s*:\s*['\"‘“]?|\s+['\"‘“])(?P<h>[A-Za-z0-9_.][A-Za-z0-9_.-]{2,30}[A-Za-z0-9_])",
    re.IGNORECASE,
)


# Guard: every domain in _SOCIAL_DOMAINS has one of these endings (a test checks it).
_SOCIAL_TLD_HINT_RE = re.compile(r"\.(?:com|me|net|tv|nl)", re.IGNORECASE)


def _find_profile_urls(text: str) -> Iterable[_Hit]:
    if not _SOCIAL_TLD_HINT_RE.search(text):
        return
    for m in _PROFILE_URL_RE.finditer(text):
        end = m.end()
        while end > m.start() and text[end - 1] in ".,;:!?":
            end -= 1
        yield m.start(), end, "HANDLE_URL"


# Guard: the labels of _LABELLED_HANDLE_RE, cut short (instagram → insta, snapchat → snap).
_HANDLE_LABELS = ("insta", "snap", "tiktok", "telegram", "discord", "twitter", "facebook", "youtube", "twitch", "kik")


def _find_handles(text: str) -> Iterable[_Hit]:
    if "@" in text:  # guard: a literal of the pattern
        for m in _AT_HANDLE_RE.finditer(text):
            yield m.start(), m.end(), "HANDLE"
    if not _mentions(text, _HANDLE_LABELS):
        return
    for m in _LABELLED_HANDLE_RE.finditer(text):
        h = m.group("h")
        if h.lower() in _NOT_HANDLES or re.fullmatch(r"[A-Z][a-zà-ÿ]+", h):
            continue  # a plain word or a display name ('Lisa'): names are left to the name detector
        yield m.start("h"), m.end("h"), "HANDLE"


_NOT_HANDLES = frozenset({"van", "het", "een", "die", "dat", "was", "werd", "account", "naam"})

_IPV4_RE = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?!\.?\d)(?![\w])")
_IPV6_RE = re.compile(
    r"(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:(?:\d{1,3}\.){3}\d{1,3}|[0-9A-Fa-f]{0,4})(?![\w:])"
)


# Guards: four dotted groups of digits; two colons with at most four hex digits between them.
_IPV4_HINT_RE = re.compile(r"\d\.\d{1,3}\.\d{1,3}\.\d")
_IPV6_HINT_RE = re.compile(r":[0-9A-Fa-f]{0,4}:")


def _find_ips(text: str) -> Iterable[_Hit]:
    for m in _IPV4_RE.finditer(text) if _IPV4_HINT_RE.search(text) else ():
        try:
            addr = ipaddress.IPv4Address(m.group())
        except ValueError:
            continue
        if addr.is_private or addr.is_loopback or addr.is_unspecified:
            continue  # an organisation's internal address (10/8, 192.168/16, ...) is not personal data
        yield m.start(), m.end(), "IP"
    for m in _IPV6_RE.finditer(text) if _IPV6_HINT_RE.search(text) else ():
        s = m.group()
        if s.count(":") < 2 or not re.search(r"[0-9A-Fa-f]", s):
            continue
        try:
            ipaddress.IPv6Address(s)
        except ValueError:
            continue
        yield m.start(), m.end(), "IP"


# IBAN: a country code, two check digits, then groups; validated by schwifty on the longest prefix.
_IBAN_START_RE = re.compile(r"(?<![\w])[A-Z]{2}\d{2}(?:[ -]?[A-Za-z0-9]){8,32}", re.IGNORECASE)
_NL_IBAN_SHAPE_RE = re.compile(r"NL\d{2}[A-Z]{4}\d{10}")
_IBAN_LABEL_RE = re.compile(
    r"(?:iban|rekening|rek\.|bankrekening|tegenrekening)\w*[^.\n\d\[\]]{0,25}$", re.IGNORECASE
)


def _iban_valid(compact: str) -> bool:
    # deferred: heavy import (schwifty ~1 s), only for a text with an IBAN candidate
    from schwifty import IBAN

    try:
        IBAN(compact)
    except ValueError:
        return False
    return True


def _find_ibans(text: str) -> Iterable[_Hit]:
    # The start pattern is greedy: "NL81ABNA8452000497 en NL92INGB2762517527" is one candidate. After a hit the
    # scan resumes right behind it, and after a candidate without one right behind its start, so that a second
    # IBAN inside the same greedy candidate is found in this pass (an invalid one before it must not hide it).
    pos = 0
    while (m := _IBAN_START_RE.search(text, pos)) is not None:
        pos = m.start() + 1
        raw = m.group()
        # candidate end positions (after each alphanumeric char), longest first; only at a word end
        ends = [i + 1 for i, ch in enumerate(raw) if ch not in " -"]
        found = False
        for e in reversed(ends):
            if e < len(raw) and raw[e] not in " -":
                continue  # would cut inside a group
            abs_end = m.start() + e
            if abs_end < len(text) and (text[abs_end].isalnum()):
                continue
            compact = raw[:e].replace(" ", "").replace("-", "").upper()
            if len(compact) < 15:
                break
            if _iban_valid(compact):
                yield m.start(), abs_end, "IBAN"
                pos = abs_end
                found = True
                break
        if found:
            continue
        # labelled, Dutch-shaped but failing mod-97: [NUMMER]
        compact_all = raw.replace(" ", "").replace("-", "").upper()
        shape = _NL_IBAN_SHAPE_RE.match(compact_all)
        if shape and _IBAN_LABEL_RE.search(text[max(0, m.start() - 40) : m.start()]):
            # map the 18 compact characters back to an end offset in the text
            n, e = 0, 0
            while n < 18:
                if raw[e] not in " -":
                    n += 1
                e += 1
            yield m.start(), m.start() + e, "NUMMER"
            pos = m.start() + e


_BSN_RE = re.compile(
    r"(?<![\w.,/€-])(\d{9}|\d{8}|\d{4}\.\d{2}\.\d{3}|\d{3}[ .]\d{3}[ .]\d{3})(?![\w]|[.,/-]\d)"
)
# A label counts when it ends at most 25 characters (no digits, no sentence end) before the number.
_BSN_LABEL_RE = re.compile(
    r"(?:\bbsn|burgerservice\s?nummer|burgerservicenr|\bsofi(?:-?nummer|nr)?)\b(?=[^\d\n\[\]]{0,25}$)",
    re.IGNORECASE,
)
_OTHER_NUMBER_LABEL_RE = re.compile(
    r"(?:dossier|zaak|order|bestel|factuur|klant|transactie|referentie|kenmerk|registratie|\bpv|bvh|kvk|"
    r"ticket|melding|track|verzend|pakket|polis|contract|artikel|serie|vergunning|rijbewijs|paspoort|"
    r"document|\bbon|incident|\bcase|btw|advertentie|account|lidmaatschap|abonnement|klant)"
    r"[\w-]*(?:nummer|nr\.?|code|id)?(?=[^\d\n\[\]]{0,25}$)",
    re.IGNORECASE,
)


def _last_end(rx: re.Pattern[str], s: str) -> int:
    ends = [m.end() for m in rx.finditer(s)]
    return ends[-1] if ends else -1


def _find_bsns(text: str) -> Iterable[_Hit]:
    for m in _BSN_RE.finditer(text):
        before = text[max(0, m.start() - 40) : m.start()]
        bsn_at = _last_end(_BSN_LABEL_RE, before)
        other_at = _last_end(_OTHER_NUMBER_LABEL_RE, before)
        labelled = bsn_at >= 0 and bsn_at >= other_at
        digits = re.sub(r"\D", "", m.group())
        if len(digits) == 8 and not labelled:
            continue
        # deferred: heavy import (python-stdnum), only for a text with a BSN candidate (~0.2 s of a start otherwise)
        from stdnum.nl import bsn

        if bsn.is_valid(digits):
            if other_at > bsn_at:
                continue  # labelled as another kind of number
            yield m.start(), m.end(), "BSN"
        elif labelled:
            yield m.start(), m.end(), "NUMMER"


# Fallback for Dutch numbers that PhoneNumberMatcher skips (e.g. two numbers written side by side): a trunk
# prefix, then exactly nine digits with at most two separators between them; validated by phonenumbers.
_NL_PHONE_RE = re.compile(
    r"(?<![\w+])(?:\+31[ -]?(?:\(0\)[ -]?)?|0031[ -]?|\(0|0)(?:\d[ \-)]{0,2}){8}\d(?!\d)"
)

# Prefilter for PhoneNumberMatcher. We keep only its matches whose raw text starts with '+', '(' or '0' (below),
# and a valid number has at least 5 digits (the shortest possible national number of any region in the
# phonenumbers metadata has 4 digits plus a country code; Dutch ones have at least 5). In the matcher's own
# candidate pattern at most 4 punctuation characters separate two digit blocks, and at most 9 characters
# (leads and punctuation) come before the first digit. So a kept match always contains a match of this
# pattern; a text without one cannot yield a kept match and the matcher is not run.
_PHONE_CANDIDATE_RE = re.compile(r"(?:0|[+(]\D{0,9}\d)(?:\D{0,4}\d){4}")


def _find_nl_phones(text: str) -> Iterable[_Hit]:
    for m in _NL_PHONE_RE.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        if digits.startswith(("14", "0800", "0900", "0906", "0909")):
            continue
        # deferred: heavy import (phonenumbers' metadata), only for a candidate (~0.2 s of a start otherwise)
        import phonenumbers

        try:
            num = phonenumbers.parse(m.group().replace("(0)", ""), "NL")
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(num):
            fstart = m.start() + (1 if m.group().startswith("(") and ")" not in m.group() else 0)
            yield fstart, m.end(), "TELEFOON"


def _find_phones(text: str) -> Iterable[_Hit]:
    if not _PHONE_CANDIDATE_RE.search(text):
        return  # no match of the matcher could pass the filter below: skip it (it costs most of this detector)
    # deferred: heavy import (phonenumbers' metadata), only for a text with a phone candidate
    import phonenumbers

    for pm in phonenumbers.PhoneNumberMatcher(text, "NL", leniency=phonenumbers.Leniency.VALID):
        raw: str = pm.raw_string
        if not raw or raw[0] not in "+0(":
            continue  # a bare number without trunk prefix is too ambiguous (amounts, ids)
        start: int = pm.start
        end: int = pm.end
        if raw.startswith("(") and ")" not in raw:
            start += 1
        digits = re.sub(r"\D", "", raw)
        if digits.startswith(("14", "0800", "0900", "0906", "0909")):
            continue  # gemeente short numbers and service numbers belong to organisations
        yield start, end, "TELEFOON"


# Dutch postcodes: 1000-9999 followed by two letters (not SA, SD, SS). Upper-case letters, or lower-case
# letters written against the digits ("6221ec").
_POSTCODE_RE = re.compile(r"(?<![\w-])[1-9]\d{3}(?: ?(?!SA|SD|SS)[A-Z]{2}|(?!sa|sd|ss)[a-z]{2})(?![\w-])")


def _find_postcodes(text: str) -> Iterable[_Hit]:
    for m in _POSTCODE_RE.finditer(text):
        yield m.start(), m.end(), "POSTCODE"


_SIDECODES = (
    "LL-DD-DD", "DD-DD-LL", "DD-LL-DD", "LL-DD-LL", "LL-LL-DD", "DD-LL-LL", "DD-LLL-D",
    "D-LLL-DD", "LL-DDD-L", "L-DDD-LL", "LLL-DD-L", "L-DD-LLL", "D-LL-DDD", "DDD-LL-D",
)  # fmt: skip


def _sidecode_regex(dashes: str) -> str:
    alts = []
    for code in _SIDECODES:
        parts = [p.replace("L", "[A-Z]").replace("D", r"\d") for p in code.split("-")]
        alts.append(dashes.join(parts))
    return "(?:" + "|".join(alts) + ")"


_KENTEKEN_RE = re.compile(r"(?<![\w-])" + _sidecode_regex("[-]") + r"(?![\w-])")
_KENTEKEN_CTX_RE = re.compile(
    r"(?i:kenteken(?:plaat|nummer)?s?|nummerbord|auto|voertuig|scooter|bus|busje|wagen|bestelbus)"
    r"[^.\n\[\]]{0,25}?(?<![\w-])(?P<k>(?i:" + _sidecode_regex("[- ]?") + r"))(?![\w-])"
)


# Guards: every sidecode has a letter next to a digit across a dash (LL-DD-DD: "L-D", DD-LLL-D: "D-L", ...);
# the context words of _KENTEKEN_CTX_RE, cut short (kentekenplaat → kenteken, busje/bestelbus → bus).
_DASHED_HINT_RE = re.compile(r"[A-Z]-\d|\d-[A-Z]")
_KENTEKEN_WORDS = ("kenteken", "nummerbord", "auto", "voertuig", "scooter", "bus", "wagen")


def _find_kentekens(text: str) -> Iterable[_Hit]:
    if _DASHED_HINT_RE.search(text):
        for m in _KENTEKEN_RE.finditer(text):
            yield m.start(), m.end(), "KENTEKEN"
    if not _mentions(text, _KENTEKEN_WORDS):
        return
    for m in _KENTEKEN_CTX_RE.finditer(text):
        k = m.group("k")
        if not re.search(r"[A-Za-z]", k) or not re.search(r"\d", k):
            continue
        yield m.start("k"), m.end("k"), "KENTEKEN"


_MONTHS = (
    r"januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december"
    r"|jan|feb|febr|mrt|apr|jun|jul|aug|sep|sept|okt|nov|dec"
)
_DATE = (
    r"(?:\d{1,2}[-/.]\d{1,2}[-/.](?:\d{4}|\d{2})"
    r"|\d{1,2}(?:e|ste|de)?\s+(?:" + _MONTHS + r")\.?\s+\d{4}"
    r"|\d{4}-\d{2}-\d{2})"
)
_DOB_RE = re.compile(
    r"(?i:\bgeboren|\bgeb\.|\bgeb\b|\bgeboortedat(?:um|a)|\bgeb\.?\s?datum|\bd\.?o\.?b\.?|\bdate of birth|\*)"
    r"[^.\n\d\[\]]{0,40}?(?<!\d)(?P<d>(?i:" + _DATE + r"))(?!\d)"
)
_BRACKET_DATE_RE = re.compile(r"\(\s*(?:geb\.?\s*|\*\s*)?(?P<d>(?i:" + _DATE + r"))\s*\)")


# Guard: the birth words of _DOB_RE in the folded text: "geb" then oren, oortedat, datum or no word character
# (geboren, geboortedatum, geb datum, geb., geb); d.o.b. in its four spellings; date of birth; or a "*".
_DOB_HINT_RE = re.compile(r"geb(?:oren|oortedat|datum|(?!\w))|d\.?o\.?b|date of birth")


def _find_dobs(text: str) -> Iterable[_Hit]:
    if "*" not in text and not _DOB_HINT_RE.search(_folded(text)):
        return
    for m in _DOB_RE.finditer(text):
        yield m.start("d"), m.end("d"), "GEBOORTEDATUM"


def _find_bracket_dobs(text: str, names: Sequence[_Hit]) -> Iterable[_Hit]:
    """A date in brackets straight after a name: "Jan Jansen (12-03-1950)"."""
    name_ends = {e for _, e, k in names if k == "NAAM"}
    for ph in _PLACEHOLDER_RE.finditer(text):
        if ph.group() == "[NAAM]":
            name_ends.add(ph.end())
    for m in _BRACKET_DATE_RE.finditer(text):
        j = m.start()
        while j > 0 and text[j - 1] in " ,":
            j -= 1
        if j in name_ends:
            yield m.start("d"), m.end("d"), "GEBOORTEDATUM"


# Street + house number, for streets deduce's lookup does not know.
_STREET_SUFFIX = (
    r"straat|straße|strasse|str\.|laan|weg|plein|gracht|kade|singel|dijk|pad|hof|steeg|markt|dreef|park|plantsoen|baan"
    r"|ring|wal|veld|erf|burg|hoven|dal|berg|steenweg|allee|boulevard|haven|akker|kamp|hoek|wei|weide|laantje"
)
_ADDRESS_RE = re.compile(
    r"(?<![\w-])(?:[A-Z][\w'’-]*\s+){0,3}[A-Z][\w'’-]*(?:" + _STREET_SUFFIX + r")"
    r"\s+\d{1,5}(?:\s?[a-zA-Z](?![\w']))?(?:[- ](?:\d{1,4}|hs|bis|[A-Z])(?![\w']))?"
)


def _find_addresses(text: str) -> Iterable[_Hit]:
    for m in _ADDRESS_RE.finditer(text):
        yield m.start(), m.end(), "ADRES"


# Organisations, services and public bodies that deduce may mistake for a person: kept.
_KEEP_NAMES = frozenset(
    s.lower()
    for s in (
        "Albert Heijn", "Jan Linders", "Marktplaats", "WhatsApp", "Tikkie", "Vinted", "Instagram", "Snapchat",
        "TikTok", "Telegram", "Facebook", "Signal", "Ziggo", "KPN", "Rabobank", "ING", "ABN AMRO", "Bunq",
        "Knab", "Triodos", "PostNL", "DHL", "Coolblue", "Thuisbezorgd", "Microsoft", "Google", "Apple",
        "Belastingdienst", "DigiD", "Fraudehelpdesk", "Slachtofferhulp", "Veilig Thuis", "Politie",
        "Helpwanted", "Offlimits", "Meldpunt", "Sterk Huis", "Sociaal Wijkteam", "Juliana", "Beatrix",
        "Willem-Alexander", "Maxima", "Máxima", "Amazon", "Booking", "Airbnb", "Bol", "Bol.com", "Zalando",
        "Eneco", "Vattenfall", "Essent", "Menzis", "Zilveren Kruis", "CZ", "VGZ", "Sinterklaas", "Kerst",
        "Pinksteren", "Pasen", "Windows", "Excel", "Outlook", "Teams", "Chrome", "Anydesk", "AnyDesk",
        "TeamViewer", "Mollie", "Adyen", "Wero", "iDEAL", "Marktplaats-verkoper", "Wildberries",
    )
)  # fmt: skip
# Words of the incident domain that deduce's name lists also contain (surnames, first names): roles,
# ransomware families, everyday IT and fraud vocabulary. A *single* word in this list is not a name.
_NOT_NAMES = frozenset(
    """
    aangever aangeefster melder melding koper verkoper slachtoffer verdachte getuige dader daders ronselaar
    burgemeester wethouder agent wijkagent boa handhaver medewerker beheerder eigenaar ouder ouders moeder vader
    zoon dochter oma opa kleinzoon mentor buurman buurvrouw klant klanten leverancier bank kantoor bestuur
    link links fake nep mail mails leen verdien hoi mam pap pas pin code koerier helpdesk team teams
    meta akira lockbit conti medusa play clop blackcat alphv royal rhysida qilin emotet qakbot hall fame
    liefde geld snel vandaag morgen gisteren maandag dinsdag woensdag donderdag vrijdag zaterdag zondag
    januari februari maart april mei juni juli augustus september oktober november december
    levering slim let info bron zie ter casus mutatie verslag notitie afspraak advies aanwezig tijdlijn steller totaal
    """.split()
)
_TITLE_RE = re.compile(
    r"^(?:(?:de\s+)?heer|dhr\.?|mevrouw|mevr\.?|mw\.?|meneer|mijnheer|mej\.?|mr\.?|dr\.?|drs\.?|ir\.?|"
    r"ing\.?|prof\.?|ds\.?|bc\.?|collega|"
    r"zuster|broeder|pastoor|dominee|wijkagent|agent|brigadier|hoofdagent|rechercheur|wethouder|"
    r"burgemeester|mevrouwtje)\s+",
    re.IGNORECASE,
)
_ORG_BEFORE_RE = re.compile(
    r"(?:gemeente|provincie|stad|dorp|waterschap|politie(?:eenheid)?|regio|veiligheidsregio|basisteam|"
    r"ziekenhuis|school|hogeschool|universiteit|stichting|bv|b\.v\.|firma|bedrijf|winkel|camping|hotel|"
    r"café|restaurant|sportclub|voetbalclub|vereniging)\s+$",
    re.IGNORECASE,
)


def _find_deduce(text: str) -> Iterable[_Hit]:
    doc = _deduce().deidentify(text, disabled=set(_DEDUCE_DISABLED))
    for a in doc.annotations:
        tag: str = a.tag
        start, end = int(a.start_char), int(a.end_char)
        if tag in ("persoon", "patient"):
            seg = text[start:end]
            t = _TITLE_RE.match(seg)
            while t and t.end() < len(seg):
                start += t.end()
                seg = text[start:end]
                t = _TITLE_RE.match(seg)
            key = seg.lower().strip(" .'\"")
            if key in _KEEP_NAMES or key in _NOT_NAMES or not any(c.isalpha() for c in seg):
                continue
            if _ORG_BEFORE_RE.search(text[max(0, start - 30) : start]):
                continue
            yield start, end, "NAAM"
        elif tag.startswith("straat+huisnummer"):
            yield start, end, "ADRES"


# Police-register style "JANSEN, P." / "EL KHATIB, R.M.": surname in capitals, comma, initials.
_REGISTER_NAME_RE = re.compile(r"(?<![\w-])[A-Z][A-Z'-]+(?: [A-Z][A-Z'-]+){0,3}, (?:[A-Z]\.){1,4}(?!\w)")


_REGISTER_HINT_RE = re.compile(r"[A-Z'-], [A-Z]\.")  # guard: the surname's last character, comma, initial


def _find_register_names(text: str) -> Iterable[_Hit]:
    if not _REGISTER_HINT_RE.search(text):
        return
    for m in _REGISTER_NAME_RE.finditer(text):
        yield m.start(), m.end(), "NAAM"


# A capitalised word right after a word that introduces a person ("zoon Daan", "genaamd Ilias"), for names
# that are in none of deduce's lists.
_NAME_CUE_RE = re.compile(
    r"\b(?:zoon|dochter|kleinzoon|kleindochter|broer|zus|neef|nicht|vriend|vriendin|partner|ex|ex-partner|"
    r"leerling|cliënt|client|buurman|buurvrouw|collega|schoonzoon|schoondochter|genaamd|heet|alias|"
    r"noemde zich|noemt zich|stelde zich voor als|zich voorstelde als)\s+"
    r"(?P<n>[A-Z][a-zà-ÿ'’]+(?:-[A-Z][a-zà-ÿ]+)?(?:\s+(?:(?:van|de|der|den|el|al|ten|ter|op|in|'t)\s+)*"
    r"[A-Z][a-zà-ÿ'’]+(?:-[A-Z][a-zà-ÿ]+)?)?)"
)


def _find_cued_names(text: str) -> Iterable[_Hit]:
    for m in _NAME_CUE_RE.finditer(text):
        name = m.group("n")
        if name.lower() in _KEEP_NAMES or name.lower() in _NOT_NAMES:
            continue
        yield m.start("n"), m.end("n"), "NAAM"


_Detector = Callable[[str], Iterable[_Hit]]

# Three families, run in separate passes in this order (see :func:`redact`). Each family's kinds outrank the
# kinds of the families after it (``_PRIORITY``), so applying a family's hits before running the next one
# chooses what a single pass over all detectors would choose; the later, expensive detectors just see less
# text. Exceptions, all harmless: the two phone detectors yield the same kind, and a Dutch number found by
# the regex (family 1) is kept where the matcher (family 2) might have found a longer span around it; the
# bracketed date of birth (60, family 3) outranks a postcode (55, family 2) but can never overlap one.
_FAMILIES: tuple[tuple[_Detector, ...], ...] = (
    # identifiers with a check or a fixed shape, and Dutch phone numbers (cheap)
    (_find_emails, _find_profile_urls, _find_ips, _find_ibans, _find_bsns, _find_kentekens, _find_nl_phones),
    # phonenumbers' matcher (costly: it parses every digit run left), postcodes, dates of birth
    (_find_phones, _find_postcodes, _find_dobs),
    # deduce (the costliest), the other name detectors, street addresses and @handles; the dates of birth in
    # brackets after a name are derived from this family's names (see _detect)
    (_find_handles, _find_addresses, _find_deduce, _find_register_names, _find_cued_names),
)
_DETECTORS: tuple[_Detector, ...] = tuple(d for family in _FAMILIES for d in family)


# --------------------------------------------------------------------------------------------------
# Combining
# --------------------------------------------------------------------------------------------------


def _overlaps(a0: int, a1: int, b0: int, b1: int) -> bool:
    return a0 < b1 and b0 < a1


def _detect(text: str, detectors: Sequence[_Detector] = _DETECTORS) -> list[_Hit]:
    """All non-overlapping detections in ``text`` that do not touch an existing placeholder.

    Each hit is cleaned and checked against the placeholders on its own, so the result for all detectors is
    empty exactly when the result for each family (:data:`_FAMILIES`) is empty.
    """
    protected = [(m.start(), m.end()) for m in _PLACEHOLDER_RE.finditer(text)]
    hits: list[_Hit] = []
    for det in detectors:
        hits.extend(det(text))
    if _find_deduce in detectors:
        hits.extend(_find_bracket_dobs(text, hits))
    cleaned: list[_Hit] = []
    for s, e, k in hits:
        # trim whitespace and stray punctuation at the edges
        while s < e and text[s] in " \t\n\r,;:'\"“”‘’":
            s += 1
        while e > s and text[e - 1] in " \t\n\r,;:'\"“”‘’":
            e -= 1
        if e <= s or any(_overlaps(s, e, p0, p1) for p0, p1 in protected):
            continue
        cleaned.append((s, e, k))
    cleaned.sort(key=lambda h: (-_PRIORITY[h[2]], -(h[1] - h[0]), h[0], h[2]))
    chosen: list[_Hit] = []
    for s, e, k in cleaned:
        if any(_overlaps(s, e, c0, c1) for c0, c1, _ in chosen):
            continue
        chosen.append((s, e, "HANDLE" if k == "HANDLE_URL" else k))
    chosen.sort()
    return chosen


def _apply(text: str, spans: Sequence[tuple[int, int, str]]) -> tuple[str, tuple[Span, ...]]:
    parts: list[str] = []
    out: list[Span] = []
    pos = 0
    length = 0
    for s, e, k in sorted(spans):
        chunk = text[pos:s]
        parts.append(chunk)
        length += len(chunk)
        ph = f"[{k}]"
        parts.append(ph)
        out.append(Span(s, e, k, length, length + len(ph)))
        length += len(ph)
        pos = e
    parts.append(text[pos:])
    return "".join(parts), tuple(out)


def _to_original(pos: int, applied: Sequence[Span]) -> int:
    """Map an offset in the redacted text (outside any placeholder) back to the input text."""
    shift = 0
    for sp in applied:
        if sp.out_end <= pos:
            shift = sp.end - sp.out_end
        else:
            break
    return pos + shift


def redact(text: str) -> RedactionResult:
    """Replace personal data in Dutch ``text`` by typed placeholders. Deterministic and idempotent."""
    if not isinstance(text, str):
        raise TypeError("redact() expects str")
    spans: list[tuple[int, int, str]] = []
    current = text
    applied: tuple[Span, ...] = ()
    # The families take turns on the current text; whatever one finds is applied at once. A family that
    # finds nothing is "quiet" until the text changes again. We stop when all are quiet on the same text,
    # which is then a fixed point of all detectors together: redact(result) finds nothing (idempotence).
    quiet: set[int] = set()
    passes = 0
    while len(quiet) < len(_FAMILIES) and passes < _MAX_PASSES:
        for i, detectors in enumerate(_FAMILIES):
            if i in quiet:
                continue
            passes += 1
            hits = _detect(current, detectors)
            if not hits:
                quiet.add(i)
                continue
            for s, e, k in hits:
                spans.append((_to_original(s, applied), _to_original(e, applied), k))
            current, applied = _apply(text, spans)
            quiet.clear()
    return RedactionResult(current, applied)


def redact_text(text: str) -> str:
    """Only the redacted text."""
    return redact(text).text


# --------------------------------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------------------------------


def redact_main(stdin: TextIO | None = None, stdout: TextIO | None = None) -> int:
    """Read text from ``stdin``, write its redacted form to ``stdout``. Returns an exit code.

    Paragraphs (separated by blank lines) are redacted one by one so that large inputs stream.
    """
    src = stdin if stdin is not None else sys.stdin
    dst = stdout if stdout is not None else sys.stdout
    try:
        buf: list[str] = []
        for line in src:
            if line.strip():
                buf.append(line)
                continue
            if buf:
                dst.write(redact_text("".join(buf)))
                buf = []
            dst.write(line)
        if buf:
            dst.write(redact_text("".join(buf)))
        dst.flush()
    except UnicodeDecodeError:
        print("redact: de invoer is geen geldige UTF-8-tekst", file=sys.stderr)
        return 2
    return 0


# --------------------------------------------------------------------------------------------------
# Corpus and evaluation
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GoldSpan:
    start: int
    end: int
    type: str


@dataclass(frozen=True, slots=True)
class CorpusDoc:
    id: str
    text: str
    spans: tuple[GoldSpan, ...]
    meta: dict[str, str] = field(default_factory=dict, compare=False, hash=False)


def default_corpus_path() -> Path:
    return Path(__file__).resolve().parent / "corpus" / "redaction_nl.jsonl"


def load_corpus(path: Path | str | None = None) -> list[CorpusDoc]:
    p = Path(path) if path is not None else default_corpus_path()
    docs: list[CorpusDoc] = []
    with p.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            rec = json.loads(line)
            text = rec["text"]
            spans = tuple(GoldSpan(int(s["start"]), int(s["end"]), str(s["type"])) for s in rec["spans"])
            for s in spans:
                if not (0 <= s.start < s.end <= len(text)) or s.type not in PLACEHOLDER_TYPES:
                    raise ValueError(f"{p}:{n}: bad span {s}")
            meta = {k: str(v) for k, v in rec.items() if k not in ("text", "spans", "id")}
            docs.append(CorpusDoc(str(rec.get("id", n)), text, spans, meta))
    return docs


@dataclass(frozen=True, slots=True)
class TypeScore:
    """Span-level scores for one type (overlap matching; ``exact`` counts identical offsets)."""

    type: str
    gold: int
    predicted: int
    tp_gold: int  # gold spans overlapped by a predicted span of the same type
    tp_pred: int  # predicted spans overlapping a gold span of the same type
    exact: int  # predicted spans with exactly the gold offsets and type

    @property
    def recall(self) -> float:
        return self.tp_gold / self.gold if self.gold else 1.0

    @property
    def precision(self) -> float:
        return self.tp_pred / self.predicted if self.predicted else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def evaluate(
    corpus: Iterable[CorpusDoc], redactor: Callable[[str], RedactionResult] = redact
) -> dict[str, TypeScore]:
    """Per-type precision and recall of ``redactor`` on ``corpus``.

    Matching is by *overlap* within the same type: a gold span counts as found (recall) when any predicted
    span of its type overlaps it; a predicted span counts as correct (precision) when it overlaps any gold
    span of its type. Exact-offset matches are reported alongside in ``exact``. Overlap matching is the
    right measure for redaction: what matters is that the value is gone, not where a boundary falls
    ("mevrouw [NAAM]" vs "[NAAM]").
    """
    gold_n: dict[str, int] = {}
    pred_n: dict[str, int] = {}
    tp_g: dict[str, int] = {}
    tp_p: dict[str, int] = {}
    exact: dict[str, int] = {}
    for doc in corpus:
        pred = redactor(doc.text).spans
        for g in doc.spans:
            gold_n[g.type] = gold_n.get(g.type, 0) + 1
            if any(p.type == g.type and _overlaps(p.start, p.end, g.start, g.end) for p in pred):
                tp_g[g.type] = tp_g.get(g.type, 0) + 1
        for p in pred:
            pred_n[p.type] = pred_n.get(p.type, 0) + 1
            if any(p.type == g.type and _overlaps(p.start, p.end, g.start, g.end) for g in doc.spans):
                tp_p[p.type] = tp_p.get(p.type, 0) + 1
            if any(p.type == g.type and p.start == g.start and p.end == g.end for g in doc.spans):
                exact[p.type] = exact.get(p.type, 0) + 1
    types = [t for t in PLACEHOLDER_TYPES if t in gold_n or t in pred_n]
    return {
        t: TypeScore(t, gold_n.get(t, 0), pred_n.get(t, 0), tp_g.get(t, 0), tp_p.get(t, 0), exact.get(t, 0))
        for t in types
    }


def measure_throughput(texts: Sequence[str], min_seconds: float = 2.0) -> float:
    """Texts per second of :func:`redact` on one core (after warm-up), looping over ``texts``."""
    if not texts:
        return 0.0
    warm_up()
    n = 0
    t0 = time.perf_counter()
    while True:
        for t in texts:
            redact(t)
        n += len(texts)
        elapsed = time.perf_counter() - t0
        if elapsed >= min_seconds:
            return n / elapsed
