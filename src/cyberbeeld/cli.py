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

ALIASES = {"serve": "runserver"}

HELP = """Cyberbeeld — lokaal dreigingsbeeld cybercrime

Gebruik / usage: cyberbeeld <opdracht> [opties]

  serve [ADRES:POORT]                  webapplicatie starten (ontwikkelserver) / start the web app
  serve --production [ADRES:POORT]     productieserver (gunicorn), verzamelt statische bestanden
  worker                               achtergrondtaken uitvoeren / run background tasks
  scheduler [--once]                   geplande taken (bewaartermijnen, opschonen) / scheduled jobs
  backup --out BESTAND.tar.gz          database, bijlagen en manifest / back up everything
  restore BESTAND.tar.gz               backup terugzetten in een lege installatie / restore
  demo                                 demogemeente laden (idempotent) / load the demo
  migrate                              database bijwerken / migrate the database
  import-areas [BESTAND...]            gemeenten en regio's inlezen / import areas
  import-cbs BESTAND|MAP [--area NL01] referentiecijfers inlezen / import reference figures
  fetch-cbs TABELNUMMER [--api v4]     CBS-tabel ophalen (internet) en inlezen / fetch a table
  seed-indicators                      indicatorcatalogus laden / load the catalogue
  publish GEMEENTE --out MAP           publieke themapagina's als statische site
  import-incidents BESTAND --org SLUG  incidenten inlezen (alles of niets)
  redact                               persoonsgegevens uit tekst (stdin → stdout)
  classify                             vorm voorstellen (stdin → JSON)
  retrain-classifier                   classificatie opnieuw trainen met correcties
  apply-retention [--dry-run]          bewaartermijnen toepassen
  redact-shared-text [--dry-run]       persoonsgegevens uit bestaande gedeelde tekst (na upgrade)
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
    if command == "serve" and "--production" in rest:
        from cyberbeeld.ops.server import main as serve_production

        return serve_production([a for a in rest if a != "--production"])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cyberbeeld.config.settings.dev")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line
    from django.core.management.base import CommandError

    try:
        settings.INSTALLED_APPS  # noqa: B018  (loads the settings: a refusal is one line, no traceback)
    except ImproperlyConfigured as exc:
        sys.stderr.write(f"cyberbeeld {command}: {exc}\n")
        return 2

    if command == "help-django":
        execute_from_command_line(["cyberbeeld", "help"])
        return 0
    name = ALIASES.get(command, command.replace("-", "_"))
    from django.db import OperationalError

    try:
        execute_from_command_line(["cyberbeeld", name, *rest])
    except CommandError as exc:  # pragma: no cover - Django prints and exits itself normally
        sys.stderr.write(f"cyberbeeld {command}: {exc}\n")
        return 2
    except OperationalError as exc:
        reason = " ".join(str(exc).split())[:300]
        sys.stderr.write(f"cyberbeeld {command}: database niet bereikbaar / unreachable: {reason}\n")
        return 2
    return 0


def run() -> None:
    """The console entry point: :func:`main`, then leave at once when the command loaded deduce.

    deduce's lookup structures are hundreds of MB of small objects; tearing them down at interpreter exit
    took up to 70 s after the work was done and its output written (``redact``, ``warm-up``, ``demo``,
    ``import-incidents``). By then every transaction is committed and the output is flushed here, so
    nothing is lost by skipping the teardown.
    """
    code = main()
    if "deduce" in sys.modules:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    raise SystemExit(code)


if __name__ == "__main__":  # pragma: no cover
    run()
