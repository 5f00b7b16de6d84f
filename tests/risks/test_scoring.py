"""Tests for the NRB/RRP risk scoring core (pure, no database).

Worked examples are computed by hand in the docstrings from the method description in DOMAIN §1.6:
points A=1, B=3, C=9, D=27, E=81 (base 3) or powers of 10 (base 10), X left out, 0 counts as 0
points, weighted sum or weighted mean over the scored criteria, and the total mapped back to the
largest class whose points it reaches.
"""

from __future__ import annotations

import dataclasses
import json
import math
import random
from importlib import resources
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cyberbeeld.risks.scoring import (
    IMPACT_CLASSES,
    LIKELIHOOD_CLASSES,
    ORDERED_IMPACT,
    ZONES,
    Assessment,
    ClassRange,
    Method,
    MethodError,
    MethodVersionMismatch,
    ScoreError,
    assess,
    available_methods,
    class_points,
    impact_by_interest,
    load_method,
    regional_summary,
    risk_diagram,
    risk_zone,
    score_impact,
    spread,
    total_to_class,
)

RRP = load_method("rrp-2009")
LOCAL = load_method("lokaal-cyber-2026")

#: The ransomware example of the module docstring.
RANSOMWARE = {
    "1.1": "X",
    "2.1": "0",
    "2.2": "0",
    "2.3": "A",
    "3.1": "C",
    "4.1": "X",
    "5.1": "D",
    "5.2": "B",
    "5.3": "C",
    "6.1": "X",
}


def _raw(method_id: str) -> dict[str, Any]:
    text = (
        resources.files("cyberbeeld.risks")
        .joinpath("data", "methods", f"{method_id}.json")
        .read_text("utf-8")
    )
    data: dict[str, Any] = json.loads(text)
    return data


# ---------------------------------------------------------------------------------------------
# Method data
# ---------------------------------------------------------------------------------------------


def test_shipped_methods() -> None:
    assert {"rrp-2009", "lokaal-cyber-2026"} <= set(available_methods())


def test_rrp_has_the_ten_criteria_of_domain_1_3_a() -> None:
    """DOMAIN §1.3 A lists 1.1, 2.1, 2.2, 2.3, 3.1, 4.1, 5.1, 5.2, 5.3, 6.1 with equal weights."""
    assert RRP.codes == ("1.1", "2.1", "2.2", "2.3", "3.1", "4.1", "5.1", "5.2", "5.3", "6.1")
    assert all(c.weight == 1.0 for c in RRP.criteria)
    assert RRP.criterion("2.1").name("nl") == "Doden"
    assert RRP.criterion("2.1").name("en") == "Fatalities"
    assert RRP.criterion("6.1").interest == "cultureel erfgoed"
    assert all(c.verified for c in RRP.criteria)  # the list itself is [V]


def test_unverified_values_are_flagged() -> None:
    """Everything DOMAIN marks [M] is ``verified: false`` in the data and listed in ``unverified``."""
    for method in (RRP, LOCAL):
        for path in (
            "settings.class_base",
            "settings.aggregation",
            "likelihood.threat",
            "likelihood.hazard",
            "criteria.2.1.bands",
            "criteria.2.2.bands",
            "class_labels",
        ):
            assert path in method.unverified, (method.id, path)
        for c in method.criteria:
            if c.bands:
                assert not c.bands_verified
            if c.descriptors:
                assert not c.descriptors_verified
    # The local variant is ours: not official, and its own criteria are unverified.
    assert not LOCAL.official
    assert "criteria.L.1" in LOCAL.unverified and "criteria.L.2" in LOCAL.unverified
    raw = _raw("rrp-2009")
    assert raw["settings"]["class_base"]["verified"] is False
    assert all(c.get("bands", {}).get("verified", False) is False for c in raw["criteria"])


def test_method_settings() -> None:
    assert (RRP.class_base, RRP.aggregation, RRP.class_mapping) == (3, "mean", "floor")
    assert RRP.class_label("C") == "ernstig" and RRP.class_label("C", "en") == "serious"
    assert RRP.likelihood_scale(malicious=True).kind == "threat"
    assert RRP.likelihood_scale(malicious=False).kind == "hazard"


