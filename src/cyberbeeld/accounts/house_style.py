"""A gemeente's house style as CSS: colour checks and the stylesheet (pure: no Django).

The primary colour carries white text (header band, primary buttons), so it must reach WCAG 2.1's
4.5:1 contrast against white; the stylesheet sets NL Design System tokens, never inline styles (CSP).
"""

from __future__ import annotations

import re

HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
MIN_CONTRAST = 4.5


def parse_hex(value: str) -> tuple[int, int, int]:
    if not HEX.match(value):
        raise ValueError(value)
    return int(value[1:3], 16), int(value[3:5], 16), int(value[5:7], 16)


def relative_luminance(value: str) -> float:
    """WCAG 2.1 relative luminance of an sRGB colour '#rrggbb'."""
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in parse_hex(value))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: str, b: str) -> float:
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def darker(value: str, factor: float = 0.8) -> str:
    r, g, b = parse_hex(value)
    return "#{:02x}{:02x}{:02x}".format(*(round(c * factor) for c in (r, g, b)))


def theme_css(primary: str) -> str:
    """The stylesheet of one organisation's theme (applies under the .cb-theme class on <body>)."""
    parse_hex(primary)
    hover = darker(primary)
    return (
        "/* house style of one organisation, set by its beheerder */\n"
        f".cb-theme {{\n  --cb-brand: {primary};\n  --cb-brand-hover: {hover};\n"
        f"  --utrecht-button-primary-action-background-color: {primary};\n"
        f"  --utrecht-button-primary-action-border-color: {primary};\n"
        f"  --utrecht-button-primary-action-hover-background-color: {hover};\n"
        f"  --utrecht-button-primary-action-hover-border-color: {hover};\n"
        f"  --utrecht-link-color: {primary};\n"
        f"  --utrecht-link-hover-color: {hover};\n}}\n"
    )
