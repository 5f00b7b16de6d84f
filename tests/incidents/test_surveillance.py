"""Tests of the pure early-warning detectors (no Django, no database)."""

from __future__ import annotations

import csv
import math
import os
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cyberbeeld.incidents import surveillance as sv

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("CYBERBEELD_SHARED_DATA", REPO.parent / "shared" / "data"))
MONTHLY = SHARED / "cbs-police-crime" / "NL_Crime_monthly_2012_2023.csv"


def police_series(code_prefix: str) -> tuple[list[str], list[float]]:
    with open(MONTHLY, encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["crime_type_code"].startswith(code_prefix)]
    rows.sort(key=lambda r: r["date"])
    return [r["date"][:7] for r in rows], [float(r["frequency"]) for r in rows]


def poisson(n: int, mean: float = 20.0, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).poisson(mean, n).astype(float)


# --------------------------------------------------------------------------- the GLM core


def test_irls_matches_sklearn_poisson_glm() -> None:
    from sklearn.linear_model import PoissonRegressor

    rng = np.random.default_rng(3)
    x = rng.normal(size=(200, 2))
    y = rng.poisson(np.exp(1.0 + 0.4 * x[:, 0] - 0.3 * x[:, 1])).astype(float)
    fit = sv.poisson_irls(np.column_stack([np.ones(200), x]), y)
    ref = PoissonRegressor(alpha=0.0, tol=1e-10, max_iter=1000).fit(x, y)
    assert fit.converged
    assert fit.beta[0] == pytest.approx(ref.intercept_, abs=1e-4)
    assert fit.beta[1:] == pytest.approx(ref.coef_, abs=1e-4)
    assert fit.dispersion >= 1.0
    assert np.all((fit.leverage > 0) & (fit.leverage < 1)) and fit.leverage.sum() == pytest.approx(3, rel=1e-6)


def test_irls_overdispersion() -> None:
    rng = np.random.default_rng(4)
    y = rng.negative_binomial(5, 5 / (5 + 40), 400).astype(float)  # mean 40, var 40 + 40²/5 = 360
    fit = sv.poisson_irls(np.ones((400, 1)), y)
    assert fit.dispersion == pytest.approx(9, rel=0.3)


# --------------------------------------------------------------------------- Farrington / Noufaily


def test_farrington_flat_series() -> None:
    y = poisson(72, 20, seed=1)
    chk = sv.farrington(y)
    assert chk is not None and chk.method == "farrington"
    assert chk.expected == pytest.approx(20, rel=0.15)
    assert chk.threshold > chk.expected
    assert not chk.alarm
    y[-1] = 45
    spike = sv.farrington(y)
    assert spike is not None and spike.alarm and spike.score > 1
    # the 3 periods before the current one (monthly default) are not in the baseline, nor is the current one
    assert max(spike.baseline_indices) == len(y) - 5
    assert min(spike.baseline_indices) == len(y) - 1 - 5 * 12 - 1


def test_farrington_follows_season() -> None:
    t = np.arange(96)
    mu = 25 * np.exp(0.5 * np.sin(2 * np.pi * t / 12))
    y = np.random.default_rng(2).poisson(mu).astype(float)
    for at in range(72, 96):
        chk = sv.farrington(y, at)
        assert chk is not None
        assert chk.expected == pytest.approx(mu[at], rel=0.3), at
    peak = int(np.argmax(mu[84:96])) + 84
    trough = int(np.argmin(mu[84:96])) + 84
    at_peak = sv.farrington(np.r_[y[:peak], round(mu[peak])], peak)
    at_trough = sv.farrington(np.r_[y[:trough], round(mu[peak])], trough)  # the peak's level, in the trough
    assert at_peak is not None and at_trough is not None
    assert not at_peak.alarm and at_trough.alarm