@pytest.mark.parametrize(
    "bad",
    [
        {"settings": {"class_base": {"value": 4}}},
        {"settings": {"aggregation": {"value": "median"}}},
    ],
)
def test_invalid_settings_are_refused(bad: dict[str, Any]) -> None:
    raw = _raw("rrp-2009")
    for key, value in bad["settings"].items():
        raw["settings"][key] = value
    with pytest.raises(MethodError):
        Method.from_dict(raw)


def test_duplicate_criteria_are_refused() -> None:
    raw = _raw("rrp-2009")
    raw["criteria"].append(raw["criteria"][0])
    with pytest.raises(MethodError):
        Method.from_dict(raw)


def test_fingerprint_is_stable_and_content_based() -> None:
    assert load_method("rrp-2009").fingerprint == RRP.fingerprint
    assert RRP.fingerprint != LOCAL.fingerprint
    raw = _raw("rrp-2009")
    raw["criteria"][0]["weight"] = 2
    assert Method.from_dict(raw).fingerprint != RRP.fingerprint


# ---------------------------------------------------------------------------------------------
# Points and class mapping
# ---------------------------------------------------------------------------------------------


def test_points_base_3_and_10() -> None:
    assert [class_points(c, 3) for c in ORDERED_IMPACT] == [0, 1, 3, 9, 27, 81]
    assert [class_points(c, 10) for c in ORDERED_IMPACT] == [0, 1, 10, 100, 1000, 10000]
    assert class_points("X", 3) is None
    with pytest.raises(ScoreError):
        class_points("F", 3)
    with pytest.raises(MethodError):
        class_points("A", 5)


@pytest.mark.parametrize(
    ("total", "base", "rule", "expected"),
    [
        (0.0, 3, "floor", "0"),
        (0.99, 3, "floor", "0"),
        (1.0, 3, "floor", "A"),
        (2.99, 3, "floor", "A"),
        (3.0, 3, "floor", "B"),
        (7.0, 3, "floor", "B"),
        (8.1, 3, "floor", "B"),
        (9.0, 3, "floor", "C"),
        (49.0, 3, "floor", "D"),
        (81.0, 3, "floor", "E"),
        (1000.0, 3, "floor", "E"),
        (173.0, 10, "floor", "C"),
        (9999.0, 10, "floor", "D"),
        (10000.0, 10, "floor", "E"),
        # geometric: C from 9/sqrt(3) = 5.196 on, D from 27/sqrt(3) = 15.59 on
        (5.19, 3, "geometric", "B"),
        (5.20, 3, "geometric", "C"),
        (7.0, 3, "geometric", "C"),
        (15.58, 3, "geometric", "C"),
        (15.6, 3, "geometric", "D"),
        (0.57, 3, "geometric", "0"),
        (0.58, 3, "geometric", "A"),
        (31.7, 10, "geometric", "C"),
    ],
)
def test_total_to_class_table(total: float, base: int, rule: Any, expected: str) -> None:
    assert total_to_class(total, base, rule) == expected


def test_total_to_class_refuses_nonsense() -> None:
    for bad in (-1.0, math.nan, math.inf):
        with pytest.raises(ScoreError):
            total_to_class(bad, 3)


# ---------------------------------------------------------------------------------------------
# Worked examples
# ---------------------------------------------------------------------------------------------


def test_worked_example_ransomware_mean_base3() -> None:
    """Ransomware at the town hall, rrp-2009 (base 3, mean, floor).

    Scored criteria (X left out): 2.1 0, 2.2 0, 2.3 A, 3.1 C, 5.1 D, 5.2 B, 5.3 C → 7 criteria.
    Points: 0 + 0 + 1 + 9 + 27 + 3 + 9 = 49. Mean = 49 / 7 = 7.0.
    B = 3 ≤ 7.0 < 9 = C → total impact class B (aanzienlijk).
    """
    r = score_impact(RRP, RANSOMWARE)
    assert r.n_scored == 7
    assert r.total == pytest.approx(7.0)
    assert r.impact_class == "B"
    assert (r.total_low, r.total_high) == (r.total, r.total)
    assert r.criterion("1.1").points_best is None and not r.criterion("1.1").scored
    assert r.criterion("5.1").points_best == 27


