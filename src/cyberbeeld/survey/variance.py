"""Design-based (linearisation) variance of estimated totals.

This module reproduces R's ``survey::svyrecvar`` (survey 4.x) for designs with
strata, one- or two-stage cluster sampling and finite population corrections,
including R's ``options(survey.lonely.psu=)`` choices.  Everything here is pure
NumPy; it knows nothing about data frames or databases.

The central object is :class:`DesignStructure`, the sampling structure of a
design (which row belongs to which stratum, PSU and SSU, how many PSUs each
stratum has in the sample and in the population).  It is computed once per
design and then used for any number of score matrices:

>>> import numpy as np
>>> structure = DesignStructure.build(strata=["a", "a", "b", "b"], psu=[1, 2, 3, 4])
>>> structure.covariance(np.array([[1.0], [3.0], [2.0], [2.0]]))
array([[4.]])

:func:`design_covariance` is the one-call form.

Notes
-----
R's ``svyrecvar`` computes, for each stage and each stratum :math:`h` with
:math:`n_h` sampled units (PSUs at stage one, SSUs within a PSU at stage two),

.. math::

    V_h = f_h \\frac{n_h}{n_h - 1} \\sum_{i=1}^{n_h} (z_{hi} - \\bar z_h)(z_{hi} - \\bar z_h)^T,
    \\qquad f_h = \\frac{N_h - n_h}{N_h},

where :math:`z_{hi}` is the total of the scores of unit :math:`i`.  The second stage
adds, for each PSU, its within-PSU variance times the first-stage sampling
fraction :math:`n_h / N_h`; it is only computed when a finite population
correction is given (R's default ``survey.ultimate.cluster = FALSE``).

Domains follow R's ``subset()`` semantics: scores outside the domain are zero,
and the number of units per stratum comes from the full design.  Which strata
take part (for the lonely-PSU rules, and for the ``"average"`` rescaling) is
decided by the rows *in the domain*; pass the domain as a boolean ``domain``
mask to get exactly R's behaviour.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from cyberbeeld.survey.errors import SurveyDesignError
from cyberbeeld.survey.options import LONELY_PSU_OPTIONS, LonelyPSU

__all__ = [
    "LONELY_PSU_OPTIONS",
    "DesignStructure",
    "LonelyPSU",
    "StageStructure",
    "design_covariance",
    "fpc_popsize",
    "stage_covariance_from_totals",
]


ArrayLike = npt.ArrayLike
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

#: R's threshold below which a stratum's fpc counts as a census (``all(f < 1e-07)``).
_CENSUS_TOL = 1e-7


def _codes(values: ArrayLike | None, n: int, name: str) -> tuple[IntArray, np.ndarray]:
    """Integer codes (0..K-1, order of first appearance) and the labels of a grouping column."""
    if values is None:
        return np.zeros(n, dtype=np.intp), np.array([1])
    arr = values if isinstance(values, pd.Series) else pd.Series(np.asarray(values))
    if len(arr) != n:
        raise SurveyDesignError(f"has {len(arr)} values, expected {n}", column=name)
    missing = arr.isna().to_numpy()
    if missing.any():
        raise SurveyDesignError("missing value", column=name, row=int(np.argmax(missing)))
    codes, uniques = pd.factorize(arr, sort=False)
    return codes.astype(np.intp, copy=False), np.asarray(uniques)


def _numeric(values: ArrayLike, n: int, name: str) -> FloatArray:
    """A float vector of length ``n``; a clear error for non-numeric or missing values."""
    series = values if isinstance(values, pd.Series) else pd.Series(np.asarray(values))
    if len(series) != n:
        raise SurveyDesignError(f"has {len(series)} values, expected {n}", column=name)
    converted = pd.to_numeric(series, errors="coerce")
    bad = converted.isna().to_numpy() & ~series.isna().to_numpy()
    if bad.any():
        row = int(np.argmax(bad))
        raise SurveyDesignError(f"non-numeric value {series.iloc[row]!r}", column=name, row=row)
    out = converted.to_numpy(dtype=np.float64, na_value=np.nan)
    nan = np.isnan(out)
    if nan.any():
        raise SurveyDesignError("missing value", column=name, row=int(np.argmax(nan)))
    return np.asarray(out, dtype=np.float64)


def fpc_popsize(
    fpcs: Sequence[FloatArray], sampsizes: Sequence[FloatArray], names: Sequence[str]
) -> list[FloatArray]:
    """Population sizes per row from fpc columns, following R's ``as.fpc``.

    Parameters
    ----------
    fpcs : sequence of ndarray
        One vector per stage: either all population sizes (some value > 1) or all
        sampling fractions (every value <= 1), over all stages together.
    sampsizes : sequence of ndarray
        Per row, the number of sampled units in the row's stratum at that stage.
    names : sequence of str
        Column names, for error messages.

    Returns
    -------
    list of ndarray
        Population sizes per row and stage (``inf`` stays ``inf``).

    Raises
    ------
    SurveyDesignError
        When the fpc mixes sizes and fractions, is not positive, or implies
        more than 100% sampling.
    """
    for fpc, name in zip(fpcs, names, strict=True):
        bad = ~(fpc > 0)
        if bad.any():
            raise SurveyDesignError("fpc must be positive", column=name, row=int(np.argmax(bad)))
    is_popsize = any(bool((f > 1).any()) for f in fpcs)
    all_ge_one = all(bool((f >= 1).all()) for f in fpcs)
    if is_popsize != all_ge_one:
        for fpc, name in zip(fpcs, names, strict=True):
            small = fpc < 1 if is_popsize else fpc >= 1
            if small.any():
                raise SurveyDesignError(
                    "fpc must be all population sizes (>= 1) or all sampling fractions (<= 1, not all 1)",
                    column=name,
                    row=int(np.argmax(small)),
                )
    out: list[FloatArray] = []
    for fpc, n, name in zip(fpcs, sampsizes, names, strict=True):
        popsize = fpc.astype(np.float64) if is_popsize else n / fpc
        toobig = popsize < n
        if toobig.any():
            row = int(np.argmax(toobig))
            raise SurveyDesignError(
                f"fpc implies more than 100% sampling (population {popsize[row]:g} < sample {n[row]:g})",
                column=name,
                row=row,
            )
        out.append(popsize)
    return out


@dataclass(frozen=True)
class StageStructure:
    """The units and strata of one sampling stage.

    Attributes
    ----------
    unit_of_row : ndarray of intp, shape (n,)
        Index of the sampling unit (PSU at stage one, SSU at stage two) of each row.
    stratum_of_unit : ndarray of intp, shape (U,)
        Index of the stratum of each unit.  At stage two the strata are the PSUs.
    n_units : ndarray of float, shape (S,)
        Number of sampled units in each stratum (in the full design).
    f_unit : ndarray of float, shape (U,)
        Finite population correction :math:`(N-n)/N` of each unit's stratum, 1 without fpc.
    multiplier_unit : ndarray of float, shape (U,)
        Factor applied to each unit's contribution: 1 at stage one; the first-stage
        sampling fraction :math:`n_1/N_1` of the parent PSU at stage two.
    stratum_labels : ndarray, shape (S,)
        Labels of the strata, for error messages.
    stage : int
        1 or 2.
    column : str, optional
        Name of the column that defines the strata of this stage, for error messages.
    """

    unit_of_row: IntArray
    stratum_of_unit: IntArray
    n_units: FloatArray
    f_unit: FloatArray
    multiplier_unit: FloatArray
    stratum_labels: np.ndarray
    stage: int
    column: str | None = None

    @property
    def n_strata(self) -> int:
        """Number of strata at this stage."""
        return int(self.n_units.shape[0])

    @property
    def n_units_total(self) -> int:
        """Number of sampled units at this stage."""
        return int(self.stratum_of_unit.shape[0])

    def unit_totals(self, scores: FloatArray) -> FloatArray:
        """Sum the rows of ``scores`` (n × k) per unit (U × k)."""
        k = scores.shape[1]
        out = np.zeros((self.n_units_total, k), dtype=np.float64)
        if self.n_units_total == scores.shape[0] and _is_identity(self.unit_of_row):
            out[:] = scores
        else:
            np.add.at(out, self.unit_of_row, scores)
        return out


def _is_identity(codes: IntArray) -> bool:
    return bool(codes.shape[0] == 0 or (codes[0] == 0 and np.all(np.diff(codes) == 1)))


def stage_covariance_from_totals(
    totals: FloatArray,
    stage: StageStructure,
    present: npt.NDArray[np.bool_] | None,
    lonely_psu: LonelyPSU,
) -> FloatArray:
    """Covariance contribution of one stage from unit totals (R's ``onestage``).

    Parameters
    ----------
    totals : ndarray, shape (U, k)
        Totals of the scores per unit of this stage (zero for units outside the domain).
    stage : StageStructure
        The structure of this stage.
    present : ndarray of bool, shape (S,), optional
        Which strata have at least one row in the domain (R's ``subset()`` keeps only those).
        ``None`` means all strata.
    lonely_psu : {"fail", "remove", "adjust", "average", "certainty"}
        R's ``survey.lonely.psu`` option.

    Returns
    -------
    ndarray, shape (k, k)
    """
    k = totals.shape[1]
    n_s = stage.n_units
    if present is None:
        present = np.ones(stage.n_strata, dtype=bool)
    sou = stage.stratum_of_unit
    f = stage.f_unit
    # R: if all(f < 1e-07) the stratum contributes exactly zero (checked before the lonely rule).
    census_unit = f < _CENSUS_TOL
    census = np.bincount(sou, weights=(~census_unit).astype(np.float64), minlength=stage.n_strata) == 0
    lonely = (n_s == 1) & present & ~census
    if lonely.any() and lonely_psu == "fail":
        which = int(np.argmax(lonely))
        label = stage.stratum_labels[which]
        label = label.item() if isinstance(label, np.generic) else label  # 83, not np.int64(83)
        unit = "PSU" if stage.stage == 1 else "SSU"
        first_unit = int(np.argmax(sou == which))
        rows = np.flatnonzero(stage.unit_of_row == first_unit)
        raise SurveyDesignError(
            f"stratum {label!r} has only one {unit} at stage {stage.stage} (lonely_psu='fail'); "
            "use lonely_psu='adjust', 'average', 'remove' or 'certainty'",
            column=stage.column,
            row=int(rows[0]) if rows.size else None,
        )
    if lonely_psu not in LONELY_PSU_OPTIONS:
        raise SurveyDesignError(f"unknown lonely_psu option {lonely_psu!r}")
    # Stratum means over all n_h units of the full design (absent units have total zero).
    sums = np.zeros((stage.n_strata, k), dtype=np.float64)
    np.add.at(sums, sou, totals)
    means = sums / n_s[:, None]
    if lonely_psu == "adjust":
        means[lonely] = 0.0  # R does not centre a lonely PSU under "adjust"
    centred = totals - means[sou]
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(n_s > 1, n_s / (n_s - 1.0), 1.0)
    scale = f * factor[sou] * stage.multiplier_unit
    keep = present[sou] & ~census[sou]
    if lonely_psu == "average":
        keep &= ~lonely[sou]
    scale = np.where(keep, scale, 0.0)
    weighted = centred * scale[:, None]
    cov = centred.T @ weighted
    if lonely_psu == "average" and lonely.any():
        cov = _average_rescale(cov, stage, present, lonely)
    return np.asarray(0.5 * (cov + cov.T), dtype=np.float64)


def _average_rescale(
    cov: FloatArray, stage: StageStructure, present: npt.NDArray[np.bool_], lonely: npt.NDArray[np.bool_]
) -> FloatArray:
    """R's ``nstrat / nokstrat`` rescaling for ``lonely_psu="average"``."""
    if stage.stage == 1:
        nstrat = int(present.sum())
        nok = nstrat - int(lonely.sum())
        if nok == 0:
            return np.full_like(cov, np.nan)
        return cov * (nstrat / nok)
    # At stage two R calls onestage once per PSU, with one stratum each: a lonely SSU
    # gives 0 * 1/0 = NaN for the whole variance.
    return np.full_like(cov, np.nan)


@dataclass(frozen=True)
class DesignStructure:
    """Sampling structure of a design: strata, PSUs, SSUs and fpc per stage.

    Build it with :meth:`DesignStructure.build`.

    Attributes
    ----------
    n_rows : int
        Number of rows (respondents).
    stages : tuple of StageStructure
        One or two stages.
    stratum_of_row : ndarray of intp
        First-stage stratum index of each row.
    psu_of_row : ndarray of intp
        PSU index of each row.
    lonely_psu : str
        The lonely-PSU rule.
    """

    n_rows: int
    stages: tuple[StageStructure, ...]
    stratum_of_row: IntArray
    psu_of_row: IntArray
    lonely_psu: LonelyPSU

    @classmethod
    def build(
        cls,
        *,
        strata: ArrayLike | None = None,
        psu: ArrayLike | None = None,
        ssu: ArrayLike | None = None,
        fpc1: ArrayLike | None = None,
        fpc2: ArrayLike | None = None,
        lonely_psu: LonelyPSU = "fail",
        nest: bool = False,
        one_stage: bool = False,
        n: int | None = None,
        names: dict[str, str] | None = None,
    ) -> DesignStructure:
        """Describe a design the way R's ``svydesign`` does.

        Parameters
        ----------
        strata : array_like, optional
            Stratum label per row. ``None``: one stratum.
        psu : array_like, optional
            First-stage cluster label per row. ``None``: every row is its own PSU (``ids = ~1``).
        ssu : array_like, optional
            Second-stage cluster label per row (nested within the PSU).
        fpc1, fpc2 : array_like, optional
            Finite population correction per row for stage one and two: population sizes
            (number of PSUs in the stratum / SSUs in the PSU) or sampling fractions, as R
            accepts.  With two stages R needs both or neither.
        lonely_psu : {"fail", "remove", "adjust", "average", "certainty"}
            R's ``options(survey.lonely.psu=)``.
        nest : bool
            R's ``nest``: PSU labels are only unique within strata.  Without it, a PSU label in two
            strata is an error, as in R.
        one_stage : bool
            R's ``options(survey.ultimate.cluster=TRUE)``: ignore the second stage.
        n : int, optional
            Number of rows, when no column is given.
        names : dict, optional
            Column names for error messages, keys ``strata``, ``psu``, ``ssu``, ``fpc1``, ``fpc2``.

        Returns
        -------
        DesignStructure
        """
        names = {"strata": "strata", "psu": "psu", "ssu": "ssu", "fpc1": "fpc1", "fpc2": "fpc2"} | (
            names or {}
        )
        if lonely_psu not in LONELY_PSU_OPTIONS:
            raise SurveyDesignError(
                f"unknown lonely_psu option {lonely_psu!r}; choose one of {', '.join(LONELY_PSU_OPTIONS)}"
            )
        lengths = [len(np.asarray(v)) for v in (strata, psu, ssu, fpc1, fpc2) if v is not None]
        if n is None:
            if not lengths:
                raise SurveyDesignError("give the number of rows or at least one design column")
            n = lengths[0]
        if ssu is not None and psu is None:
            raise SurveyDesignError("a second-stage cluster needs a first-stage cluster", column=names["ssu"])
        s_codes, s_labels = _codes(strata, n, names["strata"])
        if psu is None:
            p_codes = np.arange(n, dtype=np.intp)
        else:
            p_raw, _ = _codes(psu, n, names["psu"])
            if nest:
                p_codes = _combine(s_codes, p_raw)
            else:
                p_codes = p_raw
                # R: "Clusters not nested in strata at top level; you may want nest=TRUE."
                if strata is not None:
                    first_stratum = np.full(int(p_codes.max()) + 1 if n else 0, -1, dtype=np.intp)
                    first_stratum[p_codes[::-1]] = s_codes[::-1]
                    clash = first_stratum[p_codes] != s_codes
                    if clash.any():
                        raise SurveyDesignError(
                            "clusters not nested in strata (a PSU appears in more than one stratum); "
                            "use nest=True if PSU labels are only unique within strata",
                            column=names["psu"],
                            row=int(np.argmax(clash)),
                        )
        n_psu_total = int(p_codes.max()) + 1 if n else 0
        if n_psu_total == 1 and not (nest and strata is not None):
            raise SurveyDesignError("design has only one primary sampling unit", column=names["psu"])

        # Stage one: units = PSUs, strata = strata.
        stratum_of_psu = np.zeros(n_psu_total, dtype=np.intp)
        stratum_of_psu[p_codes] = s_codes
        n_strata = len(s_labels)
        n_psu_per_stratum = np.bincount(stratum_of_psu, minlength=n_strata).astype(np.float64)

        two_stage = ssu is not None and not one_stage
        fpcs = [v for v in (fpc1, fpc2) if v is not None]
        if fpc2 is not None and fpc1 is None:
            raise SurveyDesignError("fpc2 given without fpc1", column=names["fpc2"])
        if ssu is not None and len(fpcs) == 1:
            raise SurveyDesignError(
                "a two-stage design needs an fpc for both stages (or none)", column=names["fpc1"]
            )
        if ssu is None and fpc2 is not None:
            raise SurveyDesignError("fpc2 given for a one-stage design", column=names["fpc2"])

        if ssu is not None:
            q_raw, _ = _codes(ssu, n, names["ssu"])
            q_codes = _combine(p_codes, q_raw)
            n_ssu_total = int(q_codes.max()) + 1 if n else 0
            psu_of_ssu = np.zeros(n_ssu_total, dtype=np.intp)
            psu_of_ssu[q_codes] = p_codes
            n_ssu_per_psu = np.bincount(psu_of_ssu, minlength=n_psu_total).astype(np.float64)
        sampsizes = [n_psu_per_stratum[s_codes]]
        fpc_names = [names["fpc1"]]
        if ssu is not None:
            sampsizes.append(n_ssu_per_psu[p_codes])
            fpc_names.append(names["fpc2"])
        f1_unit = np.ones(n_psu_total)
        mult2_unit = np.ones(0)
        f2_unit = np.ones(0)
        has_fpc = bool(fpcs)
        if has_fpc:
            fpc_values = [_numeric(v, n, nm) for v, nm in zip(fpcs, fpc_names, strict=False)]
            popsizes = fpc_popsize(fpc_values, sampsizes[: len(fpc_values)], fpc_names[: len(fpc_values)])
            pop1 = np.zeros(n_psu_total)
            pop1[p_codes] = popsizes[0]
            f1_unit = _fpc_factor(pop1, n_psu_per_stratum[stratum_of_psu])
            if ssu is not None:
                pop2 = np.zeros(n_ssu_total)
                pop2[q_codes] = popsizes[1]
                f2_unit = _fpc_factor(pop2, n_ssu_per_psu[psu_of_ssu])
                with np.errstate(divide="ignore"):
                    frac1 = n_psu_per_stratum[stratum_of_psu] / pop1  # n/N of each PSU's stratum
                mult2_unit = frac1[psu_of_ssu]
        stages = [
            StageStructure(
                unit_of_row=p_codes,
                stratum_of_unit=stratum_of_psu,
                n_units=n_psu_per_stratum,
                f_unit=f1_unit,
                multiplier_unit=np.ones(n_psu_total),
                stratum_labels=s_labels,
                stage=1,
                column=names["strata"] if strata is not None else names["psu"],
            )
        ]
        if two_stage and has_fpc:
            stages.append(
                StageStructure(
                    unit_of_row=q_codes,
                    stratum_of_unit=psu_of_ssu,
                    n_units=n_ssu_per_psu,
                    f_unit=f2_unit,
                    multiplier_unit=mult2_unit,
                    stratum_labels=np.arange(n_psu_total),
                    stage=2,
                    column=names["psu"],
                )
            )
        return cls(
            n_rows=n,
            stages=tuple(stages),
            stratum_of_row=s_codes,
            psu_of_row=p_codes,
            lonely_psu=lonely_psu,
        )

    def covariance(
        self,
        scores: ArrayLike,
        *,
        domain: ArrayLike | None = None,
        lonely_psu: LonelyPSU | None = None,
    ) -> FloatArray:
        """Covariance matrix of the totals of the score columns.

        Parameters
        ----------
        scores : array_like, shape (n,) or (n, k)
            Influence values (already multiplied by the weights), one column per estimate.
        domain : array_like of bool, shape (n,), optional
            The rows of the domain (R's ``subset()``); scores outside it are set to zero and
            only strata with rows in the domain take part in the lonely-PSU rules.
        lonely_psu : str, optional
            Override the design's lonely-PSU rule.

        Returns
        -------
        ndarray, shape (k, k)
        """
        z = np.asarray(scores, dtype=np.float64)
        if z.ndim == 1:
            z = z[:, None]
        if z.shape[0] != self.n_rows:
            raise SurveyDesignError(f"scores have {z.shape[0]} rows, the design has {self.n_rows}")
        finite = np.isfinite(z)
        if not finite.all():
            bad = ~finite.all(axis=1)
            raise SurveyDesignError("non-finite score", column="scores", row=int(np.argmax(bad)))
        rule: LonelyPSU = lonely_psu or self.lonely_psu
        mask: npt.NDArray[np.bool_] | None = None
        if domain is not None:
            mask = np.asarray(domain, dtype=bool)
            if mask.shape != (self.n_rows,):
                raise SurveyDesignError("domain mask has the wrong length")
            z = np.where(mask[:, None], z, 0.0)
        total = np.zeros((z.shape[1], z.shape[1]))
        for stage in self.stages:
            if mask is None:
                present = None
            else:
                present = np.zeros(stage.n_strata, dtype=bool)
                present[stage.stratum_of_unit[stage.unit_of_row[mask]]] = True
            total = total + stage_covariance_from_totals(stage.unit_totals(z), stage, present, rule)
        return total


def _combine(outer: IntArray, inner: IntArray) -> IntArray:
    """Codes of the combination (outer, inner), in order of first appearance."""
    key = outer.astype(np.int64) * (int(inner.max()) + 1 if inner.size else 1) + inner
    codes, _ = pd.factorize(key, sort=False)
    return np.asarray(codes, dtype=np.intp)


def _fpc_factor(popsize: FloatArray, sampsize: FloatArray) -> FloatArray:
    """R's ``ifelse(fpc == Inf, 1, (fpc - nPSU)/fpc)``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        f = (popsize - sampsize) / popsize
    return np.where(np.isinf(popsize), 1.0, f)


def design_covariance(
    scores: ArrayLike,
    *,
    strata: ArrayLike | None = None,
    psu: ArrayLike | None = None,
    ssu: ArrayLike | None = None,
    fpc1: ArrayLike | None = None,
    fpc2: ArrayLike | None = None,
    lonely_psu: LonelyPSU = "fail",
    nest: bool = False,
    one_stage: bool = False,
    domain: ArrayLike | None = None,
) -> FloatArray:
    """Design-based covariance matrix of estimated totals (R's ``svyrecvar``).

    Parameters
    ----------
    scores : array_like, shape (n,) or (n, k)
        Weighted influence values: the estimate of column ``j`` is linearised as the total
        ``scores[:, j].sum()``.  For a total of ``y`` pass ``w * y``; for a mean pass
        ``w * (y - ybar) / sum(w)``.
    strata, psu, ssu : array_like, optional
        Stratum, first- and second-stage cluster labels per row (``psu=None``: each row is a PSU).
    fpc1, fpc2 : array_like, optional
        Finite population corrections per row, as population sizes or sampling fractions.
    lonely_psu : {"fail", "remove", "adjust", "average", "certainty"}
        Treatment of strata with a single PSU, as R's ``options(survey.lonely.psu=)``.
    nest : bool
        PSU labels are unique only within strata (R's ``nest=TRUE``).
    one_stage : bool
        Only the first stage (R's ``options(survey.ultimate.cluster=TRUE)``).
    domain : array_like of bool, optional
        Domain mask, for R's ``subset()`` semantics.

    Returns
    -------
    ndarray, shape (k, k)
        The covariance matrix of the k totals.

    Raises
    ------
    SurveyDesignError
        On missing or non-numeric design values, a lonely PSU under ``"fail"``, or an fpc
        that implies more than 100% sampling.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.array([1.0, 2.0, 3.0, 4.0])
    >>> round(float(design_covariance(y, fpc1=[8, 8, 8, 8])[0, 0]), 6)  # (1 - 4/8) * 4 * var(y)
    3.333333
    """
    z = np.asarray(scores, dtype=np.float64)
    n = z.shape[0]
    structure = DesignStructure.build(
        strata=strata,
        psu=psu,
        ssu=ssu,
        fpc1=fpc1,
        fpc2=fpc2,
        lonely_psu=lonely_psu,
        nest=nest,
        one_stage=one_stage,
        n=n,
    )
    return structure.covariance(z, domain=domain)
