"""From per-stratum moments of unit totals to design-based variances.

The engine (:mod:`cyberbeeld.survey.engine`) returns, for every sampling stage and every
domain × stratum with rows in the domain, the number of units present ``m``, the sums
``S_a`` of the unit totals of a few weighted quantities (``w``, ``w * y_j``, ...) and the
(centred) sums of their products.  Every estimator here is linear in those totals after
linearisation (a total, or a ratio ``sum q_num / sum q_den`` -- a mean is a ratio with
``q_den = w``), so its score for unit ``u`` is ``z_u = sum_a c_a q_a,u`` with domain-level
coefficients, and R's ``onestrat``

.. math:: V_h = f_h \\frac{n_h}{n_h - 1} \\sum_{u=1}^{n_h} (z_u - \\bar z)^2

(over *all* ``n_h`` units of the stratum in the full design; units without rows in the
domain have ``z_u = 0``, as R's zero padding after ``subset()``) follows exactly.  With
``D_ab`` the sums of products of the unit totals centred on their mean over the ``m`` units
present, and ``T = sum_a c_a S_a``:

.. math:: \\sum_u (z_u - \\bar z)^2 = \\sum_{ab} c_a c_b D_{ab} + \\frac{n_h - m}{n_h m} T^2.

Both terms are sums of (nearly) non-negative parts, so nothing large cancels.  The engine
gives ``D_ab`` directly (a stable co-moment aggregate) for unit totals, and for row-level
units of totals and ratios, whose scores can weigh ``w`` by a large constant (the mean of a
variable far from zero).  Otherwise it gives power sums ``P_ab`` and ``D_ab = P_ab - S_a S_b / m``,
whose rounding error relative to the variance is about machine epsilon times
``(mean / sd)**2`` of the quantities within a stratum: small for the weighted centred
values and indicators of a mean or proportion.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from cyberbeeld.survey.errors import SurveyDesignError
from cyberbeeld.survey.variance import LonelyPSU

__all__ = ["Estimand", "StageMoments", "domain_variances", "point_estimates"]

FloatArray = npt.NDArray[np.float64]
_CENSUS_TOL = 1e-7
_ROUNDING = 64 * float(np.finfo(np.float64).eps)


@dataclass(frozen=True)
class Estimand:
    """A linearised estimator: its score is a linear combination of weighted quantities.

    Attributes
    ----------
    quantities : tuple of str
        Names of the quantities (``w``, ``w * y``, ...) the score combines.  A total has one
        (``("a1",)``), a mean or ratio two (numerator, denominator), a difference of two domain
        means four.
    """

    quantities: tuple[str, ...]

    def pairs(self) -> list[tuple[str, str]]:
        """Quantity pairs whose sum of products over units is needed."""
        qs = self.quantities
        return [(qs[i], qs[j]) for i in range(len(qs)) for j in range(i, len(qs))]


@dataclass(frozen=True)
class StageMoments:
    """Moments of one stage, joined with the stratum information.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per domain × stratum present: ``m``, ``sum_*``, ``prod_*``,
        ``n_units`` (in the full design), ``f`` (fpc factor), ``mult`` (stage multiplier)
        and the domain index column ``__domain``.
    stage : int
        1 or 2.
    label_columns : sequence of str
        Columns that name the stratum (for error messages).
    """

    table: pd.DataFrame
    stage: int
    label_columns: Sequence[str]


def _column(table: pd.DataFrame, kind: str, a: str, b: str) -> FloatArray | None:
    for name in (f"{kind}_{a}__{b}", f"{kind}_{b}__{a}"):
        if name in table.columns:
            return np.asarray(table[name].to_numpy(dtype=np.float64, na_value=0.0), dtype=np.float64)
    return None


def _comoment(
    table: pd.DataFrame, a: str, b: str, s_a: FloatArray, s_b: FloatArray, m: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Centred sum of products of two quantities over the units present, and its scale.

    The scale is what the rounding error is relative to: the centred sum itself when the engine
    computed it, the power sum it was derived from otherwise.
    """
    centred = _column(table, "cprod", a, b)
    if centred is not None:
        return centred, np.abs(centred)
    power = _column(table, "prod", a, b)
    if power is None:
        raise KeyError(f"no sum of products of {a} and {b}")
    return power - s_a * s_b / m, np.abs(power)


def _label(value: object) -> str:
    """A stratum label as the user wrote it: ``83``, not ``83.0`` (a float that is a whole number)."""
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)


def point_estimates(stage1: pd.DataFrame, n_domains: int, quantities: Sequence[str]) -> dict[str, FloatArray]:
    """Domain totals of each quantity from the stage-one moments."""
    idx = stage1["__domain"].to_numpy()
    return {
        q: np.bincount(
            idx, weights=stage1[f"sum_{q}"].to_numpy(dtype=np.float64), minlength=n_domains
        ).astype(np.float64)
        for q in quantities
    }


