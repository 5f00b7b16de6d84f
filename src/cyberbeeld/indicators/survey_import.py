"""Own survey microdata → indicator observations with design-based intervals.

An organisation uploads microdata (CSV or Parquet) with its design columns; the pure survey engine
(``cyberbeeld.survey``) estimates a proportion per gemeente (or per gemeente × another domain is
left for later) with its 95% interval, and only those estimates are stored, as observations of an
organisation-owned indicator. The microdata itself is never stored: it is read from a temporary
file that is removed before the function returns, whatever happens.
"""

from __future__ import annotations

import csv
import tempfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from cyberbeeld import inputs
from cyberbeeld.accounts import audit
from cyberbeeld.accounts.models import Organisation
from cyberbeeld.areas.models import Area, AreaKind
from cyberbeeld.common.errors import Invalid

from . import ownership
from .models import ImportBatch, Indicator, Observation, Source, Unit


class SurveyImportError(Invalid):
    """Refused: the message names the column and, where known, the first offending row."""

    code = "survey-import"


class MarginError(Invalid):
    """A population margin file cannot be used: the message names the file, row and field."""


def parse_margin(content: bytes, file_name: str) -> tuple[tuple[str, ...], dict[tuple[str, ...], float]]:
    """A population margin: header ``COL[,COL2],COUNT`` (the count last), one row per category.

    The same format as ``cyberbeeld estimate --rake COL=FILE``, with the columns taken from the
    header.  Returns the margin's columns and the population count per category (labels as text).
    """
    try:
        text, _encoding = inputs.decode(content, file_name)
    except inputs.InputRefused as exc:
        raise MarginError(exc.nl) from None
    delimiter = ";" if text[:4096].count(";") > text[:4096].count(",") else ","
    rows = list(csv.reader(text.splitlines(), delimiter=delimiter))
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise MarginError(_("%(file)s, rij 1: het bestand is leeg (verwacht een kopregel zoals 'leeftijd,aantal').")
                          % {"file": file_name})
    header = [h.strip() for h in rows[0]]
    if len(header) < 2 or not all(header):
        raise MarginError(_("%(file)s, rij 1: verwacht een of twee kolommen en als laatste het populatieaantal, "
                            "niet '%(header)s'.") % {"file": file_name, "header": ",".join(header)})
    columns, count_field = tuple(header[:-1]), header[-1]
    if len(columns) > 2:
        raise MarginError(_("%(file)s, rij 1: hoogstens twee kolommen per marge, gevonden: %(columns)s.")
                          % {"file": file_name, "columns": ", ".join(columns)})
    totals: dict[tuple[str, ...], float] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise MarginError(_("%(file)s, rij %(row)s: %(found)s velden, verwacht %(expected)s.")
                              % {"file": file_name, "row": number, "found": len(row), "expected": len(header)})
        key = tuple(cell.strip() for cell in row[:-1])
        for column, value in zip(columns, key, strict=True):
            if not value:
                raise MarginError(_("%(file)s, rij %(row)s, kolom '%(column)s': lege categorie.")
                                  % {"file": file_name, "row": number, "column": column})
        raw = row[-1].strip()
        try:
            count = float(raw.replace(",", ".")) if delimiter == ";" else float(raw)
        except ValueError:
            raise MarginError(_("%(file)s, rij %(row)s, kolom '%(column)s': '%(value)s' is geen getal.")
                              % {"file": file_name, "row": number, "column": count_field, "value": raw}) from None
        if not (0 <= count < float("inf")):
            raise MarginError(_("%(file)s, rij %(row)s, kolom '%(column)s': het populatieaantal moet 0 of meer zijn, "
                                "niet %(value)s.") % {"file": file_name, "row": number, "column": count_field,
                                                      "value": raw})
        if key in totals:
            raise MarginError(_("%(file)s, rij %(row)s: de categorie %(category)s staat er twee keer in.")
                              % {"file": file_name, "row": number, "category": "/".join(key)})
        totals[key] = count
    if not totals:
        raise MarginError(_("%(file)s, rij 2: geen categorieën.") % {"file": file_name})
    return columns, totals


