"""Tests for the indicator comparisons core (pure, no database).

Worked examples use Maastricht's published cybercrime victimisation figures (Veiligheidsmonitor, old
"cybercrime" series 2012–2019, % of people aged 15+): 2014 14, 2015 13.2, 2016 9.7, 2017 12.4,
2019 13.8.

TEST ASSUMPTIONS (invented, not published): 95 % margins of ± 2.0 percentage points for 2014–2017
and ± 1.8 pp for 2019; a national value of 11.0 % (± 0.3) in 2014; a new-series 2021 value of
17.0 % (± 2.0); peer values, population and registrations in the ranking and reporting-gap tests.
"""

from __future__ import annotations

import dataclasses
import math
import random

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from cyberbeeld.indicators.comparisons import (
    Indicator,
    MethodBreakError,
    Observation,
    ObservationError,
    change,
    compare_to,
    format_number,
    rank_ranges,
    reporting_gap,
    trend,
)

OLD = "vm-cybercrime-2012"  # VM 2012–2019, "cybercrime"
NEW = "vm-online-2021"  # VM 2021+, "online criminaliteit"
VICTIMS = Indicator(
    code="vm_cybercrime_totaal",
    subject_nl="het slachtofferschap",
    subject_en="victimisation",
    unit="%",
    decimals=1,
    polarity="higher_is_worse",
)
PUBLISHED = {2014: 14.0, 2015: 13.2, 2016: 9.7, 2017: 12.4, 2019: 13.8}
ASSUMED_HALF_WIDTH = {2014: 2.0, 2015: 2.0, 2016: 2.0, 2017: 2.0, 2019: 1.8}  # test assumption


def maastricht(year: int) -> Observation:
    v, h = PUBLISHED[year], ASSUMED_HALF_WIDTH[year]
    return Observation(v, year, OLD, v - h, v + h, area="GM0935", area_name="Maastricht")


SE_2 = 4.0 / 3.92  # ± 2.0 pp → se ≈ 1.0204
SE_18 = 3.6 / 3.92  # ± 1.8 pp → se ≈ 0.9184


# ---------------------------------------------------------------------------------------------
# Worked examples
# ---------------------------------------------------------------------------------------------


def test_se_from_interval() -> None:
    """se ≈ (hi − lo) / 3.92 (DOMAIN §2.3)."""
    assert maastricht(2016).standard_error == pytest.approx(SE_2)
    assert maastricht(2019).standard_error == pytest.approx(SE_18)
    assert Observation(5.0, 2019, OLD, se=0.7).standard_error == 0.7
    assert Observation(400, 2019, "politie", kind="count").standard_error == 20.0  # Poisson
    with pytest.raises(ObservationError):
        _ = Observation(5.0, 2019, OLD).standard_error


def test_maastricht_2017_2019_not_significant() -> None:
    """Δ = 13.8 − 12.4 = 1.4; se = sqrt(1.0204² + 0.9184²) = sqrt(1.0412 + 0.8434) ≈ 1.3728;
    z = 1.4 / 1.3728 ≈ 1.020 < 1.96 → not significant; p = 2(1 − Φ(1.020)) ≈ 0.308."""
    c = change(maastricht(2017), maastricht(2019), indicator=VICTIMS)
    assert c.estimate == pytest.approx(1.4)
    assert c.se == pytest.approx(math.sqrt(SE_2**2 + SE_18**2))
    assert c.z == pytest.approx(1.0198, abs=1e-4)
    assert c.p_value == pytest.approx(0.3078, abs=1e-4)
    assert not c.significant
    assert c.direction == "niet significant veranderd" and c.assessment is None
    assert c.sentence_nl == (
        "Het slachtofferschap is niet significant veranderd ten opzichte van 2017 (13,8% in 2019, 12,4% in 2017)."
    )
    assert (
        c.sentence_en
        == "Victimisation has not changed significantly since 2017 (13.8% in 2019, 12.4% in 2017)."
    )


