"""The ``cyberbeeld`` console command.

Pure commands (``redact``, ``classify``, ``estimate``) run without Django; the others dispatch
to Django management commands (``import-areas`` → ``import_areas``). Bad input ends with a
one-line reason and a non-zero exit code, never a traceback.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

from cyberbeeld.common.errors import ApplicationError


def _redact(argv: list[str]) -> int:
    # deferred: each pure command loads only its own modules (redact: deduce on first use)
    from cyberbeeld.common.redact import redact_main

    return redact_main()


def _classify(argv: list[str]) -> int:
    # deferred: each pure command loads only its own modules (classify: scikit-learn ~1.5 s)
    from cyberbeeld.incidents.classify import classify_main

    return classify_main()


def _estimate(argv: list[str]) -> int:
    # deferred: each pure command loads only its own modules (`estimate --help` <= 0.5 s)
    from cyberbeeld.survey.cli import main as estimate_main

    return estimate_main(argv)


# Commands that need no Django: each takes argv and returns an exit code.
PURE: dict[str, Callable[[list[str]], int]] = {"redact": _redact, "classify": _classify, "estimate": _estimate}

ALIASES: dict[str, str] = {}  # ``serve`` and ``worker`` are own commands (web/management/commands)
LONG_RUNNING = {"serve", "runserver", "worker", "db_worker", "scheduler", "shell", "dbshell"}

HELP = """Cyberbeeld — lokaal dreigingsbeeld cybercrime

Gebruik / usage: cyberbeeld <opdracht> [opties]

  serve [ADRES:POORT] [--no-worker]    webapplicatie starten, met achtergrondverwerker / start the
                                       web app with a background worker beside it
  worker                               achtergrondtaken uitvoeren (zonder serve) / run background tasks
  serve --production [ADRES:POORT]     productieserver (gunicorn), verzamelt statische bestanden
  scheduler [--once]                   geplande taken (bewaartermijnen, opschonen) / scheduled jobs
  backup --out BESTAND.tar.gz          database, bijlagen en manifest / back up everything
  restore BESTAND.tar.gz               backup terugzetten in een lege installatie / restore
  demo                                 demogemeente laden (idempotent) / load the demo
  add-organisation NAAM --beheerder GEBRUIKER [--gemeente GM0917] [--kind gemeente]
                                       organisatie met eerste beheerder aansluiten (wachtwoord via
                                       CYBERBEELD_NEW_PASSWORD of gevraagd) / connect an organisation
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


EXIT_INPUT = 2  # bad input or arguments: the message says which file, row and field
EXIT_OPERATOR = 3  # the installation: database unreachable, missing secret, wrong settings
EXIT_INTERNAL = 4  # a bug: the message names the exception; --traceback shows it


def _one_line(text: object) -> str:
    lines = [line.strip() for line in str(text).splitlines() if line.strip()]
    return " ".join(lines)[:2000] if lines else ""


def _operator_error(exc: BaseException) -> str | None:
    """The sentence for a failure of the installation rather than of the input, if it is one."""
    # deferred: Django loads only for the Django commands; the pure ones run without it
    from django.core.exceptions import ImproperlyConfigured
    from django.db import DatabaseError, InterfaceError, OperationalError

    if isinstance(exc, ModuleNotFoundError) and "settings" in str(exc):
        return (f"instellingen niet gevonden (DJANGO_SETTINGS_MODULE) / settings module not found: "
                f"{_one_line(exc)}")
    if isinstance(exc, ImproperlyConfigured):
        return f"instellingen onvolledig / settings incomplete: {_one_line(exc)}"
    if isinstance(exc, DatabaseError) and ("no such table" in str(exc) or "does not exist" in str(exc)):
        return f"database niet bijgewerkt (cyberbeeld migrate) / database not migrated: {_one_line(exc)}"
    if isinstance(exc, OperationalError | InterfaceError):
        return ("database niet bereikbaar (controleer DATABASE_URL en of de database draait) / database "
                f"unreachable (check DATABASE_URL and that the database is running): {_one_line(exc)}")
    return None


