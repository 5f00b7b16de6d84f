"""One handler per surface for the ApplicationError tree (issue 16, deliver 2): pages, the API (RFC 9457
problem+json) and the console. Each kind is raised by a real service or core call, not constructed here."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from django.urls import path
from django.utils import translation

from cyberbeeld import cli
from cyberbeeld.common.errors import ApplicationError
from cyberbeeld.config import urls as base_urls


def _incident_of_maastricht(world: Any) -> Any:
    from cyberbeeld.incidents.services import incident_save

    return incident_save(by=world.anna, owner=world.maastricht, data={"title": "Phishing", "tlp": "amber"})


def _raise(kind: str, world: Any, tmp: Path) -> None:
    """Make a real service (or pure core) raise the application error of ``kind``."""
    if kind == "not-yours":  # Eijsden writes on Maastricht's incident
        from cyberbeeld.incidents.services import incident_save

        incident_save(by=world.eva, owner=world.eijsden, data={"title": "Gewijzigd"},
                      incident=_incident_of_maastricht(world))
    elif kind == "forbidden":  # a lezer makes an API token
        from cyberbeeld.accounts.tokens import token_create

        token_create(by=world.lezer, organisation=world.maastricht, name="x", scopes=["incidents:read"])
    elif kind == "conflict":  # pausing the clock of an exercise that is not running
        from cyberbeeld.actions.models import Exercise
        from cyberbeeld.actions.services import exercise_pause

        exercise_pause(by=world.anna, exercise=Exercise(owner=world.maastricht), now=0.0)
    elif kind == "invalid":  # a file type the incident import does not read
        from cyberbeeld.incidents import bulk

        bulk.read_table("lijst.pdf", b"%PDF-1.4")
    elif kind == "import-refused":  # an area file with a bad row
        from cyberbeeld.areas.importers import import_file

        bad = tmp / "gemeenten_kapot.csv"
        bad.write_text("naam,nummer,bevolking,provincie\nNergensdorp,09x5,12,Limburg\n", encoding="utf-8")
        import_file(bad)
    elif kind == "unavailable":  # CBS cannot be reached (nothing listens on port 9)
        from cyberbeeld.indicators.fetch import fetch_table

        fetch_table("83648NED", tmp, base="http://127.0.0.1:9/odata")
    elif kind == "job":  # a job run past its time limit
        from cyberbeeld.common import jobs

        jobs.Run(next(iter(jobs.KINDS.values())), 1, 1, time.monotonic() - 10**7).check()
    else:  # pragma: no cover
        raise AssertionError(kind)


# kind -> (status, code)
KINDS = {
    "not-yours": (404, "not-found"),
    "forbidden": (403, "forbidden"),
    "conflict": (409, "exercise-state"),
    "invalid": (422, "import-file"),
    "import-refused": (422, "area-import"),
    "unavailable": (503, "fetch"),
    "job": (409, "job-stopped"),
}


def raised(kind: str, world: Any, tmp: Path) -> ApplicationError:
    with pytest.raises(ApplicationError) as info:
        _raise(kind, world, tmp)
    assert (info.value.status, info.value.code) == KINDS[kind], kind
    return info.value


# --- pages: a view that lets the service's error through, behind the whole middleware stack ---------------

_WORLD: dict[str, Any] = {}


def boom(request: HttpRequest, kind: str) -> HttpResponse:
    _raise(kind, _WORLD["world"], _WORLD["tmp"])
    return HttpResponse("not reached")


urlpatterns = [*base_urls.urlpatterns, path("test-error-surface/<str:kind>/", boom)]
handler400, handler403, handler404 = base_urls.handler400, base_urls.handler403, base_urls.handler404


@pytest.mark.urls(__name__)
@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("lang", ["nl", "en"])
def test_page_answers_each_kind_with_its_status_and_message(client, world, tmp_path, kind, lang):
    _WORLD.update(world=world, tmp=tmp_path)
    exc = raised(kind, world, tmp_path)
    client.force_login(world.anna)
    client.cookies["django_language"] = lang
    response = client.get(f"/test-error-surface/{kind}/", HTTP_ACCEPT_LANGUAGE=lang)
    html = response.content.decode()
    assert response.status_code == KINDS[kind][0]
    if kind == "not-yours":  # another organisation's object: the same page as a missing one, no code, no message
        missing = client.get("/nl/incidenten/00000000-0000-0000-0000-000000000000/")
        assert missing.status_code == 404 and exc.code not in html
        return
    assert exc.code in html and "Traceback" not in html
    message = exc.reason_text(lang)
    assert (message if len(message) < 60 else message[:60]).replace("'", "&#x27;") in html


# --- API: the API's own handler, given what the service raised ---------------------------------------------

@pytest.mark.parametrize("kind", list(KINDS))
def test_api_answers_each_kind_as_problem_json(world, tmp_path, kind):
    from cyberbeeld.api.main import api

    exc = raised(kind, world, tmp_path)
    request = RequestFactory().get("/api/v1/incidents")
    with translation.override("en"):
        response = api.on_exception(request, exc)
    body = __import__("json").loads(response.content)
    status = KINDS[kind][0]
    assert response.status_code == status and response["Content-Type"] == "application/problem+json"
    assert body["status"] == status and body["type"].startswith("urn:cyberbeeld:problem:")
    if kind == "not-yours":  # the body of a missing object
        assert body["detail_en"] == "This object does not exist or you may not see it." and "code" not in body
        return
    assert body["code"] == exc.code and body["detail"] == exc.en and body["detail_nl"] == exc.nl
    assert body["title"] == body["title_en"]
    if kind == "import-refused":
        (row,) = body["errors"]
        assert (row["file"], row["row"], row["field"]) == ("gemeenten_kapot.csv", 2, "nummer")
        assert row["message_nl"] and row["message_en"]


def test_api_maps_a_service_refusal_in_a_real_request(client, world):
    """A write on another organisation's incident through the API: 404, the same body as a missing one."""
    inc = _incident_of_maastricht(world)
    client.force_login(world.eva)
    theirs = client.patch(f"/api/v1/incidents/{inc.uuid}", data={"title": "x"}, content_type="application/json")
    missing = client.patch("/api/v1/incidents/00000000-0000-0000-0000-000000000000", data={"title": "x"},
                           content_type="application/json")
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json() == missing.json()