def test_worked_example_ransomware_sum() -> None:
    """Same scores, aggregation = sum: total = 49; D = 27 ≤ 49 < 81 = E → D."""
    r = score_impact(RRP.variant("rrp-2009-sum", aggregation="sum"), RANSOMWARE)
    assert r.total == 49
    assert r.impact_class == "D"


def test_worked_example_ransomware_base10() -> None:
    """Base 10, mean: 0 + 0 + 1 + 100 + 1000 + 10 + 100 = 1211; 1211 / 7 = 173.0 → C (100 ≤ 173 < 1000)."""
    r = score_impact(RRP.variant("rrp-2009-b10", class_base=10), RANSOMWARE)
    assert r.total == pytest.approx(173.0)
    assert r.impact_class == "C"


def test_worked_example_ransomware_geometric() -> None:
    """Geometric mapping, base 3: C from 9/√3 ≈ 5.196; D from 27/√3 ≈ 15.59; 7.0 → C."""
    r = score_impact(RRP.variant("rrp-2009-geo", class_mapping="geometric"), RANSOMWARE)
    assert r.impact_class == "C"


def test_worked_example_single_catastrophic_criterion() -> None:
    """5.1 E and the nine others 0: 81 / 10 = 8.1 → B. Averaging dampens one extreme score."""
    scores = {c: "0" for c in RRP.codes} | {"5.1": "E"}
    r = score_impact(RRP, scores)
    assert r.total == pytest.approx(8.1)
    assert r.impact_class == "B"


def test_worked_example_weights() -> None:
    """Preferentieprofiel with weight 2 on 5.1 (others 1), ransomware scores.

    Σ w·p = 0 + 0 + 1 + 9 + 2·27 + 3 + 9 = 76; Σ w = 8; 76 / 8 = 9.5 → C (9 ≤ 9.5 < 27).
    """
    m = RRP.variant("rrp-2009-w51", weights={"5.1": 2})
    r = score_impact(m, RANSOMWARE)
    assert r.total == pytest.approx(9.5)
    assert r.impact_class == "C"
    assert "weights" in m.unverified and not m.official


def test_worked_example_range() -> None:
    """5.1 scored as range C–E (best = middle = D), rest as in the ransomware example.

    low:  0+0+1+9+ 9+3+9 = 31 → 31/7 ≈ 4.43 → B
    best: 0+0+1+9+27+3+9 = 49 → 49/7 = 7.0  → B
    high: 0+0+1+9+81+3+9 = 103 → 103/7 ≈ 14.71 → C
    """
    r = score_impact(RRP, RANSOMWARE | {"5.1": ("C", "E")})
    assert r.criterion("5.1").classes == ClassRange("C", "D", "E")
    assert r.total_low == pytest.approx(31 / 7)
    assert r.total == pytest.approx(7.0)
    assert r.total_high == pytest.approx(103 / 7)
    assert (r.class_low, r.impact_class, r.class_high) == ("B", "B", "C")


def test_worked_example_impact_by_interest() -> None:
    """Ransomware scores per interest (base 3, mean):
    fysiek: 2.1 0, 2.2 0, 2.3 A → (0+0+1)/3 ≈ 0.33 → 0; economisch: 3.1 C → 9 → C;
    sociaal-politiek: 5.1 D, 5.2 B, 5.3 C → (27+3+9)/3 = 13 → C; territoriaal, ecologisch and
    cultureel erfgoed are all X → None."""
    by = impact_by_interest(RRP, RANSOMWARE)
    fysiek, econ, soc = by["fysiek"], by["economisch"], by["sociaal-politiek"]
    assert fysiek is not None and econ is not None and soc is not None
    assert fysiek.total == pytest.approx(1 / 3) and fysiek.impact_class == "0"
    assert (econ.total, econ.impact_class) == (9, "C")
    assert (soc.total, soc.impact_class) == (13, "C")
    assert by["territoriaal"] is None and by["ecologisch"] is None and by["cultureel erfgoed"] is None
    with pytest.raises(ScoreError):
        impact_by_interest(RRP, {"2.1": "A"})


