"""Comparisons of indicator observations: change, difference, trend, ranking, reporting gap.

Pure core: no Django, no I/O. Every function takes :class:`Observation` values (a point estimate
with its 95 % interval or standard error, the period and the *series*, i.e. the method version the
figure was measured with) and returns a frozen result object with the statistics **and** one plain
sentence in Dutch (B1) and in English.

Statistical rules (DOMAIN §2.3–§2.4)
------------------------------------
* CBS works at a 95 % confidence level. When only an interval is known, the standard error is
  ``se ≈ (hi − lo) / 3.92`` (a symmetric normal interval is ``± 1.96·se``).
* A change or difference is significant when ``|Δ| > 1.96·sqrt(se₁² + se₂²)`` (two-sided z-test,
  α = 0.05); the p-value is ``2·(1 − Φ(|z|))``.
* **Never compare across a method break.** Observations carry a ``series`` id (e.g.
  ``"vm-cybercrime-2012"`` for 2012–2019 and ``"vm-online-2021"`` from 2021 on). Comparing two
  series raises :class:`MethodBreakError`, unless the caller explicitly asks for
  ``allow_method_break=True``; the result then has ``method_break=True``, is never significant and
  its sentence says the figures cannot be compared.
* **What a number is decides how it is tested** (``Observation.kind``):

  - ``estimate`` (a survey percentage): its margins (``se`` or the 95 % interval);
  - ``count`` (registrations of one area): Poisson, ``se = sqrt(k)``; a change over time states the
    population change when the populations are given (then the rates ``k/P`` are tested). A count is
    **never** compared with the count of another area (:func:`compare_to` refuses it): areas differ
    in size, so compare a rate;
  - ``rate`` (e.g. per 1,000 inhabitants): Poisson on the events behind it,
    ``se = rate / sqrt(events)``; without its events it cannot be tested;
  - ``proportion`` (a percentage of ``n`` registrations, e.g. the clearance rate): binomial,
    ``se = sqrt(p(100 − p)/n)``.

  When nothing can be tested, :class:`ObservationError` says why; callers say so plainly.
* Area vs region / peer group / the Netherlands uses the same test. The samples overlap (a
  gemeente's respondents are part of the national sample), so the two estimates are positively
  correlated and ``se₁² + se₂²`` *overstates* the variance of the difference: the test is
  conservative (an approximation). Pass ``area_share`` (the area's share in the reference
  estimate) to subtract the covariance: ``Var(a − R) = se_a² + se_R² − 2·share·se_a²``.
* Trends use weighted least squares with weights ``1/se²`` within one series only; the slope's
  standard error is the known-variance one, inflated by the Birge ratio ``sqrt(χ²/df)`` when the
  points scatter more than their margins allow (never deflated).
* Rankings show rank *ranges*: the best and worst rank compatible with the intervals, so areas
  whose intervals overlap share ranks instead of getting a falsely precise order.

Worked example (Maastricht, cybercrime victimisation, old VM series)
--------------------------------------------------------------------
Published values 2016 9.7 % and 2017 12.4 %. *Assumed* 95 % intervals of ± 2.0 pp give
se = 4.0 / 3.92 ≈ 1.020 for both years, se of the difference = 1.020·√2 ≈ 1.443,
z = 2.7 / 1.443 ≈ 1.87 < 1.96: "Het slachtofferschap is niet significant veranderd ten opzichte van
2016 (12,4% in 2017, 9,7% in 2016)."
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Literal

from cyberbeeld.common.errors import Invalid

__all__ = [
    "Change",
    "Difference",
    "Indicator",
    "MethodBreakError",
    "Observation",
    "RankRange",
    "ReportingGap",
    "Trend",
    "change",
    "compare_to",
    "format_number",
    "rank_ranges",
    "reporting_gap",
    "trend",
]

Lang = Literal["nl", "en"]
_LANGS: tuple[Lang, ...] = ("nl", "en")
Polarity = Literal["higher_is_worse", "higher_is_better", "neutral"]
ReferenceKind = Literal["nederland", "regio", "peergroep"]

#: 95 % two-sided normal quantile used by CBS: an interval is ± 1.96·se, so its width is 3.92·se.
Z95 = 1.959963984540054
CI_WIDTH_IN_SE = 2 * 1.96


class MethodBreakError(Invalid):
    """Two observations come from different series (method versions) and cannot be compared."""

    code = "method-break"


class ObservationError(Invalid):
    """An observation lacks what the comparison needs (no SE/interval, no numeric period, ...)."""

    code = "observation"


# ---------------------------------------------------------------------------------------------
# Formatting
# ---------------------------------------------------------------------------------------------


def format_number(x: float, decimals: int = 1, lang: Lang = "nl") -> str:
    """Format a number Dutch style (``12,4``; ``14.174``) or English style (``12.4``; ``14,174``).

    Examples
    --------
    >>> format_number(12.4), format_number(12.4, lang="en"), format_number(14174, 0)
    ('12,4', '12.4', '14.174')
    >>> format_number(-3.456, 2), format_number(1234.5, 1, "en")
    ('-3,46', '1,234.5')
    """
    s = f"{x:,.{decimals}f}"
    if s.startswith("-") and float(s.replace(",", "")) == 0:
        s = s[1:]
    if lang == "nl":
        s = s.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return s


def _with_unit(x: float, indicator: Indicator, lang: Lang) -> str:
    num = format_number(x, indicator.decimals, lang)
    unit = indicator.unit_in(lang)
    if not unit:
        return num
    if unit == "%":
        return f"{num}%"
    return f"{num} {unit}"


def _diff_with_unit(x: float, indicator: Indicator, lang: Lang) -> str:
    num = format_number(x, indicator.decimals, lang)
    unit = indicator.unit_in(lang)
    if unit == "%":
        return f"{num} {'procentpunt' if lang == 'nl' else 'percentage points'}"
    return f"{num} {unit}".rstrip()


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:]


# ---------------------------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Indicator:
    """What is measured, for the sentences and the polarity.

    Attributes
    ----------
    code : str
    subject_nl, subject_en : str
        Noun phrase with article, lower case: ``"het slachtofferschap"`` / ``"victimisation"``.
    unit : str
        ``"%"`` (differences then read "procentpunt"), another unit, or ``""``.
    decimals : int
        Decimals in sentences.
    polarity : {"higher_is_worse", "higher_is_better", "neutral"}
        Turns "gestegen" into "verslechterd" or "verbeterd".
    """

    code: str = ""
    subject_nl: str = "de waarde"
    subject_en: str = "the value"
    unit: str = "%"
    decimals: int = 1
    polarity: Polarity = "neutral"
    unit_en: str | None = None

    def unit_in(self, lang: Lang) -> str:
        """The unit in ``lang`` (``unit_en`` when given for English)."""
        return self.unit_en if lang == "en" and self.unit_en is not None else self.unit

    def subject(self, lang: Lang) -> str:
        """The subject noun phrase in ``lang``."""
        return self.subject_nl if lang == "nl" else self.subject_en


_DEFAULT_INDICATOR = Indicator()


@dataclass(frozen=True, slots=True)
class Observation:
    """One observed value of an indicator for one area and period.

    Attributes
    ----------
    value : float
        Point estimate (e.g. % of people aged 15+), or a count for registrations.
    period : str or int
        ``"2017"``; must be numeric for :func:`trend`.
    series : str
        Series / method version id. Observations of different series are not comparable.
    ci_low, ci_high : float, optional
        95 % interval (StatLine "Marges": Ondergrens/Bovengrens 95%-interval).
    se : float, optional
        Standard error; if absent it is derived from the interval.
    n : int, optional
        Number of respondents (informative).
    area, area_name : str, optional
        Area code (``GM0935``) and display name (``Maastricht``).
    kind : {"estimate", "count", "rate", "proportion"}
        ``count`` (registrations) without SE/interval uses the Poisson approximation
        ``se = sqrt(value)``; ``rate`` uses ``value / sqrt(events)``; ``proportion`` (a percentage
        of ``n`` registrations) uses ``sqrt(p(100 − p)/n)``.
    events : float, optional
        For a rate: the number of events (e.g. registered crimes) it was computed from.
    population : float, optional
        The population the figure refers to (stated when a count changes).
    """

    value: float
    period: str | int
    series: str
    ci_low: float | None = None
    ci_high: float | None = None
    se: float | None = None
    n: int | None = None
    area: str | None = None
    area_name: str | None = None
    kind: Literal["estimate", "count", "rate", "proportion"] = "estimate"
    events: float | None = None
    population: float | None = None

    def __post_init__(self) -> None:
        if not math.isfinite(self.value):
            raise ObservationError(f"value must be finite, not {self.value!r}")
        if (self.ci_low is None) != (self.ci_high is None):
            raise ObservationError("give both ci_low and ci_high, or neither")
        if self.ci_low is not None and self.ci_high is not None:
            if not (self.ci_low <= self.value <= self.ci_high):
                raise ObservationError(
                    f"interval [{self.ci_low}, {self.ci_high}] does not contain the value {self.value}"
                )
        if self.se is not None and not (math.isfinite(self.se) and self.se >= 0):
            raise ObservationError(f"se must be finite and non-negative, not {self.se!r}")
        if not self.series:
            raise ObservationError("an observation needs its series (method version) id")

    @property
    def standard_error(self) -> float:
        """``se``, else ``(ci_high − ci_low) / 3.92``, else ``sqrt(value)`` for counts."""
        if self.se is not None:
            return self.se
        if self.ci_low is not None and self.ci_high is not None:
            return (self.ci_high - self.ci_low) / CI_WIDTH_IN_SE
        if self.kind == "count":
            return math.sqrt(max(self.value, 0.0))
        if self.kind == "rate":
            if self.events is None or not self.events > 0:
                raise ObservationError(
                    f"rate {self.area or ''} {self.period}: the number of events behind it is unknown or 0")
            return self.value / math.sqrt(self.events)
        if self.kind == "proportion":
            if not self.n or not 0 <= self.value <= 100:
                raise ObservationError(
                    f"percentage {self.area or ''} {self.period}: no base count, or not a share of it (0–100)")
            return math.sqrt(self.value * (100 - self.value) / self.n)
        raise ObservationError(f"observation {self.area or ''} {self.period} has neither se nor an interval")

    @property
    def interval(self) -> tuple[float, float]:
        """The 95 % interval, given or ``value ± 1.96·se``."""
        if self.ci_low is not None and self.ci_high is not None:
            return (self.ci_low, self.ci_high)
        se = self.standard_error
        return (self.value - Z95 * se, self.value + Z95 * se)

    @property
    def time(self) -> float:
        """The period as a number (for trends)."""
        try:
            return float(self.period)
        except ValueError:
            raise ObservationError(f"period {self.period!r} is not numeric") from None

    def name(self, lang: Lang) -> str:
        """Display name of the area."""
        return self.area_name or self.area or ("dit gebied" if lang == "nl" else "this area")


# ---------------------------------------------------------------------------------------------
# Two-sample z-test
# ---------------------------------------------------------------------------------------------


def _z_test(diff: float, se: float, alpha: float) -> tuple[float, float, bool]:
    """z, two-sided p and significance for a difference with standard error ``se``."""
    if se == 0:
        if diff == 0:
            return 0.0, 1.0, False
        return math.copysign(math.inf, diff), 0.0, True
    z = diff / se
    p = math.erfc(abs(z) / math.sqrt(2))
    crit = NormalDist().inv_cdf(1 - alpha / 2)
    return z, p, abs(z) > crit


def _crit(alpha: float) -> float:
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), not {alpha!r}")
    return NormalDist().inv_cdf(1 - alpha / 2)


@dataclass(frozen=True, slots=True)
class Change:
    """Change of an indicator between two periods of one area.

    Attributes
    ----------
    reference, current : Observation
        ``estimate = current.value − reference.value``.
    estimate, se, z, p_value : float
        Difference, its standard error, z statistic and two-sided p-value.
    ci_low, ci_high : float
        (1 − α) interval of the difference.
    significant : bool
        ``|z| > z_(1−α/2)``; always False across a method break.
    direction : {"gestegen", "gedaald", "niet significant veranderd", "niet vergelijkbaar"}
    direction_en : str
        ``"increased"``, ``"decreased"``, ``"no significant change"``, ``"not comparable"``.
    assessment : {"verslechterd", "verbeterd"} or None
        From the indicator's polarity, only for a significant change.
    method_break : bool
        The two observations come from different series.
    sentence_nl, sentence_en : str
        One plain sentence.
    """

    reference: Observation
    current: Observation
    estimate: float
    se: float
    z: float
    p_value: float
    ci_low: float
    ci_high: float
    significant: bool
    direction: str
    direction_en: str
    assessment: str | None
    method_break: bool
    alpha: float
    sentence_nl: str
    sentence_en: str

    def sentence(self, lang: Lang = "nl") -> str:
        """The sentence in ``lang``."""
        return self.sentence_nl if lang == "nl" else self.sentence_en


def _assessment(sign: int, polarity: Polarity) -> tuple[str | None, str | None]:
    """(nl, en) assessment of a significant rise (sign +1) or fall (−1)."""
    if polarity == "neutral" or sign == 0:
        return None, None
    worse = (sign > 0) == (polarity == "higher_is_worse")
    return ("verslechterd", "deterioration") if worse else ("verbeterd", "improvement")


def change(
    reference: Observation,
    current: Observation,
    *,
    indicator: Indicator | None = None,
    alpha: float = 0.05,
    allow_method_break: bool = False,
) -> Change:
    """Test the change from ``reference`` to ``current`` (two-sided z-test on the SEs).

    Parameters
    ----------
    reference, current : Observation
        Usually an earlier and a later period of the same area.
    indicator : Indicator, optional
        Subject, unit and polarity for the sentences.
    alpha : float
        Significance level (CBS: 0.05).
    allow_method_break : bool
        If False (default) observations of different series raise :class:`MethodBreakError`.
        If True the result is returned with ``method_break=True`` and is never significant.

    Returns
    -------
    Change

    Examples
    --------
    >>> ref = Observation(12.4, 2017, "vm-cybercrime-2012", 10.4, 14.4)
    >>> cur = Observation(13.8, 2019, "vm-cybercrime-2012", 12.0, 15.6)
    >>> ind = Indicator(subject_nl="het slachtofferschap", subject_en="victimisation")
    >>> change(ref, cur, indicator=ind).sentence_nl
    'Het slachtofferschap is niet significant veranderd ten opzichte van 2017 (13,8% in 2019, 12,4% in 2017).'
    """
    ind = indicator or _DEFAULT_INDICATOR
    crit = _crit(alpha)
    method_break = reference.series != current.series
    if method_break and not allow_method_break:
        raise MethodBreakError(
            f"{reference.period} ({reference.series}) and {current.period} ({current.series}) are different "
            "series; a change across a method break is not meaningful (pass allow_method_break=True to get a "
            "flagged result)"
        )
    if reference.area and current.area and reference.area != current.area:
        raise ObservationError(
            f"change() compares one area over time; got {reference.area} and {current.area} (use compare_to())"
        )
    diff = current.value - reference.value
    se = math.hypot(reference.standard_error, current.standard_error)
    z, p, significant = _z_test(diff, se, alpha)
    population_nl = population_en = ""
    if reference.kind == "count" and current.kind == "count":
        if reference.population and current.population:
            # Poisson test of the rates k/P: a count can change because the population changed
            r0, r1 = reference.value / reference.population, current.value / current.population
            se_r = math.hypot(math.sqrt(max(reference.value, 0.0)) / reference.population,
                              math.sqrt(max(current.value, 0.0)) / current.population)
            z, p, significant = _z_test(r1 - r0, se_r, alpha)
            p0, p1 = format_number(reference.population, 0), format_number(current.population, 0)
            e0, e1 = format_number(reference.population, 0, "en"), format_number(current.population, 0, "en")
            population_nl = f" Het aantal inwoners veranderde in die tijd van {p0} naar {p1}; de toets houdt daar rekening mee."
            population_en = f" The population changed from {e0} to {e1} in that time; the test allows for it."
        else:
            population_nl = " Het aantal inwoners is niet bekend; de toets neemt aan dat het gelijk bleef."
            population_en = " The population is not known; the test assumes it stayed the same."
    sign = (diff > 0) - (diff < 0)
    subj = {lang: ind.subject(lang) for lang in _LANGS}
    rp, cp = reference.period, current.period
    if method_break:
        significant = False
        direction, direction_en, assessment = "niet vergelijkbaar", "not comparable", None
        nl = (
            f"De cijfers over {subj['nl']} van {rp} en {cp} zijn niet te vergelijken, "
            "omdat de manier van meten is veranderd."
        )
        en = f"The figures on {subj['en']} for {rp} and {cp} cannot be compared, because the method of measurement changed."
    else:
        v_cur_nl, v_ref_nl = _with_unit(current.value, ind, "nl"), _with_unit(reference.value, ind, "nl")
        v_cur_en, v_ref_en = _with_unit(current.value, ind, "en"), _with_unit(reference.value, ind, "en")
        since = "since" if str(rp) < str(cp) else "compared with"
        if not significant:
            direction, direction_en, assessment = "niet significant veranderd", "no significant change", None
            nl = (
                f"{_cap(subj['nl'])} is niet significant veranderd ten opzichte van {rp} "
                f"({v_cur_nl} in {cp}, {v_ref_nl} in {rp})."
            )
            en = f"{_cap(subj['en'])} has not changed significantly {since} {rp} ({v_cur_en} in {cp}, {v_ref_en} in {rp})."
        else:
            direction = "gestegen" if sign > 0 else "gedaald"
            direction_en = "increased" if sign > 0 else "decreased"
            assessment, judgement_en = _assessment(sign, ind.polarity)
            verb_en = "risen" if sign > 0 else "fallen"
            nl = (
                f"{_cap(subj['nl'])} is ten opzichte van {rp} significant {direction}, "
                f"van {v_ref_nl} naar {v_cur_nl} in {cp}"
            )
            en = f"{_cap(subj['en'])} has {verb_en} significantly {since} {rp}, from {v_ref_en} to {v_cur_en} in {cp}"
            if assessment is not None:
                nl += (
                    f"; dat is {'een verslechtering' if assessment == 'verslechterd' else 'een verbetering'}."
                )
                en += f", which is {'a deterioration' if judgement_en == 'deterioration' else 'an improvement'}."
            else:
                nl += "."
                en += "."
        nl += population_nl
        en += population_en
    return Change(
        reference=reference,
        current=current,
        estimate=diff,
        se=se,
        z=z,
        p_value=p,
        ci_low=diff - crit * se,
        ci_high=diff + crit * se,
        significant=significant,
        direction=direction,
        direction_en=direction_en,
        assessment=assessment,
        method_break=method_break,
        alpha=alpha,
        sentence_nl=nl,
        sentence_en=en,
    )


# ---------------------------------------------------------------------------------------------
# Area vs reference (region, peer group, the Netherlands)
# ---------------------------------------------------------------------------------------------

_REFERENCE_NAMES: Mapping[str, Mapping[str, str]] = {
    "nederland": {"nl": "Nederland", "en": "the Netherlands"},
    "regio": {"nl": "de regio", "en": "the region"},
    "peergroep": {"nl": "vergelijkbare gemeenten", "en": "similar municipalities"},
}


@dataclass(frozen=True, slots=True)
class Difference:
    """Difference between an area and a reference (region, peer group or the Netherlands).

    Attributes
    ----------
    observation, reference : Observation
    kind : {"nederland", "regio", "peergroep"}
    estimate, se, z, p_value, ci_low, ci_high : float
        ``estimate = observation.value − reference.value``.
    significant : bool
    direction : {"hoger", "lager", "niet significant verschillend"}
    direction_en : {"higher", "lower", "no significant difference"}
    assessment : {"ongunstiger", "gunstiger"} or None
    overlap_corrected : bool
        Whether ``area_share`` was used to subtract the covariance of overlapping samples.
    sentence_nl, sentence_en : str
    """

    observation: Observation
    reference: Observation
    kind: str
    estimate: float
    se: float
    z: float
    p_value: float
    ci_low: float
    ci_high: float
    significant: bool
    direction: str
    direction_en: str
    assessment: str | None
    overlap_corrected: bool
    alpha: float
    sentence_nl: str
    sentence_en: str

    def sentence(self, lang: Lang = "nl") -> str:
        """The sentence in ``lang``."""
        return self.sentence_nl if lang == "nl" else self.sentence_en


def compare_to(
    observation: Observation,
    reference: Observation,
    *,
    kind: ReferenceKind = "nederland",
    indicator: Indicator | None = None,
    alpha: float = 0.05,
    area_share: float | None = None,
) -> Difference:
    """Test the difference between an area and a reference in the same period and series.

    Parameters
    ----------
    observation : Observation
        The area (e.g. a gemeente).
    reference : Observation
        The region, the peer-group average or the Netherlands, same period and series.
    kind : {"nederland", "regio", "peergroep"}
        For the sentences; the reference's ``area_name`` is used when given.
    indicator : Indicator, optional
    alpha : float
    area_share : float, optional
        Share (0–1) of the area in the reference estimate. Without it the samples are treated as
        independent, which is conservative because they overlap (see the module docstring).

    Raises
    ------
    MethodBreakError
        Different series.
    ObservationError
        Different periods.
    """
    ind = indicator or _DEFAULT_INDICATOR
    crit = _crit(alpha)
    if observation.series != reference.series:
        raise MethodBreakError(
            f"{observation.series} and {reference.series} are different series; they cannot be compared"
        )
    if str(observation.period) != str(reference.period):
        raise ObservationError(
            f"compare the same period: {observation.period} vs {reference.period} (use change() over time)"
        )
    if "count" in (observation.kind, reference.kind):
        raise ObservationError(
            "a count is not compared with the count of another area (they differ in size): compare a rate"
        )
    if observation.kind != reference.kind:
        raise ObservationError(f"cannot compare a {observation.kind} with a {reference.kind}")
    se_a, se_r = observation.standard_error, reference.standard_error
    var = se_a**2 + se_r**2
    if area_share is not None:
        if not 0 <= area_share <= 1:
            raise ValueError(f"area_share must be in [0, 1], not {area_share!r}")
        var = max(var - 2 * area_share * se_a**2, 0.0)
    se = math.sqrt(var)
    diff = observation.value - reference.value
    z, p, significant = _z_test(diff, se, alpha)
    sign = (diff > 0) - (diff < 0)
    if kind not in _REFERENCE_NAMES:
        raise ValueError(f"kind must be one of {sorted(_REFERENCE_NAMES)}, not {kind!r}")
    if kind == "regio" and reference.area_name:
        ref_name = {"nl": f"de regio {reference.area_name}", "en": f"the region {reference.area_name}"}
    else:
        ref_name = dict(_REFERENCE_NAMES[kind])
    subj_nl, subj_en = _cap(ind.subject("nl")), _cap(ind.subject("en"))
    a_nl, a_en = observation.name("nl"), observation.name("en")
    v_nl, r_nl = _with_unit(observation.value, ind, "nl"), _with_unit(reference.value, ind, "nl")
    v_en, r_en = _with_unit(observation.value, ind, "en"), _with_unit(reference.value, ind, "en")
    assessment: str | None = None
    if not significant:
        direction, direction_en = "niet significant verschillend", "no significant difference"
        nl = f"{subj_nl} is in {a_nl} ({v_nl}) niet significant anders dan in {ref_name['nl']} ({r_nl})."
        en = f"{subj_en} in {a_en} ({v_en}) does not differ significantly from that in {ref_name['en']} ({r_en})."
    else:
        direction = "hoger" if sign > 0 else "lager"
        direction_en = "higher" if sign > 0 else "lower"
        nl = f"{subj_nl} is in {a_nl} ({v_nl}) significant {direction} dan in {ref_name['nl']} ({r_nl})"
        en = f"{subj_en} in {a_en} ({v_en}) is significantly {direction_en} than in {ref_name['en']} ({r_en})"
        judged, _ = _assessment(sign, ind.polarity)
        if judged is not None:
            assessment = "ongunstiger" if judged == "verslechterd" else "gunstiger"
            nl += f"; dat is {'ongunstig' if assessment == 'ongunstiger' else 'gunstig'}."
            en += f", which is {'unfavourable' if assessment == 'ongunstiger' else 'favourable'}."
        else:
            nl += "."
            en += "."
    return Difference(
        observation=observation,
        reference=reference,
        kind=kind,
        estimate=diff,
        se=se,
        z=z,
        p_value=p,
        ci_low=diff - crit * se,
        ci_high=diff + crit * se,
        significant=significant,
        direction=direction,
        direction_en=direction_en,
        assessment=assessment,
        overlap_corrected=area_share is not None,
        alpha=alpha,
        sentence_nl=nl,
        sentence_en=en,
    )


# ---------------------------------------------------------------------------------------------
# Trend
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Trend:
    """Weighted least-squares trend of one series.

    Attributes
    ----------
    observations : tuple of Observation
        Sorted by period.
    series : str
    nobs : int
    slope : float
        Change per period unit (per year).
    slope_se : float
        Standard error used for the test: known-variance SE × max(1, Birge ratio).
    slope_se_known : float
        ``sqrt(1 / Σ wᵢ(tᵢ − t̄)²)`` from the given SEs alone.
    intercept : float
        Fitted value at ``t̄`` (weighted mean period), see ``t_mean``.
    t_mean : float
    chi2 : float
        ``Σ wᵢ·residualᵢ²`` (df = nobs − 2).
    birge_ratio : float
        ``sqrt(chi2 / df)`` (1.0 when df = 0).
    z, p_value, ci_low, ci_high : float
    significant : bool
    direction : {"stijgend", "dalend", "geen significante trend"}
    assessment : {"verslechterd", "verbeterd"} or None
    sentence_nl, sentence_en : str
    """

    observations: tuple[Observation, ...]
    series: str
    nobs: int
    slope: float
    slope_se: float
    slope_se_known: float
    intercept: float
    t_mean: float
    chi2: float
    birge_ratio: float
    z: float
    p_value: float
    ci_low: float
    ci_high: float
    significant: bool
    direction: str
    direction_en: str
    assessment: str | None
    alpha: float
    sentence_nl: str
    sentence_en: str

    def fitted(self, t: float) -> float:
        """The fitted value at period ``t``."""
        return self.intercept + self.slope * (t - self.t_mean)

    def sentence(self, lang: Lang = "nl") -> str:
        """The sentence in ``lang``."""
        return self.sentence_nl if lang == "nl" else self.sentence_en


def trend(
    observations: Sequence[Observation],
    *,
    indicator: Indicator | None = None,
    alpha: float = 0.05,
) -> Trend:
    """Linear trend over three or more periods by weighted least squares (weights ``1/se²``).

    Parameters
    ----------
    observations : sequence of Observation
        Same area, one series, numeric periods, at least three distinct periods, all ``se > 0``.
    indicator : Indicator, optional
    alpha : float

    Raises
    ------
    MethodBreakError
        If the observations come from more than one series.
    ObservationError
        Fewer than three periods, duplicate periods, non-numeric periods or a zero SE.

    Notes
    -----
    With known sampling variances the WLS slope is
    ``b = Σ wᵢ(tᵢ − t̄)(yᵢ − ȳ) / Σ wᵢ(tᵢ − t̄)²`` with ``t̄, ȳ`` weighted means, and
    ``Var(b) = 1 / Σ wᵢ(tᵢ − t̄)²``. Real series scatter more than sampling error alone (year
    effects), so the SE is multiplied by the Birge ratio ``sqrt(χ²/(n − 2))`` when that exceeds 1.
    """
    ind = indicator or _DEFAULT_INDICATOR
    crit = _crit(alpha)
    series = {o.series for o in observations}
    if len(series) > 1:
        raise MethodBreakError(f"a trend must stay within one series; got {sorted(series)}")
    if len({o.area for o in observations if o.area}) > 1:
        raise ObservationError("a trend is for one area")
    obs = tuple(sorted(observations, key=lambda o: o.time))
    if len(obs) < 3:
        raise ObservationError("a trend needs at least three periods")
    times = [o.time for o in obs]
    if len(set(times)) != len(times):
        raise ObservationError("each period may occur only once in a trend")
    ses = [o.standard_error for o in obs]
    if any(s <= 0 for s in ses):
        raise ObservationError("every observation in a trend needs a positive standard error")
    w = [1 / s**2 for s in ses]
    sw = math.fsum(w)
    t_mean = math.fsum(wi * t for wi, t in zip(w, times, strict=True)) / sw
    y_mean = math.fsum(wi * o.value for wi, o in zip(w, obs, strict=True)) / sw
    sxx = math.fsum(wi * (t - t_mean) ** 2 for wi, t in zip(w, times, strict=True))
    sxy = math.fsum(wi * (t - t_mean) * (o.value - y_mean) for wi, t, o in zip(w, times, obs, strict=True))
    slope = sxy / sxx
    se_known = math.sqrt(1 / sxx)
    chi2 = math.fsum(
        wi * (o.value - (y_mean + slope * (t - t_mean))) ** 2 for wi, t, o in zip(w, times, obs, strict=True)
    )
    df = len(obs) - 2
    birge = math.sqrt(chi2 / df) if df > 0 else 1.0
    se = se_known * max(1.0, birge)
    z, p, significant = _z_test(slope, se, alpha)
    first, last = obs[0].period, obs[-1].period
    subj_nl, subj_en = _cap(ind.subject("nl")), _cap(ind.subject("en"))
    assessment: str | None = None
    if not significant:
        direction, direction_en = "geen significante trend", "no significant trend"
        nl = f"{subj_nl} laat tussen {first} en {last} geen significante trend zien."
        en = f"{subj_en} shows no significant trend between {first} and {last}."
    else:
        sign = 1 if slope > 0 else -1
        direction = "stijgend" if sign > 0 else "dalend"
        direction_en = "rising" if sign > 0 else "falling"
        verb_nl = "gestegen" if sign > 0 else "gedaald"
        verb_en = "risen" if sign > 0 else "fallen"
        step_nl = _diff_with_unit(abs(slope), ind, "nl")
        step_en = _diff_with_unit(abs(slope), ind, "en")
        nl = f"{subj_nl} is tussen {first} en {last} significant {verb_nl}, met gemiddeld {step_nl} per jaar"
        en = f"{subj_en} has {verb_en} significantly between {first} and {last}, by {step_en} a year on average"
        assessment, judged_en = _assessment(sign, ind.polarity)
        if assessment is not None:
            nl += f"; dat is {'een verslechtering' if assessment == 'verslechterd' else 'een verbetering'}."
            en += f", which is {'a deterioration' if judged_en == 'deterioration' else 'an improvement'}."
        else:
            nl += "."
            en += "."
    return Trend(
        observations=obs,
        series=next(iter(series)),
        nobs=len(obs),
        slope=slope,
        slope_se=se,
        slope_se_known=se_known,
        intercept=y_mean,
        t_mean=t_mean,
        chi2=chi2,
        birge_ratio=birge,
        z=z,
        p_value=p,
        ci_low=slope - crit * se,
        ci_high=slope + crit * se,
        significant=significant,
        direction=direction,
        direction_en=direction_en,
        assessment=assessment,
        alpha=alpha,
        sentence_nl=nl,
        sentence_en=en,
    )


# ---------------------------------------------------------------------------------------------
# Rankings with rank ranges
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RankRange:
    """Position of one area in a peer ranking, honest about uncertainty.

    Rank 1 is the **highest** value (use the indicator's polarity to say whether that is good).

    Attributes
    ----------
    area : str
    value : float
    point_rank : int
        Rank of the point estimate (``1 + #areas with a higher value``; equal values share).
    rank_best, rank_worst : int
        Best (smallest) and worst rank compatible with the intervals:
        ``1 + #areas certainly higher`` and ``n − #areas certainly lower``.
    tied_with : tuple of str
        Areas not certainly higher or lower than this one (sorted).
    n : int
        Number of areas ranked.
    area_name : str
    label : str
        ``"3"`` or ``"2–7"``.
    sentence_nl, sentence_en : str
    """

    area: str
    value: float
    point_rank: int
    rank_best: int
    rank_worst: int
    tied_with: tuple[str, ...]
    n: int = 0
    area_name: str = ""
    sentence_nl: str = ""
    sentence_en: str = ""

    def sentence(self, lang: Lang = "nl") -> str:
        """The sentence in ``lang``."""
        return self.sentence_nl if lang == "nl" else self.sentence_en

    @property
    def label(self) -> str:
        """Rank or rank range for display."""
        if self.rank_best == self.rank_worst:
            return str(self.rank_best)
        return f"{self.rank_best}–{self.rank_worst}"


def rank_ranges(
    observations: Sequence[Observation],
    *,
    method: Literal["overlap", "pairwise"] = "overlap",
    alpha: float = 0.05,
    indicator: Indicator | None = None,
) -> tuple[RankRange, ...]:
    """Rank areas with rank ranges instead of false precision.

    Parameters
    ----------
    observations : sequence of Observation
        One per area (``area`` set and unique), same period and series.
    method : {"overlap", "pairwise"}
        ``overlap`` (default, CBS's conservative rule): area j is certainly higher than i when
        j's interval lies entirely above i's (``lo_j > hi_i``). ``pairwise``: when the two-sided
        z-test of ``v_j − v_i`` is significant and positive.
    alpha : float
        For ``pairwise``.
    indicator : Indicator, optional
        Subject for the sentences.

    Returns
    -------
    tuple of RankRange
        Sorted by point rank, then area code.

    Raises
    ------
    MethodBreakError
        Different series.
    ObservationError
        Missing/duplicate areas or different periods.
    """
    if any(o.kind == "count" for o in observations):
        raise ObservationError("counts of areas of different size are not ranked: rank a rate")
    if not observations:
        return ()
    if len({o.series for o in observations}) > 1:
        raise MethodBreakError("rankings must use one series")
    if len({str(o.period) for o in observations}) > 1:
        raise ObservationError("rankings must use one period")
    areas = [o.area for o in observations]
    if any(a is None for a in areas) or len(set(areas)) != len(areas):
        raise ObservationError("each observation in a ranking needs a unique area")
    if method not in ("overlap", "pairwise"):
        raise ValueError(f"method must be 'overlap' or 'pairwise', not {method!r}")
    crit = _crit(alpha)
    ind = indicator or _DEFAULT_INDICATOR

    def above(j: Observation, i: Observation) -> bool:
        """Whether j is certainly higher than i."""
        if method == "overlap":
            return j.interval[0] > i.interval[1]
        se = math.hypot(i.standard_error, j.standard_error)
        d = j.value - i.value
        return d > 0 and (se == 0 or d / se > crit)

    n = len(observations)
    out = []
    for i in observations:
        higher = [j for j in observations if j is not i and above(j, i)]
        lower = [j for j in observations if j is not i and above(i, j)]
        tied = sorted(str(j.area) for j in observations if j is not i and j not in higher and j not in lower)
        best, worst = 1 + len(higher), n - len(lower)
        name_nl, name_en = i.name("nl"), i.name("en")
        if best == worst:
            nl = f"Bij {ind.subject('nl')} staat {name_nl} op plaats {best} van de {n} gebieden (1 is het hoogst)."
            en = f"For {ind.subject('en')}, {name_en} is in position {best} of {n} areas (1 is the highest)."
        else:
            nl = (
                f"Bij {ind.subject('nl')} staat {name_nl} op plaats {best} tot {worst} van de {n} gebieden "
                "(1 is het hoogst); door de marges is een preciezere plaats niet te geven."
            )
            en = (
                f"For {ind.subject('en')}, {name_en} is between positions {best} and {worst} of {n} areas "
                "(1 is the highest); the margins do not allow a more precise position."
            )
        out.append(
            RankRange(
                area=str(i.area),
                value=i.value,
                point_rank=1 + sum(1 for j in observations if j.value > i.value),
                rank_best=best,
                rank_worst=worst,
                tied_with=tuple(tied),
                n=n,
                area_name=name_nl,
                sentence_nl=nl,
                sentence_en=en,
            )
        )
    return tuple(sorted(out, key=lambda r: (r.point_rank, r.area)))


# ---------------------------------------------------------------------------------------------
# Reporting gap: survey victims vs police registrations
# ---------------------------------------------------------------------------------------------

CAVEAT_NL = (
    "Let op: dit is een grove indicatie, geen echte aangiftebereidheid. De enquête telt personen van "
    "15 jaar en ouder die in de afgelopen 12 maanden slachtoffer waren; de politie telt misdrijven "
    "(per incident alleen het zwaarste feit), op de plaats van het delict, ook tegen bedrijven en "
    "instellingen. Een slachtoffer kan vaker slachtoffer zijn en de perioden verschillen."
)
CAVEAT_EN = (
    "Note: this is a rough indication, not a true reporting rate. The survey counts people aged 15 "
    "and over who were victims in the past 12 months; the police count offences (only the most "
    "serious offence per incident), where they were committed, including those against businesses "
    "and institutions. One person can be a victim more than once, and the periods differ."
)


@dataclass(frozen=True, slots=True)
class ReportingGap:
    """Survey victims versus police registrations for the same form of crime.

    Attributes
    ----------
    form : str
        Name of the form of crime (e.g. ``"hacken"``).
    survey_share, survey_share_low, survey_share_high : float
        % of the population aged 15+ (with the 95 % interval, equal to the share if unknown).
    population : int
        Population aged 15+ of the area.
    estimated_victims, estimated_victims_low, estimated_victims_high : float
        ``share / 100 × population``.
    registered : int
        Police registrations in the same area and year.
    implied_reporting_rate : float
        ``registered / estimated_victims`` (may exceed 1; see ``exceeds_one``).
    implied_reporting_rate_low, implied_reporting_rate_high : float
        Using the high and the low end of the survey interval.
    exceeds_one : bool
        More registrations than estimated victims: the comparison is clearly not like for like.
    caveat_nl, caveat_en, sentence_nl, sentence_en : str
    """

    form: str
    survey_share: float
    survey_share_low: float
    survey_share_high: float
    population: int
    estimated_victims: float
    estimated_victims_low: float
    estimated_victims_high: float
    registered: int
    implied_reporting_rate: float
    implied_reporting_rate_low: float
    implied_reporting_rate_high: float
    exceeds_one: bool
    caveat_nl: str = field(default=CAVEAT_NL)
    caveat_en: str = field(default=CAVEAT_EN)
    sentence_nl: str = ""
    sentence_en: str = ""


def round_significant(x: float, digits: int = 2) -> float:
    """Round to what a survey estimate supports: two significant digits by default.

    >>> round_significant(1_920_901), round_significant(4_380), round_significant(0)
    (1900000.0, 4400.0, 0.0)
    """
    if x == 0 or not math.isfinite(x):
        return float(x)
    return float(round(x, digits - 1 - int(math.floor(math.log10(abs(x))))))


def reporting_gap(
    survey: Observation,
    *,
    population: int,
    registered: int,
    form: str = "",
    form_en: str | None = None,
) -> ReportingGap:
    """Implied reporting rate: police registrations per estimated victim from the survey.

    Parameters
    ----------
    survey : Observation
        Survey share in % of people aged 15+ (value and, ideally, the 95 % interval).
    population : int
        Population aged 15+ of the same area.
    registered : int
        Registered offences of the same form, area and year.
    form, form_en : str
        Name of the form of crime for the sentences (Dutch and English).

    Returns
    -------
    ReportingGap

    Examples
    --------
    >>> g = reporting_gap(Observation(5.0, 2019, "vm", 4.0, 6.0), population=100_000, registered=500)
    >>> g.estimated_victims, g.implied_reporting_rate, g.implied_reporting_rate_low
    (5000.0, 0.1, 0.08333333333333333)
    """
    if population <= 0:
        raise ValueError("population must be positive")
    if registered < 0:
        raise ValueError("registered must be non-negative")
    if not 0 <= survey.value <= 100:
        raise ObservationError("the survey share must be a percentage (0–100)")
    lo, hi = (survey.ci_low, survey.ci_high) if survey.ci_low is not None else (survey.value, survey.value)
    assert lo is not None and hi is not None
    lo, hi = max(lo, 0.0), min(hi, 100.0)
    victims = survey.value / 100 * population
    v_lo, v_hi = lo / 100 * population, hi / 100 * population

    def rate(v: float) -> float:
        return math.inf if v == 0 else registered / v

    r, r_lo, r_hi = rate(victims), rate(v_hi), rate(v_lo)
    form_nl = form or "deze vorm van criminaliteit"
    form_en_ = form_en or form or "this form of crime"

    def per100(x: float, lang: Lang) -> str:
        if not math.isfinite(x):
            return "∞"
        return format_number(100 * x, 1 if 100 * x < 10 else 0, lang)

    pct = {lang: per100(r, lang) for lang in _LANGS}
    word = {"nl": "tot", "en": "to"}
    has_margin = survey.ci_low is not None
    rng = {lang: f"{per100(r_lo, lang)} {word[lang]} {per100(r_hi, lang)}" for lang in _LANGS}
    est = {lang: format_number(round_significant(victims), 0, lang) for lang in _LANGS}
    tail_nl = f" (marge: {rng['nl']} per 100)." if has_margin else \
        ". De foutmarge van het enquêtecijfer is niet bekend, dus ook die van deze verhouding niet."
    tail_en = f" (range: {rng['en']} per 100)." if has_margin else \
        ". The margin of the survey figure is unknown, so that of this ratio is too."
    sentence_nl = (
        f"Voor {form_nl} registreerde de politie {format_number(registered, 0, 'nl')} "
        f"{'misdrijf' if registered == 1 else 'misdrijven'}, tegen naar schatting ongeveer {est['nl']} slachtoffers "
        f"volgens de enquête: ruwweg {pct['nl']} per 100 slachtoffers" + tail_nl
    )
    sentence_en = (
        f"For {form_en_}, the police registered {format_number(registered, 0, 'en')} "
        f"{'offence' if registered == 1 else 'offences'}, against an estimated {est['en']} or so victims according "
        f"to the survey: roughly {pct['en']} per 100 victims" + tail_en
    )
    return ReportingGap(
        form=form,
        survey_share=survey.value,
        survey_share_low=lo,
        survey_share_high=hi,
        population=population,
        estimated_victims=victims,
        estimated_victims_low=v_lo,
        estimated_victims_high=v_hi,
        registered=registered,
        implied_reporting_rate=r,
        implied_reporting_rate_low=r_lo,
        implied_reporting_rate_high=r_hi,
        exceeds_one=r > 1,
        sentence_nl=sentence_nl,
        sentence_en=sentence_en,
    )