@dataclass
class SurveyImportResult:
    indicators: list[str] = field(default_factory=list)
    observations: int = 0
    areas: int = 0


def _area_map() -> dict[str, Area]:
    out: dict[str, Area] = {}
    for area in Area.objects.filter(kind=AreaKind.GEMEENTE):
        out[area.code.upper()] = area
        out.setdefault(area.slug, area)
        out.setdefault(area.name.lower(), area)
    return out


def _dec(x: Any, scale: float) -> Decimal | None:
    if x is None:
        return None
    try:
        value = float(x)
    except (TypeError, ValueError):
        return None
    if value != value:  # NaN
        return None
    return Decimal(str(round(value * scale, 6)))


def _check_parquet(path: Path, file_name: str) -> None:
    """Columns and rows from the Parquet footer, before the table is read."""
    import pyarrow.parquet as pq  # deferred: heavy import (pyarrow ~0.8 s), only for a parquet upload

    lim = inputs.limits()
    try:
        meta = pq.ParquetFile(path).metadata
    except Exception as exc:  # noqa: BLE001 - any unreadable footer is a file problem
        raise SurveyImportError(f"{file_name}: het bestand is niet te lezen als Parquet ({exc}).") from exc
    if meta.num_columns > lim.max_columns:
        raise SurveyImportError(f"{file_name}: meer dan {lim.max_columns} kolommen (max_columns)")
    if meta.num_rows > lim.max_rows:
        raise SurveyImportError(f"{file_name}: meer dan {lim.max_rows} rijen (max_rows)")


def _check_weights(frame: Any, column: str, file_name: str) -> None:
    """Survey weights are finite numbers above zero: a weight of 0 (or all 0) leaves nothing to
    estimate from and a NaN or infinite weight poisons every estimate."""
    # deferred: heavy import (numpy, pandas ~2 s): web processes load them only for a survey upload
    import numpy as np
    import pandas as pd

    values = pd.to_numeric(frame[column], errors="coerce")
    bad = ~np.isfinite(values.to_numpy(dtype=float, na_value=np.nan)) | (values.to_numpy(dtype=float, na_value=np.nan) <= 0)
    if bad.any():
        position = int(np.argmax(bad))
        raise SurveyImportError(
            f"{file_name}, rij {position + 2}, kolom '{column}': gewicht '{frame[column].iloc[position]}' "
            "is geen getal groter dan 0")