def _language() -> str:
    """The active language: Django's (the settings' LANGUAGE_CODE, or the one a command activated), else
    CYBERBEELD_LANGUAGE; Dutch unless it says English."""
    try:
        # deferred: Django loads only for the Django commands; a pure command's error line reads the environment
        from django.utils import translation

        lang = translation.get_language()
    except Exception:  # noqa: BLE001 - settings not loadable: the environment decides
        lang = None
    lang = lang or os.environ.get("CYBERBEELD_LANGUAGE") or "nl"
    return "en" if lang.lower().startswith("en") else "nl"


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in {"-h", "--help", "help"}:
        sys.stdout.write(HELP)
        return 0
    command, rest = argv[0], argv[1:]
    if command in PURE:
        return int(PURE[command](rest) or 0)
    if command == "serve" and "--production" in rest:
        # deferred: the production launcher loads only for `serve --production`
        from cyberbeeld.ops.server import main as serve_production

        return serve_production([a for a in rest if a != "--production"])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cyberbeeld.config.settings.dev")
    try:
        return _django(command, rest)
    except KeyboardInterrupt:
        sys.stderr.write(f"cyberbeeld {command}: afgebroken / interrupted\n")
        return 130
    except SystemExit:
        raise
    except BaseException as exc:  # noqa: BLE001 - the one place that turns any failure into one line
        if "--traceback" in rest:
            raise
        if isinstance(exc, ApplicationError):  # common.errors: "code: message (file, row, field)" and its exit code
            sys.stderr.write(f"cyberbeeld {command}: {exc.line(_language())}\n")
            return exc.exit_code
        if isinstance(exc, UnicodeError | ValueError) and _operator_error(exc) is None:
            sys.stderr.write(f"cyberbeeld {command}: {_one_line(exc)}\n")
            return EXIT_INPUT
        operator = _operator_error(exc)
        if operator is not None:
            sys.stderr.write(f"cyberbeeld {command}: {operator}\n")
            return EXIT_OPERATOR
        sys.stderr.write(f"cyberbeeld {command}: interne fout / internal error: {type(exc).__name__}: "
                         f"{_one_line(exc)} (--traceback toont de details / shows the details)\n")
        return EXIT_INTERNAL


def _django(command: str, rest: list[str]) -> int:
    import django  # deferred: Django loads only for the Django commands; the pure ones run without it
    from django.conf import settings

    settings.INSTALLED_APPS  # noqa: B018 - loads the settings: a missing secret fails here (ImproperlyConfigured)
    django.setup()
    # deferred: Django loads only for the Django commands; the pure ones run without it
    from django.core.management import execute_from_command_line, get_commands, load_command_class
    from django.core.management.base import CommandError, handle_default_options
    from django.db import connections

    if command == "help-django":
        execute_from_command_line(["cyberbeeld", "help"])
        return 0
    name = ALIASES.get(command, command.replace("-", "_"))
    if name in LONG_RUNNING:  # the server and the worker keep Django's own start-up (autoreload)
        execute_from_command_line(["cyberbeeld", name, *rest])
        return 0
    commands = get_commands()
    if name not in commands:
        sys.stderr.write(f"cyberbeeld {command}: onbekende opdracht / unknown command (cyberbeeld --help)\n")
        return EXIT_INPUT
    cmd = load_command_class(commands[name], name) if isinstance(commands[name], str) else commands[name]
    parser = cmd.create_parser("cyberbeeld", name)
    options = parser.parse_args(rest)  # argparse prints a one-line usage error and exits 2 itself
    handle_default_options(options)
    cmd_options = vars(options)
    args = cmd_options.pop("args", ())
    try:
        cmd.execute(*args, **cmd_options)
    except CommandError as exc:
        if cmd_options.get("traceback"):
            raise
        sys.stderr.write(f"cyberbeeld {command}: {_one_line(exc)}\n")
        return exc.returncode if exc.returncode not in (0, 1) else EXIT_INPUT
    finally:
        for conn in connections.all(initialized_only=True):
            if not conn.in_atomic_block:  # (a caller's transaction, e.g. a test, stays open)
                conn.close()
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
