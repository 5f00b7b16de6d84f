"""``cyberbeeld add-organisation``: connect a new organisation and its first beheerder.

The way a real installation starts: the operator creates the organisation (optionally already with its
gemeente) and one beheerder account; the beheerder signs in and the start page does the rest (choosing
the gemeente, the first picture). Every write goes through the audited account services. The password
is read from ``--password-file`` or the environment variable ``CYBERBEELD_NEW_PASSWORD`` (never from the
command line, where other users of the machine could read it), else asked for twice."""

from __future__ import annotations

import getpass
import os
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import ValidationError, validate_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.text import slugify

from cyberbeeld.accounts import services
from cyberbeeld.accounts.models import Organisation, OrganisationKind, Role
from cyberbeeld.areas.models import Area, AreaKind
from cyberbeeld.areas.names import normalise, split_kind


def find_gemeente(text: str) -> Area:
    """A current gemeente by code (GM0917) or by any name the area register knows."""
    qs = Area.objects.filter(kind=AreaKind.GEMEENTE).order_by("superseded", "-pk")
    area = (qs.filter(code__iexact=text.strip()).first() or qs.filter(name__iexact=text.strip()).first()
            or qs.filter(names__key=normalise(split_kind(text)[0])).first())
    if area is None:
        raise CommandError(f"--gemeente: geen gemeente {text!r} (importeer eerst de gebieden: cyberbeeld import-areas)"
                           f" / no gemeente {text!r} (import the areas first)")
    if area.superseded:
        raise CommandError(f"--gemeente: {area.name} bestaat niet meer (heringedeeld) / no longer exists")
    return area


class Command(BaseCommand):
    help = ("Nieuwe organisatie met haar eerste beheerder aansluiten / connect a new organisation and its first "
            "beheerder")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("name", help="naam, bijv. 'Gemeente Heerlen' / name")
        parser.add_argument("--kind", default=OrganisationKind.GEMEENTE, choices=OrganisationKind.values)
        parser.add_argument("--slug", default="", help="korte naam in adressen / short name in addresses")
        parser.add_argument("--gemeente", default="", help="code of naam; leeg = de beheerder kiest bij de start")
        parser.add_argument("--beheerder", required=True, help="gebruikersnaam van de beheerder / username")
        parser.add_argument("--email", default="", help="e-mailadres van de beheerder")
        parser.add_argument("--password-file", default="", help="bestand met het wachtwoord (eerste regel)")

    def _password(self, opts: dict[str, Any]) -> str:
        if opts["password_file"]:
            return Path(opts["password_file"]).read_text(encoding="utf-8").splitlines()[0]
        if os.environ.get("CYBERBEELD_NEW_PASSWORD"):
            return os.environ["CYBERBEELD_NEW_PASSWORD"]
        first = getpass.getpass("Wachtwoord / password: ")
        if first != getpass.getpass("Nogmaals / again: "):
            raise CommandError("wachtwoorden verschillen / passwords differ")
        return first

    def handle(self, *args: Any, **opts: Any) -> None:
        name = opts["name"].strip()
        slug = opts["slug"] or slugify(name)
        if not name or not slug:
            raise CommandError("naam ontbreekt / name missing")
        if Organisation.objects.filter(slug=slug).exists():
            raise CommandError(f"organisatie {slug!r} bestaat al / already exists")
        User = get_user_model()
        if User.objects.filter(username=opts["beheerder"]).exists():
            raise CommandError(f"gebruiker {opts['beheerder']!r} bestaat al / user already exists")
        area = find_gemeente(opts["gemeente"]) if opts["gemeente"] else None
        if area is not None and opts["kind"] != OrganisationKind.GEMEENTE:
            raise CommandError("--gemeente alleen bij --kind gemeente / only for a gemeente")
        password = self._password(opts)
        try:
            validate_password(password, User(username=opts["beheerder"], email=opts["email"]))
        except ValidationError as exc:
            raise CommandError("wachtwoord te zwak / password too weak: " + " ".join(exc.messages)) from exc
        with transaction.atomic():
            org = services.organisation_create(
                by=None, kind=opts["kind"], name=name, slug=slug, area=area,
                regions=[area.veiligheidsregio] if area is not None and area.veiligheidsregio else [])
            user = services.user_create(by=None, username=opts["beheerder"], password=password, email=opts["email"])
            services.membership_set(by=None, user=user, organisation=org, role=Role.BEHEERDER)
        self.stdout.write(f"{org.name} ({org.slug}) aangesloten; beheerder {user.get_username()} kan inloggen en "
                          f"begint op /nl/start/ / connected; the beheerder signs in and starts at /en/start/")
