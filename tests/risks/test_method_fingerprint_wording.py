"""A method's Dutch source line is wording, not method: changing it keeps the fingerprint that existing
assessments carry (adding ``source_nl`` had changed every fingerprint, so every stored score would have been
refused as made with another method)."""

from __future__ import annotations

import dataclasses

from cyberbeeld.risks import scoring


def test_source_translation_is_not_part_of_the_fingerprint():
    m = scoring.load_method("lokaal-cyber-2026")
    reworded = dataclasses.replace(m, source_nl=m.source_nl + " Anders geformuleerd.")
    assert reworded.fingerprint == m.fingerprint
    rescored = dataclasses.replace(m, class_base=10 if m.class_base == 3 else 3)
    assert rescored.fingerprint != m.fingerprint


def test_fingerprints_of_the_shipped_methods_are_stable():
    """The values of session 3 (before source_nl existed): stored assessments keep matching."""
    assert scoring.load_method("lokaal-cyber-2026").fingerprint.startswith("d756aaa4f8a6")
    assert scoring.load_method("rrp-2009").fingerprint.startswith("c55bfe3d3013")