def test_maastricht_2015_2016_significant_fall_is_an_improvement() -> None:
    """Δ = 9.7 − 13.2 = −3.5; se = 1.0204·√2 ≈ 1.4431; z ≈ −2.425, |z| > 1.96 → significant;
    p ≈ 0.0153. Victimisation: higher is worse, so the fall is an improvement ('verbeterd')."""
    c = change(maastricht(2015), maastricht(2016), indicator=VICTIMS)
    assert c.estimate == pytest.approx(-3.5)
    assert c.se == pytest.approx(SE_2 * math.sqrt(2))
    assert c.z == pytest.approx(-2.4254, abs=1e-4)
    assert c.p_value == pytest.approx(0.0153, abs=1e-4)
    assert c.significant
    assert (c.direction, c.direction_en, c.assessment) == ("gedaald", "decreased", "verbeterd")
    assert c.ci_high < 0  # the 95 % interval of the difference excludes 0
    assert c.sentence_nl == (
        "Het slachtofferschap is ten opzichte van 2015 significant gedaald, van 13,2% naar 9,7% in 2016; "
        "dat is een verbetering."
    )
    assert c.sentence_en == (
        "Victimisation has fallen significantly since 2015, from 13.2% to 9.7% in 2016, which is an improvement."
    )


def test_maastricht_2016_2017_rise_not_significant() -> None:
    """Δ = 12.4 − 9.7 = 2.7; z = 2.7 / 1.4431 ≈ 1.871 < 1.96 → not significant (p ≈ 0.061).
    The non-overlap rule would agree: [7.7, 11.7] and [10.4, 14.4] overlap."""
    c = change(maastricht(2016), maastricht(2017), indicator=VICTIMS)
    assert c.z == pytest.approx(1.8710, abs=1e-4)
    assert not c.significant


def test_polarity_turns_a_rise_into_a_deterioration() -> None:
    """2016 → 2014 reversed (Δ = +4.3, z ≈ 2.980): a significant rise of victimisation is worse;
    with 'higher is better' (e.g. the share that reports) the same rise is an improvement."""
    c = change(maastricht(2016), maastricht(2014), indicator=VICTIMS)
    assert (c.direction, c.assessment) == ("gestegen", "verslechterd")
    assert c.sentence_nl.endswith("dat is een verslechtering.")
    assert "compared with 2016" in c.sentence_en and c.sentence_en.endswith("which is a deterioration.")
    better = dataclasses.replace(VICTIMS, polarity="higher_is_better")
    assert change(maastricht(2016), maastricht(2014), indicator=better).assessment == "verbeterd"
    neutral = dataclasses.replace(VICTIMS, polarity="neutral")
    c_neutral = change(maastricht(2016), maastricht(2014), indicator=neutral)
    assert c_neutral.assessment is None and c_neutral.direction == "gestegen"


def test_method_break_is_refused_or_flagged() -> None:
    """2019 (old series) vs 2021 (new series, assumed 17.0 ± 2.0): never a silent comparison."""
    new_2021 = Observation(17.0, 2021, NEW, 15.0, 19.0, area="GM0935", area_name="Maastricht")
    with pytest.raises(MethodBreakError):
        change(maastricht(2019), new_2021, indicator=VICTIMS)
    c = change(maastricht(2019), new_2021, indicator=VICTIMS, allow_method_break=True)
    assert c.method_break and not c.significant
    assert c.direction == "niet vergelijkbaar"
    assert "niet te vergelijken" in c.sentence_nl and "2019" in c.sentence_nl and "2021" in c.sentence_nl
    assert "cannot be compared" in c.sentence_en
    with pytest.raises(MethodBreakError):
        trend([maastricht(2016), maastricht(2017), maastricht(2019), new_2021])
    with pytest.raises(MethodBreakError):
        compare_to(new_2021, Observation(16.9, 2021, OLD, 16.6, 17.2))


