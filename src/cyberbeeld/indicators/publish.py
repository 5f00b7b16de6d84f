"""Write a gemeente's public theme pages as a static site (HTML + SVG + CSS, no server needed).

Only TLP:CLEAR themes are written (``accounts.policy.publishable``, the same ceiling as the live
public pages). Layout: ``index.html``, ``<lang>/<theme>/index.html`` with the charts also as
``chart-N.svg``, and the stylesheets under ``static/``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.html import escape

from cyberbeeld.areas.models import Area

from . import selectors
from .views import public_context

CSS = ["vendor/source-sans-3/source-sans-3.css", "vendor/utrecht/index.css", "vendor/voorbeeld/theme.css",
       "indicators/public.css"]
FONTS = [f"vendor/source-sans-3/source-sans-3-{s}-{w}-normal.woff2" for s in ("latin", "latin-ext")
         for w in (400, 600, 700)] + ["vendor/source-sans-3/source-sans-3-latin-400-italic.woff2",
                                      "vendor/source-sans-3/LICENSE-OFL-1.1.txt", "web/tables.js"]
LANGS = ("nl", "en")


def publish_site(gemeente: Area, out: Path) -> list[Path]:
    """Write every public (TLP:CLEAR) theme of ``gemeente`` in NL and EN; returns the files written."""
    themes = list(selectors.public_themes_of(gemeente))
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for rel in CSS + FONTS:
        src = finders.find(rel)
        if src is None:
            raise FileNotFoundError(rel)
        dst = out / "static" / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dst)
        written.append(dst)
    css = ["../../static/" + rel for rel in CSS]
    for theme in themes:
        for lang in LANGS:
            other = "en" if lang == "nl" else "nl"
            with translation.override(lang):
                ctx = public_context(theme, lang, css=css, other_url=f"../../{other}/{theme.slug}/index.html",
                                     static_site=True, tables_js="../../static/web/tables.js")
                html = render_to_string("indicators/public_theme.html", ctx)
            page = out / lang / theme.slug / "index.html"
            page.parent.mkdir(parents=True, exist_ok=True)
            page.write_text(html, encoding="utf-8")
            written.append(page)
            for i, table in enumerate(ctx["tables"], start=1):
                svg = page.parent / f"chart-{i}.svg"
                svg.write_text(table["svg"].replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1)
                               if "xmlns=" not in table["svg"] else table["svg"], encoding="utf-8")
                written.append(svg)
    links = "".join(f'<li><a href="nl/{t.slug}/index.html">{escape(t.title("nl"))}</a> '
                    f'(<a href="en/{t.slug}/index.html" lang="en">{escape(t.title("en"))}</a>)</li>' for t in themes)
    index = out / "index.html"
    index.write_text(
        '<!DOCTYPE html>\n<html lang="nl"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title>Gemeente {escape(gemeente.name)}: veiligheid in cijfers</title>'
        '<link rel="stylesheet" href="static/indicators/public.css"></head>'
        f'<body><main id="main" class="cbp-container"><h1>Gemeente {escape(gemeente.name)}: veiligheid in cijfers</h1>'
        f'<ul>{links}</ul></main></body></html>\n', encoding="utf-8")
    written.append(index)
    return written
