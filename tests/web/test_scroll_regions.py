"""A table wrapper scrolls sideways on narrow screens; axe-core (scrollable-region-focusable) then needs
it to be reachable by keyboard. Whether it overflows depends on fonts and viewport, so every wrapper is
a focusable, named region — checked here for all templates, not only on the pages a browser test opens."""

from __future__ import annotations

import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "cyberbeeld"
WRAP = re.compile(r"<div\b[^>]*\bclass=\"[^\"]*\bcb-table-wrap\b[^\"]*\"[^>]*>")


def test_every_table_wrapper_is_a_focusable_named_region():
    found, bad = 0, []
    for path in SRC.rglob("*.html"):
        for m in WRAP.finditer(path.read_text(encoding="utf-8")):
            found += 1
            tag = m.group()
            if 'tabindex="0"' not in tag or 'role="region"' not in tag or "aria-label" not in tag:
                bad.append(f"{path.relative_to(SRC)}: {tag}")
    assert found > 20
    assert bad == []