def domain_variances(
    stages: Sequence[StageMoments],
    estimand: Estimand,
    coefs: Sequence[FloatArray],
    n_domains: int,
    lonely_psu: LonelyPSU,
) -> FloatArray:
    """Variance of a linearised estimator in every domain.

    Parameters
    ----------
    stages : sequence of StageMoments
        Stage one, and stage two for two-stage designs with fpc.
    estimand : Estimand
        Which quantities the score combines.
    coefs : sequence of ndarray, each shape (n_domains,)
        Score coefficients per domain, one per quantity of ``estimand``:
        ``z = sum_i coefs[i] * q_i``.
    n_domains : int
        Number of domains.
    lonely_psu : str
        R's lonely-PSU rule.

    Returns
    -------
    ndarray, shape (n_domains,)
    """
    total = np.zeros(n_domains)
    qs = estimand.quantities
    for st in stages:
        tab = st.table
        d = tab["__domain"].to_numpy()
        n_h = tab["n_units"].to_numpy(dtype=np.float64)
        f = tab["f"].to_numpy(dtype=np.float64)
        mult = tab["mult"].to_numpy(dtype=np.float64)
        c = [np.asarray(cf, dtype=np.float64)[d] for cf in coefs]
        m = tab["m"].to_numpy(dtype=np.float64)
        tot = np.zeros(len(tab))  # sum of z over the units present
        dz2 = np.zeros(len(tab))  # sum of (z - mean z)**2 over the units present
        size = np.zeros(len(tab))  # magnitude of the terms, for the rounding error
        sums = [tab[f"sum_{qi}"].to_numpy(dtype=np.float64) for qi in qs]
        for i in range(len(qs)):
            tot = tot + c[i] * sums[i]
            for j in range(i, len(qs)):
                centred, magnitude = _comoment(tab, qs[i], qs[j], sums[i], sums[j], m)
                k = 1.0 if i == j else 2.0
                dz2 = dz2 + k * c[i] * c[j] * centred
                size = size + k * np.abs(c[i] * c[j]) * magnitude
        # Units of the stratum without rows in the domain have z = 0 (R pads them with zeros).
        pad = (n_h - m) / (n_h * m) * tot * tot
        ss = dz2 + pad
        sq = dz2 + tot * tot / m  # sum of z**2 over the units present
        # What is left of a cancellation below the rounding error is zero (e.g. one unit, z = 0).
        ss = np.where(ss <= _ROUNDING * (size + pad), 0.0, ss)
        sq = np.where(sq <= _ROUNDING * (size + tot * tot / m), 0.0, sq)
        census = f < _CENSUS_TOL
        lonely = (n_h == 1) & ~census
        if lonely.any() and lonely_psu == "fail":
            # Column by column (iterrows() would turn an integer stratum 83 into 83.0).
            records = tab.loc[lonely, list(st.label_columns)].to_dict("records")
            labels = [", ".join(_label(r[c]) for c in st.label_columns) for r in records]
            unit = "PSU" if st.stage == 1 else "SSU"
            which = f"stratum {labels[0]}" if len(labels) == 1 else (
                f"{len(labels)} strata ({'; '.join(labels[:3])}{'; …' if len(labels) > 3 else ''})")
            error = SurveyDesignError(
                f"{which} {'has' if len(labels) == 1 else 'have'} only one {unit} at stage {st.stage} "
                "(lonely_psu='fail'); use lonely_psu='adjust', 'average', 'remove' or 'certainty'"
            )
            # every lonely stratum: the caller names the first offending row among all of them
            error.strata = [{c: r[c] for c in st.label_columns} for r in records]
            error.stratum = error.strata[0]
            raise error
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = f * np.where(n_h > 1, n_h / (n_h - 1.0), 1.0) * mult
        if lonely_psu == "adjust":
            ss = np.where(lonely, np.maximum(sq, 0.0), ss)  # not centred
        elif lonely_psu in ("remove", "certainty", "average"):
            ss = np.where(lonely, 0.0, ss)
        contrib = np.where(census, 0.0, scale * ss)
        v = np.bincount(d, weights=contrib, minlength=n_domains).astype(np.float64)
        if lonely_psu == "average" and lonely.any():
            if st.stage == 1:
                nstrat = np.bincount(d, minlength=n_domains).astype(np.float64)
                nlonely = np.bincount(d, weights=lonely.astype(np.float64), minlength=n_domains)
                with np.errstate(divide="ignore", invalid="ignore"):
                    v = v * nstrat / (nstrat - nlonely)
            else:
                bad = np.bincount(d, weights=lonely.astype(np.float64), minlength=n_domains) > 0
                v = np.where(bad, np.nan, v)
        total = total + v
    return total