def test_farrington_follows_trend() -> None:
    t = np.arange(84)
    mu = 10 * np.exp(0.5 * t / 12)
    y = np.random.default_rng(5).poisson(mu).astype(float)
    free = sv.farrington(y, trend_cap=False)
    assert free is not None and free.trend
    assert free.expected == pytest.approx(mu[-1], rel=0.2)
    assert not free.alarm
    # Farrington's cap: a trend that extrapolates above every baseline count is dropped
    capped = sv.farrington(y)
    assert capped is not None and not capped.trend and capped.expected < free.expected
    flat = sv.farrington(poisson(84, 30, seed=6))
    assert flat is not None and not flat.trend


def test_reweighting_discounts_past_outbreaks() -> None:
    y = poisson(72, 20, seed=7)
    y[46:49] = [80, 90, 70]  # an old outbreak in the baseline, in the same season as the last period
    with_rw = sv.farrington(y, reweight=True)
    without = sv.farrington(y, reweight=False)
    assert with_rw is not None and without is not None
    assert with_rw.expected < without.expected
    assert with_rw.threshold < without.threshold
    assert with_rw.expected - 20 < 0.7 * (without.expected - 20)  # most of the inflation is removed


@pytest.mark.parametrize("method", ["nb", "muan", "poisson"])
def test_threshold_methods(method: str) -> None:
    y = poisson(72, 12, seed=8)
    chk = sv.farrington(y, threshold_method=method)  # type: ignore[arg-type]
    assert chk is not None and chk.expected < chk.threshold < 3 * chk.expected
    loose = sv.farrington(y, threshold_method=method, alpha=0.1)  # type: ignore[arg-type]
    assert loose is not None and loose.threshold <= chk.threshold


def test_farrington_needs_history_and_handles_zeros() -> None:
    assert sv.farrington(poisson(15)) is None
    zeros = np.zeros(60)
    assert sv.farrington(zeros) is not None and not sv.farrington(zeros).alarm  # type: ignore[union-attr]
    zeros[-1] = 6
    chk = sv.farrington(zeros)
    assert chk is not None and chk.alarm and chk.expected == 0
    zeros[-1] = 2  # below min_count: no alarm on a handful of incidents
    assert not sv.farrington(zeros).alarm  # type: ignore[union-attr]


def test_bad_input() -> None:
    with pytest.raises(sv.SurveillanceError):
        sv.farrington([1, -1, 3])
    with pytest.raises(sv.SurveillanceError):
        sv.ears([1, math.nan, 3])
    with pytest.raises(sv.SurveillanceError):
        sv.detect([1, 2, 3], ["a", "b"])
    with pytest.raises(sv.SurveillanceError):
        sv.farrington(poisson(60), alpha=2)
    with pytest.raises(sv.SurveillanceError):
        sv.run(poisson(60), method="nope")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- EARS and CUSUM


def test_ears_variants() -> None:
    y = np.r_[poisson(20, 10, seed=9), 30.0]
    for variant, limit in (("C1", 3.0), ("C2", 3.0), ("C3", 2.0)):
        chk = sv.ears(y, variant=variant)  # type: ignore[arg-type]
        assert chk is not None and chk.alarm and chk.score > limit == chk.score_limit
        assert chk.observed > chk.threshold
    c1 = sv.ears(y, variant="C1")
    c2 = sv.ears(y, variant="C2")
    assert c1 is not None and c2 is not None
    assert c1.baseline_indices == tuple(range(13, 20))  # t-7 … t-1
    assert c2.baseline_indices == tuple(range(11, 18))  # t-9 … t-3: two-period guard band
    assert sv.ears(poisson(8), variant="C2") is None  # too short for its baseline
    quiet = sv.ears(poisson(30, 10, seed=10))
    assert quiet is not None and not quiet.alarm


def test_cusum_accumulates_a_sustained_rise() -> None:
    y = np.r_[poisson(24, 10, seed=11), poisson(6, 20, seed=12)]
    checks = sv.cusum(y)
    first = next(c for c in checks if c.alarm)
    assert 24 <= first.index <= 29
    assert not any(c.alarm for c in checks if c.index < 24)
    s = [c.score for c in checks]
    assert all(v >= 0 for v in s)


# --------------------------------------------------------------------------- alerts


