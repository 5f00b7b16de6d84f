"""Checks every page the browser tests open: accessibility engines, HTML validity and language/format text rules.

Three parts:
- ``capture``: while a browser test runs, every HTML response the live server sends is recorded (the served
  bytes, so the Nu HTML Checker sees exactly what a browser got).
- ``text_problems``: pure checks over a page's visible text (other-language words from a maintained list,
  untranslated msgids on English pages, decimal points in Dutch numbers, "1 scenario's"-style plurals, dates).
- engines in the page: axe-core and IBM Equal Access (ace.js from the npm package accessibility-checker-engine,
  policy and levels from ``achecker.json``); vnu.jar runs once per session over all collected documents.

Each problem names the page, the rule and the element.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import threading
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
ROOT = HERE.parents[1]
NODE_MODULES = ROOT / "tools" / "a11y" / "node_modules"
ACE_JS = NODE_MODULES / "accessibility-checker-engine" / "ace.js"
VNU_JAR = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
ACHECKER_CONFIG = json.loads((HERE / "achecker.json").read_text(encoding="utf-8"))
WORDLIST = json.loads((HERE / "other_language_words.json").read_text(encoding="utf-8"))
PO_FILE = ROOT / "src" / "cyberbeeld" / "locale" / "en" / "LC_MESSAGES" / "django.po"


# --- capture -------------------------------------------------------------------------------------
@dataclass
class Served:
    """One HTML response of the live server."""

    method: str
    url: str
    status: int
    html: str
    fragment: bool  # an htmx partial, not a whole document

    @property
    def key(self) -> str:
        # csrf tokens and nonces change on every render; they do not make a page different
        norm = re.sub(r'(value|content|nonce)="[A-Za-z0-9+/=_-]{20,}"', r'\1=""', self.html)
        return hashlib.sha256(f"{self.url.split('?')[0]}\n{norm}".encode()).hexdigest()


class Recorder:
    """Patches Django's request handling so that every text/html response is kept (thread-safe)."""

    def __init__(self) -> None:
        self.served: list[Served] = []
        self._lock = threading.Lock()
        self._orig: Any = None

    def start(self) -> None:
        from django.core.handlers.base import BaseHandler

        self._orig = orig = BaseHandler.get_response
        recorder = self

        def get_response(handler: Any, request: Any) -> Any:
            response = orig(handler, request)
            ctype = response.get("Content-Type", "")
            if ctype.startswith("text/html") and not getattr(response, "streaming", False):
                html = response.content.decode(response.charset or "utf-8", "replace")
                fragment = request.headers.get("HX-Request") == "true" or "<html" not in html[:500].lower()
                with recorder._lock:
                    recorder.served.append(Served(request.method, request.build_absolute_uri(),
                                                  response.status_code, html, fragment))
            return response

        BaseHandler.get_response = get_response  # type: ignore[method-assign]

    def stop(self) -> None:
        from django.core.handlers.base import BaseHandler

        if self._orig is not None:
            BaseHandler.get_response = self._orig  # type: ignore[method-assign]
            self._orig = None

    def take(self) -> list[Served]:
        with self._lock:
            out, self.served = self.served, []
        return out


