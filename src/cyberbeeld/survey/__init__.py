"""Pure survey estimation engine (no Django): designs, estimators and design-based variance.

The modules are

- :mod:`cyberbeeld.survey.variance` -- linearisation covariance of totals (R's ``svyrecvar``);
- :mod:`cyberbeeld.survey.design` -- the :class:`~cyberbeeld.survey.design.Design` description;
- :mod:`cyberbeeld.survey.estimators` -- means, totals, proportions, ratios, by domains;
- :mod:`cyberbeeld.survey.engine` -- the same estimators executed in DuckDB (or Spark) via Ibis;
- :mod:`cyberbeeld.survey.cli` -- the ``cyberbeeld estimate`` command.
"""

from cyberbeeld.survey.errors import SurveyDesignError
from cyberbeeld.survey.variance import DesignStructure, design_covariance

__all__ = ["DesignStructure", "SurveyDesignError", "design_covariance"]
