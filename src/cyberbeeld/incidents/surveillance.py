"""Early warning: unusual rises in incident counts per form × area (pure, no Django).

Two detectors, both returning the numbers behind their decision (observed, expected, threshold,
score, the baseline they used), so that an alert can be explained and checked:

* :func:`farrington` — a quasi-Poisson regression baseline in the style of the *Farrington flexible*
  method with the improvements of Noufaily et al. (2013, Stat Med 32:1206): a log-linear model with
  trend and a seasonal factor (the periods around the same time of year form the reference level, the
  rest of the year is split into a few more levels) fitted by IRLS on the last ``years`` years,
  **excluding the most recent periods** (so that a rise in progress does not mask itself);
  **reweighting** of past outbreaks (Anscombe residuals > 2.58 get weight ∝ 1/r²); the trend is kept
  only if significant (p < 0.05) and if it does not extrapolate above the baseline maximum; the
  threshold is the **upper prediction limit** — by default the (1-α) quantile of a negative binomial
  with the fitted mean and dispersion (Noufaily's plug-in), or Farrington's 2/3-power limit that also
  carries the estimation variance (``threshold_method="muan"``). An alarm needs ``observed > threshold``
  and ``observed ≥ min_count``. The score is (observed − expected) / (threshold − expected); > 1 alarms.
* :func:`ears` — the CDC EARS C1/C2/C3 statistics for short series (7-period moving baseline, C2/C3
  with a 2-period guard band), and :func:`cusum` — a standardised one-sided CUSUM on the same baseline.

:func:`detect` picks Farrington when there are at least ``min_years`` years of history and EARS-C3 +
CUSUM otherwise, over all periods of a series, and returns :class:`Alert` objects. Counts are
monthly (``freq=12``) or weekly (``freq=52``). Validated in ``tests/incidents/test_surveillance.py`` and
``benchmarks/incidents_bench.py`` on the national police series 3.7.4 Cybercrime 2012–2023 and on
synthetic Poisson series with trend, seasonality and injected rises.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Literal

import numpy as np
from scipy import stats

from cyberbeeld.common.errors import Invalid

Method = Literal["farrington", "ears-c1", "ears-c2", "ears-c3", "cusum"]
ThresholdMethod = Literal["nb", "muan", "poisson"]


class SurveillanceError(Invalid):
    """Bad input: negative or non-finite counts, mismatched lengths, unknown options."""

    code = "surveillance"


@dataclass(frozen=True)
class Check:
    """The outcome of one detector at one period."""

    index: int
    method: str
    observed: float
    expected: float
    threshold: float
    score: float  # alarm statistic; alarm when it exceeds ``score_limit`` (and observed ≥ min_count)
    alarm: bool
    score_limit: float = 1.0
    dispersion: float = 1.0
    trend: bool = False
    baseline_indices: tuple[int, ...] = ()


@dataclass(frozen=True)
class Alert:
    """An unusual rise: which series, when, and the numbers that triggered it."""

    key: Hashable
    period: str
    index: int
    method: str
    observed: float
    expected: float
    threshold: float
    score: float
    series: tuple[float, ...]  # the counts up to and including the alerted period
    baseline_periods: tuple[str, ...] = ()
    details: Mapping[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        return {
            "key": list(self.key) if isinstance(self.key, tuple) else self.key if isinstance(self.key, str | int) else str(self.key),
            "period": self.period,
            "method": self.method,
            "observed": self.observed,
            "expected": round(self.expected, 3),
            "threshold": round(self.threshold, 3),
            "score": round(self.score, 3),
            "series": list(self.series),
            "baseline_periods": list(self.baseline_periods),
        }


def _as_counts(counts: Sequence[float] | np.ndarray) -> np.ndarray:
    y = np.asarray(counts, dtype=float)
    if y.ndim != 1:
        raise SurveillanceError("counts must be one-dimensional")
    if not np.all(np.isfinite(y)) or np.any(y < 0):
        raise SurveillanceError("counts must be finite and non-negative")
    return y


# --------------------------------------------------------------------------- quasi-Poisson GLM by IRLS


@dataclass(frozen=True)
class GlmFit:
    beta: np.ndarray
    mu: np.ndarray
    cov_unscaled: np.ndarray  # (XᵀWX)⁻¹
    dispersion: float
    leverage: np.ndarray
    converged: bool


def poisson_irls(
    X: np.ndarray, y: np.ndarray, weights: np.ndarray | None = None, max_iter: int = 50, tol: float = 1e-8
) -> GlmFit:
    """Poisson log-link GLM with prior weights, fitted by iteratively reweighted least squares.

    The dispersion is the quasi-Poisson Pearson estimate max(1, Σ w (y−μ)²/μ / (n−p))."""
    n, p = X.shape
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
    mu = y + 0.5
    eta = np.log(mu)
    beta = np.zeros(p)
    dev_old = np.inf
    converged = False
    for _ in range(max_iter):
        z = eta + (y - mu) / mu
        W = w * mu
        XtW = X.T * W
        A = XtW @ X
        try:
            beta = np.linalg.solve(A, XtW @ z)
        except np.linalg.LinAlgError:
            beta = np.linalg.lstsq(A, XtW @ z, rcond=None)[0]
        eta = np.clip(X @ beta, -30, 30)
        mu = np.exp(eta)
        with np.errstate(divide="ignore", invalid="ignore"):
            dev = 2 * np.sum(w * (np.where(y > 0, y * np.log(y / mu), 0.0) - (y - mu)))
        if abs(dev - dev_old) <= tol * (abs(dev) + 0.1):
            converged = True
            break
        dev_old = dev
    W = w * mu
    A = (X.T * W) @ X
    cov = np.linalg.pinv(A)
    sw = np.sqrt(W)
    Xs = X * sw[:, None]
    leverage = np.einsum("ij,jk,ik->i", Xs, cov, Xs)
    dof = max(n - p, 1)
    phi = max(1.0, float(np.sum(w * (y - mu) ** 2 / mu) / dof))
    return GlmFit(beta, mu, cov, phi, leverage, converged)


def anscombe_residuals(y: np.ndarray, mu: np.ndarray, phi: float, leverage: np.ndarray) -> np.ndarray:
    """Standardised Anscombe residuals of a quasi-Poisson fit (Farrington et al. 1996)."""
    r: np.ndarray = 1.5 * (np.cbrt(y) ** 2 - np.cbrt(mu) ** 2) / np.power(mu, 1 / 6)
    out: np.ndarray = r / np.sqrt(phi * np.clip(1 - leverage, 1e-6, None))
    return out


# --------------------------------------------------------------------------- Farrington flexible / Noufaily


def _season_level(offset: np.ndarray, freq: int, window: int, levels: int) -> np.ndarray:
    """Seasonal level of each baseline period from its offset to the current period (0 = same season)."""
    d = np.mod(offset + window, freq) - window  # in [-window, freq-window-1]
    out = np.zeros(len(offset), dtype=int)
    rest = d > window
    span = freq - 2 * window - 1
    if levels > 1 and span > 0:
        out[rest] = 1 + np.minimum(((d[rest] - window - 1) * (levels - 1)) // span, levels - 2)
    return out


def farrington(
    counts: Sequence[float] | np.ndarray,
    t: int | None = None,
    *,
    freq: int = 12,
    years: int = 5,
    window: int | None = None,
    exclude_recent: int | None = None,
    season_levels: int | None = None,
    alpha: float = 0.01,
    threshold_method: ThresholdMethod = "nb",
    reweight: bool = True,
    reweight_limit: float = 2.58,
    trend_p: float = 0.05,
    trend_cap: bool = True,
    min_count: int = 5,
    min_baseline: int | None = None,
) -> Check | None:
    """Farrington-flexible / Noufaily check of period ``t`` (default: the last one).

    Returns ``None`` if there is not enough history before the excluded recent periods.
    Defaults for monthly data: window ±1 month, 4 seasonal levels, the 3 months before ``t`` excluded;
    for weekly data (freq ≥ 52): window ±3 weeks, 10 levels, the 26 weeks before ``t`` excluded (Noufaily).
    ``trend_cap``: Farrington's rule to drop the trend when it extrapolates above the largest baseline
    count (guards against runaway extrapolation; in steadily growing series it lowers the baseline)."""
    y_all = _as_counts(counts)
    t = len(y_all) - 1 if t is None else t
    if not 0 <= t < len(y_all):
        raise SurveillanceError("t outside the series")
    if not 0 < alpha < 1:
        raise SurveillanceError("alpha must be in (0, 1)")
    weekly = freq >= 52
    window = (3 if weekly else 1) if window is None else window
    exclude_recent = (26 if weekly else 3) if exclude_recent is None else exclude_recent
    season_levels = (10 if weekly else 4) if season_levels is None else season_levels
    min_baseline = (2 * freq if weekly else freq + 6) if min_baseline is None else min_baseline
    first = max(0, t - years * freq - window)
    if exclude_recent < 0:
        raise SurveillanceError("exclude_recent must be ≥ 0")
    last = t - 1 - exclude_recent  # the current period and the `exclude_recent` before it are left out
    if last - first + 1 < min_baseline:
        return None
    idx = np.arange(first, last + 1)
    y = y_all[idx]
    y0 = float(y_all[t])
    if y.sum() == 0:
        return Check(t, "farrington", y0, 0.0, 0.0, y0, y0 >= min_count and y0 > 0, 1.0, 1.0, False, tuple(idx))

    level = _season_level(idx - t, freq, window, season_levels)
    used = sorted(set(level.tolist()) - {0})
    season = np.column_stack([(level == lv).astype(float) for lv in used]) if used else np.zeros((len(idx), 0))
    tt = (idx - t).astype(float) / freq  # time in years, 0 at the current period
    X_trend = np.column_stack([np.ones(len(idx)), tt, season])
    X_flat = np.column_stack([np.ones(len(idx)), season])

    def fit(X: np.ndarray) -> GlmFit:
        f = poisson_irls(X, y)
        if reweight:
            r = anscombe_residuals(y, f.mu, f.dispersion, f.leverage)
            inv = np.ones_like(r)
            big = r > reweight_limit
            inv[big] = r[big] ** -2.0
            f = poisson_irls(X, y, inv * len(y) / inv.sum())  # weights sum to n (Noufaily et al.)
        return f

    use_trend = False
    f = fit(X_trend)
    se = math.sqrt(max(f.dispersion * f.cov_unscaled[1, 1], 1e-300))
    p_trend = 2 * stats.t.sf(abs(f.beta[1]) / se, df=max(len(y) - X_trend.shape[1], 1))
    mu0 = float(np.exp(f.beta[0]))
    if p_trend < trend_p and (mu0 <= y.max() or not trend_cap) and len(y) >= 3 * freq:
        use_trend = True
        X = X_trend
    else:
        f = fit(X_flat)
        X = X_flat
        mu0 = float(np.exp(f.beta[0]))
    x0 = np.zeros(X.shape[1])
    x0[0] = 1.0  # current period: reference season level, time 0
    phi = f.dispersion
    var_eta0 = float(phi * x0 @ f.cov_unscaled @ x0)
    upper = _upper_limit(mu0, phi, var_eta0, alpha, threshold_method)
    score = (y0 - mu0) / (upper - mu0) if upper > mu0 else (math.inf if y0 > mu0 else 0.0)
    alarm = y0 > upper and y0 >= min_count
    return Check(t, "farrington", y0, mu0, upper, float(score), bool(alarm), 1.0, phi, use_trend, tuple(idx))


def _upper_limit(mu0: float, phi: float, var_eta0: float, alpha: float, method: ThresholdMethod) -> float:
    if method == "nb":
        if phi > 1.0 + 1e-9:
            size = mu0 / (phi - 1.0)
            return float(stats.nbinom.ppf(1 - alpha, size, size / (size + mu0)))
        return float(stats.poisson.ppf(1 - alpha, mu0))
    if method == "poisson":
        return float(stats.poisson.ppf(1 - alpha, mu0))
    if method == "muan":  # Farrington (1996): 2/3-power transform, prediction variance incl. estimation
        z = stats.norm.ppf(1 - alpha)
        tau = phi * mu0 + mu0**2 * var_eta0
        return float(mu0 * (1 + (2 / 3) * z * math.sqrt(tau) / mu0) ** 1.5)
    raise SurveillanceError(f"unknown threshold method: {method}")


# --------------------------------------------------------------------------- EARS C1/C2/C3 and CUSUM


def _ears_baseline(y: np.ndarray, t: int, baseline: int, guard: int) -> tuple[float, float, tuple[int, ...]] | None:
    lo, hi = t - guard - baseline, t - guard
    if lo < 0:
        return None
    b = y[lo:hi]
    mean = float(b.mean())
    sd = float(b.std(ddof=1)) if len(b) > 1 else 0.0
    sd = max(sd, math.sqrt(max(mean, 1.0)))  # never assume less spread than Poisson (and ≥ 1)
    return mean, sd, tuple(range(lo, hi))


def ears(
    counts: Sequence[float] | np.ndarray,
    t: int | None = None,
    *,
    variant: Literal["C1", "C2", "C3"] = "C3",
    baseline: int = 7,
    limit: float | None = None,
    min_count: int = 3,
) -> Check | None:
    """EARS statistic at ``t``: C1 (baseline t−7…t−1), C2 (baseline t−9…t−3, a 2-period guard) or C3
    (sum of the positive excesses max(0, C2−1) of the last three periods). Limits: 3 (C1/C2), 2 (C3).

    The standard deviation is floored at √max(mean, 1) so that a flat baseline does not alarm on noise."""
    y = _as_counts(counts)
    t = len(y) - 1 if t is None else t
    if not 0 <= t < len(y):
        raise SurveillanceError("t outside the series")
    guard = 0 if variant == "C1" else 2

    def c(at: int) -> tuple[float, float, float, tuple[int, ...]] | None:
        b = _ears_baseline(y, at, baseline, guard)
        if b is None:
            return None
        mean, sd, idx = b
        return (y[at] - mean) / sd, mean, sd, idx

    now = c(t)
    if now is None:
        return None
    stat, mean, sd, idx = now
    if variant in ("C1", "C2"):
        lim = 3.0 if limit is None else limit
        score = stat
    elif variant == "C3":
        lim = 2.0 if limit is None else limit
        score = max(0.0, stat - 1.0)
        for back in (1, 2):
            prev = c(t - back) if t - back >= 0 else None
            if prev is not None:
                score += max(0.0, prev[0] - 1.0)
        score = float(score)
    else:
        raise SurveillanceError(f"unknown EARS variant: {variant}")
    # the count above which the statistic (with the earlier terms of C3 fixed) exceeds the limit
    if variant == "C3":
        # the count above which the statistic (earlier terms fixed) exceeds the limit; when the earlier
        # periods alone already exceed it, this period still has to be raised itself (above mean + sd):
        # the threshold is never below the baseline, so never 0 when the history holds incidents
        need = lim - (score - max(0.0, stat - 1.0))
        threshold = mean + sd * (1.0 + max(need, 0.0))
    else:
        threshold = mean + sd * lim
    alarm = score > lim and y[t] >= min_count and y[t] > threshold
    return Check(t, f"ears-{variant.lower()}", float(y[t]), mean, float(threshold), float(score), bool(alarm), lim,
                 1.0, False, idx)


def cusum(
    counts: Sequence[float] | np.ndarray,
    *,
    k: float = 0.5,
    h: float = 4.0,
    baseline: int = 7,
    guard: int = 2,
    reset: bool = True,
    min_count: int = 3,
) -> list[Check]:
    """Standardised one-sided CUSUM S_t = max(0, S_{t−1} + z_t − k), z_t from the EARS C2 baseline
    (moving mean and sd of t−9…t−3); alarm when S_t > h (then S is reset to 0 if ``reset``)."""
    y = _as_counts(counts)
    out: list[Check] = []
    s = 0.0
    for t in range(len(y)):
        b = _ears_baseline(y, t, baseline, guard)
        if b is None:
            continue
        mean, sd, idx = b
        z = (y[t] - mean) / sd
        prev = s
        s = max(0.0, prev + z - k)
        alarm = s > h and y[t] >= min_count
        threshold = mean + sd * (h + k - prev)  # the count that would just reach h
        out.append(Check(t, "cusum", float(y[t]), mean, float(threshold), float(s), bool(alarm), h, 1.0, False, idx))
        if alarm and reset:
            s = 0.0
    return out


# --------------------------------------------------------------------------- running a series


def run(
    counts: Sequence[float] | np.ndarray,
    *,
    method: Method | Literal["auto"] = "auto",
    freq: int = 12,
    start: int | None = None,
    min_years: int = 2,
    **options: Any,
) -> list[Check]:
    """Apply a detector to every period from ``start`` (default: the first it can judge).

    ``auto``: Farrington where at least ``min_years`` years of history are available, else EARS-C3."""
    y = _as_counts(counts)
    first = 0 if start is None else start
    out: list[Check] = []
    if method == "cusum":
        return [c for c in cusum(y, **options) if c.index >= first]
    for t in range(first, len(y)):
        chk: Check | None
        if method == "farrington" or (method == "auto" and t >= min_years * freq):
            chk = farrington(y, t, freq=freq, **options)
            if chk is None and method == "auto":
                chk = ears(y, t, variant="C3")
        elif method == "auto":
            chk = ears(y, t, variant="C3")
        elif method in ("ears-c1", "ears-c2", "ears-c3"):
            chk = ears(y, t, variant=method[-2:].upper(), **options)  # type: ignore[arg-type]
        else:
            raise SurveillanceError(f"unknown method: {method}")
        if chk is not None:
            out.append(chk)
    return out


def detect(
    counts: Sequence[float] | np.ndarray,
    periods: Sequence[str] | None = None,
    *,
    key: Hashable = None,
    method: Method | Literal["auto"] = "auto",
    freq: int = 12,
    last: int | None = None,
    **options: Any,
) -> list[Alert]:
    """Alerts for one series (a form × area). ``last``: only judge the last ``last`` periods."""
    y = _as_counts(counts)
    labels = list(periods) if periods is not None else [str(i) for i in range(len(y))]
    if len(labels) != len(y):
        raise SurveillanceError("periods and counts differ in length")
    start = None if last is None else max(0, len(y) - last)
    alerts = []
    for c in run(y, method=method, freq=freq, start=start, **options):
        if c.alarm:
            alerts.append(
                Alert(
                    key=key,
                    period=labels[c.index],
                    index=c.index,
                    method=c.method,
                    observed=c.observed,
                    expected=c.expected,
                    threshold=c.threshold,
                    score=c.score,
                    series=tuple(float(v) for v in y[: c.index + 1]),
                    baseline_periods=tuple(labels[i] for i in c.baseline_indices),
                    details={"dispersion": c.dispersion, "trend": float(c.trend), "score_limit": c.score_limit},
                )
            )
    return alerts


def detect_many(
    series: Mapping[Hashable, tuple[Sequence[str], Sequence[float]]],
    *,
    method: Method | Literal["auto"] = "auto",
    freq: int = 12,
    last: int | None = 1,
    **options: Any,
) -> list[Alert]:
    """Alerts for many series, e.g. ``{(form, area): (periods, counts)}``; by default only the newest
    period of each is judged (what an early-warning run after each import needs)."""
    out: list[Alert] = []
    for key, (periods, counts) in series.items():
        out.extend(detect(counts, periods, key=key, method=method, freq=freq, last=last, **options))
    return sorted(out, key=lambda a: -a.score)


# --------------------------------------------------------------------------- from incident dates to series


def period_label(d: date, freq: int = 12) -> str:
    """``2024-03`` for months (``freq=12``), ISO week ``2024-W09`` for weeks (``freq=52``)."""
    if freq >= 52:
        year, week, _ = d.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{d.year}-{d.month:02d}"


def _next_period(d: date, freq: int) -> date:
    if freq >= 52:
        return d + timedelta(days=7)
    return date(d.year + (d.month == 12), d.month % 12 + 1, 1)


def _period_start(d: date, freq: int) -> date:
    return d - timedelta(days=d.weekday()) if freq >= 52 else d.replace(day=1)


def count_by_period(
    dates: Iterable[date], *, freq: int = 12, start: date | None = None, end: date | None = None
) -> tuple[list[str], list[float]]:
    """Counts per month (or ISO week) from incident dates, with zeros for empty periods.

    ``start``/``end`` fix the range (e.g. from the first registration of the organisation to today),
    otherwise it runs from the first to the last date. Dates outside the range are ignored."""
    ds = sorted(d.date() if isinstance(d, datetime) else d for d in dates)
    if start is None and end is None and not ds:
        return [], []
    lo = _period_start(start or ds[0], freq)
    hi = _period_start(end or ds[-1], freq)
    labels: list[str] = []
    index: dict[str, int] = {}
    cur = lo
    while cur <= hi:
        index[period_label(cur, freq)] = len(labels)
        labels.append(period_label(cur, freq))
        cur = _next_period(cur, freq)
    counts = [0.0] * len(labels)
    for d in ds:
        i = index.get(period_label(d, freq))
        if i is not None and lo <= d:
            counts[i] += 1
    return labels, counts


# --------------------------------------------------------------------------- validation helpers


def simulate_counts(
    n: int,
    *,
    freq: int = 12,
    base: float = 20.0,
    trend_per_year: float = 0.05,
    seasonal_amplitude: float = 0.2,
    dispersion: float = 1.0,
    rng: np.random.Generator | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Synthetic counts with log-linear trend and a yearly sine season; Poisson (dispersion 1) or
    negative binomial with Var = dispersion·μ. Returns (counts, means)."""
    rng = rng or np.random.default_rng(0)
    t = np.arange(n)
    mu = base * np.exp(trend_per_year * t / freq + seasonal_amplitude * np.sin(2 * np.pi * t / freq))
    if dispersion <= 1.0:
        return rng.poisson(mu).astype(float), mu
    size = mu / (dispersion - 1.0)
    return rng.negative_binomial(size, size / (size + mu)).astype(float), mu


