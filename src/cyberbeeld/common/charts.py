"""Charts: Vega-Lite specs (built with Altair or as dicts) rendered to SVG on the server.

One rendering for screen, print, PDF and the static site. Charts are not drawn in the browser:
Vega's expression parser needs ``'unsafe-eval'``, which our Content-Security-Policy forbids. Every
chart is shown with its data as a table beside it (see ``web/_chart.html``).

No Django imports: usable from reports, the static-site writer and benchmarks alike.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any, Literal

import vl_convert as vlc

Locale = Literal["nl-NL", "en-GB"]


@lru_cache(maxsize=512)
def _svg(spec_json: str, locale: Locale) -> str:
    return str(vlc.vegalite_to_svg(spec_json, format_locale=locale))


def render_svg(spec: dict[str, Any], lang: str = "nl") -> str:
    """SVG for a Vega-Lite spec; Dutch number formats (decimal comma) for ``lang="nl"``.

    Results are cached by the exact spec, so the same chart is rendered once per process.
    """
    locale: Locale = "nl-NL" if lang.startswith("nl") else "en-GB"
    svg = _svg(json.dumps(spec, sort_keys=True, default=str), locale)
    # the figure around it carries the accessible name; the SVG itself is decorative for AT
    return svg.replace("<svg ", '<svg aria-hidden="true" focusable="false" ', 1)