def test_maastricht_versus_the_netherlands() -> None:
    """2014: Maastricht 14.0 (± 2.0) vs the Netherlands 11.0 (± 0.3, TEST ASSUMPTION).
    se = sqrt(1.0204² + (0.6/3.92)²) = sqrt(1.0412 + 0.0234) ≈ 1.0318; z = 3.0 / 1.0318 ≈ 2.907 → significant
    higher, and higher is worse → 'ongunstiger'."""
    nl = Observation(11.0, 2014, OLD, 10.7, 11.3, area="NL01", area_name="Nederland")
    d = compare_to(maastricht(2014), nl, kind="nederland", indicator=VICTIMS)
    assert d.se == pytest.approx(math.sqrt(SE_2**2 + (0.6 / 3.92) ** 2))
    assert d.z == pytest.approx(2.9075, abs=1e-4)
    assert d.significant and (d.direction, d.assessment) == ("hoger", "ongunstiger")
    assert d.sentence_nl == (
        "Het slachtofferschap is in Maastricht (14,0%) significant hoger dan in Nederland (11,0%); dat is ongunstig."
    )
    assert d.sentence_en == (
        "Victimisation in Maastricht (14.0%) is significantly higher than in the Netherlands (11.0%), "
        "which is unfavourable."
    )
    assert not d.overlap_corrected


def test_reference_not_significant_and_region_and_peers() -> None:
    """2019: Maastricht 13.8 (± 1.8) vs region Zuid-Limburg 13.1 (± 0.9, assumed): z ≈ 0.68."""
    region = Observation(13.1, 2019, OLD, 12.2, 14.0, area_name="Zuid-Limburg")
    d = compare_to(maastricht(2019), region, kind="regio", indicator=VICTIMS)
    assert not d.significant and d.direction == "niet significant verschillend"
    assert d.sentence_nl == (
        "Het slachtofferschap is in Maastricht (13,8%) niet significant anders dan in de regio Zuid-Limburg (13,1%)."
    )
    assert "the region Zuid-Limburg" in d.sentence_en
    peers = Observation(12.0, 2019, OLD, 11.4, 12.6)
    dp = compare_to(maastricht(2019), peers, kind="peergroep", indicator=VICTIMS)
    assert "vergelijkbare gemeenten" in dp.sentence_nl and "similar municipalities" in dp.sentence_en
    with pytest.raises(ObservationError):
        compare_to(maastricht(2019), dataclasses.replace(region, period=2017))


def test_overlap_correction_shrinks_the_se() -> None:
    """With area_share w: Var = se_a² + se_R² − 2·w·se_a². For w = 0.01 (Maastricht ≈ 1 % of NL):
    1.0412 + 0.0234 − 0.0208 = 1.0438 → se ≈ 1.0217 (vs 1.0318 uncorrected): a small effect."""
    nl = Observation(11.0, 2014, OLD, 10.7, 11.3)
    plain = compare_to(maastricht(2014), nl)
    corrected = compare_to(maastricht(2014), nl, area_share=0.01)
    assert corrected.se == pytest.approx(math.sqrt(SE_2**2 + (0.6 / 3.92) ** 2 - 0.02 * SE_2**2))
    assert corrected.se < plain.se and corrected.overlap_corrected