# --- visible text --------------------------------------------------------------------------------
SKIP_TAGS = {"script", "style", "code", "pre", "kbd", "samp", "template", "svg", "noscript"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
TEXT_ATTRS = ("aria-label", "title", "placeholder", "alt", "aria-description")


@dataclass
class TextPiece:
    text: str
    where: str  # a short element path, e.g. "main > table > td"


@dataclass
class _Frame:
    tag: str
    skip: bool
    label: str
    foreign: bool = False  # inside an element marked with another language than the page's


class _TextParser(HTMLParser):
    """Visible text of a page in the page's own language (skips code, scripts, other-language parts, no-translate)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page_lang = ""
        self.stack: list[_Frame] = []
        self.pieces: list[TextPiece] = []
        self.foreign: set[str] = set()  # text marked as another language (content), e.g. a Dutch title

    def _where(self) -> str:
        return " > ".join(f.label for f in self.stack[-4:]) or "document"

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        if tag == "html":
            self.page_lang = a.get("lang", "")[:2]
        parent_skip = bool(self.stack and self.stack[-1].skip)
        lang = a.get("lang", "")[:2]
        foreign = (bool(self.stack and self.stack[-1].foreign)
                   or (bool(lang) and bool(self.page_lang) and lang != self.page_lang and tag != "html"))
        skip = parent_skip or tag in SKIP_TAGS or a.get("translate") == "no" or "hidden" in a or foreign
        label = tag + (f"#{a['id']}" if a.get("id") else "") + (
            "." + a["class"].split()[0] if a.get("class") else "")
        if not skip:
            for attr in TEXT_ATTRS:
                if a.get(attr):
                    self.pieces.append(TextPiece(a[attr], f"{self._where()} > {label}[{attr}]"))
            if tag == "input" and a.get("type") in ("submit", "button") and a.get("value"):
                self.pieces.append(TextPiece(a["value"], f"{self._where()} > {label}[value]"))
        if tag in VOID:
            return
        self.stack.append(_Frame(tag, skip, label, foreign))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        if self.stack and self.stack[-1].skip:
            if self.stack[-1].foreign and len(text := " ".join(data.split())) >= 3:
                self.foreign.add(text)
            return
        text = " ".join(data.split())
        if text:
            self.pieces.append(TextPiece(text, self._where()))


def visible_text(html: str) -> tuple[str, list[TextPiece]]:
    """The page's language and its visible text in that language.

    Content marked with another language (``<h1><span lang="nl">Gehackte sluis</span></h1>`` on an English page)
    is left out, and so is the same text where it cannot be marked: repeated in ``<title>`` or an ``aria-label``
    ("Edit: Gehackte sluis"). Text of the other language that is marked nowhere on the page still counts.
    """
    parser = _TextParser()
    parser.feed(html)
    parser.close()
    if not parser.foreign:
        return parser.page_lang, parser.pieces
    marked = sorted(parser.foreign, key=len, reverse=True)
    pieces = []
    for p in parser.pieces:
        text = p.text
        for m in marked:
            if m in text:
                text = text.replace(m, " ")
        text = " ".join(text.split())
        if text:
            pieces.append(TextPiece(text, p.where))
    return parser.page_lang, pieces


# --- text rules ----------------------------------------------------------------------------------
def _untranslated_msgids() -> set[str]:
    """Dutch msgids whose English differs: seen verbatim on an English page they are untranslated."""
    if not PO_FILE.exists():
        return set()
    text = PO_FILE.read_text(encoding="utf-8")
    out: set[str] = set()
    english: set[str] = set()
    for block in text.split("\n\n"):
        if "msgid_plural" in block or "#, fuzzy" in block:
            continue
        m_id = re.search(r'^msgid ((?:".*"\n?)+)', block, re.M)
        m_str = re.search(r'^msgstr ((?:".*"\n?)+)', block, re.M)
        if not m_id or not m_str:
            continue
        msgid = "".join(re.findall(r'"(.*)"', m_id.group(1)))
        msgstr = "".join(re.findall(r'"(.*)"', m_str.group(1)))
        english.add(msgstr)
        if msgid and msgstr and msgid != msgstr and "%" not in msgid and "{" not in msgid and len(msgid) > 3 \
                and re.search(r"[a-zA-Z]{3}", msgid):
            out.add(msgid.replace('\\"', '"'))
    return out - english


UNTRANSLATED = _untranslated_msgids()
EN_MONTHS = ("January|February|March|April|June|July|August|September|October|November|December|"
             "Jan\\.|Feb\\.|Aug\\.|Sept?\\.|Oct\\.|Nov\\.|Dec\\.")
NL_MONTHS = "januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december|okt\\.|mrt\\."  # lower case: English capitalises months
PLURAL_NL = ("scenario's|maatregelen|incidenten|indicatoren|organisaties|velden|dagen|vragen|gemeenten|"
             "stijgingen|dalingen|rapporten|risico's|partijen|waarschuwingen|meldingen|oefeningen|uren|minuten|"
             "seconden|jaren|weken|inwoners|bronnen|cijfers|taken|rijen|fouten|objecten|partners|deelnemers")
PLURAL_EN = ("scenarios|measures|incidents|indicators|organisations|fields|days|questions|municipalities|"
             "rises|falls|reports|risks|parties|warnings|notifications|exercises|hours|minutes|seconds|years|"
             "weeks|residents|sources|figures|tasks|rows|errors|objects|partners|participants")
# Dotted numbers that are not decimals: versions and standards, criterion/outline codes ("2.1 Doden",
# "Onderbouwing 2.1", a cell that is only "5.3"), Dutch clock times ("tussen 20.00 en 6.00 uur"), bill and article
# numbers. A decimal in running text ("verwacht 0.0, drempel 2.5") is still caught.
ALLOWED_DOTTED = re.compile(
    r"(?i:CC BY|WCAG|TLP|HTML|PDF/UA|UA|ISO|v|versie|version|Cyberbeeld|BIO|NIS|Python|Django|Onderbouwing|criterium"
    r"|criteria|art\.|artikel|Wetsvoorstel|Kamerstuk)\s?\(?\d+(\.\d+)+"
    r"(?:(?:,\s?|\s(?:en|and|of|or)\s)\d+(?:\.\d+)+)*"
    r"|^\s*[A-Z]?\d{1,2}(\.\d{1,2})+\s*$"
    r"|(?<![\d.,])[A-Z]?\d{1,2}(\.\d{1,2})+(?= [A-Z][a-z])"
    r"|(?<![\d.,])\d{1,2}\.\d{2}(?=\s*(uur|en \d|tot \d|[-–]\s?\d))"
    r"|\b(?i:tussen|vanaf|na|voor|om) \d{1,2}\.\d{2}\b"
    r"|(?i:Wetsvoorstel|Kamerstuk|nr\.|nummer|zaaknummer)\s\d+")


@dataclass
class Problem:
    rule: str
    detail: str
    where: str

    def __str__(self) -> str:
        return f"[{self.rule}] {self.detail!r} at {self.where}"


def _words(pattern_list: list[str]) -> re.Pattern[str]:
    return re.compile(r"(?<![\w-])(" + "|".join(re.escape(w) for w in pattern_list) + r")(?![\w-])")


OTHER_WORDS = {"nl": _words(WORDLIST["en"]), "en": _words(WORDLIST["nl"])}


def text_problems(html: str) -> list[Problem]:
    """The language, plural, number and date rules over a page's visible text."""
    lang, pieces = visible_text(html)
    problems: list[Problem] = []
    for p in pieces:
        t = p.text
        if lang in OTHER_WORDS and (m := OTHER_WORDS[lang].search(t)):
            problems.append(Problem("other-language-word", f"{m.group(1)} in: {t[:120]}", p.where))
        if lang == "en" and t.strip(" :.*") in UNTRANSLATED:
            problems.append(Problem("untranslated-msgid", t[:120], p.where))
        if lang == "nl":
            stripped = ALLOWED_DOTTED.sub(" ", t)
            if m := re.search(r"(?<![\w.,/:-])\d+\.\d{1,2}(?![\d.])", stripped):
                problems.append(Problem("decimal-point-in-dutch", f"{m.group(0)} in: {t[:120]}", p.where))
            if m := re.search(r"(?<![\w.,/:+-])\d{5,}(?![\w.,/:-])", stripped):
                problems.append(Problem("ungrouped-dutch-number", f"{m.group(0)} in: {t[:120]}", p.where))
            if m := re.search(r"(?<![\w.,])1 (" + PLURAL_NL + r")\b", t):
                problems.append(Problem("plural-after-one", f"{m.group(0)} in: {t[:120]}", p.where))
            if m := re.search(r"\b(" + EN_MONTHS + r")(?!\w)", t):
                problems.append(Problem("english-date-on-dutch-page", f"{m.group(0)} in: {t[:120]}", p.where))
        if lang == "en":
            if m := re.search(r"(?<![\w.,])\d+,\d{1,2}(?![\d,])", t):
                problems.append(Problem("decimal-comma-in-english", f"{m.group(0)} in: {t[:120]}", p.where))
            if m := re.search(r"(?<![\w.,])1 (" + PLURAL_EN + r")\b", t):
                problems.append(Problem("plural-after-one", f"{m.group(0)} in: {t[:120]}", p.where))
            if m := re.search(r"\b(" + NL_MONTHS + r")(?!\w)", t):
                problems.append(Problem("dutch-date-on-english-page", f"{m.group(0)} in: {t[:120]}", p.where))
        if m := re.search(r"\w\((en|s|'s)\)(?!\w)", t):
            problems.append(Problem("plural-in-brackets", f"{m.group(0)} in: {t[:120]}", p.where))
        if m := re.search(r"\b\d{1,2}/\d{1,2}/\d{2,4}\b", t):
            problems.append(Problem("slash-date", f"{m.group(0)} in: {t[:120]}", p.where))
        if m := re.search(r"\b\d{4}-\d{1,2}-\d{1,2}[ T]\d{1,2}:\d{2}:\d{2}(\.\d+)?(\+\d{2}:\d{2})?", t):
            problems.append(Problem("raw-timestamp", f"{m.group(0)} in: {t[:120]}", p.where))
    return problems


# --- engines in the page -------------------------------------------------------------------------
AXE = HERE / "vendor" / "axe.min.js"


def run_axe(page: Any) -> list[Problem]:
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        "() => axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a','wcag2aa','wcag21a','wcag21aa']}})"
    )
    return [Problem(f"axe:{v['id']}", v["help"], "; ".join(" ".join(n["target"]) for n in v["nodes"][:5]))
            for v in result["violations"]]


