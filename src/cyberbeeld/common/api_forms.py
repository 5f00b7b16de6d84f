"""Write operations reuse the web forms' validation: the JSON body is laid over what the edit page would
show (for an update) and the same Django form validates it; its errors become a 422 problem naming each
field in Dutch and English. Codes (form, area, …) are looked up to the keys the form expects."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.http import Http404
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from . import problems

UNKNOWN = (_("Onbekende code: %(value)s"), "Unknown code: %(value)s")


def shown_values(form: forms.BaseForm) -> dict[str, Any]:
    """What the edit page shows in each field (its initial values, as the browser would submit them)."""
    out: dict[str, Any] = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if isinstance(field, forms.ModelMultipleChoiceField):
            value = [v.pk if hasattr(v, "pk") else v for v in (value or [])]
        elif isinstance(field, forms.BooleanField):
            value = bool(value)
        out[name] = "" if value is None else value
    return out


def unknown_code(field: str, value: Any) -> dict[str, Any]:
    with translation.override("nl"):
        nl = str(UNKNOWN[0]) % {"value": value}
    return {"field": field, "row": None, "message_nl": nl, "message_en": UNKNOWN[1] % {"value": value}}


def refuse_nul(value: Any, field: str = "") -> None:
    """A NUL character anywhere in a JSON body (key or value, at any depth) is a 400 naming the field:
    PostgreSQL refuses it in every text and jsonb value (a lookup or save with it would be a 500 there)."""
    if isinstance(value, str):
        if "\x00" in value:
            nl, en = problems.DETAILS["nul"]
            raise problems.ApiProblem(400, "nul", errors=[{"field": field or None, "row": None,
                                                           "message_nl": nl, "message_en": en}])
    elif isinstance(value, dict):
        for k, v in value.items():
            refuse_nul(str(k), field)
            refuse_nul(v, f"{field}.{k}" if field else str(k))
    elif isinstance(value, (list, tuple)):
        for item in value:
            refuse_nul(item, field)


def bind(form_factory: Callable[..., forms.BaseForm], payload: dict[str, Any], *,
         lookups: dict[str, Callable[[Any], Any]] | None = None, refused: tuple[str, ...] = (),
         rename: dict[str, str] | None = None) -> forms.BaseForm:
    """A bound form: the unbound form's values with ``payload`` laid over them (codes looked up).

    ``form_factory(data)`` makes the form (``data=None``: unbound). A payload field the form leaves out for
    this caller (e.g. the label, for someone who may not share) is a 403 problem naming the field; a code that
    does not exist, or a form error, a 422. ``rename`` maps the API's field names to the form's (``forms`` →
    ``form_set``); every problem names the field as the API does."""
    refuse_nul(payload)
    if rename:
        back = {form_name: api_name for api_name, form_name in rename.items()}
        payload = {rename.get(k, k): v for k, v in payload.items()}
        try:
            return bind(form_factory, payload, lookups=lookups, refused=refused)
        except problems.ApiProblem as exc:
            for error in exc.errors:
                if error.get("field") in back:
                    error["field"] = back[error["field"]]
            raise
    unbound = form_factory(None)
    data = shown_values(unbound)
    errors = []
    for name, value in payload.items():
        if name not in unbound.fields:
            if name in refused:
                raise problems.ApiProblem(403, "role", errors=[{
                    "field": name, "row": None, "message_nl": problems.DETAILS["role"][0],
                    "message_en": problems.DETAILS["role"][1]}])
            continue
        if lookups and name in lookups and value not in (None, ""):
            found = lookups[name](value)
            if found is None:
                errors.append(unknown_code(name, value))
                continue
            value = found
        data[name] = "" if value is None else value
    if errors:
        raise problems.ApiProblem(422, "invalid", errors=errors)
    form = form_factory(data)
    if not form.is_valid():
        raise problems.ApiProblem(422, "invalid", errors=problems.form_errors(form))
    return form


def creating_organisation(request: Any, may_create: Callable[[Any, Any], bool]) -> Any:
    """The organisation an API create acts for: the request's, when ``may_create(user, organisation)``
    (``accounts.policy.can_create_in``); else a 403 (no organisation, or a role or token that only reads)."""
    org = getattr(request, "organisation", None)
    if org is None or not may_create(request.user, org):
        raise problems.ApiProblem(403, "role")
    return org


def require_writable(*, owned: bool, allowed: bool) -> None:
    """An API write on an existing object: another organisation's object is a 404 even when it is shared with
    the caller (the same answer as for a missing one: an organisation never writes another's object); a member
    of the owner whose role (or token) does not allow it gets a 403."""
    if not owned:
        raise Http404
    if not allowed:
        raise problems.ApiProblem(403, "role")