def test_worked_example_risk_position() -> None:
    """Likelihood D (index 4) and impact B (index 2): risk index 6 → zone 'midden'."""
    a = Assessment("rrp-2009", RANSOMWARE, "D", scenario_id="s1", title="Ransomware")
    r = assess(RRP, a)
    assert (r.likelihood_index, r.impact_index, r.risk_index, r.zone) == (4, 2, 6, "midden")


def test_risk_zones_are_symmetric_diagonals() -> None:
    assert risk_zone(1, 1) == "laag" and risk_zone(5, 5) == "zeer hoog"
    for li in range(1, 6):
        for ii in range(1, 6):
            assert risk_zone(li, ii) == risk_zone(ii, li)
            if li < 5:
                assert ZONES.index(risk_zone(li + 1, ii)) >= ZONES.index(risk_zone(li, ii))


def test_numeric_bands_and_hazard_likelihood() -> None:
    """2.1 Doden, indicative bands [1,10) A, [10,100) B, ... [10 000, ∞) E (all [M])."""
    deaths = RRP.criterion("2.1")
    assert [deaths.classify_value(v) for v in (0, 1, 9, 10, 99.5, 100, 5000, 10_000, 1e7)] == [
        "0",
        "A",
        "A",
        "B",
        "B",
        "C",
        "D",
        "E",
        "E",
    ]
    with pytest.raises(ScoreError):
        RRP.criterion("5.3").classify_value(10)  # qualitative only
    hazard = RRP.likelihood_hazard
    assert [hazard.classify_probability(p) for p in (0, 0.0004, 0.0005, 0.01, 0.05, 0.4999, 0.5, 1.0)] == [
        "A",
        "A",
        "B",
        "C",
        "D",
        "D",
        "E",
        "E",
    ]
    with pytest.raises(ScoreError):
        RRP.likelihood_threat.classify_probability(0.1)
    assert RRP.likelihood_threat.label("D", "nl") == "waarschijnlijk"


# ---------------------------------------------------------------------------------------------
# Validation and frozen method versions
# ---------------------------------------------------------------------------------------------


def test_missing_unknown_and_invalid_scores() -> None:
    with pytest.raises(ScoreError, match="no score"):
        score_impact(RRP, {"2.1": "A"})
    with pytest.raises(ScoreError, match="not in method"):
        score_impact(RRP, RANSOMWARE | {"9.9": "A"})
    with pytest.raises(ScoreError):
        score_impact(RRP, RANSOMWARE | {"2.1": "F"})
    with pytest.raises(ScoreError, match="all X"):
        score_impact(RRP, {c: "X" for c in RRP.codes})
    with pytest.raises(ScoreError):
        score_impact(RRP, RANSOMWARE | {"2.1": ("X", "B")})
    with pytest.raises(ScoreError):
        score_impact(RRP, RANSOMWARE | {"2.1": ("D", "B")})
    with pytest.raises(ScoreError):
        assess(RRP, Assessment("rrp-2009", RANSOMWARE, "0"))


def test_scoring_with_another_method_version_raises() -> None:
    a = Assessment("rrp-2009", RANSOMWARE, "C", scenario_id="s1")
    with pytest.raises(MethodVersionMismatch):
        assess(LOCAL, a)
    with pytest.raises(MethodVersionMismatch):
        assess(RRP.variant("rrp-2009-sum", aggregation="sum"), a)
    with pytest.raises(MethodError):
        RRP.variant("rrp-2009")  # a variant must get its own id


