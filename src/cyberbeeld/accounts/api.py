from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from . import policy

router = Router(tags=["accounts"])
PREFIX = "/"  # mount point under /api/v1/ (default: "/<app label>"): the account endpoints sit at the root


class OrganisationOut(Schema):
    slug: str
    name: str
    kind: str
    role: str


class MeOut(Schema):
    username: str
    organisations: list[OrganisationOut]


@router.get("/me", response=MeOut, summary="Wie ben ik / who am I")
def me(request: HttpRequest) -> dict[str, object]:
    actor = policy.actor_for(request.user)
    orgs = [
        {"slug": o.slug, "name": o.name, "kind": o.kind, "role": actor.roles[o.pk]}
        for o in policy.organisations_of(request.user)
    ]
    return {"username": request.user.get_username(), "organisations": orgs}
