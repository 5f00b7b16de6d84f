"""Parameter fuzz over every URL pattern: no request parameter can make a 500 (issue 13, finding 4).

The URL configuration is walked, so a new page is fuzzed without being listed here. For every pattern,
as a signed-in coordinator of a world with real content:
  * a sweep: each path converter filled with each hostile value (and with real values), the query
    filled with junk for every parameter name the code reads (found by scanning the sources) and every
    field of the page's GET forms;
  * Hypothesis: random combinations of real and hostile path values and query parameters;
  * every POST form on the page submitted with junk in each field.
A 500 (an exception escaping a view) fails the test; the failures are collected and listed together.

Bounded for CI (two cores): a handful of examples per pattern, no shrinking; set
CYBERBEELD_FUZZ_EXAMPLES to fuzz harder locally.
"""

from __future__ import annotations

import os
import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from browserform import forms_in
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.django_db

SRC = Path(__file__).resolve().parents[2] / "src" / "cyberbeeld"
EXAMPLES = int(os.environ.get("CYBERBEELD_FUZZ_EXAMPLES", "4"))

HOSTILE = ["", "abc", "0", "-1", "1.5", "1e9", "NaN", "inf", "99999999999999999999999", "9223372036854775808",
           "\x00", "a\x00b", "' OR 1=1 --", "<script>alert(1)</script>", "../../etc/passwd", "%", "%00", "null",
           "[]", "{}", "true", " ", "\u202e\u0000", "𝔘𝔫𝔦", "x" * 5000, "2027-02-30", "0000-00-00", "9999-12-31",
           "00000000-0000-0000-0000-000000000000", str(uuid.uuid4()), "GM0935", "gemeente-maastricht"]
HOSTILE_PATH = [v for v in HOSTILE if v and "/" not in v]


def query_names() -> list[str]:
    """Every request parameter name the code reads."""
    pattern = re.compile(r"""(?:GET|POST)(?:\.get|\.getlist)?[(\[]["']([A-Za-z_][\w-]*)["']|"""
                         r"""_param\(request, ["']([A-Za-z_][\w-]*)["']""")
    names: set[str] = set()
    for path in SRC.rglob("*.py"):
        for m in pattern.finditer(path.read_text(encoding="utf-8")):
            names.add(m.group(1) or m.group(2))
    names |= {"q", "status", "page", "form", "category", "sector", "region", "year", "tlp", "area", "source",
              "limit", "next", "match[id]", "match[type]", "match[version]", "added_after"}
    return sorted(names)


def url_patterns() -> list[tuple[str, str, list[tuple[str, str]]]]:
    """(name, route, [(converter, kwarg)]) of every pattern, Dutch prefix for the translated ones."""
    out: list[tuple[str, str, list[tuple[str, str]]]] = []

    def walk(resolver: URLResolver, prefix: str, ns: str) -> None:
        for p in resolver.url_patterns:
            if isinstance(p, URLResolver):
                part = "nl/" if p.pattern.__class__.__name__ == "LocalePrefixPattern" else str(p.pattern)
                walk(p, prefix + part, f"{ns}{p.namespace}:" if p.namespace else ns)
            elif isinstance(p, URLPattern):
                route = prefix + str(p.pattern)
                if route.startswith("^") or "(?P" in route:
                    continue
                convs = re.findall(r"<(?:(\w+):)?(\w+)>", route)
                out.append((ns + (p.name or route), route, [(c or "str", k) for c, k in convs]))

    walk(get_resolver(), "", "")
    return out


def build(route: str, values: dict[str, str]) -> str:
    from urllib.parse import quote

    def fill(m: re.Match[str]) -> str:
        return quote(values[m.group(2)], safe="")

    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", fill, route)