def test_edited_method_under_the_same_id_raises() -> None:
    """An assessment keeps the fingerprint; editing the method file under the same id is caught."""
    a = Assessment("rrp-2009", RANSOMWARE, "C", scenario_id="s1", method_fingerprint=RRP.fingerprint)
    assert assess(RRP, a).impact.impact_class == "B"
    raw = _raw("rrp-2009")
    raw["settings"]["aggregation"]["value"] = "sum"
    edited = Method.from_dict(raw)
    assert edited.id == "rrp-2009"
    with pytest.raises(MethodVersionMismatch, match="changed"):
        assess(edited, a)


# ---------------------------------------------------------------------------------------------
# Several assessors and several gemeenten
# ---------------------------------------------------------------------------------------------


def test_worked_example_spread() -> None:
    """Three assessors score the ransomware scenario; only 5.1 and the likelihood differ.

    5.1: C (9), D (27), E (81) → median 27 (D), min 9 (C), max 81 (E).
    Totals: (22+9)/7 = 31/7 ≈ 4.43 (B), 49/7 = 7.0 (B), (22+81)/7 = 103/7 ≈ 14.71 (C)
    → median 7.0 (B), min B, max C. Likelihood C, D, D → median D, min C, max D.
    1.1 is X for everyone: n_scored 0, n_not_applicable 3.
    """
    items = [
        Assessment("rrp-2009", RANSOMWARE | {"5.1": c}, lk, scenario_id="rw", assessor=who)
        for c, lk, who in (("C", "C", "ann"), ("D", "D", "bas"), ("E", "D", "cem"))
    ]
    s = spread(RRP, items)
    c51 = next(c for c in s.criteria if c.code == "5.1")
    assert (c51.median_points, c51.min_points, c51.max_points) == (27, 9, 81)
    assert (c51.median_class, c51.min_class, c51.max_class) == ("D", "C", "E")
    c11 = next(c for c in s.criteria if c.code == "1.1")
    assert (c11.n_scored, c11.n_not_applicable, c11.median_class) == (0, 3, "X")
    assert s.median_total == pytest.approx(7.0)
    assert s.min_total == pytest.approx(31 / 7) and s.max_total == pytest.approx(103 / 7)
    assert (s.median_total_class, s.min_total_class, s.max_total_class) == ("B", "B", "C")
    assert (s.median_likelihood, s.min_likelihood, s.max_likelihood) == ("D", "C", "D")
    with pytest.raises(ScoreError):
        spread(RRP, [*items, dataclasses.replace(items[0], scenario_id="other")])
    with pytest.raises(ScoreError):
        spread(RRP, [])


def test_worked_example_regional_summary() -> None:
    """Template 'ransomware' in three gemeenten; Maastricht has two assessments (highest counts).

    GM0935 impact B (7.0) / likelihood D → risk 4+2 = 6 (its other assessment: C → 5)
    GM0917 impact C (14.71) / likelihood C → risk 3+3 = 6
    GM0888 impact B (31/7 ≈ 4.43) / likelihood B → risk 2+2 = 4
    → n_areas 3, max total 14.71 (C), median total 7.0 (B), max likelihood D, median C,
      max risk 6 reached by GM0917 and GM0935.
    """

    def res(area: str, s51: str, lk: str, sid: str) -> Any:
        a = Assessment(
            "rrp-2009", RANSOMWARE | {"5.1": s51}, lk, scenario_id=sid, template="ransomware", area=area
        )
        return assess(RRP, a)

    results = [
        res("GM0935", "D", "D", "m1"),
        res("GM0935", "D", "C", "m2"),
        res("GM0917", "E", "C", "h1"),
        res("GM0888", "C", "B", "b1"),
        res("GM0888", "C", "B", "b1-other-template"),
    ]
    results[-1] = dataclasses.replace(results[-1], template="ddos")
    summary = {s.template: s for s in regional_summary(results)}
    rw = summary["ransomware"]
    assert rw.n_areas == 3 and rw.areas == ("GM0888", "GM0917", "GM0935")
    assert rw.max_total == pytest.approx(103 / 7) and rw.max_impact_class == "C"
    assert rw.median_total == pytest.approx(7.0) and rw.median_impact_class == "B"
    assert (rw.max_likelihood, rw.median_likelihood) == ("D", "C")
    assert rw.max_risk_index == 6 and rw.areas_at_max_risk == ("GM0917", "GM0935")
    assert summary["ddos"].n_areas == 1
    local = assess(LOCAL, Assessment(LOCAL.id, {c: "A" for c in LOCAL.codes}, "C", template="ransomware"))
    with pytest.raises(MethodVersionMismatch):
        regional_summary([*results, local])


