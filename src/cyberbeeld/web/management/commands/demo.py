from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from cyberbeeld import demo


class Command(BaseCommand):
    help = "Laad de demogemeente Maastricht (idempotent) / load the demo municipality"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--quiet", action="store_true")

    def handle(self, *args: Any, **opts: Any) -> None:
        demo.load(log=(lambda m: None) if opts["quiet"] else self.stdout.write)
        self.stdout.write("")
        self.stdout.write(f"Demo-inloggegevens / demo logins (wachtwoord / password: {demo.DEMO_PASSWORD})")
        for username, org, role in demo.credentials():
            self.stdout.write(f"  {username:<26} {org:<32} {role}")
