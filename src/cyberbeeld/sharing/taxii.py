"""A small TAXII 2.1 server for the casebook, plus a pull client.

Endpoints (mount ``cyberbeeld.sharing.taxii.urlpatterns`` under ``/api/taxii2/``):

* ``GET  /api/taxii2/``                                         discovery
* ``GET  /api/taxii2/cyberbeeld/``                              API root
* ``GET  /api/taxii2/cyberbeeld/collections/``                  one collection per organisation of the caller
* ``GET  /api/taxii2/cyberbeeld/collections/<uuid>/``           that collection
* ``GET  /api/taxii2/cyberbeeld/collections/<uuid>/objects/``   STIX objects the caller may pass on
* ``POST /api/taxii2/cyberbeeld/collections/<uuid>/objects/``   import (all or nothing) into that organisation
* ``GET  /api/taxii2/cyberbeeld/status/<id>/``                  status of an import

Authentication: HTTP Basic (a Cyberbeeld account) or ``Authorization: Token <token>`` (an
:class:`~.models.ExchangeToken` of an organisation, acting as its user). Every object passes
``accounts.policy`` (``may_export``); a collection of an organisation the caller is not a member of
is a 404, like everything else that does not exist for the caller.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import uuid
from typing import Any

from django.contrib.auth import authenticate
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from cyberbeeld import inputs
from cyberbeeld.accounts import policy
from cyberbeeld.accounts.models import Organisation, Role

from . import exchange
from .models import Case, ExchangeToken

MEDIA_TYPE = "application/taxii+json;version=2.1"
STIX_MEDIA_TYPE = "application/stix+json;version=2.1"
API_ROOT = "cyberbeeld"
MAX_CONTENT_LENGTH = 10 * 1024 * 1024


def _json(data: Any, status: int = 200) -> HttpResponse:
    return HttpResponse(json.dumps(data, ensure_ascii=False, default=str), status=status, content_type=MEDIA_TYPE)


def _error(status: int, title: str, description: str = "") -> HttpResponse:
    response = _json({"title": title, "description": description, "http_status": str(status)}, status)
    if status == 401:
        response["WWW-Authenticate"] = 'Basic realm="Cyberbeeld TAXII"'
    return response


def issue_token(*, organisation: Organisation, user: Any, name: str) -> str:
    """Create a token for an organisation (returned once; only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    ExchangeToken.objects.create(organisation=organisation, user=user, name=name,
                                 token_hash=hashlib.sha256(token.encode()).hexdigest())
    return token


def _caller(request: HttpRequest) -> tuple[Any, Organisation | None] | None:
    """(user, token organisation or None) from Basic or Token authentication, else None."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "basic":
        try:
            username, _, password = base64.b64decode(value).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return None
        user = authenticate(request, username=username, password=password)
        return (user, None) if user is not None and user.is_active else None
    if scheme.lower() in ("token", "bearer"):
        digest = hashlib.sha256(value.strip().encode()).hexdigest()
        tok = ExchangeToken.objects.filter(token_hash=digest).select_related("user", "organisation").first()
        if tok is None or not tok.user.is_active:
            return None
        # the token acts only while its user is still a member of its organisation
        if tok.organisation_id not in policy.actor_for(tok.user).org_ids:
            return None
        return tok.user, tok.organisation
    return None


def _endpoint(fn: Any) -> Any:
    @csrf_exempt
    def view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        caller = _caller(request)
        if caller is None:
            return _error(401, "Unauthorized", "HTTP Basic or Token authentication required")
        accept = request.META.get("HTTP_ACCEPT", MEDIA_TYPE)
        if "taxii+json" not in accept and "*/*" not in accept and "application/json" not in accept:
            return _error(406, "Not Acceptable", f"use Accept: {MEDIA_TYPE}")
        return fn(request, *caller, *args, **kwargs)

    return view


def _collections(user: Any, token_org: Organisation | None) -> list[Organisation]:
    orgs = policy.organisations_of(user)
    if token_org is not None:
        orgs = orgs.filter(pk=token_org.pk)
    return list(orgs)


def _collection_info(org: Organisation, user: Any) -> dict[str, Any]:
    return {"id": str(org.uuid), "title": f"Casusboek {org.name}",
            "description": "Casussen die deze organisatie bezit of mag doorgeven (TLP 2.0).",
            "can_read": True, "can_write": policy.actor_for(user).has_role(org.pk, Role.BEWERKER),
            "media_types": [STIX_MEDIA_TYPE]}


def _collection(user: Any, token_org: Organisation | None, collection_id: Any) -> Organisation | None:
    return next((o for o in _collections(user, token_org) if str(o.uuid) == str(collection_id)), None)


@_endpoint
def discovery(request: HttpRequest, user: Any, token_org: Any) -> HttpResponse:
    root = request.build_absolute_uri(f"/api/taxii2/{API_ROOT}/")
    return _json({"title": "Cyberbeeld TAXII 2.1", "description": "Casusboek: gedeelde casussen (TLP 2.0)",
                  "default": root, "api_roots": [root]})


@_endpoint
def api_root(request: HttpRequest, user: Any, token_org: Any) -> HttpResponse:
    return _json({"title": "Cyberbeeld casusboek", "versions": [MEDIA_TYPE], "max_content_length": MAX_CONTENT_LENGTH})


@_endpoint
def collections(request: HttpRequest, user: Any, token_org: Any) -> HttpResponse:
    return _json({"collections": [_collection_info(o, user) for o in _collections(user, token_org)]})


@_endpoint
def collection(request: HttpRequest, user: Any, token_org: Any, collection_id: Any) -> HttpResponse:
    org = _collection(user, token_org, collection_id)
    if org is None:
        return _error(404, "Not Found")
    return _json(_collection_info(org, user))


def collection_cases(user: Any, org: Organisation) -> list[Case]:
    """What this collection serves: cases the organisation owns or that reach it, if the caller may pass them on."""
    own_orgs = policy.actor_for(user).org_ids
    qs = policy.visible(user, Case.objects.all()).select_related("owner").prefetch_related("forms")
    return [c for c in qs if (c.owner_id == org.pk or c.owner_id not in own_orgs) and policy.may_export(user, c)]


@_endpoint
def objects(request: HttpRequest, user: Any, token_org: Any, collection_id: Any) -> HttpResponse:
    org = _collection(user, token_org, collection_id)
    if org is None:
        return _error(404, "Not Found")
    if request.method == "POST":
        return _add_objects(request, user, org)
    if request.method != "GET":
        return _error(405, "Method Not Allowed")
    cases = collection_cases(user, org)
    added_after = request.GET.get("added_after")
    if added_after:
        from django.utils.dateparse import parse_datetime

        moment = parse_datetime(added_after.replace("Z", "+00:00"))
        if moment is None:
            return _error(400, "Bad Request", "added_after is not a timestamp")
        cases = [c for c in cases if c.updated_at > moment]
    bundle = exchange.stix_bundle(user, cases)
    wanted = request.GET.get("match[type]")
    objs = [o for o in bundle["objects"] if not wanted or o["type"] in wanted.split(",")]
    response = _json({"more": False, "objects": objs})
    if cases:
        times = sorted(c.updated_at for c in cases)
        response["X-TAXII-Date-Added-First"] = exchange._ts(times[0])
        response["X-TAXII-Date-Added-Last"] = exchange._ts(times[-1])
    return response


def _add_objects(request: HttpRequest, user: Any, org: Organisation) -> HttpResponse:
    if not policy.actor_for(user).has_role(org.pk, Role.BEWERKER):
        return _error(403, "Forbidden", "no write access to this collection")
    if len(request.body) > MAX_CONTENT_LENGTH:
        return _error(413, "Request Entity Too Large")
    try:  # the shared reading guards: nesting limit, no duplicate keys, finite numbers only
        envelope = inputs.load_json(request.body, "envelope")
    except inputs.InputRefused as exc:
        return _error(400, "Bad Request", exc.reason_en)
    objs = envelope.get("objects") if isinstance(envelope, dict) else None
    if not isinstance(objs, list) or not all(isinstance(o, dict) and isinstance(o.get("type"), str) for o in objs):
        return _error(400, "Bad Request", "expected a TAXII envelope with 'objects': a list of STIX objects")
    bundle = {"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": objs}
    status_id = str(uuid.uuid4())
    try:
        imported = exchange.import_stix(bundle, organisation=org, by=user)
    except exchange.ExchangeError as exc:
        status = {"id": status_id, "status": "complete", "total_count": len(objs), "success_count": 0,
                  "failure_count": len(objs), "pending_count": 0,
                  "failures": [{"id": o.get("id", ""), "version": o.get("modified", ""), "message": str(exc)}
                               for o in objs if isinstance(o, dict)]}
    else:
        status = {"id": status_id, "status": "complete", "total_count": len(objs), "success_count": len(objs),
                  "failure_count": 0, "pending_count": 0,
                  "successes": [{"id": o.get("id", ""), "version": o.get("modified", ""),
                                 "message": f"{len(imported)} cases"} for o in objs if isinstance(o, dict)]}
    cache.set(f"taxii-status:{status_id}", (user.pk, status), 3600)
    return _json(status, 202)


@_endpoint
def status(request: HttpRequest, user: Any, token_org: Any, status_id: str) -> HttpResponse:
    found = cache.get(f"taxii-status:{status_id}")
    if found is None or found[0] != user.pk:
        return _error(404, "Not Found")
    return _json(found[1])


urlpatterns = [
    path("", discovery, name="taxii-discovery"),
    path(f"{API_ROOT}/", api_root, name="taxii-root"),
    path(f"{API_ROOT}/collections/", collections, name="taxii-collections"),
    path(f"{API_ROOT}/collections/<uuid:collection_id>/", collection, name="taxii-collection"),
    path(f"{API_ROOT}/collections/<uuid:collection_id>/objects/", objects, name="taxii-objects"),
    path(f"{API_ROOT}/status/<str:status_id>/", status, name="taxii-status"),
]


# --- pull client -----------------------------------------------------------------------------------
def pull(collection_url: str, *, organisation: Organisation, by: Any = None, user: str | None = None,
         password: str | None = None, token: str | None = None) -> list[Case]:
    """Fetch a remote TAXII 2.1 collection (another Cyberbeeld, or CERT tooling) and import it,
    all or nothing, keeping the sender's TLP."""
    from taxii2client.v21 import Collection

    auth = None
    if token:
        import requests

        class _TokenAuth(requests.auth.AuthBase):
            def __call__(self, r: Any) -> Any:
                r.headers["Authorization"] = f"Token {token}"
                return r

        auth = _TokenAuth()
    remote = Collection(collection_url, user=user, password=password, auth=auth)
    envelope = remote.get_objects()
    objs = list(envelope.get("objects", []))
    while envelope.get("more") and envelope.get("next"):
        envelope = remote.get_objects(next=envelope["next"])
        objs += envelope.get("objects", [])
    return exchange.import_stix({"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": objs},
                                organisation=organisation, by=by)
