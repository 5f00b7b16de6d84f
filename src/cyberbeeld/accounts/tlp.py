"""FIRST Traffic Light Protocol 2.0 labels (pure: no Django).

The order runs from the most open (CLEAR) to the most restrictive (RED). A compound document
(a report, a threat picture) carries the most restrictive label of its parts.
"""

from __future__ import annotations

from enum import StrEnum


class TLP(StrEnum):
    CLEAR = "clear"
    GREEN = "green"
    AMBER = "amber"
    AMBER_STRICT = "amber+strict"
    RED = "red"

    @property
    def label(self) -> str:
        """The label exactly as FIRST writes it, e.g. ``TLP:AMBER+STRICT``."""
        return "TLP:" + self.value.upper()

    @property
    def rank(self) -> int:
        return _ORDER.index(self)

    @classmethod
    def parse(cls, text: str) -> TLP:
        """Accept ``TLP:AMBER``, ``amber``, ``AMBER+STRICT`` and TLP 1.0's ``WHITE`` (= CLEAR)."""
        value = text.strip().lower().removeprefix("tlp:").strip()
        if value == "white":
            return cls.CLEAR
        try:
            return cls(value)
        except ValueError as exc:
            raise ValueError(f"unknown TLP label: {text!r}") from exc


_ORDER = [TLP.CLEAR, TLP.GREEN, TLP.AMBER, TLP.AMBER_STRICT, TLP.RED]


def most_restrictive(labels: list[TLP] | tuple[TLP, ...]) -> TLP:
    """The label of a compound document: the most restrictive label of its parts (CLEAR if none)."""
    return max(labels, key=lambda t: t.rank, default=TLP.CLEAR)


# What each label allows a recipient to do (FIRST TLP 2.0, paraphrased in DOMAIN §4.4).
MEANING_NL = {
    TLP.CLEAR: "Openbaar: iedereen mag dit zien en verder delen.",
    TLP.GREEN: "Alleen binnen de gemeenschap (partners in Cyberbeeld), niet via openbare kanalen.",
    TLP.AMBER: "Alleen de ontvangende organisaties en hun klanten, als zij het nodig hebben om zich te beschermen.",
    TLP.AMBER_STRICT: "Alleen binnen de ontvangende organisatie zelf, als men het nodig heeft.",
    TLP.RED: "Alleen voor de genoemde personen; niet verder delen.",
}
MEANING_EN = {
    TLP.CLEAR: "Public: anyone may see and share this.",
    TLP.GREEN: "Within the community (Cyberbeeld partners) only, not via public channels.",
    TLP.AMBER: "Recipient organisations and their clients only, on a need-to-know basis to protect themselves.",
    TLP.AMBER_STRICT: "Only within the recipient's own organisation, on a need-to-know basis.",
    TLP.RED: "For the named individuals only; no further disclosure.",
}
