"""Errors raised by the survey estimation engine."""

from __future__ import annotations

from cyberbeeld.common.errors import Invalid

__all__ = ["SurveyDesignError"]


class SurveyDesignError(Invalid):
    """A survey design or its data cannot be used for estimation.

    Parameters
    ----------
    message : str
        What is wrong, in one line.
    column : str, optional
        The name of the offending column, when there is one.
    row : int, optional
        The (0-based) position of the first offending row, when there is one.

    Notes
    -----
    ``str(error)`` is always a single line that names the column and the first
    offending row, so a command-line tool can print it as is.
    """

    code = "survey-design"

    def __init__(self, message: str, *, column: str | None = None, row: int | None = None) -> None:
        self.reason = message
        self.column = column
        self.row = row
        #: The offending stratum (key column -> value), for a lonely PSU found in aggregates.
        self.stratum: dict[str, object] | None = None
        #: Every offending stratum of that kind (the first offending row is looked up among all).
        self.strata: list[dict[str, object]] = []
        parts = [message]
        if column is not None:
            parts.append(f"column {column!r}")
        if row is not None:
            parts.append(f"first offending row {row} (0-based)")
        super().__init__("; ".join(parts))  # one language (English), the location inside the message
        self.column, self.row = column, row  # (0-based: not the 1-based ``row`` of a file's RowError)
