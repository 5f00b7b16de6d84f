"""Printable exercise script and debrief, and the one-page portfolio overview, as PDF (WeasyPrint)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone, translation

from . import services

CSS = Path(__file__).parent / "static" / "actions" / "print.css"


def render_pdf(template: str, context: dict[str, Any]) -> bytes:
    from weasyprint import HTML  # deferred: heavy import (WeasyPrint ~1.8 s), only where a PDF is made

    html = render_to_string(template, {**context, "css": CSS.read_text(encoding="utf-8"), "standalone": True})
    ident = hashlib.sha256(html.encode("utf-8")).digest()[:16]
    return bytes(HTML(string=html, base_url=str(CSS.parent)).write_pdf(pdf_identifier=ident))


def exercise_context(exercise: Any) -> dict[str, Any]:
    schedule = services.exercise_schedule(exercise) if exercise.clock_state else None
    skipped = {i.key for i in schedule.skipped} if schedule else set()
    return {
        "exercise": exercise, "participants": list(exercise.participants.all()),
        "injects": list(exercise.injects.all()), "skipped": skipped,
        "log": list(exercise.log.select_related("measure").all()),
        "decisions": [e for e in exercise.log.all() if e.kind in ("besluit", "observatie")],
        "measures": list(exercise.measures.all()), "printed_on": timezone.localdate(),
        "revised": exercise.revised_assessment,
    }


def exercise_pdf(exercise: Any, kind: str, lang: str | None = None) -> bytes:
    template = "actions/pdf_script.html" if kind == "draaiboek" else "actions/pdf_debrief.html"
    with translation.override(lang or translation.get_language() or "nl"):
        return render_pdf(template, exercise_context(exercise))
