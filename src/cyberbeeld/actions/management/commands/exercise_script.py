"""`cyberbeeld exercise-script EXERCISE_ID --out FILE.pdf`: the printable exercise script."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cyberbeeld.actions.models import Exercise
from cyberbeeld.actions.pdf import exercise_pdf

KIND = "draaiboek"


def _exercise(ident: str) -> Any:
    qs = Exercise.objects.all()
    ex = qs.filter(uuid=ident).first() if len(ident) > 12 else qs.filter(pk=int(ident)).first() if ident.isdigit() else None
    if ex is None:
        raise CommandError(f"no exercise {ident!r}")
    return ex


class Command(BaseCommand):
    help = "Render the exercise script (draaiboek) as PDF."
    kind = KIND

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("exercise_id", help="UUID or numeric id of the exercise")
        parser.add_argument("--out", required=True, help="PDF file to write")
        parser.add_argument("--lang", default="nl", choices=["nl", "en"])

    def handle(self, *args: Any, **opts: Any) -> None:
        ex = _exercise(opts["exercise_id"])
        out = Path(opts["out"])
        out.write_bytes(exercise_pdf(ex, self.kind, lang=opts["lang"]))
        self.stdout.write(f"{out} ({out.stat().st_size} bytes)")
