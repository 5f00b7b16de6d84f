"""The right test for each kind of number (issue 14): worked examples from CBS 83648NED, checked by hand."""

from __future__ import annotations

import math

import pytest

from cyberbeeld.indicators import comparisons as cmp

PER_1000 = cmp.Indicator(code="per1000", subject_nl="het aantal geregistreerde misdrijven per 1.000 inwoners",
                         subject_en="registered crime per 1,000 inhabitants", unit="per 1.000 inwoners",
                         unit_en="per 1,000 inhabitants", decimals=1, polarity="higher_is_worse")
COUNT = cmp.Indicator(code="count", subject_nl="het aantal geregistreerde misdrijven",
                      subject_en="the number of registered crimes", unit="", decimals=0, polarity="higher_is_worse")


def rate(value: float, events: float, period: int, area: str = "GM0935", name: str = "Maastricht") -> cmp.Observation:
    return cmp.Observation(value, period, "83648ned", kind="rate", events=events, area=area, area_name=name)


def test_maastricht_per_1000_2019_2020_is_a_significant_fall() -> None:
    """83648NED, Misdrijven totaal, Maastricht: 73,1 per 1.000 (8.890 misdrijven) in 2019, 56,3 (6.840) in 2020.

    se₂₀₁₉ = 73,1 / √8890 = 73,1 / 94,29 = 0,775; se₂₀₂₀ = 56,3 / √6840 = 56,3 / 82,70 = 0,681;
    se(Δ) = √(0,775² + 0,681²) = √(0,601 + 0,463) = 1,032; Δ = −16,8; z = −16,8 / 1,032 ≈ −16,3,
    far beyond −1,96: a significant fall. (Treating 73,1 as a Poisson count gave se ≈ √73 ≈ 8,5 and
    "niet significant": the old error.)
    """
    ch = cmp.change(rate(73.1, 8890, 2019), rate(56.3, 6840, 2020), indicator=PER_1000)
    assert ch.significant and ch.direction == "gedaald"
    assert math.isclose(ch.se, 1.032, abs_tol=0.001) and math.isclose(ch.z, -16.28, abs_tol=0.02)
    assert ch.sentence_nl == ("Het aantal geregistreerde misdrijven per 1.000 inwoners is ten opzichte van 2019 "
                              "significant gedaald, van 73,1 per 1.000 inwoners naar 56,3 per 1.000 inwoners in 2020; "
                              "dat is een verbetering.")
    assert "73.1 per 1,000 inhabitants" in ch.sentence_en


def test_maastricht_vs_nederland_per_1000_2020_is_significantly_higher() -> None:
    """2020: Maastricht 56,3 per 1.000 (6.840 misdrijven), Nederland 46,4 (808.030).

    se_M = 0,681 (above); se_NL = 46,4 / √808030 = 46,4 / 898,9 = 0,0516; se(Δ) = √(0,4634 + 0,0027) = 0,683;
    Δ = 9,9; z = 9,9 / 0,683 ≈ 14,5 > 1,96: significantly higher (the old test said "niet significant anders").
    """
    d = cmp.compare_to(rate(56.3, 6840, 2020), rate(46.4, 808030, 2020, "NL01", "Nederland"), indicator=PER_1000)
    assert d.significant and d.direction == "hoger" and math.isclose(d.z, 14.5, abs_tol=0.05)
    assert d.sentence_nl.startswith("Het aantal geregistreerde misdrijven per 1.000 inwoners is in Maastricht "
                                    "(56,3 per 1.000 inwoners) significant hoger dan in Nederland (46,4 per 1.000")


def test_a_gemeente_count_is_never_compared_with_a_national_count() -> None:
    """Maastricht 6.840 against Nederland 808.030 registered crimes says nothing (areas of different size)."""
    m = cmp.Observation(6840, 2020, "83648ned", kind="count", area="GM0935", area_name="Maastricht")
    nl = cmp.Observation(808030, 2020, "83648ned", kind="count", area="NL01", area_name="Nederland")
    with pytest.raises(cmp.ObservationError, match="rate"):
        cmp.compare_to(m, nl, indicator=COUNT)
    with pytest.raises(cmp.ObservationError, match="rate"):
        cmp.rank_ranges([m, nl])


def test_count_change_states_the_population() -> None:
    """Maastricht 8.890 → 6.840 misdrijven; population 8890/73,1·1000 ≈ 121.614 and 6840/56,3·1000 ≈ 121.492.

    Rates per inhabitant: 0,073101 and 0,056300; se = √k/P = 0,000775 and 0,000681; z ≈ −16,3: significant,
    and the sentence states that the population changed from 121.614 to 121.492.
    """
    a = cmp.Observation(8890, 2019, "s", kind="count", population=121614)
    b = cmp.Observation(6840, 2020, "s", kind="count", population=121492)
    ch = cmp.change(a, b, indicator=COUNT)
    assert ch.significant and ch.direction == "gedaald"
    assert "van 121.614 naar 121.492" in ch.sentence_nl and "from 121,614 to 121,492" in ch.sentence_en
    without = cmp.change(cmp.Observation(8890, 2019, "s", kind="count"), cmp.Observation(6840, 2020, "s", kind="count"),
                         indicator=COUNT)
    assert "niet bekend" in without.sentence_nl


def test_rate_without_its_events_cannot_be_tested() -> None:
    with pytest.raises(cmp.ObservationError):
        cmp.change(cmp.Observation(73.1, 2019, "s", kind="rate"), cmp.Observation(56.3, 2020, "s", kind="rate"))


def test_clearance_percentage_is_binomial_on_its_base() -> None:
    """Opgehelderd 24,2% of 8.890 (2019) vs 23,8% of 6.840 (2020): se = √(24,2·75,8/8890) = 0,454 and
    √(23,8·76,2/6840) = 0,515; se(Δ) = 0,687; Δ = −0,4; z ≈ −0,58: not significant."""
    a = cmp.Observation(24.2, 2019, "s", kind="proportion", n=8890)
    b = cmp.Observation(23.8, 2020, "s", kind="proportion", n=6840)
    ch = cmp.change(a, b)
    assert not ch.significant and math.isclose(ch.se, 0.687, abs_tol=0.002)
    with pytest.raises(cmp.ObservationError):
        cmp.change(cmp.Observation(157.7, 2019, "s", kind="proportion", n=10), b)
