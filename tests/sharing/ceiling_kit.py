"""Shared by the ceiling tests: sources of every kind at every label, and the "who sees what" check.

A source is owned by gemeente Maastricht (made by anna, coördinator) and shared as the isolation matrix
shares: TLP:RED with the police analyst paul as named individual, CLEAR with nobody, the other labels
with the police (named organisation) and the own veiligheidsregio.
"""

from __future__ import annotations

from typing import Any

from cyberbeeld.accounts.tlp import TLP

VIEWERS = ["anna", "lezer", "beheerder", "bert", "paul", "pia", "pete", "eva", "zoe", "kees", "nobody", None]


def extra_users(world: Any) -> None:
    """A bewerker of Maastricht (bert), a coördinator (pia) and a lezer (pete) of the police."""
    from django.contrib.auth import get_user_model

    from cyberbeeld.accounts.models import Role
    from cyberbeeld.accounts.services import membership_set

    if hasattr(world, "bert"):
        return
    User = get_user_model()
    for name, org, role in (("bert", world.maastricht, Role.BEWERKER), ("pia", world.politie, Role.COORDINATOR),
                            ("pete", world.politie, Role.LEZER)):
        user = User.objects.create_user(username=name, password=world.password)
        membership_set(by=None, user=user, organisation=org, role=role)
        setattr(world, name, user)


def share_spec(world: Any, tlp: TLP) -> dict[str, Any]:
    if tlp == TLP.RED:
        return {"recipients": [world.paul]}
    if tlp == TLP.CLEAR:
        return {}
    return {"organisations": [world.politie], "region": True}


def make_source(world: Any, kind: str, tlp: TLP, title: str) -> Any:
    """A source of ``kind`` owned by Maastricht at ``tlp``, shared as :func:`share_spec` says."""
    from cyberbeeld.accounts.services import share_set
    from cyberbeeld.incidents.services import current_forms, incident_save
    from cyberbeeld.risks import services as risk_services
    from cyberbeeld.risks.models import ScenarioTemplate

    form = current_forms().first()
    if kind == "approach":
        from cyberbeeld.sharing import services

        obj = services.approach_save(by=world.anna, owner=world.maastricht, forms=[form], sectors=["mkb"],
                                     data={"title": title, "approach": f"{title} aanpaktekst", "tlp": tlp.value})
        services.share(by=world.anna, obj=obj, tlp=tlp.value, legal_basis="publieke-taak", purpose="test",
                       **share_spec(world, tlp))
    else:
        if kind == "incident":
            obj = incident_save(by=world.anna, owner=world.maastricht,
                                data={"title": title, "form": form, "tlp": tlp.value})
        elif kind == "scenario":
            risk_services.templates_sync()
            obj = risk_services.scenario_adopt(
                by=world.anna, owner=world.maastricht, template=ScenarioTemplate.objects.get(code="gehackte-sluis-brug"),
                overrides={"title": title, "description": f"{title} omschrijving", "tlp": tlp.value})
        elif kind == "exercise":
            from cyberbeeld.actions import services as action_services

            obj = action_services.exercise_save(by=world.anna, owner=world.maastricht,
                                                data={"title": title, "description": f"{title} opzet", "tlp": tlp.value})
        elif kind == "proposal":
            from cyberbeeld.risks.models import Proposal, ProposalKind

            obj = Proposal.objects.create(
                owner=world.maastricht, area=world.gm_maastricht, kind=ProposalKind.FORM_GAP, key=f"test:{title}",
                title_nl=title, title_en=title, reason_nl=f"{title} reden", reason_en=f"{title} reason",
                data={"form": form.code}, tlp=tlp.value, created_by=world.anna)
        else:
            raise AssertionError(kind)
        share_set(by=world.anna, obj=obj, tlp=tlp.value, **share_spec(world, tlp))
    obj.refresh_from_db()
    return obj


def user(world: Any, name: str | None) -> Any:
    from django.contrib.auth.models import AnonymousUser

    return getattr(world, name) if name else AnonymousUser()


def leaks(world: Any, derived: Any, source: Any) -> list[str]:
    """Viewers who see ``derived`` but may not see ``source`` (must be none)."""
    from cyberbeeld.accounts import policy

    found = []
    for name in VIEWERS:
        u = user(world, name)
        if policy.can_view(u, derived) and not policy.can_view(u, source):
            found.append(name or "anonymous")
    return found
