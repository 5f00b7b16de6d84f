"""Questions per form of incident, kept as data (``data/form_templates.json``).

They become extra fields on the incident form (prefix ``d_``), are stored in ``Incident.details``
and shown on the detail page. Free-text answers are redacted before they are stored: answers are
shared with everyone who may see the incident, unlike the raw description.
"""

from __future__ import annotations

import datetime as dt
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from django import forms
from django.utils.formats import number_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

PATH = Path(__file__).resolve().parent / "data" / "form_templates.json"
PREFIX = "d_"


@lru_cache(maxsize=1)
def _all() -> dict[str, list[dict[str, Any]]]:
    data = json.loads(PATH.read_text(encoding="utf-8"))
    return {k: v for k, v in data.items() if not k.startswith("_")}


def questions_for(form_code: str | None) -> list[dict[str, Any]]:
    return list(_all().get(form_code or "", []))


def _t(text: dict[str, str]) -> str:
    lang = (get_language() or "nl")[:2]
    return text.get(lang) or text.get("nl") or ""


def form_fields(form_code: str | None) -> dict[str, forms.Field]:
    """Django form fields for the questions of one form (all optional)."""
    out: dict[str, forms.Field] = {}
    for q in questions_for(form_code):
        label = _t(q["label"])
        kind = q["type"]
        field: forms.Field
        if kind == "bool":
            field = forms.TypedChoiceField(label=label, required=False, coerce=str, choices=[
                ("", _("onbekend")), ("ja", _("ja")), ("nee", _("nee"))])
        elif kind == "choice":
            field = forms.ChoiceField(label=label, required=False,
                                      choices=[("", "—")] + [(v, _t(lbl)) for v, lbl in q["choices"]])
        elif kind == "number":
            field = forms.DecimalField(label=label, required=False, min_value=0, max_digits=14, decimal_places=2)
        elif kind == "date":
            field = forms.DateField(label=label, required=False, widget=forms.DateInput(attrs={"type": "date"}))
        else:
            field = forms.CharField(label=label, required=False, max_length=300)
        out[PREFIX + q["key"]] = field
    return out


def initial(details: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for k, v in (details or {}).items():
        if isinstance(v, bool):
            v = "ja" if v else "nee"
        out[PREFIX + k] = v
    return out


def clean_details(form_code: str | None, values: dict[str, Any], *, redact: Any = None) -> dict[str, Any]:
    """Keep only the answers to this form's questions, typed for JSON; redact free text.

    ``values`` may use the plain keys or the prefixed field names. Raises ValueError on a bad value."""
    plain = {k.removeprefix(PREFIX): v for k, v in (values or {}).items()}
    out: dict[str, Any] = {}
    for q in questions_for(form_code):
        v = plain.get(q["key"])
        if v is None or v == "":
            continue
        kind = q["type"]
        if kind == "bool":
            if isinstance(v, bool):
                out[q["key"]] = v
            elif str(v).strip().lower() in ("ja", "yes", "true", "1", "j", "y"):
                out[q["key"]] = True
            elif str(v).strip().lower() in ("nee", "no", "false", "0", "n"):
                out[q["key"]] = False
            else:
                raise ValueError(q["key"])
        elif kind == "choice":
            allowed = [c[0] for c in q["choices"]]
            if str(v) not in allowed:
                raise ValueError(q["key"])
            out[q["key"]] = str(v)
        elif kind == "number":
            num = float(str(v).replace(",", ".")) if not isinstance(v, (int, float)) else float(v)
            if num < 0:
                raise ValueError(q["key"])
            out[q["key"]] = int(num) if num == int(num) else num
        elif kind == "date":
            out[q["key"]] = v.isoformat() if isinstance(v, dt.date) else dt.date.fromisoformat(str(v)).isoformat()
        else:
            text = str(v).strip()
            out[q["key"]] = redact(text) if redact else text
    return out


def display(form_code: str | None, details: dict[str, Any]) -> list[tuple[str, str]]:
    """(question, answer) pairs in the order of the template, for the detail page."""
    rows = []
    for q in questions_for(form_code):
        if q["key"] not in (details or {}):
            continue
        v = details[q["key"]]
        if q["type"] == "bool":
            shown = _("ja") if v else _("nee")
        elif q["type"] == "choice":
            shown = next((_t(lbl) for val, lbl in q["choices"] if val == v), str(v))
        elif q["type"] == "number":
            # grouped in the page's language: 25.000 / 25,000 (and 2,5 / 2.5)
            shown = number_format(v, use_l10n=True, force_grouping=True) if isinstance(v, int | float) else str(v)
        else:
            shown = str(v)
        rows.append((_t(q["label"]), shown))
    # answers to questions of another form (the form was changed) stay visible, unlabelled
    known = {q["key"] for q in questions_for(form_code)}
    rows += [(k, str(v)) for k, v in (details or {}).items() if k not in known]
    return rows
