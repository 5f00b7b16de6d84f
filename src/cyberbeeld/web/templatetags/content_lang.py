"""The language of user content on a page: ``lang`` where it differs from the page's.

Users write scenario titles, rationales, case texts and incident descriptions in one language
(``settings.CYBERBEELD_CONTENT_LANGUAGE``, Dutch); Cyberbeeld does not translate them. On a page in another
language such text is marked with its own ``lang`` (WCAG 3.1.2 Language of Parts), so that a screen reader
pronounces it as Dutch and the page checks (tests/e2e/page_checks.py) can tell content from interface.

    {% load content_lang %}
    <h1>{{ scenario.title|content }}</h1>                  user content, in the content language
    <td>{{ text|content:"en" }}</td>                       content known to be in another language
    <p{% lang_attr %}>{{ case.summary|linebreaksbr }}</p>   the attribute only (block content, <option>, alt)
    {% bilingual cat.name_nl cat.name_en %}                  reference data with both languages: the page's
                                                           language, or the Dutch text marked as Dutch
    {% bilingual_within p.reason_nl p.reason_en s.title %}   the same, with user content quoted inside it
                                                           ("Review the scenario '...'") marked

On a page in the content's own language nothing is added.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

register = template.Library()


def page_language() -> str:
    return (get_language() or settings.LANGUAGE_CODE or "nl")[:2]


def content_language() -> str:
    return str(getattr(settings, "CYBERBEELD_CONTENT_LANGUAGE", "nl"))[:2]


def foreign(lang: str | None = None) -> str:
    """The language to mark, or "" when it is the page's own."""
    lang = (lang or content_language())[:2]
    return "" if lang == page_language() else lang


def mark(value: Any, lang: str | None = None) -> SafeString:
    """``value`` (escaped unless already safe) in a ``<span lang>`` when its language is not the page's."""
    text = conditional_escape("" if value is None else value)
    other = foreign(lang)
    if not other or not str(text).strip():
        return mark_safe(text)  # noqa: S308 - escaped above
    return format_html('<span lang="{}">{}</span>', other, text)


@register.filter(is_safe=True)
def content(value: Any, lang: str | None = None) -> SafeString:
    """User content in the content language (or ``lang``), marked when the page is in another language."""
    return mark(value, lang)


@register.simple_tag
def lang_attr(lang: str | None = None) -> SafeString:
    """`` lang="nl"`` for an element whose whole text is content in another language than the page's."""
    other = foreign(lang)
    return format_html(' lang="{}"', other) if other else mark_safe("")


@register.simple_tag
def bilingual(nl: Any, en: Any) -> SafeString:
    """Reference text stored in both languages: the page's language, else the Dutch text marked as Dutch."""
    if page_language() == "en" and en:
        return mark(en, "en")
    return mark(nl, "nl")


@register.simple_tag
def bilingual_within(nl: Any, en: Any, quoted: Any = "") -> SafeString:
    """Like :func:`bilingual`; where the chosen text quotes user content (``quoted``, e.g. a scenario title in a
    generated English sentence), that part is marked with the content language."""
    if not (page_language() == "en" and en):
        return mark(nl, "nl")
    text = str(conditional_escape(en))
    needle = str(conditional_escape(quoted or ""))
    if not needle.strip() or not foreign() or needle not in text:
        return mark_safe(text)  # noqa: S308 - escaped above
    marked = str(format_html('<span lang="{}">{}</span>', foreign(), mark_safe(needle)))  # noqa: S308
    return mark_safe(text.replace(needle, marked))  # noqa: S308 - both parts escaped above