# ---------------------------------------------------------------------------------------------
# Risk diagram
# ---------------------------------------------------------------------------------------------


def _example_results() -> list[Any]:
    base = {c: "0" for c in LOCAL.codes}
    return [
        assess(LOCAL, Assessment(LOCAL.id, base | {"L.1": ("C", "E"), "3.1": "C"}, "D", "s1", "Ransomware")),
        assess(LOCAL, Assessment(LOCAL.id, base | {"L.2": "D"}, ("B", "D"), "s2", "Datalek leverancier")),
        assess(LOCAL, Assessment(LOCAL.id, base | {"5.1": "A"}, "E", "s3", "Phishinggolf")),
    ]


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_risk_diagram_spec_and_table(lang: Any) -> None:
    results = _example_results()
    d = risk_diagram(LOCAL, results, lang=lang)
    spec = d.spec
    json.dumps(spec)  # plain JSON
    assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/v")
    assert int(spec["$schema"].split("/v")[-1].split(".")[0]) in (5, 6)
    assert spec["description"] and "Ransomware" in spec["description"]
    assert len(spec["layer"]) == 5
    assert len(d.rows) == 3
    assert [r["scenario"] for r in d.rows] == ["Ransomware", "Datalek leverancier", "Phishinggolf"]
    assert d.rows[1]["likelihood_range"] == "B–D"
    assert {k for k, _ in d.columns} <= set(d.rows[0])
    headers = dict(d.columns)
    if lang == "nl":
        assert headers["likelihood_label"] == "Waarschijnlijkheid"
        assert d.rows[0]["likelihood_label"] == "waarschijnlijk"
        assert "," in d.rows[0]["total"]
    else:
        assert headers["likelihood_label"] == "Likelihood"
        assert d.rows[0]["likelihood_label"] == "likely"
        assert "." in d.rows[0]["total"]
    # impact 0 present → the y axis includes 0
    assert d.rows[2]["impact"] == "0"
    assert spec["usermeta"]["method_id"] == LOCAL.id


def test_risk_diagram_compiles_with_vega_lite() -> None:
    vlc = pytest.importorskip("vl_convert")
    d = risk_diagram(LOCAL, _example_results(), lang="nl")
    vega = vlc.vegalite_to_vega(d.spec)
    assert "marks" in (vega if isinstance(vega, dict) else json.loads(vega))


def test_risk_diagram_per_criterion() -> None:
    """Diagram for L.1 only: scenario 1 scores L.1 C–E (best D, 27 points); scenarios 2 and 3
    score it 0 (plotted at 0). With 2.1 as criterion and one scenario X, that one is left out."""
    results = _example_results()
    d = risk_diagram(LOCAL, results, lang="nl", criterion="L.1")
    assert [r["impact"] for r in d.rows] == ["D", "0", "0"]
    assert d.rows[0]["impact_range"] == "C–E" and d.rows[0]["total"] == "27,0"
    assert "L.1" in d.spec["title"] and d.spec["usermeta"]["criterion"] == "L.1"
    assert dict(d.columns)["total"] == "Punten"
    x_results = [
        *results,
        assess(
            LOCAL, Assessment(LOCAL.id, {c: "A" for c in LOCAL.codes} | {"2.1": "X"}, "B", "s4", "Storing")
        ),
    ]
    d21 = risk_diagram(LOCAL, x_results, lang="en", criterion="2.1")
    assert len(d21.rows) == 3 and "not applicable" in d21.spec["description"]
    with pytest.raises(ScoreError):
        risk_diagram(LOCAL, results, criterion="9.9")


def test_docstring_examples() -> None:
    import doctest

    from cyberbeeld.risks import scoring

    result = doctest.testmod(scoring)
    assert result.failed == 0 and result.attempted > 0


