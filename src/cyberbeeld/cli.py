"""The ``cyberbeeld`` console command.

Pure commands (``redact``, ``classify``, ``estimate``) run without Django; the others dispatch
to Django management commands (``import-areas`` → ``import_areas``). Bad input ends with a
one-line reason and a non-zero exit code, never a traceback.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable


def _redact(argv: list[str]) -> int:
    from cyberbeeld.incidents.redact import redact_main

    return redact_main()


def _classify(argv: list[str]) -> int:
    from cyberbeeld.incidents.classify import classify_main

    return classify_main()


def _estimate(argv: list[str]) -> int:
    from cyberbeeld.survey.cli import main as estimate_main

    return estimate_main(argv)


# Commands that need no Django: each takes argv and returns an exit code.
PURE: dict[str, Callable[[list[str]], int]] = {"redact": _redact, "classify": _classify, "estimate": _estimate}

ALIASES: dict[str, str] = {}  # ``serve`` and ``worker`` are own commands (web/management/commands)

HELP = """Cyberbeeld — lokaal dreigingsbeeld cybercrime

Gebruik / usage: cyberbeeld <opdracht> [opties]

  serve [ADRES:POORT] [--no-worker]    webapplicatie starten, met achtergrondverwerker / start the
                                       web app with a background worker beside it
  worker                               achtergrondtaken uitvoeren (zonder serve) / run background tasks
  demo                                 demogemeente laden (idempotent) / load the demo
  migrate                              database bijwerken / migrate the database
  import-areas [BESTAND...]            gemeenten en regio's inlezen / import areas
  import-cbs BESTAND|MAP [--area NL01] indicatoren inlezen / import indicator data
  seed-indicators                      indicatorcatalogus laden / load the catalogue
  publish GEMEENTE --out MAP           publieke themapagina's als statische site
  import-incidents BESTAND --org SLUG  incidenten inlezen (alles of niets)
  redact                               persoonsgegevens uit tekst (stdin → stdout)
  classify                             vorm voorstellen (stdin → JSON)
  retrain-classifier                   classificatie opnieuw trainen met correcties
  apply-retention [--dry-run]          bewaartermijnen toepassen
  export-taxonomy --out BESTAND        taxonomie als MISP-machinetag
  import-taxonomy BESTAND              nieuwe taxonomieversie inlezen
  estimate DATA --weights KOLOM ...    surveyschattingen / survey estimates
  report GEMEENTE --format pdf|html --out BESTAND
                                       dreigingsbeeld als document / the report
  export-cases --org SLUG --format stix|misp --out BESTAND
  import-cases BESTAND --org SLUG      casussen uitwisselen (STIX 2.1, MISP)
  exercise-script ID --out BESTAND.pdf oefenscript; exercise-debrief: evaluatie

Elke Django-beheeropdracht werkt ook (cyberbeeld help-django toont ze).
"""


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in {"-h", "--help", "help"}:
        sys.stdout.write(HELP)
        return 0
    command, rest = argv[0], argv[1:]
    if command in PURE:
        return int(PURE[command](rest) or 0)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cyberbeeld.config.settings.dev")
    from django.core.management import execute_from_command_line
    from django.core.management.base import CommandError

    if command == "help-django":
        execute_from_command_line(["cyberbeeld", "help"])
        return 0
    name = ALIASES.get(command, command.replace("-", "_"))
    try:
        execute_from_command_line(["cyberbeeld", name, *rest])
    except CommandError as exc:  # pragma: no cover - Django prints and exits itself normally
        sys.stderr.write(f"cyberbeeld {command}: {exc}\n")
        return 2
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