def test_maastricht_trend_2014_2019() -> None:
    """WLS on 2014–2019 with weights 1/se²: slope ≈ +0.0435 pp/year (matches numpy.polyfit with
    w = 1/se), known-variance SE ≈ 0.2508, χ² ≈ 12.0 on 3 df → Birge ratio ≈ 2.0, so the SE used is
    ≈ 0.501; z ≈ 0.087 → no significant trend (the 2016 dip is noise around a flat line)."""
    t = trend([maastricht(y) for y in PUBLISHED], indicator=VICTIMS)
    assert t.nobs == 5 and t.series == OLD
    assert t.slope == pytest.approx(0.043504, abs=1e-5)
    assert t.slope_se_known == pytest.approx(0.25078, abs=1e-4)
    assert t.birge_ratio == pytest.approx(1.9995, abs=1e-3)
    assert t.slope_se == pytest.approx(t.slope_se_known * t.birge_ratio)
    assert not t.significant
    assert t.sentence_nl == "Het slachtofferschap laat tussen 2014 en 2019 geen significante trend zien."
    assert t.sentence_en == "Victimisation shows no significant trend between 2014 and 2019."
    numpy = pytest.importorskip("numpy")
    years = list(PUBLISHED)
    slope, _ = numpy.polyfit(
        years, [PUBLISHED[y] for y in years], 1, w=[1 / maastricht(y).standard_error for y in years]
    )
    assert t.slope == pytest.approx(slope)


def test_significant_trend_sentence() -> None:
    """A steady rise of 1 pp a year with se 0.2: slope 1.0 exactly, χ² = 0, z = 1/(0.2/sqrt(Σ(t−t̄)²)) ≫ 1.96."""
    obs = [Observation(10.0 + i, 2015 + i, OLD, se=0.2) for i in range(4)]
    t = trend(obs, indicator=VICTIMS)
    assert t.slope == pytest.approx(1.0) and t.significant and t.assessment == "verslechterd"
    assert t.sentence_nl == (
        "Het slachtofferschap is tussen 2015 en 2018 significant gestegen, met gemiddeld 1,0 procentpunt per jaar; "
        "dat is een verslechtering."
    )
    assert "by 1.0 percentage points a year on average" in t.sentence_en
    assert t.fitted(2015) == pytest.approx(10.0)


def test_change_and_trend_are_for_one_area() -> None:
    other = dataclasses.replace(maastricht(2019), area="GM0917", area_name="Heerlen")
    with pytest.raises(ObservationError):
        change(maastricht(2017), other)
    with pytest.raises(ObservationError):
        trend([maastricht(2015), maastricht(2016), other])


def test_trend_needs_three_distinct_numeric_periods() -> None:
    with pytest.raises(ObservationError):
        trend([maastricht(2014), maastricht(2015)])
    with pytest.raises(ObservationError):
        trend([maastricht(2014), maastricht(2015), maastricht(2015)])
    with pytest.raises(ObservationError):
        trend([Observation(1.0, "2019-Q1", OLD, se=1), maastricht(2015), maastricht(2016)])