def test_risk_diagram_refuses_foreign_results() -> None:
    r = assess(RRP, Assessment("rrp-2009", RANSOMWARE, "C"))
    with pytest.raises(MethodVersionMismatch):
        risk_diagram(LOCAL, [r])


# ---------------------------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------------------------

ON_SCALE = st.sampled_from(ORDERED_IMPACT)
ANY_SCORE = st.sampled_from(("X", *ORDERED_IMPACT))
SETTINGS = st.tuples(
    st.sampled_from((3, 10)), st.sampled_from(("sum", "mean")), st.sampled_from(("floor", "geometric"))
)
WEIGHTS = st.lists(st.floats(0.25, 4.0, allow_nan=False), min_size=10, max_size=10)


def _method(settings_: tuple[int, Any, Any], weights: list[float] | None = None) -> Method:
    base, agg, rule = settings_
    w = dict(zip(RRP.codes, weights, strict=True)) if weights else None
    return RRP.variant("prop", class_base=base, aggregation=agg, class_mapping=rule, weights=w)


@st.composite
def impact_scores(draw: st.DrawFn, allow_x: bool = True) -> dict[str, str]:
    scores = {c: draw(ANY_SCORE if allow_x else ON_SCALE) for c in RRP.codes}
    if all(v == "X" for v in scores.values()):
        scores[draw(st.sampled_from(RRP.codes))] = draw(ON_SCALE)
    return scores


@given(impact_scores(), st.sampled_from(RRP.codes), SETTINGS, WEIGHTS)
def test_raising_a_criterion_never_lowers_the_total(
    scores: dict[str, str], code: str, settings_: Any, weights: list[float]
) -> None:
    """Monotone on the ordered scale 0 < A < ... < E (X is not on that scale)."""
    m = _method(settings_, weights)
    if scores[code] == "X":
        scores[code] = "0"
    before = score_impact(m, scores)
    for higher in ORDERED_IMPACT[ORDERED_IMPACT.index(scores[code]) :]:
        after = score_impact(m, scores | {code: higher})
        assert after.total >= before.total * (1 - 1e-12)
        assert ORDERED_IMPACT.index(after.impact_class) >= ORDERED_IMPACT.index(before.impact_class)


@given(impact_scores(), st.sampled_from((3, 10)), WEIGHTS)
def test_mean_lies_between_min_and_max_criterion_points(
    scores: dict[str, str], base: int, weights: list[float]
) -> None:
    m = _method((base, "mean", "floor"), weights)
    r = score_impact(m, scores)
    pts = [c.points_best for c in r.criteria if c.points_best is not None]
    assert min(pts) * (1 - 1e-12) <= r.total <= max(pts) * (1 + 1e-12)


@given(impact_scores(), st.sampled_from((3, 10)))
def test_sum_with_unit_weights_lies_between_max_and_n_times_max(scores: dict[str, str], base: int) -> None:
    r = score_impact(_method((base, "sum", "floor")), scores)
    pts = [c.points_best for c in r.criteria if c.points_best is not None]
    assert max(pts) <= r.total <= len(pts) * max(pts)


@given(impact_scores(), SETTINGS, WEIGHTS)
def test_x_criteria_are_ignored(scores: dict[str, str], settings_: Any, weights: list[float]) -> None:
    """Scoring with X on some criteria equals scoring a method without those criteria at all."""
    m = _method(settings_, weights)
    kept = tuple(c for c in m.criteria if scores[c.code] != "X")
    reduced = dataclasses.replace(m, id="reduced", criteria=kept)
    full = score_impact(m, scores)
    part = score_impact(reduced, {c.code: scores[c.code] for c in kept})
    assert full.total == part.total
    assert full.n_scored == part.n_scored == len(kept)