def test_detect_returns_explained_alerts() -> None:
    y = poisson(72, 20, seed=13)
    y[-1] = 60
    periods = [f"{2018 + i // 12}-{i % 12 + 1:02d}" for i in range(72)]
    alerts = sv.detect(y, periods, key=("phishing", "GM0935"), last=1)
    assert len(alerts) == 1
    a = alerts[0]
    assert a.key == ("phishing", "GM0935") and a.period == "2023-12" and a.method == "farrington"
    assert a.series == tuple(y) and a.observed == 60 and a.threshold < 60 and a.expected < a.threshold
    assert a.baseline_periods[-1] == "2023-08" and "2023-11" not in a.baseline_periods
    d = a.to_dict()
    assert d["key"] == ["phishing", "GM0935"] and d["series"][-1] == 60
    # a short series gets EARS (auto)
    short = np.r_[poisson(12, 10, seed=14), 40.0]
    assert [x.method for x in sv.detect(short, last=1)] == ["ears-c3"]


def test_detect_many_sorted_by_score() -> None:
    periods = [str(i) for i in range(72)]
    a = poisson(72, 20, seed=15)
    a[-1] = 50
    b = poisson(72, 20, seed=16)
    b[-1] = 80
    c = poisson(72, 20, seed=17)
    alerts = sv.detect_many({"a": (periods, a), "b": (periods, b), "c": (periods, c)})
    assert [x.key for x in alerts] == ["b", "a"]


# --------------------------------------------------------------------------- properties

counts_st = st.lists(st.integers(0, 300), min_size=30, max_size=72)


@settings(max_examples=60, deadline=None)
@given(counts=counts_st, extra=st.integers(1, 500))
def test_more_in_the_last_period_never_lowers_the_statistic(counts: list[int], extra: int) -> None:
    y = np.array(counts, dtype=float)
    z = y.copy()
    z[-1] += extra
    pairs = [
        (sv.farrington(y), sv.farrington(z)),
        (sv.farrington(y, threshold_method="muan"), sv.farrington(z, threshold_method="muan")),
        (sv.ears(y, variant="C1"), sv.ears(z, variant="C1")),
        (sv.ears(y, variant="C2"), sv.ears(z, variant="C2")),
        (sv.ears(y, variant="C3"), sv.ears(z, variant="C3")),
        (sv.cusum(y)[-1], sv.cusum(z)[-1]),
    ]
    for before, after in pairs:
        if before is None:
            assert after is None
            continue
        assert after is not None
        assert after.score >= before.score
        assert after.expected == pytest.approx(before.expected)  # the baseline does not see the last period
        assert after.alarm or not before.alarm


@settings(max_examples=40, deadline=None)
@given(counts=counts_st)
def test_farrington_sane_output(counts: list[int]) -> None:
    chk = sv.farrington(counts)
    if chk is None:
        assert len(counts) < 22
        return
    assert chk.expected >= 0 and chk.threshold >= 0 and chk.dispersion >= 1
    assert chk.alarm == (chk.observed > chk.threshold and chk.observed >= 5)


@settings(max_examples=30, deadline=None)
@given(counts=counts_st, factor=st.integers(2, 5))
def test_scaling_counts_keeps_expected_proportional(counts: list[int], factor: int) -> None:
    y = np.array(counts, dtype=float)
    a, b = sv.farrington(y, reweight=False), sv.farrington(y * factor, reweight=False)
    if a is None:
        return
    assert b is not None
    assert b.expected == pytest.approx(a.expected * factor, rel=1e-3, abs=1e-6)


# --------------------------------------------------------------------------- validation: synthetic series


def test_synthetic_detection_monthly() -> None:
    rise = sv.evaluate_detection(method="farrington", runs=40, base=20, rise=2.0, rise_length=3, seed=21)
    assert rise.detection_probability >= 0.9
    assert rise.mean_delay <= 1.0
    assert rise.false_alarms_per_year <= 0.6
    small = sv.evaluate_detection(method="farrington", runs=40, base=5, rise=3.0, rise_length=3, seed=22)
    assert small.detection_probability >= 0.85
    null = sv.evaluate_detection(method="farrington", runs=40, base=20, rise=1.0, seed=23)
    assert null.detection_probability == 0.0 and null.false_alarms_per_year <= 0.6