_ACE_SOURCE: str | None = None


def run_ibm(page: Any) -> list[Problem]:
    """IBM Equal Access: violations (not 'potential', not recommendations) of the configured policies."""
    global _ACE_SOURCE
    if _ACE_SOURCE is None:
        _ACE_SOURCE = ACE_JS.read_text(encoding="utf-8")
    if not page.evaluate("() => typeof window.ace !== 'undefined'"):
        page.add_script_tag(content=_ACE_SOURCE)
    levels = [lvl.upper() for lvl in ACHECKER_CONFIG["failLevels"]]
    results = page.evaluate(
        """async ([policies, levels]) => {
            const report = await new ace.Checker().check(document, policies);
            return report.results
              .filter(r => r.value[1] === 'FAIL' && levels.includes(r.value[0]))
              .map(r => ({rule: r.ruleId, reason: r.reasonId, message: r.message,
                          path: r.path && (r.path.dom || ''), snippet: (r.snippet || '').slice(0, 160)}));
        }""",
        [ACHECKER_CONFIG["policies"], levels],
    )
    return [Problem(f"ibm:{r['rule']}", r["message"], f"{r['path']} {r['snippet']}") for r in results]


# --- Nu HTML Checker -----------------------------------------------------------------------------
@dataclass
class VnuBatch:
    folder: Path
    origin: dict[str, str] = field(default_factory=dict)  # file name -> "test id: url"

    def add(self, served: Served, test_id: str) -> None:
        name = f"{served.key[:16]}.html"
        if name in self.origin:
            return
        (self.folder / name).write_text(served.html, encoding="utf-8")
        self.origin[name] = f"{test_id}: {served.method} {served.url}"

    def run(self) -> list[str]:
        """Errors (not warnings) of vnu.jar over every collected document, each naming its page."""
        if not self.origin:
            return []
        proc = subprocess.run(
            ["java", "-Xss4m", "-jar", str(VNU_JAR), "--errors-only", "--format", "json", "--exit-zero-always",
             *sorted(str(self.folder / n) for n in self.origin)],
            capture_output=True, text=True, check=False, timeout=600,
        )
        report = json.loads(proc.stderr or proc.stdout or '{"messages": []}')
        out = []
        for msg in report.get("messages", []):
            if msg.get("type") not in ("error", "non-document-error"):
                continue
            name = Path(msg.get("url", "")).name
            out.append(f"{self.origin.get(name, name)} line {msg.get('lastLine')}: {msg.get('message')} "
                       f"[{(msg.get('extract') or '').strip()[:120]}]")
        return out
