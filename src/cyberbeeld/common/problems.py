"""Errors of the API as RFC 9457 problem details (``application/problem+json``).

Every problem has ``type`` (a URN naming the kind of problem), ``title`` and ``detail`` in the language of
the request, the same in Dutch and English (``title_nl``/``title_en``, ``detail_nl``/``detail_en``), the
HTTP ``status``, and for invalid input ``errors``: one entry per field (and row, for bulk input) with the
reason in both languages. The kinds are a fixed list (:data:`KINDS`), documented in the OpenAPI document.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import translation
from ninja import Schema

from .errors import ApplicationError

CONTENT_TYPE = "application/problem+json"
TYPE_BASE = "urn:cyberbeeld:problem:"

# kind -> (status, title NL, title EN). The API's contract: stable whatever the translation catalogues say.
KINDS: dict[str, tuple[int, str, str]] = {
    "bad-request": (400, "Ongeldig verzoek", "Bad request"),
    "unauthenticated": (401, "Niet aangemeld", "Not authenticated"),
    "forbidden": (403, "Niet toegestaan", "Forbidden"),
    "not-found": (404, "Niet gevonden", "Not found"),
    "method-not-allowed": (405, "Methode niet toegestaan", "Method not allowed"),
    "conflict": (409, "Conflict", "Conflict"),
    "invalid": (422, "Ongeldige invoer", "Invalid input"),
    "too-many-requests": (429, "Te veel verzoeken", "Too many requests"),
    "unavailable": (503, "Tijdelijk niet beschikbaar", "Temporarily unavailable"),
}
STATUS_KIND = {status: kind for kind, (status, _nl, _en) in KINDS.items()}

# Reusable details: key -> (NL, EN)
DETAILS: dict[str, tuple[str, str]] = {
    "login": ("Meld u aan (sessie) of stuur een API-sleutel: 'Authorization: Bearer <sleutel>'.",
              "Sign in (session) or send an API token: 'Authorization: Bearer <token>'."),
    "malformed": ("De API-sleutel heeft niet de juiste vorm.", "The API token is malformed."),
    "unknown": ("Deze API-sleutel bestaat niet.", "This API token does not exist."),
    "revoked": ("Deze API-sleutel is ingetrokken.", "This API token has been revoked."),
    "expired": ("Deze API-sleutel is verlopen.", "This API token has expired."),
    "orphaned": ("De maker van deze API-sleutel is geen lid meer van de organisatie: de sleutel werkt niet meer.",
                 "The maker of this API token is no longer a member of the organisation: the token no longer works."),
    "scope": ("Deze API-sleutel heeft niet het bereik '%(scope)s' dat hiervoor nodig is.",
              "This API token lacks the scope '%(scope)s' this operation needs."),
    "not-found": ("Dit object bestaat niet of u mag het niet zien.",
                  "This object does not exist or you may not see it."),
    "role": ("Uw rol in de organisatie staat dit niet toe.", "Your role in the organisation does not allow this."),
    "invalid": ("De invoer is niet geldig; zie 'errors' voor elk veld.",
                "The input is not valid; see 'errors' for each field."),
    "cursor": ("De cursor is ongeldig of verlopen; begin opnieuw zonder cursor.",
               "The cursor is invalid or expired; start again without a cursor."),
    "nul": ("Het verzoek bevat een NUL-teken; dat is nergens toegestaan.",
            "The request contains a NUL character, which is never allowed."),
    "busy": ("De database is bezet; probeer het zo opnieuw.", "The database is busy; try again shortly."),
    # OIDC access tokens (accounts.oidc_bearer)
    "oidc-malformed": ("Het toegangstoken is geen geldig JWT.", "The access token is not a valid JWT."),
    "oidc-invalid": ("Het toegangstoken is ongeldig.", "The access token is invalid."),
    "oidc-algorithm": ("Het toegangstoken is niet ondertekend met het ingestelde algoritme.",
                       "The access token is not signed with the configured algorithm."),
    "oidc-signature": ("De handtekening van het toegangstoken klopt niet.",
                       "The access token's signature does not verify."),
    "oidc-expired": ("Het toegangstoken is verlopen.", "The access token has expired."),
    "oidc-audience": ("Het toegangstoken is niet voor deze API bestemd (audience).",
                      "The access token is not meant for this API (audience)."),
    "oidc-issuer": ("Het toegangstoken komt niet van de ingestelde identiteitsprovider.",
                    "The access token was not issued by the configured identity provider."),
    "oidc-acr": ("Het betrouwbaarheidsniveau van het toegangstoken is te laag voor Cyberbeeld.",
                 "The assurance level of the access token is too low for Cyberbeeld."),
    "oidc-organisation": ("Uw organisatie is niet aangesloten op deze Cyberbeeld-omgeving.",
                          "Your organisation is not connected to this Cyberbeeld environment."),
    "oidc-person": ("Onbekende persoon: meld u eerst één keer aan via de browser.",
                    "Unknown person: sign in through the browser once first."),
    "oidc-inactive": ("Dit account is uitgeschakeld.", "This account is disabled."),
    "oidc-unavailable": ("De sleutels van de identiteitsprovider zijn niet bereikbaar; probeer het zo opnieuw.",
                         "The identity provider's keys cannot be fetched; try again shortly."),
}


class FieldError(Schema):
    code: str | None = None
    file: str | None = None
    field: str | None = None
    row: int | None = None
    message_nl: str
    message_en: str


class Problem(Schema):
    """RFC 9457 problem details, with the text in Dutch and English. ``code``: the stable code of the
    application error (``common.errors``), finer than ``type``; file/row/field are in ``errors``."""

    type: str
    code: str | None = None
    title: str
    status: int
    detail: str
    title_nl: str
    title_en: str
    detail_nl: str
    detail_en: str
    errors: list[FieldError] = []


class ApiProblem(Exception):
    """Raised anywhere in the API to answer with a problem."""

    def __init__(self, status: int, detail: str | tuple[str, str] = "", *, errors: list[dict[str, Any]] | None = None,
                 params: dict[str, Any] | None = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        pair = DETAILS.get(detail, (detail, detail)) if isinstance(detail, str) else detail
        self.detail = tuple(t % params if params else t for t in pair)
        self.errors = errors or []
        self.headers = headers or {}


def body(status: int, detail: tuple[str, str] | None = None, errors: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    kind = STATUS_KIND.get(status, "bad-request" if status < 500 else "unavailable")
    _status, title_nl, title_en = KINDS[kind]
    detail_nl, detail_en = detail or (title_nl, title_en)
    english = (translation.get_language() or "nl").startswith("en")
    return {"type": TYPE_BASE + kind, "title": title_en if english else title_nl, "status": status,
            "detail": detail_en if english else detail_nl, "title_nl": title_nl, "title_en": title_en,
            "detail_nl": detail_nl, "detail_en": detail_en, "errors": errors or []}


def response(request: HttpRequest | None, status: int, detail: tuple[str, str] | None = None,
             errors: list[dict[str, Any]] | None = None, headers: dict[str, str] | None = None) -> HttpResponse:
    resp = JsonResponse(body(status, detail, errors), status=status, content_type=CONTENT_TYPE)
    for k, v in (headers or {}).items():
        resp[k] = v
    return resp


def error_response(request: HttpRequest | None, exc: ApplicationError) -> HttpResponse:
    """The one API answer for an :class:`~cyberbeeld.common.errors.ApplicationError`: its status, ``code``,
    the title of its kind and its message in the request's language (and both languages), and the file,
    row and field it is about as ``errors`` entries."""
    data = body(exc.status, (exc.nl, exc.en), exc.problem_errors())
    data["code"] = exc.code
    return JsonResponse(data, status=exc.status, content_type=CONTENT_TYPE)


def form_errors(form: Any, *, row: int | None = None, prefix: str = "") -> list[dict[str, Any]]:
    """A Django form's errors as problem entries, each message in Dutch and English."""
    out = []
    for field, errors in form.errors.as_data().items():
        for error in errors:
            texts = {}
            for lang in ("nl", "en"):
                with translation.override(lang):
                    texts[lang] = " ".join(str(m) for m in error)
            out.append({"field": None if field == "__all__" else prefix + field, "row": row,
                        "message_nl": texts["nl"], "message_en": texts["en"]})
    return out


