"""A small TAXII 2.1 server for the casebook, plus a pull client.

Endpoints (mount ``cyberbeeld.sharing.taxii.urlpatterns`` under ``/api/taxii2/``):

* ``GET  /api/taxii2/``                                         discovery
* ``GET  /api/taxii2/cyberbeeld/``                              API root
* ``GET  /api/taxii2/cyberbeeld/collections/``                  one collection per organisation of the caller
* ``GET  /api/taxii2/cyberbeeld/collections/<uuid>/``           that collection
* ``GET  /api/taxii2/cyberbeeld/collections/<uuid>/manifest/``  id, date added and version of each object
* ``GET  /api/taxii2/cyberbeeld/collections/<uuid>/objects/``   STIX objects the caller may pass on
* ``POST /api/taxii2/cyberbeeld/collections/<uuid>/objects/``   import (all or nothing); answers a status
* ``GET  /api/taxii2/cyberbeeld/collections/<uuid>/objects/<id>/``           one object
* ``GET  /api/taxii2/cyberbeeld/collections/<uuid>/objects/<id>/versions/``  its versions
* ``GET  /api/taxii2/cyberbeeld/status/<id>/``                  status of an import (only for who posted it)

Reads take ``added_after``, ``match[id|type|version|spec_version]`` and are paginated with ``limit`` and
``next`` (``more``, ``X-TAXII-Date-Added-First``/``-Last``). Every failure is a TAXII error message
(``application/taxii+json``), also a lock-out by django-axes (429).

Authentication: HTTP Basic (a Cyberbeeld account) or ``Authorization: Token <token>`` (an
:class:`~.models.ExchangeToken` of an organisation, acting as its user). Every object passes
``accounts.policy`` (``may_export``); a collection of an organisation the caller is not a member of
is a 404, like everything else that does not exist for the caller.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import secrets
import uuid
from typing import Any

import requests
from django.conf import settings
from django.contrib.auth import authenticate
from django.core.cache import cache
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.urls import path, re_path
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt

from cyberbeeld.accounts import policy
from cyberbeeld.accounts.models import Organisation, Role

from . import exchange
from .models import Case, ExchangeToken

MEDIA_TYPE = "application/taxii+json;version=2.1"
STIX_MEDIA_TYPE = "application/stix+json;version=2.1"
API_ROOT = "cyberbeeld"
MAX_CONTENT_LENGTH = 10 * 1024 * 1024
MAX_PAGE = 1000  # the most objects one response carries; ``limit`` asks for fewer
STATUS_SECONDS = 24 * 3600


def _json(data: Any, status: int = 200) -> HttpResponse:
    return HttpResponse(json.dumps(data, ensure_ascii=False, default=str), status=status, content_type=MEDIA_TYPE)


def _error(status: int, title: str, description: str = "") -> HttpResponse:
    """A TAXII 2.1 error message resource (section 3.6.1)."""
    response = _json({"title": title, "description": description, "http_status": str(status)}, status)
    if status == 401:
        response["WWW-Authenticate"] = 'Basic realm="Cyberbeeld TAXII"'
    return response


class _BadRequest(Exception):
    """A request the server cannot answer; the message becomes the description of a TAXII 400."""


def issue_token(*, organisation: Organisation, user: Any, name: str) -> str:
    """Create a token for an organisation (returned once; only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    ExchangeToken.objects.create(organisation=organisation, user=user, name=name,
                                 token_hash=hashlib.sha256(token.encode()).hexdigest())
    return token


LOCKED_OUT = object()


def _caller(request: HttpRequest) -> tuple[Any, Organisation | None] | object | None:
    """(user, token organisation or None) from Basic or Token authentication; LOCKED_OUT when django-axes
    refuses the account; else None."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "basic":
        try:
            username, _, password = base64.b64decode(value, validate=True).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return None
        user = authenticate(request, username=username, password=password)
        if getattr(request, "axes_locked_out", False):
            # answer with a TAXII error instead of the HTML lock-out page axes' middleware would substitute
            request.axes_locked_out = False
            return LOCKED_OUT
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


def _endpoint(*methods: str) -> Any:
    def wrap(fn: Any) -> Any:
        @csrf_exempt
        def view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            caller = _caller(request)
            if caller is LOCKED_OUT:
                return _error(429, "Too Many Requests",
                              "Dit account is tijdelijk geblokkeerd na te veel mislukte aanmeldpogingen.")
            if caller is None:
                return _error(401, "Unauthorized", "HTTP Basic or Token authentication required")
            if request.method not in methods:
                return _error(405, "Method Not Allowed", f"allowed: {', '.join(methods)}")
            accept = request.META.get("HTTP_ACCEPT", MEDIA_TYPE)
            if "taxii+json" not in accept and "*/*" not in accept and "application/json" not in accept:
                return _error(406, "Not Acceptable", f"use Accept: {MEDIA_TYPE}")
            try:
                return fn(request, *caller, *args, **kwargs)  # type: ignore[misc]
            except _BadRequest as exc:
                return _error(400, "Bad Request", str(exc))

        return view

    return wrap


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


@_endpoint("GET")
def discovery(request: HttpRequest, user: Any, token_org: Any) -> HttpResponse:
    root = request.build_absolute_uri(f"/api/taxii2/{API_ROOT}/")
    return _json({"title": "Cyberbeeld TAXII 2.1", "description": "Casusboek: gedeelde casussen (TLP 2.0)",
                  "default": root, "api_roots": [root]})


@_endpoint("GET")
def api_root(request: HttpRequest, user: Any, token_org: Any) -> HttpResponse:
    return _json({"title": "Cyberbeeld casusboek", "versions": [MEDIA_TYPE], "max_content_length": _max_length()})


def _max_length() -> int:
    """What a POST may carry: our own ceiling, or Django's request body limit if that is lower."""
    django_limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return min(MAX_CONTENT_LENGTH, django_limit) if django_limit else MAX_CONTENT_LENGTH


@_endpoint("GET")
def collections(request: HttpRequest, user: Any, token_org: Any) -> HttpResponse:
    return _json({"collections": [_collection_info(o, user) for o in _collections(user, token_org)]})


@_endpoint("GET")
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


# --- reading: filters and pagination (TAXII 2.1 sections 3.4, 3.5, 5.3-5.8) -------------------------
def _date_added(moment: dt.datetime) -> str:
    """Date added in microseconds, so that ``added_after`` with a header's value excludes exactly that object."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _version(obj: dict[str, Any]) -> str:
    return str(obj.get("modified") or obj.get("created") or "")


def _parse_time(text: str, name: str) -> dt.datetime:
    moment = parse_datetime(text.strip().replace("Z", "+00:00"))
    if moment is None:
        raise _BadRequest(f"{name} is geen tijdstip (RFC 3339): {text[:40]!r}")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment


def _filtered(request: HttpRequest, user: Any, org: Organisation,
              object_id: str | None = None) -> list[tuple[dt.datetime, dict[str, Any]]]:
    """(date added, object) of the collection, oldest first, after added_after and the match[] filters."""
    items = exchange.stix_objects(user, collection_cases(user, org))
    params = request.GET
    if params.get("added_after"):
        after = _parse_time(params["added_after"], "added_after")
        items = [(t, o) for t, o in items if t > after]
    ids = [object_id] if object_id else [v for v in params.get("match[id]", "").split(",") if v]
    if ids:
        items = [(t, o) for t, o in items if o["id"] in ids]
    types = [v for v in params.get("match[type]", "").split(",") if v]
    if types:
        items = [(t, o) for t, o in items if o["type"] in types]
    spec = [v for v in params.get("match[spec_version]", "").split(",") if v]
    if spec:
        items = [(t, o) for t, o in items if o.get("spec_version", "2.1") in spec]
    versions = [v for v in params.get("match[version]", "").split(",") if v]
    if versions and "all" not in versions:
        # one version per object here, so 'first' and 'last' both name it; a timestamp must match it
        stamps = {_parse_time(v, "match[version]") for v in versions if v not in ("first", "last")}
        if not {"first", "last"} & set(versions):
            items = [(t, o) for t, o in items if _parse_time(_version(o), "version") in stamps]
    return items


def _page(request: HttpRequest, items: list[tuple[dt.datetime, Any]]) -> tuple[list[tuple[dt.datetime, Any]],
                                                                            str | None]:
    """One page of ``limit`` items after the ``next`` cursor; the cursor of the following page, if any."""
    raw_limit = request.GET.get("limit")
    try:
        limit = min(int(raw_limit), MAX_PAGE) if raw_limit is not None else MAX_PAGE
    except ValueError:
        raise _BadRequest(f"limit is geen geheel getal: {raw_limit[:20]!r}") from None
    if limit < 1:
        raise _BadRequest("limit moet minstens 1 zijn")
    start = 0
    cursor = request.GET.get("next")
    if cursor:
        try:
            when_text, after_id, after_version = (
                base64.urlsafe_b64decode(cursor.encode() + b"==").decode().split("|"))
            after = (dt.datetime.fromisoformat(when_text), after_id, after_version)
        except (ValueError, UnicodeDecodeError):
            raise _BadRequest("next is geen geldige cursor van deze server") from None
        start = next((i for i, item in enumerate(items) if _position(item) > after), len(items))
    page = items[start:start + limit]
    if start + limit >= len(items) or not page:
        return page, None
    when, obj_id, version = _position(page[-1])
    return page, base64.urlsafe_b64encode(f"{when.isoformat()}|{obj_id}|{version}".encode()).decode().rstrip("=")


def _position(item: tuple[dt.datetime, Any]) -> tuple[dt.datetime, str, str]:
    """Where an item stands in the collection's order (date added, id, version): what ``next`` points after."""
    moment, obj = item
    return moment, str(obj["id"]), _version(obj)


def _paged(request: HttpRequest, items: list[tuple[dt.datetime, dict[str, Any]]], key: str,
           shape: Any = lambda t, o: o) -> HttpResponse:
    page, cursor = _page(request, items)
    body: dict[str, Any] = {"more": cursor is not None}
    if cursor is not None:
        body["next"] = cursor
    body[key] = [shape(t, o) for t, o in page]
    response = _json(body)
    if page:
        response["X-TAXII-Date-Added-First"] = _date_added(page[0][0])
        response["X-TAXII-Date-Added-Last"] = _date_added(page[-1][0])
    return response


@_endpoint("GET", "POST")
def objects(request: HttpRequest, user: Any, token_org: Any, collection_id: Any) -> HttpResponse:
    org = _collection(user, token_org, collection_id)
    if org is None:
        return _error(404, "Not Found")
    if request.method == "POST":
        return _add_objects(request, user, org)
    return _paged(request, _filtered(request, user, org), "objects")


@_endpoint("GET")
def manifest(request: HttpRequest, user: Any, token_org: Any, collection_id: Any) -> HttpResponse:
    org = _collection(user, token_org, collection_id)
    if org is None:
        return _error(404, "Not Found")
    return _paged(request, _filtered(request, user, org), "objects",
                  lambda t, o: {"id": o["id"], "date_added": _date_added(t), "version": _version(o),
                                "media_type": STIX_MEDIA_TYPE})


@_endpoint("GET")
def object_by_id(request: HttpRequest, user: Any, token_org: Any, collection_id: Any,
                 object_id: str) -> HttpResponse:
    org = _collection(user, token_org, collection_id)
    items = _filtered(request, user, org, object_id) if org is not None else []
    if not items:
        return _error(404, "Not Found", "no such object in this collection")
    return _paged(request, items, "objects")


@_endpoint("GET")
def object_versions(request: HttpRequest, user: Any, token_org: Any, collection_id: Any,
                    object_id: str) -> HttpResponse:
    org = _collection(user, token_org, collection_id)
    items = _filtered(request, user, org, object_id) if org is not None else []
    if not items:
        return _error(404, "Not Found", "no such object in this collection")
    return _paged(request, items, "versions", lambda t, o: _version(o))


# --- writing -----------------------------------------------------------------------------------------
def _envelope_objects(request: HttpRequest) -> list[dict[str, Any]]:
    """The objects of a TAXII envelope, or _BadRequest saying what is wrong with it."""
    try:
        envelope = exchange.load_json(request.body)
    except exchange.ExchangeError as exc:
        raise _BadRequest(str(exc)) from exc
    if not isinstance(envelope, dict) or not isinstance(envelope.get("objects"), list):
        raise _BadRequest("verwacht een TAXII-envelop: een object met een lijst 'objects'")
    objs = envelope["objects"]
    for i, obj in enumerate(objs, start=1):
        if not isinstance(obj, dict) or not isinstance(obj.get("type"), str) or not isinstance(obj.get("id"), str):
            raise _BadRequest(f"objects[{i}] is geen STIX-object met 'type' en 'id'")
    return objs


def _add_objects(request: HttpRequest, user: Any, org: Organisation) -> HttpResponse:
    if not policy.actor_for(user).has_role(org.pk, Role.BEWERKER):
        return _error(403, "Forbidden", "no write access to this collection")
    content_type = request.META.get("CONTENT_TYPE", "")
    if "taxii+json" not in content_type and "application/json" not in content_type:
        return _error(415, "Unsupported Media Type", f"use Content-Type: {MEDIA_TYPE}")
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > _max_length():
        return _error(413, "Request Entity Too Large", f"at most {_max_length()} bytes")
    try:
        objs = _envelope_objects(request)
    except RequestDataTooBig:
        return _error(413, "Request Entity Too Large", f"at most {_max_length()} bytes")
    bundle = {"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": objs}
    status_id = str(uuid.uuid4())
    requested = exchange._ts(timezone.now())
    details = [{"id": o["id"], "version": _version(o)} for o in objs]
    try:
        imported = exchange.import_stix(bundle, organisation=org, by=user)
    except exchange.ExchangeError as exc:
        status = {"id": status_id, "status": "complete", "request_timestamp": requested, "total_count": len(objs),
                  "success_count": 0, "failure_count": len(objs), "pending_count": 0,
                  "failures": [{**d, "message": str(exc)} for d in details]}
    else:
        status = {"id": status_id, "status": "complete", "request_timestamp": requested, "total_count": len(objs),
                  "success_count": len(objs), "failure_count": 0, "pending_count": 0,
                  "successes": [{**d, "message": f"{len(imported)} casussen"} for d in details]}
    cache.set(f"taxii-status:{status_id}", (user.pk, status), STATUS_SECONDS)
    return _json(status, 202)


@_endpoint("GET")
def status(request: HttpRequest, user: Any, token_org: Any, status_id: str) -> HttpResponse:
    found = cache.get(f"taxii-status:{status_id}")
    if found is None or found[0] != user.pk:
        return _error(404, "Not Found")
    return _json(found[1])


@_endpoint("GET", "POST", "DELETE", "PUT", "PATCH")
def not_found(request: HttpRequest, user: Any, token_org: Any) -> HttpResponse:
    """Anything else under the TAXII prefix: a TAXII 404, not Django's HTML page."""
    return _error(404, "Not Found", "no such TAXII endpoint")


OBJECTS = f"{API_ROOT}/collections/<uuid:collection_id>/objects/"
urlpatterns = [
    path("", discovery, name="taxii-discovery"),
    path(f"{API_ROOT}/", api_root, name="taxii-root"),
    path(f"{API_ROOT}/collections/", collections, name="taxii-collections"),
    path(f"{API_ROOT}/collections/<uuid:collection_id>/", collection, name="taxii-collection"),
    path(f"{API_ROOT}/collections/<uuid:collection_id>/manifest/", manifest, name="taxii-manifest"),
    path(OBJECTS, objects, name="taxii-objects"),
    path(f"{OBJECTS}<str:object_id>/", object_by_id, name="taxii-object"),
    path(f"{OBJECTS}<str:object_id>/versions/", object_versions, name="taxii-object-versions"),
    path(f"{API_ROOT}/status/<str:status_id>/", status, name="taxii-status"),
    re_path(r"^.*$", not_found, name="taxii-not-found"),
]


# --- pull client -----------------------------------------------------------------------------------
def pull(collection_url: str, *, organisation: Organisation, by: Any = None, user: str | None = None,
         password: str | None = None, token: str | None = None) -> list[Case]:
    """Fetch a remote TAXII 2.1 collection (another Cyberbeeld, or CERT tooling) and import it,
    all or nothing, keeping the sender's TLP."""
    # deferred: heavy import (taxii2-client), only for a TAXII pull
    from taxii2client.v21 import Collection

    auth = None
    if token:
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