def test_synthetic_detection_short_series_detectors() -> None:
    c3 = sv.evaluate_detection(method="ears-c3", runs=40, years=3, judge_years=2, base=20, rise=2.0, seed=24)
    cs = sv.evaluate_detection(method="cusum", runs=40, years=3, judge_years=2, base=20, rise=2.0, seed=24)
    for stats_ in (c3, cs):
        assert stats_.detection_probability >= 0.9 and stats_.mean_delay <= 1.5
    assert cs.false_alarms_per_year <= 1.0
    assert c3.false_alarms_per_year <= 3.0  # EARS ignores season and trend: more false alarms


def test_synthetic_detection_weekly() -> None:
    w = sv.evaluate_detection(method="farrington", runs=15, freq=52, years=6, base=10, rise=2.0, rise_length=4, seed=25)
    assert w.detection_probability >= 0.9 and w.false_alarms_per_year <= 1.5


# --------------------------------------------------------------------------- validation: real police series


@pytest.mark.skipif(not MONTHLY.is_file(), reason="shared police data not available")
def test_real_cybercrime_series() -> None:
    periods, y = police_series("3.7.4")
    assert len(y) == 144 and periods[0] == "2012-01" and periods[-1] == "2023-12"
    checks = sv.run(y, method="farrington")
    alarms = {periods[c.index] for c in checks if c.alarm}
    judged = {periods[c.index] for c in checks}

    def rate(lo: str, hi: str) -> float:
        quiet = [p for p in judged if lo <= p <= hi]
        return 12 * sum(p in alarms for p in quiet) / len(quiet)

    # quiet years: few false alarms
    assert rate("2013-01", "2017-12") <= 1.0
    assert rate("2021-06", "2023-12") <= 1.0
    # known rises: the autumn-2018 jump within two months, the May-2020 spike, and the 2019-2020 surge
    assert alarms & {"2018-10", "2018-11", "2018-12"}
    assert "2020-05" in alarms
    assert len([p for p in alarms if "2019-01" <= p <= "2020-12"]) >= 8


@pytest.mark.skipif(not MONTHLY.is_file(), reason="shared police data not available")
def test_real_series_other_classes_run() -> None:
    for code in ("3.9.1", "Totaal misdrijven"):
        periods, y = police_series(code)
        alerts = sv.detect(y, periods, key=code)
        assert all(a.observed > a.threshold for a in alerts)
        assert len(alerts) <= 0.3 * len(y)


def test_count_by_period_months_and_weeks() -> None:
    dates = [date(2023, 11, 30), date(2024, 1, 5), date(2024, 1, 31), datetime(2024, 3, 1, 12, 0)]
    labels, counts = sv.count_by_period(dates)
    assert labels == ["2023-11", "2023-12", "2024-01", "2024-02", "2024-03"]
    assert counts == [1, 0, 2, 0, 1]
    labels, counts = sv.count_by_period(dates, start=date(2024, 1, 15), end=date(2024, 2, 2))
    assert labels == ["2024-01", "2024-02"] and counts == [2, 0]
    weeks, wcounts = sv.count_by_period([date(2024, 12, 30), date(2025, 1, 5), date(2025, 1, 6)], freq=52)
    assert weeks == ["2025-W01", "2025-W02"] and wcounts == [2, 1]  # ISO weeks cross the year boundary
    assert sv.count_by_period([]) == ([], [])
    assert sv.count_by_period([], start=date(2024, 1, 1), end=date(2024, 3, 31)) == (
        ["2024-01", "2024-02", "2024-03"], [0.0, 0.0, 0.0])


@settings(max_examples=50, deadline=None)
@given(st.lists(st.dates(date(2015, 1, 1), date(2025, 12, 31)), min_size=1, max_size=50),
       st.sampled_from([12, 52]))
def test_count_by_period_conserves_incidents(dates: list[date], freq: int) -> None:
    labels, counts = sv.count_by_period(dates, freq=freq)
    assert sum(counts) == len(dates)
    assert len(labels) == len(set(labels)) == len(counts)
    assert labels == sorted(labels)
