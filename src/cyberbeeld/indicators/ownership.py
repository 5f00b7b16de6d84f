"""Who may write which figures, and which values a figure column can hold.

Every observation belongs either to an organisation (a gemeente's own figures: its uploads and its own
survey estimates) or to a reference source (national CBS and police tables, imported by the platform).

* A gemeente organisation writes only figures of its own gemeente, through its members with at least the
  role bewerker; it never overwrites a reference figure or another organisation's figure.
* Reference figures are written only by platform beheerders: Django staff, or beheerders of a
  kenniscentrum organisation (the rule ``accounts.policy.may_maintain_reference_data`` that applies to all reference data), and
  by the ``cyberbeeld`` CLI, which an operator runs (:data:`PLATFORM`). The platform never overwrites a
  figure that belongs to an organisation.
* Own-survey indicators (``eigen-<organisation>-…``) are written only by that organisation.

Values are checked before any write: finite and within the column's precision (excess decimals are
rounded to the column's scale, as PostgreSQL's ``numeric`` does; too many digits before the point are
refused).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from cyberbeeld.accounts import policy
from cyberbeeld.accounts.models import Organisation
from cyberbeeld.areas.models import AreaKind

from .models import REFERENCE, Observation

__all__ = ["PLATFORM", "REFERENCE", "FigureWriter", "cell_problem", "checked_count", "checked_value",
           "figure_writer", "own_survey_writer"]

OWN_SURVEY_PREFIX = "eigen-"


@dataclass(frozen=True)
class FigureWriter:
    """On whose behalf figures are written: an organisation (its own gemeente) or the platform (reference)."""

    organisation: Organisation | None = None

    @property
    def is_platform(self) -> bool:
        return self.organisation is None

    @property
    def gemeente_id(self) -> int | None:
        return self.organisation.area_id if self.organisation is not None else None

    def describe(self) -> str:
        return self.organisation.name if self.organisation is not None else "het platform"


PLATFORM = FigureWriter()


def figure_writer(user: Any, organisation: Organisation | None) -> FigureWriter | None:
    """On whose behalf ``user``, working in ``organisation``, writes figures; None when not at all.

    A bewerker (or higher) of a gemeente organisation writes that gemeente's figures. Anyone else in an
    organisation without a gemeente writes reference figures only as a platform beheerder.
    """
    if organisation is None or not policy.can_create_in(user, organisation):
        return None
    area = organisation.area
    if area is not None and area.kind == AreaKind.GEMEENTE:
        return FigureWriter(organisation=organisation)
    return PLATFORM if policy.may_maintain_reference_data(user) else None


def own_survey_writer(user: Any, organisation: Organisation | None) -> FigureWriter | None:
    """Own survey estimates are a gemeente's own figures: only a gemeente organisation uploads them."""
    writer = figure_writer(user, organisation)
    return writer if writer is not None and not writer.is_platform else None


def _owner_name(owner_id: int | None, reference_source: str) -> str:
    if owner_id is None:
        return f"de referentiebron '{reference_source or '?'}'"
    name = Organisation.objects.filter(pk=owner_id).values_list("name", flat=True).first()
    return f"{name or owner_id}"


def cell_problem(writer: FigureWriter, *, indicator_code: str, area_id: int, area_code: str,
                 existing: tuple[int | None, str] | None) -> tuple[str, str, str] | None:
    """Why ``writer`` may not write this cell: (column, reason NL, reason EN), or None when it may.

    ``existing`` is the (owner_id, reference_source) of the stored cell, if there is one.
    """
    org = writer.organisation
    if indicator_code.startswith(OWN_SURVEY_PREFIX) and (
            org is None or not indicator_code.startswith(f"{OWN_SURVEY_PREFIX}{org.slug}-")):
        return ("indicator",
                f"'{indicator_code}' is eigen onderzoek van een andere organisatie; alleen die organisatie schrijft het",
                f"'{indicator_code}' is another organisation's own survey; only that organisation writes it")
    if org is not None and area_id != org.area_id:
        return ("gebied",
                f"{area_code} is niet de gemeente van {org.name}; een organisatie schrijft alleen de cijfers van "
                "haar eigen gemeente (referentiecijfers: alleen platformbeheerders)",
                f"{area_code} is not the gemeente of {org.name}; an organisation writes only its own gemeente's "
                "figures (reference figures: platform administrators only)")
    if existing is not None:
        owner_id, source = existing
        mine = (owner_id == org.pk) if org is not None else owner_id is None
        if not mine:
            who = _owner_name(owner_id, source)
            return ("gebied",
                    f"dit cijfer van {area_code} is van {who}; {writer.describe()} mag het niet overschrijven",
                    f"this figure of {area_code} belongs to {who}; {writer.describe()} may not overwrite it")
    return None


_LIMITS: dict[str, tuple[int, int]] = {}


def _limits(field: str) -> tuple[int, int]:
    if field not in _LIMITS:
        f = Observation._meta.get_field(field)
        _LIMITS[field] = (f.max_digits, f.decimal_places)  # type: ignore[attr-defined]
    return _LIMITS[field]


MAX_COUNT = 2_147_483_647  # PositiveIntegerField on every supported database


def checked_value(field: str, value: Decimal | None) -> tuple[Decimal | None, tuple[str, str] | None]:
    """The value as the column stores it, or the reason (NL, EN) why the column cannot hold it."""
    if value is None:
        return None, None
    if not isinstance(value, Decimal):
        try:
            value = Decimal(str(value))
        except ArithmeticError:
            return None, (f"'{value}' is geen getal", f"'{value}' is not a number")
    if not value.is_finite():
        return None, (f"'{value}' is geen eindig getal (buiten het bereik)", f"'{value}' is not a finite number (out of range)")
    digits, places = _limits(field)
    if abs(value) >= Decimal(10) ** (digits - places):
        return None, (f"'{value}' valt buiten het bereik van de kolom: hoogstens {digits - places} cijfers voor de komma",
                      f"'{value}' is out of the column's range: at most {digits - places} digits before the point")
    quantum = Decimal(1).scaleb(-places)
    stored = value.quantize(quantum, rounding=ROUND_HALF_EVEN) if value.as_tuple().exponent < -places else value  # type: ignore[operator]
    return stored, None


def checked_count(value: int | None) -> tuple[int | None, tuple[str, str] | None]:
    if value is None:
        return None, None
    if value < 0 or value > MAX_COUNT:
        return None, (f"'{value}' valt buiten het bereik van het aantal (0 tot {MAX_COUNT})",
                      f"'{value}' does not fit the count (0 to {MAX_COUNT})")
    return value, None


COLUMN_NAMES = {"value": "waarde", "ci_low": "ondergrens", "ci_high": "bovengrens", "se": "se", "n": "n"}
