"""The ``cyberbeeld`` console command.

Pure commands (``redact``, ``classify``, ``estimate``) run without Django; the others dispatch
to Django management commands (``import-areas`` → ``import_areas``). Bad input ends with a
one-line reason and a non-zero exit code, never a traceback.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable

# command -> "module:function" taking argv (list[str]) and returning an exit code
PURE: dict[str, str] = {
    "redact": "cyberbeeld.incidents.redact:cli",
    "classify": "cyberbeeld.incidents.classify:cli",
    "estimate": "cyberbeeld.survey.cli:main",
}

ALIASES = {"serve": "runserver", "worker": "db_worker"}

HELP = """Cyberbeeld — lokaal dreigingsbeeld cybercrime

Gebruik / usage: cyberbeeld <opdracht> [opties]

  serve [ADRES:POORT]          webapplicatie starten / start the web app
  worker                       achtergrondtaken uitvoeren / run background tasks
  demo                         demogemeente laden (idempotent) / load the demo
  import-areas [BESTAND...]    gemeenten en regio's inlezen / import areas
  redact                       persoonsgegevens uit tekst (stdin → stdout)
  classify                     vorm voorstellen (stdin → JSON)
  estimate DATA ...            surveyschattingen / survey estimates
  migrate                      database bijwerken / migrate the database

Elke Django-beheeropdracht werkt ook (cyberbeeld help-django toont ze).
"""


def _resolve(spec: str) -> Callable[[list[str]], int]:
    module, func = spec.split(":")
    return getattr(importlib.import_module(module), func)  # type: ignore[no-any-return]


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in {"-h", "--help", "help"}:
        sys.stdout.write(HELP)
        return 0
    command, rest = argv[0], argv[1:]
    if command in PURE:
        try:
            return int(_resolve(PURE[command])(rest) or 0)
        except (ImportError, AttributeError) as exc:
            sys.stderr.write(f"cyberbeeld {command}: niet beschikbaar ({exc})\n")
            return 2
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