def test_peer_ranking_with_rank_ranges() -> None:
    """Five gemeenten in 2019 (values and intervals are TEST ASSUMPTIONS except Maastricht).

    Intervals: A [15.0, 19.0], Maastricht [12.0, 15.6], C [11.5, 14.5], D [7.0, 9.0], E [12.5, 13.5].
    "j certainly above i" when lo_j > hi_i. A (lo 15.0) is above C (14.5), D (9.0) and E (13.5), not
    above Maastricht (15.6) → A ranks 1 to 5 − 3 = 2: "1–2".
    Maastricht: nobody above, only D below → 1–4.
    C and E: A above, D below → 2–4.
    D: everyone above → rank 5 exactly.
    """
    obs = [
        Observation(17.0, 2019, OLD, 15.0, 19.0, area="GM_A"),
        maastricht(2019),
        Observation(13.0, 2019, OLD, 11.5, 14.5, area="GM_C"),
        Observation(8.0, 2019, OLD, 7.0, 9.0, area="GM_D"),
        Observation(13.0, 2019, OLD, 12.5, 13.5, area="GM_E"),
    ]
    ranks = {r.area: r for r in rank_ranges(obs)}
    assert (ranks["GM_A"].point_rank, ranks["GM_A"].label) == (1, "1–2")
    assert ranks["GM_C"].label == ranks["GM_E"].label == "2–4"
    assert (ranks["GM0935"].point_rank, ranks["GM0935"].label) == (2, "1–4")
    assert ranks["GM_C"].point_rank == ranks["GM_E"].point_rank == 3  # equal values share a rank
    assert (ranks["GM_D"].rank_best, ranks["GM_D"].rank_worst, ranks["GM_D"].label) == (5, 5, "5")
    assert ranks["GM_D"].tied_with == ()
    assert ranks["GM_A"].tied_with == ("GM0935",)
    assert ranks["GM0935"].tied_with == ("GM_A", "GM_C", "GM_E")
    named = {r.area: r for r in rank_ranges(obs, indicator=VICTIMS)}
    assert named["GM0935"].sentence_nl == (
        "Bij het slachtofferschap staat Maastricht op plaats 1 tot 4 van de 5 gebieden (1 is het hoogst); "
        "door de marges is een preciezere plaats niet te geven."
    )
    assert named["GM0935"].sentence_en == (
        "For victimisation, Maastricht is between positions 1 and 4 of 5 areas (1 is the highest); "
        "the margins do not allow a more precise position."
    )
    assert (
        named["GM_D"].sentence_nl
        == "Bij het slachtofferschap staat GM_D op plaats 5 van de 5 gebieden (1 is het hoogst)."
    )
    # The pairwise z-test separates more: A − E = 4.0, se = sqrt(1.0204² + 0.2551²) ≈ 1.052 → z ≈ 3.8.
    pw = {r.area: r for r in rank_ranges(obs, method="pairwise")}
    assert pw["GM_A"].rank_best == 1 and pw["GM_A"].rank_worst <= ranks["GM_A"].rank_worst
    with pytest.raises(ObservationError):
        rank_ranges([*obs, maastricht(2019)])
    with pytest.raises(MethodBreakError):
        rank_ranges([*obs[:2], dataclasses.replace(obs[2], series=NEW)])


def test_reporting_gap() -> None:
    """Survey 13.8 % (12.0–15.6) of an ASSUMED 100 000 residents aged 15+ = 13 800 victims
    (12 000–15 600); ASSUMED 690 registrations → 690/13 800 = 5.0 per 100 (4.4 to 5.8)."""
    g = reporting_gap(maastricht(2019), population=100_000, registered=690, form="cybercrime")
    assert g.estimated_victims == pytest.approx(13_800)
    assert (g.estimated_victims_low, g.estimated_victims_high) == pytest.approx((12_000, 15_600))
    assert g.implied_reporting_rate == pytest.approx(0.05)
    assert g.implied_reporting_rate_low == pytest.approx(690 / 15_600)
    assert g.implied_reporting_rate_high == pytest.approx(690 / 12_000)
    assert not g.exceeds_one
    # the victim estimate is rounded to what a survey supports (two significant digits), not to the person
    assert "ongeveer 14.000 slachtoffers" in g.sentence_nl and "5,0 per 100" in g.sentence_nl
    assert "14,000 or so victims" in g.sentence_en and "5.0 per 100" in g.sentence_en
    assert "marge: 4,4 tot 5,8 per 100" in g.sentence_nl
    no_margin = reporting_gap(Observation(13.8, 2019, OLD), population=100_000, registered=690)
    assert "marge:" not in no_margin.sentence_nl and "niet bekend" in no_margin.sentence_nl
    assert "geen echte aangiftebereidheid" in g.caveat_nl and "not a true reporting rate" in g.caveat_en
    assert reporting_gap(Observation(0.1, 2019, OLD, 0.0, 0.3), population=1000, registered=5).exceeds_one
    with pytest.raises(ValueError):
        reporting_gap(maastricht(2019), population=0, registered=1)


def test_format_number() -> None:
    assert format_number(12.4) == "12,4"
    assert format_number(14174, 0) == "14.174"
    assert format_number(1234567.891, 2) == "1.234.567,89"
    assert format_number(1234567.891, 2, "en") == "1,234,567.89"
    assert format_number(-0.04) == "0,0"