def import_survey_estimates(
    *, by: Any, organisation: Organisation, content: bytes, file_name: str, weights: str, area_column: str,
    variables: list[str], period: str, strata: str = "", cluster: str = "", ci: str = "logit", fpc: str = "",
    margins: list[tuple[tuple[str, ...], dict[tuple[str, ...], float]]] | None = None, calibration: str = "",
    bounds: tuple[float, float] | None = None,
) -> SurveyImportResult:
    """Estimate the share (%) of 1/true in each variable per gemeente and store the estimates.

    With ``margins`` and ``calibration`` (``rake``, ``linear``, ``raking`` or ``logit``) the design
    weights are first raked or calibrated to the population margins (R's ``rake()`` /
    ``calibrate()``), as ``cyberbeeld estimate --rake/--calibrate`` does; ``fpc`` is the design's
    finite population correction column.

    Own survey estimates are the organisation's own figures: only a bewerker of a gemeente organisation
    uploads them, and only for that gemeente (``indicators.ownership``).
    """
    # deferred: heavy import (pandas ~1.7 s): web processes load it only for a survey upload
    import pandas as pd

    from cyberbeeld.survey import Design, Request, SurveyDesignError, estimate

    if ownership.own_survey_writer(by, organisation) is None:
        raise SurveyImportError("Alleen bewerkers van een gemeente lezen eigen onderzoek in, voor hun eigen gemeente.")
    if not variables:
        raise SurveyImportError("Kies minstens één variabele (kolom met 0/1 of ja/nee).")
    suffix = ".parquet" if file_name.lower().endswith(".parquet") else ".csv"
    with tempfile.TemporaryDirectory(prefix="cyberbeeld-survey-") as tmp:
        path = Path(tmp) / f"microdata{suffix}"
        try:
            inputs.check_size(len(content), file_name)
            if suffix == ".csv":
                # encoding, strict quoting, column/row/field limits before pandas sees a byte
                text, _encoding = inputs.decode(content, file_name)
                delimiter, records = inputs.csv_rows(text, file_name)
                for _record in records:
                    pass
                path.write_text(text, encoding="utf-8")
            else:
                path.write_bytes(content)
                _check_parquet(path, file_name)
        except inputs.InputRefused as exc:
            raise SurveyImportError(exc.nl) from None
        try:
            frame = pd.read_parquet(path) if suffix == ".parquet" else pd.read_csv(path, sep=delimiter)
        except Exception as exc:  # noqa: BLE001 - any reader failure is a user-facing file problem
            raise SurveyImportError(f"{file_name}: het bestand is niet te lezen als CSV of Parquet ({exc}).") from exc
        margin_columns = [c for cols, _totals in (margins or []) for c in cols]
        for column in [weights, area_column, *variables, *([strata] if strata else []), *([cluster] if cluster else []),
                       *([fpc] if fpc else []), *margin_columns]:
            if column not in frame.columns:
                raise SurveyImportError(f"kolom '{column}' ontbreekt in {file_name}")
        _check_weights(frame, weights, file_name)
        areas = _area_map()
        keys = frame[area_column].astype(str).str.strip()
        unknown = ~keys.str.upper().isin(areas.keys()) & ~keys.str.lower().isin(areas.keys())
        if unknown.any():
            row = int(unknown.idxmax()) + 2  # header is line 1
            raise SurveyImportError(f"{file_name}, rij {row}, kolom '{area_column}': gemeente '{keys[unknown].iloc[0]}' is onbekend")
        own = organisation.area_id
        foreign = keys.map(lambda k: (areas.get(k.upper()) or areas[k.lower()]).pk != own)
        if foreign.any():
            row = int(foreign.idxmax()) + 2
            raise SurveyImportError(
                f"{file_name}, rij {row}, kolom '{area_column}': '{keys[foreign].iloc[0]}' is niet de gemeente van "
                f"{organisation.name}; eigen onderzoek wordt alleen voor de eigen gemeente opgeslagen")
        design = Design(weights=weights, strata=strata or None, ids=(cluster,) if cluster else (),
                        fpc=(fpc,) if fpc else ())
        requests = [Request("proportion", v) for v in variables]
        try:
            if margins:
                table = _calibrated(frame, design, requests, margins, calibration, bounds, area_column, file_name)
            else:
                table = estimate(frame, design, requests, by=area_column, ci=ci)  # type: ignore[arg-type]
        except SurveyDesignError as exc:
            raise SurveyImportError(f"{file_name}: {exc}") from exc
    # The microdata is gone from disk here; only `table` (one row per domain × variable) remains.
    return _store(by=by, organisation=organisation, table=table, areas=areas, area_column=area_column,
                  period=period, file_name=file_name)