@given(impact_scores(), SETTINGS, WEIGHTS, st.randoms(use_true_random=False))
def test_permutation_invariance(
    scores: dict[str, str], settings_: Any, weights: list[float], rnd: random.Random
) -> None:
    """Neither the order of the criteria in the method nor in the score mapping matters (exactly)."""
    m = _method(settings_, weights)
    crits = list(m.criteria)
    rnd.shuffle(crits)
    shuffled = dataclasses.replace(m, id="shuffled", criteria=tuple(crits))
    items = list(scores.items())
    rnd.shuffle(items)
    a, b = score_impact(m, scores), score_impact(shuffled, dict(items))
    assert (a.total, a.impact_class) == (b.total, b.impact_class)


@given(
    st.lists(st.tuples(impact_scores(), st.sampled_from(LIKELIHOOD_CLASSES)), min_size=1, max_size=6),
    st.randoms(use_true_random=False),
)
def test_order_of_assessors_is_irrelevant(
    panel: list[tuple[dict[str, str], str]], rnd: random.Random
) -> None:
    items = [
        Assessment("rrp-2009", s, lk, scenario_id="sc", assessor=f"a{i}") for i, (s, lk) in enumerate(panel)
    ]
    shuffled = items[:]
    rnd.shuffle(shuffled)
    assert spread(RRP, items) == spread(RRP, shuffled)
    s = spread(RRP, items)
    assert s.min_total <= s.median_total <= s.max_total


@given(
    st.lists(
        st.tuples(
            st.sampled_from(("GM0001", "GM0002", "GM0003")),
            st.sampled_from(("t1", "t2")),
            impact_scores(),
            st.sampled_from(LIKELIHOOD_CLASSES),
        ),
        min_size=1,
        max_size=8,
    ),
    st.randoms(use_true_random=False),
)
def test_regional_summary_is_order_free(rows: list[Any], rnd: random.Random) -> None:
    results = [
        assess(RRP, Assessment("rrp-2009", s, lk, scenario_id=f"s{i}", template=t, area=area))
        for i, (area, t, s, lk) in enumerate(rows)
    ]
    shuffled = results[:]
    rnd.shuffle(shuffled)
    a, b = regional_summary(results), regional_summary(shuffled)
    assert [
        (x.template, x.n_areas, x.max_total, x.median_total, x.max_risk_index, x.areas_at_max_risk) for x in a
    ] == [
        (x.template, x.n_areas, x.max_total, x.median_total, x.max_risk_index, x.areas_at_max_risk) for x in b
    ]


@given(
    st.floats(0, 1e6, allow_nan=False),
    st.floats(0, 1e6, allow_nan=False),
    st.sampled_from((3, 10)),
    st.sampled_from(("floor", "geometric")),
)
def test_class_mapping_is_monotone(t1: float, t2: float, base: int, rule: Any) -> None:
    lo, hi = sorted((t1, t2))
    assert ORDERED_IMPACT.index(total_to_class(lo, base, rule)) <= ORDERED_IMPACT.index(
        total_to_class(hi, base, rule)
    )


@pytest.mark.parametrize("base", [3, 10])
@pytest.mark.parametrize("rule", ["floor", "geometric"])
def test_class_points_round_trip(base: int, rule: Any) -> None:
    for c in ORDERED_IMPACT:
        assert total_to_class(float(class_points(c, base) or 0.0), base, rule) == c


@given(
    impact_scores(allow_x=False),
    st.dictionaries(st.sampled_from(RRP.codes), st.tuples(ON_SCALE, ON_SCALE)),
    SETTINGS,
)
@settings(max_examples=60)
def test_ranges_span_the_best_estimate(
    scores: dict[str, str], ranges: dict[str, tuple[str, str]], settings_: Any
) -> None:
    m = _method(settings_)
    for code, (a, b) in ranges.items():
        lo, hi = sorted((a, b), key=ORDERED_IMPACT.index)
        scores[code] = (lo, hi)  # type: ignore[assignment]
    r = score_impact(m, scores)
    assert r.total_low <= r.total <= r.total_high
    idx = ORDERED_IMPACT.index
    assert idx(r.class_low) <= idx(r.impact_class) <= idx(r.class_high)


def test_all_impact_classes_are_labelled() -> None:
    for c in IMPACT_CLASSES:
        assert RRP.class_label(c, "nl") != c and RRP.class_label(c, "en") != c
