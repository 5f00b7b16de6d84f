"""Pure survey estimation engine (no Django): designs, estimators and design-based variance.

The modules are

- :mod:`cyberbeeld.survey.variance` -- linearisation covariance of totals (R's ``svyrecvar``);
- :mod:`cyberbeeld.survey.design` -- the :class:`~cyberbeeld.survey.design.Design` description;
- :mod:`cyberbeeld.survey.estimators` -- means, totals, proportions, ratios, by domains;
- :mod:`cyberbeeld.survey.quantiles` -- quantiles with Woodruff intervals (``svyquantile``);
- :mod:`cyberbeeld.survey.moments` -- from per-stratum power sums to variances;
- :mod:`cyberbeeld.survey.engine` -- the per-row work, compiled by Ibis for DuckDB or Spark;
- :mod:`cyberbeeld.survey.hadamard` -- R's default Hadamard matrices for BRR;
- :mod:`cyberbeeld.survey.poststratify` -- post-stratification (``postStratify``);
- :mod:`cyberbeeld.survey.pps` -- PPS without replacement (Brewer, Overton, Horvitz-Thompson);
- :mod:`cyberbeeld.survey.glm` -- linear and logistic models (``svyglm``);
- :mod:`cyberbeeld.survey.ciprop` -- the profile-likelihood interval of ``svyciprop``;
- :mod:`cyberbeeld.survey.linearized` -- estimates from per-row scores, for those designs;
- :mod:`cyberbeeld.survey.options` -- option names (light: no NumPy/pandas);
- :mod:`cyberbeeld.survey.cli` -- the ``cyberbeeld estimate`` command.

The names below load their modules on first use.

Example
-------
>>> import pandas as pd
>>> from cyberbeeld.survey import Design, svymean
>>> df = pd.DataFrame({"h": ["a", "a", "b", "b"], "w": [1.0, 1.0, 2.0, 2.0], "y": [1.0, 3.0, 2.0, 4.0]})
>>> # as R: svymean(~y, svydesign(ids=~1, strata=~h, weights=~w, data=df))
>>> svymean(df, Design(weights="w", strata="h"), "y")[["estimate", "se"]].round(4)
   estimate      se
0    2.6667  0.7454
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cyberbeeld.survey.design import Design
    from cyberbeeld.survey.errors import SurveyDesignError
    from cyberbeeld.survey.estimators import (
        Difference,
        Request,
        domain_difference,
        estimate,
        svymean,
        svyproportion,
        svyratio,
        svytotal,
    )
    from cyberbeeld.survey.glm import svyglm
    from cyberbeeld.survey.poststratify import PostStratified
    from cyberbeeld.survey.pps import PPS
    from cyberbeeld.survey.quantiles import svyquantile
    from cyberbeeld.survey.variance import DesignStructure, design_covariance

# Loaded on first use (PEP 562), so that ``cyberbeeld estimate --help`` (whose modules live in
# this package) does not pay for pandas, Ibis and SciPy.
_LAZY = {
    "Design": "design",
    "DesignStructure": "variance",
    "Difference": "estimators",
    "PPS": "pps",
    "PostStratified": "poststratify",
    "Request": "estimators",
    "SurveyDesignError": "errors",
    "design_covariance": "variance",
    "domain_difference": "estimators",
    "estimate": "estimators",
    "svymean": "estimators",
    "svyproportion": "estimators",
    "svyglm": "glm",
    "svyquantile": "quantiles",
    "svyratio": "estimators",
    "svytotal": "estimators",
}

__all__ = [
    "Design",
    "DesignStructure",
    "Difference",
    "PPS",
    "PostStratified",
    "Request",
    "SurveyDesignError",
    "design_covariance",
    "domain_difference",
    "estimate",
    "svymean",
    "svyglm",
    "svyproportion",
    "svyquantile",
    "svyratio",
    "svytotal",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