def _calibrated(frame: Any, design: Any, requests: list[Any], margins: list[Any], method: str,
                bounds: tuple[float, float] | None, area_column: str, file_name: str) -> Any:
    """Proportions per gemeente on the raked or calibrated design (one aggregation pass)."""
    # deferred: heavy imports (numpy, pandas, scipy): web processes load them only for a survey upload
    from cyberbeeld.survey.caldomain import Calibration, Margin, calibrated_estimate
    from cyberbeeld.survey.calibrate import CalibrationError

    for variable in (r.variable for r in requests):
        values = set(frame[variable].dropna().unique().tolist())
        if not values <= {0, 1}:
            raise SurveyImportError(_("%(file)s, kolom '%(column)s': bij wegen naar populatiemarges moet een "
                                      "variabele 0/1 zijn.") % {"file": file_name, "column": variable})
    try:
        calibration = Calibration(tuple(Margin(cols, totals) for cols, totals in margins),
                                  method=method or "rake",  # type: ignore[arg-type]
                                  bounds=bounds or (float("-inf"), float("inf")))
        return calibrated_estimate(frame, design, requests, calibration, by=area_column)
    except CalibrationError as exc:
        raise SurveyImportError(_("%(file)s: wegen naar de populatiemarges lukt niet: %(reason)s")
                                % {"file": file_name, "reason": exc}) from exc


@transaction.atomic
def _store(*, by: Any, organisation: Organisation, table: Any, areas: dict[str, Area], area_column: str,
           period: str, file_name: str) -> SurveyImportResult:
    result = SurveyImportResult()
    batch = ImportBatch.objects.create(source=f"eigen onderzoek {organisation.slug}", sha256="-", by=by,
                                       note=file_name[:300], origin=ImportBatch.Origin.SURVEY,
                                       file_name=file_name[:300], first_period=period[:20], last_period=period[:20])
    seen_areas = set()
    for row in table.to_dict("records"):
        variable = str(row["variable"])
        level = row.get("level")
        if level is not None and str(level) not in ("", "True", "1", "1.0", "nan", "None"):
            continue  # for a 0/1 column only the share of 1 is stored
        code = slugify(f"eigen-{organisation.slug}-{variable}")[:100]
        indicator, created = Indicator.objects.get_or_create(code=code, defaults={
            "name_nl": f"{variable} (eigen onderzoek {organisation.name})",
            "name_en": f"{variable} (own survey {organisation.name})",
            "unit": Unit.PERCENT, "source": Source.OWN_SURVEY, "series": slugify(f"eigen-{organisation.slug}")[:100],
            "source_table": f"eigen onderzoek {organisation.name}",
        })
        if created:
            result.indicators.append(code)
        key = str(row[area_column]).strip()
        area = areas.get(key.upper()) or areas[key.lower()]
        seen_areas.add(area.pk)
        values: dict[str, Any] = {
            "value": _dec(row["estimate"], 100), "ci_low": _dec(row.get("ci_low"), 100),
            "ci_high": _dec(row.get("ci_high"), 100), "se": _dec(row.get("se"), 100),
            "n": int(row["n"]) if row.get("n") is not None else None,
            "status": Observation.Status.DEFINITIVE, "source_table": indicator.source_table,
            "import_batch": batch, "owner": organisation, "reference_source": ""}
        for name in ("value", "ci_low", "ci_high", "se"):
            values[name], why = ownership.checked_value(name, values[name])
            if why is not None:
                raise SurveyImportError(f"{file_name}, {area.code}, {variable}: {why[0]}")
        if values["value"] is None:
            raise SurveyImportError(f"{file_name}, {area.code}, {variable}: geen schatting")
        existing = Observation.objects.filter(indicator=indicator, area=area, period=period).values_list(
            "owner_id", "reference_source").first()
        problem = ownership.cell_problem(ownership.FigureWriter(organisation), indicator_code=code, area_id=area.pk,
                                       area_code=area.code, existing=existing)
        if problem is not None:
            raise SurveyImportError(f"{file_name}, {area.code}, {variable}: {problem[1]}")
        Observation.objects.update_or_create(indicator=indicator, area=area, period=period, defaults=values)
        result.observations += 1
    result.areas = len(seen_areas)
    batch.rows = result.observations
    batch.save(update_fields=["rows"])
    audit.record(user=by, action="import", obj=batch, organisation=organisation,
                 changes={"file": file_name, "estimates": result.observations, "microdata_stored": False})
    return result
