"""``cyberbeeld report maastricht --format pdf --out dreigingsbeeld.pdf``: the threat-picture document."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from cyberbeeld.areas.models import Area
from cyberbeeld.reports import services


class Command(BaseCommand):
    help = "Maak het dreigingsbeeld van een gemeente of veiligheidsregio als PDF of HTML / build the threat-picture report"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("area", help="gemeente (slug of GM-code) of veiligheidsregio (VR-code) / area")
        parser.add_argument("--format", choices=["pdf", "html"], default="pdf")
        parser.add_argument("--out", required=True, help="uitvoerbestand / output file")
        parser.add_argument("--lang", choices=["nl", "en"], default="nl")
        parser.add_argument("--as", dest="as_user", default="",
                            help="alleen wat deze gebruiker mag zien / only what this user may see")
        parser.add_argument("--no-store", action="store_true", help="geen versie opslaan / do not store a version")

    def handle(self, *args: Any, **opts: Any) -> None:
        ref = opts["area"].strip()
        try:
            area = Area.objects.get(code=ref.upper()) if ref[:2].upper() in ("GM", "VR") and ref[2:].isdigit() \
                else Area.objects.by_ref(ref)
        except Area.DoesNotExist as exc:
            raise CommandError(f"onbekend gebied / unknown area: {ref}") from exc
        user = None
        if opts["as_user"]:
            user = get_user_model().objects.filter(username=opts["as_user"]).first()
            if user is None:
                raise CommandError(f"onbekende gebruiker / unknown user: {opts['as_user']}")

        def progress(pct: int, message: str) -> None:
            self.stdout.write(f"[{pct:3d}%] {message}")

        owner = services.owner_for(area)
        if owner is not None and not opts["no_store"]:
            report = services.report_request(by=user, owner=owner, area=area, lang=opts["lang"], fmt=opts["format"])
            report = services.report_build(report, progress=progress, as_user=user is not None)
            content, version, sha = bytes(report.content), report.version, report.content_sha256
            tlp = report.tlp
        else:
            snap, content = services.build_document(area, lang=opts["lang"], fmt=opts["format"], user=user,
                                                    progress=progress)
            version, sha, tlp = None, hashlib.sha256(content).hexdigest(), snap["tlp"]
        out = Path(opts["out"])
        out.write_bytes(content)
        self.stdout.write(f"[100%] {out} ({len(content)} bytes, TLP:{tlp.upper()}"
                          + (f", versie {version}" if version else "") + f", sha256 {sha[:16]}…)")