@pytest.fixture
def content(world, taxonomy, monkeypatch) -> dict[str, list[str]]:
    """Real objects, so that fuzzed parameters reach the code behind the lookups."""
    from cyberbeeld.actions import services as actions
    from cyberbeeld.incidents import services as incidents
    from cyberbeeld.risks import services as risks
    from cyberbeeld.risks.models import ScenarioTemplate
    from cyberbeeld.sharing import services as sharing

    monkeypatch.setattr(incidents, "redact", lambda text: text)
    monkeypatch.setattr(sharing, "redact", lambda text: text)
    risks.templates_sync()
    s = risks.scenario_adopt(by=world.anna, owner=world.maastricht,
                             template=ScenarioTemplate.objects.get(code="gehackte-sluis-brug"))
    a = risks.assessment_save(by=world.anna, scenario=s, data={"likelihood": "C", "impact": {
        "2.1": "0", "2.2": "0", "2.3": "0", "3.1": "C", "5.1": "B", "5.2": "0", "5.3": "A", "L.1": "0", "L.2": "B"}})
    asset = risks.asset_save(by=world.anna, owner=world.maastricht, data={"name": "Brug", "kind": "beweegbare-brug"})
    m = actions.measure_save(by=world.anna, owner=world.maastricht, data={"title": "Noodbediening", "scenarios": [s]})
    ex = actions.exercise_from_scenario(by=world.anna, owner=world.maastricht, scenario=s)
    camp = actions.campaign_save(by=world.anna, owner=world.maastricht, data={"title": "Phishing", "target_group": "ouderen"})
    port = actions.portfolio_save(by=world.anna, owner=world.maastricht, data={"name": "Openbare orde"})
    powers = actions.powers_sync()
    inc = incidents.incident_save(by=world.anna, owner=world.maastricht, data={
        "title": "Phishingmail", "raw_description": "Een mail met een valse link.", "tlp": "amber"})
    case = sharing.case_save(by=world.anna, owner=world.maastricht, data={"title": "Sluis", "tlp": "amber"})
    appr = sharing.approach_save(by=world.anna, owner=world.maastricht, data={"title": "Aanpak", "tlp": "amber"})
    uuids = [str(x.uuid) for x in (s, a, asset, m, ex, camp, port, inc, case, appr)]
    uuids += [str(i.uuid) for i in ex.injects.all()[:2]]
    slugs = ["casus", "aanpak", "gemeente-maastricht", "maastricht", "GM0935", "ransomware-mkb", "draaiboek",
             "start", "pauze", "overslaan", "log", "csv", "json", "xlsx", "pdf"]
    slugs += [i.code for i in powers.instruments.all()[:2]] if powers else []
    return {"uuid": uuids, "slug": slugs, "str": slugs, "int": ["1", "2"], "key": ["1", "2"], "path": slugs}


def _request(client: Client, method: str, url: str, data: Any, failures: list[str]) -> Any:
    try:
        r = client.get(url, data) if method == "GET" else client.post(url, data)
    except Exception as exc:  # noqa: BLE001 - an exception escaping a view is the 500 we look for
        failures.append(f"{method} {url} {str(data)[:200]}: {type(exc).__name__}: {str(exc)[:200]}")
        return None
    if r.status_code >= 500:
        failures.append(f"{method} {url} {str(data)[:200]}: HTTP {r.status_code}")
    return r


def _junk_form(form: Any, value: str) -> dict[str, str]:
    return {c.name: value for c in form.controls if c.name and c.name != "csrfmiddlewaretoken"
            and c.kind not in ("file", "submit")}


def _hypothesis_fuzz(client: Client, route: str, convs: list[tuple[str, str]], content: dict[str, list[str]],
                     names: list[str], login: Any, failures: list[str]) -> None:
    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def fuzz(data: Any) -> None:
        values = {k: data.draw(st.sampled_from(content.get(c, content["str"]) + HOSTILE_PATH)
                               | st.text(min_size=1, max_size=40).filter(lambda t: "/" not in t))
                  for c, k in convs}
        query = data.draw(st.dictionaries(st.sampled_from(names), st.sampled_from(HOSTILE) | st.text(max_size=30),
                                          max_size=6))
        method = data.draw(st.sampled_from(["GET", "GET", "POST"]))
        login()
        _request(client, method, build(route, values), query, failures)

    fuzz()


def test_every_url_pattern_survives_hostile_parameters(world, content) -> None:
    names = query_names()
    patterns = url_patterns()
    assert len(patterns) > 100
    client = Client()
    failures: list[str] = []

    def login() -> None:
        client.force_login(world.anna)

    for name, route, convs in patterns:
        if name.endswith("logout") or "uitloggen" in route:
            continue
        # the sweep: every converter with every hostile value, real values elsewhere
        real = {k: content.get(c, content["str"])[0] for c, k in convs}
        login()
        for k in (k for _, k in convs):
            for v in HOSTILE_PATH:
                _request(client, "GET", build(route, {**real, k: v}), {}, failures)
        r = _request(client, "GET", build(route, real), {n: "abc" for n in names}, failures)
        for v in ("0", "-1", "99999999999999999999999", "\x00", "x" * 5000, "NaN"):
            _request(client, "GET", build(route, real), {n: v for n in names}, failures)
        if r is not None and r.status_code == 200 and "html" in r.get("Content-Type", ""):
            html = r.content.decode(errors="replace")
            url = build(route, real)
            for form in forms_in(html):
                target = form.action or url
                if not target.startswith("/") or "uitloggen" in target or "logout" in target:
                    continue
                for v in ("abc", "-1", "\x00", "99999999999999999999999", "2027-02-30", "x" * 5000, "[1,2]"):
                    login()
                    _request(client, form.method.upper() if form.method == "post" else "GET", target,
                             _junk_form(form, v), failures)

        # Hypothesis: random mixes of real and hostile values
        _hypothesis_fuzz(client, route, convs, content, names, login, failures)
    assert failures == [], f"{len(failures)} requests ended in a 500:\n" + "\n".join(sorted(set(failures))[:80])