# --- console: one line "code: message (place)", non-zero exit ------------------------------------------------

@pytest.mark.parametrize("lang", ["nl", "en"])
def test_cli_prints_one_line_with_code_and_place_in_the_active_language(capsys, tmp_path, lang):
    with translation.override(lang):
        code = cli.main(["restore", str(tmp_path / "geen.tar.gz")])
    err = capsys.readouterr().err
    assert code == 2
    (line,) = [x for x in err.splitlines() if x.strip()]
    assert line.startswith("cyberbeeld restore: backup: ") and "geen.tar.gz" in line


@pytest.mark.parametrize("kind", list(KINDS))
def test_cli_line_of_each_kind(world, tmp_path, kind):
    exc = raised(kind, world, tmp_path)
    line = exc.line("en")
    assert line.startswith(f"{exc.code}: ") and "\n" not in line
    assert exc.exit_code == (3 if kind == "unavailable" else 2)
    if kind == "import-refused":
        assert line.endswith("(gemeenten_kapot.csv, row 2, field 'nummer')")


# --- form message: an error a view expects, on its field when the form has it, in the page's language ---------

@pytest.mark.parametrize("lang", ["nl", "en"])
def test_form_message_lands_on_the_field_in_the_page_language(world, tmp_path, lang):
    from django import forms

    from cyberbeeld.common.forms import add_error

    class AreaForm(forms.Form):
        nummer = forms.CharField(required=False)

    exc = raised("import-refused", world, tmp_path)
    form, other = AreaForm({"nummer": "09x5"}), AreaForm({})
    with translation.override(lang):
        assert form.is_valid() and other.is_valid()
        add_error(form, exc)
        add_error(other, raised("forbidden", world, tmp_path))
    assert form.errors["nummer"] == [exc.reason_text(lang)]
    assert other.non_field_errors() == ["Only a beheerder of the organisation makes its API tokens." if lang == "en"
                                        else "Alleen een beheerder van de organisatie maakt haar API-sleutels."]