@dataclass(frozen=True)
class DetectionStats:
    runs: int
    detection_probability: float  # share of injected rises with an alarm during the rise
    mean_delay: float  # periods from the start of the rise to the first alarm (detected rises only)
    false_alarms_per_year: float  # alarms outside rises, per series-year judged
    periods_judged: int  # periods judged outside the rises


def evaluate_detection(
    *,
    method: Method | Literal["auto"] = "farrington",
    runs: int = 50,
    freq: int = 12,
    years: int = 8,
    judge_years: int = 2,
    rise: float = 2.0,
    rise_length: int = 3,
    base: float = 20.0,
    trend_per_year: float = 0.05,
    seasonal_amplitude: float = 0.2,
    dispersion: float = 1.0,
    seed: int = 1,
    **options: Any,
) -> DetectionStats:
    """Monte Carlo: inject one multiplicative rise (×``rise`` for ``rise_length`` periods) in the judged
    part of each synthetic series and count detections, delays and false alarms. ``rise=1`` measures
    false alarms only."""
    rng = np.random.default_rng(seed)
    injected = rise != 1.0
    n = years * freq
    judge_from = n - judge_years * freq
    detected, delays, false_alarms, judged = 0, [], 0, 0
    for _ in range(runs):
        _, mu = simulate_counts(n, freq=freq, base=base, trend_per_year=trend_per_year,
                                seasonal_amplitude=seasonal_amplitude, dispersion=dispersion, rng=rng)
        start = int(rng.integers(judge_from, n - rise_length + 1))
        mu = mu.copy()
        mu[start : start + rise_length] *= rise
        if dispersion <= 1.0:
            y = rng.poisson(mu).astype(float)
        else:
            size = mu / (dispersion - 1.0)
            y = rng.negative_binomial(size, size / (size + mu)).astype(float)
        checks = run(y, method=method, freq=freq, start=judge_from, **options)

        def inside(i: int, start: int = start) -> bool:
            return injected and start <= i < start + rise_length

        judged += sum(1 for c in checks if not inside(c.index))
        in_rise = [c for c in checks if c.alarm and inside(c.index)]
        false_alarms += sum(1 for c in checks if c.alarm and not inside(c.index))
        if in_rise:
            detected += 1
            delays.append(min(c.index for c in in_rise) - start)
    judged_outside = max(judged, 1)
    return DetectionStats(
        runs=runs,
        detection_probability=detected / runs if injected else 0.0,
        mean_delay=float(np.mean(delays)) if delays else math.nan,
        false_alarms_per_year=false_alarms / judged_outside * freq,
        periods_judged=judged,
    )
