"""The text rules of the page-check hook (tests/e2e/page_checks.py) catch what they should and only that."""

from __future__ import annotations

import pytest

from e2e import page_checks as pc


def rules(text: str, lang: str = "nl", wrap: str = "p") -> set[str]:
    html = f'<html lang="{lang}"><body><main><{wrap}>{text}</{wrap}></main></body></html>'
    return {p.rule for p in pc.text_problems(html)}


@pytest.mark.parametrize("text,lang,expected", [
    ("verwacht 0.0, drempel 2.5", "nl", {"decimal-point-in-dutch"}),
    ("gemiddeld 13.8 per 1.000 inwoners", "nl", {"decimal-point-in-dutch"}),
    ("Inwoners: 125305", "nl", {"ungrouped-dutch-number"}),
    ("1 maatregelen te laat", "nl", {"plural-after-one"}),
    ("1 scenario's hebben", "nl", {"plural-after-one"}),
    ("2 ongewone stijging(en)", "nl", {"plural-in-brackets"}),
    ("Audience region", "nl", {"other-language-word"}),
    ("Comparison group: 100.000 tot 250.000 inwoners", "nl", {"other-language-word"}),
    ("5 December 2026", "nl", {"english-date-on-dutch-page"}),
    ("12/05/2026", "nl", {"slash-date"}),
    ("2026-12-05 15:15:43", "nl", {"raw-timestamp"}),
    ("anna: update (1 velden)", "en", {"other-language-word"}),
    ("Opslaan", "en", {"other-language-word", "untranslated-msgid"}),
    ("1 measures overdue", "en", {"plural-after-one"}),
    ("2,5 km", "en", {"decimal-comma-in-english"}),
    ("5 december 2026", "en", {"dutch-date-on-english-page"}),
])
def test_rule_fires(text, lang, expected):
    assert rules(text, lang) == expected


@pytest.mark.parametrize("text", [
    "13,8 per 1.000 inwoners", "125.305 inwoners", "1 maatregel te laat", "2 maatregelen te laat", "5 december 2026",
    "2.1 Doden", "Onderbouwing 2.1", "5.3", "tussen 20.00 en 6.00 uur", "Wetsvoorstel 36789 (nieuw art. 173)",
    "CC BY 4.0", "WCAG 2.1", "2026-12-05",
])
def test_correct_dutch_passes(text):
    assert rules(text) == set()


def test_code_other_language_parts_and_no_translate_are_skipped():
    assert rules("<code>0.5</code> en <span lang='en'>Save</span> en <span translate='no'>beheerder</span>") == set()
    assert rules('<a href="/en/" lang="en" hreflang="en">English</a>') == set()
    # attributes people hear count too
    html = '<html lang="nl"><body><button aria-label="Save">x</button></body></html>'
    assert {p.rule for p in pc.text_problems(html)} == {"other-language-word"}


def test_content_marked_with_its_language_is_content_also_where_it_cannot_be_marked():
    """User content marked lang="nl" on an English page is skipped, and so is the same text in <title> and in an
    aria-label (which cannot carry a lang of their own); unmarked Dutch still fails."""
    title = "Verwijderen van back-ups door aanvaller"
    html = (f'<html lang="en"><head><title>{title} · Cyberbeeld</title></head><body><main>'
            f'<h1><span lang="nl">{title}</span></h1><a href="#" aria-label="Edit: {title}">Edit</a>'
            f'<p lang="nl">Deze maatregel wordt niet gemeten.</p></main></body></html>')
    assert pc.text_problems(html) == []
    unmarked = html.replace('<p lang="nl">', "<p>")
    assert {p.rule for p in pc.text_problems(unmarked)} == {"other-language-word"}
    # the title alone, with nothing marked on the page, is still Dutch on an English page
    bare = f'<html lang="en"><head><title>{title}</title></head><body></body></html>'
    assert {p.rule for p in pc.text_problems(bare)} == {"other-language-word"}
