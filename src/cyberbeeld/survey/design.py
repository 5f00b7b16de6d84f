"""The description of a complex survey design, constructed like R's ``svydesign``.

A :class:`Design` names columns; it holds no data.  The same design can be applied to
a pandas DataFrame, a Parquet or CSV file, or a DuckDB table.

>>> Design(ids=("dnum", "snum"), fpc=("fpc1", "fpc2"))  # R: svydesign(ids=~dnum+snum, fpc=~fpc1+fpc2)
Design(weights=None, ids=('dnum', 'snum'), strata=None, fpc=('fpc1', 'fpc2'), nest=False, lonely_psu='fail', one_stage=False)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from cyberbeeld.survey.errors import SurveyDesignError
from cyberbeeld.survey.variance import LONELY_PSU_OPTIONS, DesignStructure, LonelyPSU, fpc_popsize

__all__ = ["Design", "validate_weights"]


def _as_tuple(value: str | Sequence[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        parts = [p.strip() for p in value.split(",")]
        return tuple(p for p in parts if p and p != "1")
    return tuple(v for v in value if v != "1")


@dataclass(frozen=True)
class Design:
    """A stratified multistage sampling design (R's ``svydesign``).

    Parameters
    ----------
    weights : str, optional
        Column of sampling weights.  Without it, weights follow from the fpc (population
        over sample size, per stage, as R does) or are 1.
    ids : str or sequence of str
        Cluster columns, first stage first: ``()`` (or ``"1"``) for element sampling
        (R's ``ids = ~1``), ``("dnum",)`` for one stage, ``("dnum", "snum")`` for two.
        A string is split on commas.
    strata : str, optional
        Column of first-stage strata.
    fpc : str or sequence of str
        Finite population correction columns, one per stage: population sizes or sampling
        fractions (R's ``fpc``).
    nest : bool
        Cluster labels are only unique within strata (R's ``nest = TRUE``).
    lonely_psu : {"fail", "remove", "adjust", "average", "certainty"}
        R's ``options(survey.lonely.psu = )``.
    one_stage : bool
        R's ``options(survey.ultimate.cluster = TRUE)``.
    """

    weights: str | None = None
    ids: tuple[str, ...] = ()
    strata: str | None = None
    fpc: tuple[str, ...] = ()
    nest: bool = False
    lonely_psu: LonelyPSU = "fail"
    one_stage: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "ids", _as_tuple(self.ids))
        object.__setattr__(self, "fpc", _as_tuple(self.fpc))
        if len(self.ids) > 2:
            raise SurveyDesignError("at most two sampling stages are supported", column=self.ids[2])
        if len(self.fpc) > max(1, len(self.ids)):
            raise SurveyDesignError("more fpc columns than sampling stages", column=self.fpc[-1])
        if len(self.ids) == 2 and len(self.fpc) == 1:
            raise SurveyDesignError(
                "a two-stage design needs an fpc for both stages (or none)", column=self.fpc[0]
            )
        if self.lonely_psu not in LONELY_PSU_OPTIONS:
            raise SurveyDesignError(
                f"unknown lonely_psu option {self.lonely_psu!r}; choose one of {', '.join(LONELY_PSU_OPTIONS)}"
            )

    @property
    def psu(self) -> str | None:
        """The first-stage cluster column, or ``None`` for element sampling."""
        return self.ids[0] if self.ids else None

    @property
    def ssu(self) -> str | None:
        """The second-stage cluster column, if any."""
        return self.ids[1] if len(self.ids) > 1 else None

    @property
    def columns(self) -> tuple[str, ...]:
        """All columns the design reads."""
        cols = [c for c in (self.weights, self.strata, *self.ids, *self.fpc) if c]
        return tuple(dict.fromkeys(cols))

    def with_lonely_psu(self, lonely_psu: LonelyPSU) -> Design:
        """A copy with another lonely-PSU rule."""
        return Design(
            weights=self.weights,
            ids=self.ids,
            strata=self.strata,
            fpc=self.fpc,
            nest=self.nest,
            lonely_psu=lonely_psu,
            one_stage=self.one_stage,
        )

    # ------------------------------------------------------------------ NumPy path
    def check_columns(self, columns: Sequence[str]) -> None:
        """Raise :class:`SurveyDesignError` when a design column is missing from ``columns``."""
        present = set(columns)
        for col in self.columns:
            if col not in present:
                raise SurveyDesignError("design column not found in the data", column=col)

    def structure(self, data: pd.DataFrame) -> DesignStructure:
        """The sampling structure of this design on ``data`` (for :mod:`~cyberbeeld.survey.variance`)."""
        self.check_columns(list(data.columns))
        return DesignStructure.build(
            strata=None if self.strata is None else data[self.strata],
            psu=None if self.psu is None else data[self.psu],
            ssu=None if self.ssu is None else data[self.ssu],
            fpc1=data[self.fpc[0]] if self.fpc else None,
            fpc2=data[self.fpc[1]] if len(self.fpc) > 1 else None,
            lonely_psu=self.lonely_psu,
            nest=self.nest,
            one_stage=self.one_stage,
            n=len(data),
            names={
                "strata": self.strata or "strata",
                "psu": self.psu or "psu",
                "ssu": self.ssu or "ssu",
                "fpc1": self.fpc[0] if self.fpc else "fpc1",
                "fpc2": self.fpc[1] if len(self.fpc) > 1 else "fpc2",
            },
        )

    def weight_values(
        self, data: pd.DataFrame, structure: DesignStructure | None = None
    ) -> npt.NDArray[np.float64]:
        """The sampling weights of ``data``, validated.

        Without a weights column the weights are the product over stages of population size over
        sample size (R's ``weights(fpc)``), or 1 without fpc.
        """
        if self.weights is not None:
            if self.weights not in data.columns:
                raise SurveyDesignError("weights column not found in the data", column=self.weights)
            return validate_weights(data[self.weights], self.weights)
        n = len(data)
        if not self.fpc:
            return np.ones(n)
        structure = structure or self.structure(data)
        sampsizes: list[npt.NDArray[np.float64]] = []
        st1 = structure.stages[0]
        sampsizes.append(st1.n_units[st1.stratum_of_unit[st1.unit_of_row]])
        if len(self.fpc) > 1:
            if len(structure.stages) > 1:
                st2 = structure.stages[1]
                sampsizes.append(st2.n_units[st2.stratum_of_unit[st2.unit_of_row]])
            else:  # one_stage: rebuild stage-two counts
                full = Design(ids=self.ids, strata=self.strata, fpc=self.fpc, nest=self.nest)
                st2 = full.structure(data).stages[1]
                sampsizes.append(st2.n_units[st2.stratum_of_unit[st2.unit_of_row]])
        fpcs = [pd.to_numeric(data[c], errors="coerce").to_numpy(dtype=np.float64) for c in self.fpc]
        popsizes = fpc_popsize(fpcs, sampsizes, list(self.fpc))
        w = np.ones(n)
        for pop, samp in zip(popsizes, sampsizes, strict=True):
            w = w * (pop / samp)
        return w


def validate_weights(values: pd.Series | npt.ArrayLike, column: str = "weights") -> npt.NDArray[np.float64]:
    """Check that weights are numeric, present, finite and not negative.

    Parameters
    ----------
    values : pandas.Series or array_like
        The weights.
    column : str
        Column name for the error message.

    Returns
    -------
    ndarray of float

    Raises
    ------
    SurveyDesignError
        Naming the column and the first offending row.
    """
    series = values if isinstance(values, pd.Series) else pd.Series(np.asarray(values))
    converted = pd.to_numeric(series, errors="coerce")
    non_numeric = (converted.isna() & series.notna()).to_numpy()
    if non_numeric.any():
        row = int(np.argmax(non_numeric))
        raise SurveyDesignError(f"non-numeric weight {series.iloc[row]!r}", column=column, row=row)
    w = converted.to_numpy(dtype=np.float64, na_value=np.nan)
    missing = np.isnan(w)
    if missing.any():
        raise SurveyDesignError("missing weight", column=column, row=int(np.argmax(missing)))
    bad = ~np.isfinite(w) | (w < 0)
    if bad.any():
        row = int(np.argmax(bad))
        raise SurveyDesignError(f"negative or infinite weight {w[row]:g}", column=column, row=row)
    return np.asarray(w, dtype=np.float64)