def test_docstring_examples() -> None:
    import doctest

    from cyberbeeld.indicators import comparisons

    result = doctest.testmod(comparisons)
    assert result.failed == 0 and result.attempted > 0


def test_invalid_observations() -> None:
    with pytest.raises(ObservationError):
        Observation(5.0, 2019, OLD, 6.0, 7.0)  # value outside its interval
    with pytest.raises(ObservationError):
        Observation(5.0, 2019, OLD, 4.0, None)
    with pytest.raises(ObservationError):
        Observation(5.0, 2019, "")
    with pytest.raises(ObservationError):
        Observation(5.0, 2019, OLD, se=-1)


# ---------------------------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------------------------

values = st.floats(0, 100, allow_nan=False)
half_widths = st.floats(0.01, 10, allow_nan=False)
Z_CRIT = 1.959963984540054


@st.composite
def observations(
    draw: st.DrawFn, period: int = 2017, series: str = OLD, area: str | None = None
) -> Observation:
    v, h = draw(values), draw(half_widths)
    return Observation(v, period, series, v - h, v + h, area=area)


def _far_from_boundary(z: float) -> bool:
    return abs(abs(z) - Z_CRIT) > 1e-6


@given(observations(period=2017), observations(period=2019))
def test_swapping_periods_flips_sign_and_keeps_significance(a: Observation, b: Observation) -> None:
    ab, ba = change(a, b), change(b, a)
    assert ab.estimate == -ba.estimate
    assert ab.z == pytest.approx(-ba.z)
    assert ab.se == ba.se and ab.p_value == pytest.approx(ba.p_value)
    assert ab.significant == ba.significant
    if ab.significant:
        assert {ab.direction, ba.direction} == {"gestegen", "gedaald"}
        polar = change(a, b, indicator=VICTIMS), change(b, a, indicator=VICTIMS)
        assert {polar[0].assessment, polar[1].assessment} == {"verslechterd", "verbeterd"}


@given(observations(period=2017), observations(period=2019), st.floats(0.01, 100))
def test_scaling_keeps_the_test(a: Observation, b: Observation, c: float) -> None:
    """Expressing the indicator in other units (× c) scales Δ and se, and keeps z, p and the verdict."""

    def scaled(o: Observation) -> Observation:
        assert o.ci_low is not None and o.ci_high is not None
        return dataclasses.replace(o, value=o.value * c, ci_low=o.ci_low * c, ci_high=o.ci_high * c)

    plain, sc = change(a, b), change(scaled(a), scaled(b))
    assume(_far_from_boundary(plain.z))
    assert sc.estimate == pytest.approx(plain.estimate * c, abs=1e-9)
    assert sc.z == pytest.approx(plain.z, rel=1e-9, abs=1e-9)
    assert sc.significant == plain.significant


@given(observations(period=2017), observations(period=2019), st.floats(1, 10), st.floats(1, 10))
def test_wider_intervals_never_create_significance(
    a: Observation, b: Observation, ka: float, kb: float
) -> None:
    def widen(o: Observation, k: float) -> Observation:
        assert o.ci_low is not None and o.ci_high is not None
        return dataclasses.replace(
            o, ci_low=o.value - k * (o.value - o.ci_low), ci_high=o.value + k * (o.ci_high - o.value)
        )

    before, after = change(a, b), change(widen(a, ka), widen(b, kb))
    assert abs(after.z) <= abs(before.z) * (1 + 1e-12)
    if not before.significant:
        assert not after.significant
    ref_before = compare_to(a, dataclasses.replace(b, period=2017))
    ref_after = compare_to(widen(a, ka), dataclasses.replace(widen(b, kb), period=2017))
    if not ref_before.significant:
        assert not ref_after.significant