# pydantic's error kinds in Dutch (its own messages are English only)
SCHEMA_NL = {
    "missing": "Dit veld is verplicht.",
    "string_too_long": "Te lang (hoogstens %(max_length)s tekens).",
    "string_too_short": "Te kort (minstens %(min_length)s tekens).",
    "string_type": "Verwacht tekst.",
    "int_parsing": "Verwacht een geheel getal.",
    "int_type": "Verwacht een geheel getal.",
    "greater_than_equal": "Moet minstens %(ge)s zijn.",
    "less_than_equal": "Mag hoogstens %(le)s zijn.",
    "date_from_datetime_parsing": "Verwacht een datum (JJJJ-MM-DD).",
    "date_parsing": "Verwacht een datum (JJJJ-MM-DD).",
    "date_type": "Verwacht een datum (JJJJ-MM-DD).",
    "uuid_parsing": "Verwacht een UUID.",
    "uuid_type": "Verwacht een UUID.",
    "dict_type": "Verwacht een object.",
    "list_type": "Verwacht een lijst.",
    "bool_parsing": "Verwacht true of false.",
    "json_invalid": "Geen geldige JSON.",
    "model_attributes_type": "Verwacht een JSON-object.",
    "literal_error": "Geen toegestane waarde.",
}


def schema_errors(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """ninja/pydantic validation errors as problem entries: the field (without ``body.payload``/``query``),
    the row for a list item, and the reason in Dutch and English."""
    out = []
    for e in errors:
        loc = [str(p) for p in e.get("loc", ())]
        parts = loc[2:] if loc[:1] == ["body"] and len(loc) > 2 else loc[1:]
        field = ".".join(p for p in parts if not p.isdigit()) or None
        rows = [int(p) for p in parts if p.isdigit()]
        en = str(e.get("msg", ""))
        ctx = {k: v for k, v in (e.get("ctx") or {}).items() if isinstance(v, (int, float, str))}
        try:
            nl = SCHEMA_NL[e.get("type", "")] % ctx
        except (KeyError, TypeError, ValueError):
            nl = f"Ongeldige waarde ({en})"
        out.append({"field": field, "row": rows[0] if rows else None, "message_nl": nl, "message_en": en})
    return out


def documented(*statuses: int) -> dict[int, type[Problem]]:
    """``responses=`` entries of an operation for its problem statuses (401 and 404 are always possible
    for a signed-in reader of a shared object; 422 for a request the schema refuses)."""
    return {s: Problem for s in sorted({401, 422, *statuses})}


def document(schema: dict[str, Any]) -> dict[str, Any]:
    """Every operation of the OpenAPI document lists the problems it can answer with, as
    ``application/problem+json``: 400 (a NUL character anywhere, a body that is not JSON), 401 and 403 (no
    or a refused token, a scope or role that does not allow it) and 503 (the database busy, the identity
    provider's keys unreachable for an OIDC access token) always; 404 where the path names an object; 422
    where there are parameters or a body."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    problem_schema = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, sub in problem_schema.pop("$defs", {}).items():
        components.setdefault(name, sub)
    components["Problem"] = problem_schema
    content = {CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for path, item in schema.get("paths", {}).items():
        for op in item.values():
            if not isinstance(op, dict) or "responses" not in op:
                continue
            statuses = {400, 401, 403, 503}
            if "{" in path:
                statuses.add(404)
            if op.get("parameters") or op.get("requestBody"):
                statuses.add(422)
            # ninja keeps the statuses given in ``responses=`` as ints: one key per status (a JSON document
            # with both 400 and "400" has duplicate keys, which Swagger UI's YAML parser refuses)
            responses = op["responses"] = {str(k): v for k, v in op["responses"].items()}
            for status in statuses:
                responses.setdefault(str(status), {})
            for status, resp in responses.items():
                if str(status).isdigit() and int(status) >= 400:
                    kind = STATUS_KIND.get(int(status), "bad-request")
                    resp["description"] = f"{KINDS[kind][1]} / {KINDS[kind][2]} ({TYPE_BASE}{kind})"
                    resp["content"] = content
    return schema
