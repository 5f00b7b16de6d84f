"""Export of measures as CSV, XLSX or ODS (tablib; formulas escaped by ``cyberbeeld.spreadsheets``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from cyberbeeld.spreadsheets import dataset

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
}
HEADERS = ["uuid", "titel", "eigenaar", "status", "gereed_op", "te_laat", "portefeuille", "portefeuillehouder",
           "partners", "scenarios", "vormen", "effect_op", "verwacht_effect", "indicator", "tlp", "voorbeeld"]


def measures(items: Iterable[Any], fmt: str) -> tuple[bytes, str]:
    data = dataset(HEADERS, (_row(m) for m in items), title="maatregelen")
    body = data.export(fmt)
    if isinstance(body, str):
        body = body.encode("utf-8")
    return bytes(body), FORMATS[fmt]


def _row(m: Any) -> list[Any]:
    return [
        str(m.uuid), m.title, m.owner.name, m.status, m.due_date.isoformat() if m.due_date else "",
        "ja" if m.is_overdue else "nee", m.portfolio.name if m.portfolio else "", m.portfolio_holder,
        "; ".join(m.partner_labels()), "; ".join(s.title for s in m.scenarios.all()),
        "; ".join(f.code for f in m.forms.all()), m.effect_on, m.expected_effect,
        m.indicator.code if m.indicator else "", m.tlp, "ja" if m.is_example else "nee",
    ]