@given(observations(series=OLD), observations(period=2021, series=NEW))
def test_no_comparison_across_a_method_break_without_the_flag(a: Observation, b: Observation) -> None:
    with pytest.raises(MethodBreakError):
        change(a, b)
    with pytest.raises(MethodBreakError):
        change(b, a)
    flagged = change(a, b, allow_method_break=True)
    assert flagged.method_break and not flagged.significant and flagged.direction == "niet vergelijkbaar"


@given(observations(area="x"), observations(area="y"))
def test_reference_comparison_is_antisymmetric(a: Observation, b: Observation) -> None:
    ab, ba = compare_to(a, b), compare_to(b, a)
    assert ab.estimate == -ba.estimate and ab.significant == ba.significant


@given(
    st.lists(st.tuples(values, half_widths), min_size=1, max_size=8),
    st.sampled_from(("overlap", "pairwise")),
    st.randoms(use_true_random=False),
)
def test_rank_ranges_ties_are_symmetric_and_contain_the_point_rank(
    rows: list[tuple[float, float]], method: str, rnd: random.Random
) -> None:
    obs = [Observation(v, 2019, OLD, v - h, v + h, area=f"GM{i:04d}") for i, (v, h) in enumerate(rows)]
    ranks = {r.area: r for r in rank_ranges(obs, method=method)}
    n = len(obs)
    for r in ranks.values():
        assert 1 <= r.rank_best <= r.point_rank <= r.rank_worst <= n
        for other in r.tied_with:
            assert r.area in ranks[other].tied_with
        # the rank range is as wide as the number of areas it is tied with
        assert r.rank_worst - r.rank_best == len(r.tied_with)
    shuffled = obs[:]
    rnd.shuffle(shuffled)
    assert {r.area: r for r in rank_ranges(shuffled, method=method)} == ranks


@given(
    st.lists(st.tuples(values, st.floats(0.1, 5)), min_size=3, max_size=8),
    st.floats(-50, 50),
    st.randoms(use_true_random=False),
)
def test_trend_properties(rows: list[tuple[float, float]], shift: float, rnd: random.Random) -> None:
    """Order of input is irrelevant; adding a constant moves the level, not the slope."""
    obs = [Observation(v, 2010 + i, OLD, se=s) for i, (v, s) in enumerate(rows)]
    t = trend(obs)
    shuffled = obs[:]
    rnd.shuffle(shuffled)
    t2 = trend(shuffled)
    assert t2.slope == pytest.approx(t.slope, abs=1e-9) and t2.significant == t.significant
    moved = trend([dataclasses.replace(o, value=o.value + shift) for o in obs])
    assert moved.slope == pytest.approx(t.slope, abs=1e-7)
    assert moved.intercept == pytest.approx(t.intercept + shift, abs=1e-7)
    assert t.ci_low <= t.slope <= t.ci_high
    assert t.slope_se >= t.slope_se_known


@given(st.floats(-1e9, 1e9, allow_nan=False), st.integers(0, 4))
def test_format_number_round_trip(x: float, d: int) -> None:
    nl = format_number(x, d, "nl")
    en = format_number(x, d, "en")
    assert float(nl.replace(".", "").replace(",", ".")) == float(en.replace(",", ""))
    assert float(en.replace(",", "")) == pytest.approx(round(x, d), abs=10 ** (-d))


@given(st.lists(st.tuples(values, half_widths), min_size=1, max_size=8))
def test_pairwise_ranks_are_never_wider_than_overlap_ranks(rows: list[tuple[float, float]]) -> None:
    """Non-overlapping symmetric intervals imply a significant z-test (1.96·(se₁+se₂) ≥ 1.96·√(se₁²+se₂²))."""
    obs = [Observation(v, 2019, OLD, v - h, v + h, area=f"GM{i:04d}") for i, (v, h) in enumerate(rows)]
    overlap = {r.area: r for r in rank_ranges(obs)}
    for r in rank_ranges(obs, method="pairwise"):
        assert overlap[r.area].rank_best <= r.rank_best <= r.rank_worst <= overlap[r.area].rank_worst
