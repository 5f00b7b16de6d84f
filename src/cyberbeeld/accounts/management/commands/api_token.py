"""``cyberbeeld api-token``: make (or revoke) an API token for an organisation from the command line.

The token is printed once; only its hash is stored. It acts as ``--user`` (a member of the organisation)
for that organisation only, within its scopes."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from cyberbeeld.accounts import tokens
from cyberbeeld.accounts.models import ApiToken, Organisation


class Command(BaseCommand):
    help = "API-sleutel maken of intrekken / make or revoke an API token"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--org", help="organisatie (slug) / organisation slug")
        parser.add_argument("--user", help="de sleutel handelt als dit lid / the member the token acts as")
        parser.add_argument("--name", default="", help="waarvoor / what it is for")
        parser.add_argument("--scope", action="append", default=[], choices=tokens.SCOPES,
                            help="bereik, herhaalbaar / scope, repeatable")
        parser.add_argument("--days", type=int, default=tokens.DEFAULT_DAYS,
                            help=f"geldig (dagen, 1-{tokens.MAX_DAYS}) / valid for days")
        parser.add_argument("--revoke", metavar="PREFIX", help="trek de sleutel met dit voorvoegsel in / revoke")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["revoke"]:
            token = ApiToken.objects.filter(prefix=opts["revoke"]).select_related("organisation").first()
            if token is None:
                raise CommandError(f"--revoke: no token with prefix {opts['revoke']!r}")
            tokens.token_revoke(by=None, token=token)
            self.stdout.write(f"revoked {token.prefix} ({token.name}, {token.organisation.slug})")
            return
        if not opts["org"] or not opts["user"] or not opts["scope"]:
            raise CommandError("--org, --user and at least one --scope are required")
        org = Organisation.objects.filter(slug=opts["org"]).first()
        if org is None:
            raise CommandError(f"--org: no organisation {opts['org']!r}")
        user = get_user_model().objects.filter(username=opts["user"]).first()
        if user is None:
            raise CommandError(f"--user: no user {opts['user']!r}")
        try:
            token, text = tokens.token_create(by=None, acting_as=user, organisation=org,
                                              name=opts["name"] or "cli", scopes=opts["scope"], days=opts["days"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stderr.write(f"token {token.prefix} for {org.slug} as {user.get_username()}, scopes "
                          f"{' '.join(token.scopes)}, expires {token.expires_at:%Y-%m-%d}; shown once:")
        self.stdout.write(text)
