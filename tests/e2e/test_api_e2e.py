"""The API's docs page in Chromium with the CSP ON (a separate browser, not the axe context that bypasses it):
Swagger UI from the vendored files renders every operation, nothing is fetched from another host, and the
console shows no CSP violation. The beheerder's API-token page passes axe in NL and EN."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


def login(page, base, user, password):
    page.goto(f"{base}/nl/account/inloggen/")
    page.get_by_label("Gebruikersnaam").fill(user)
    page.get_by_label("Wachtwoord").fill(password)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url("**/nl/overzicht/")

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCRIPT = r"""
import json, sys
from urllib.parse import urlparse
from playwright.sync_api import sync_playwright

url = sys.argv[1]
host = urlparse(url).netloc
out = {"console": [], "errors": [], "foreign": [], "csp": None, "operations": 0}
with sync_playwright() as p:
    browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
    page = browser.new_context(bypass_csp=False).new_page()
    page.on("console", lambda m: out["console"].append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda e: out["errors"].append(str(e)))
    page.on("request", lambda r: out["foreign"].append(r.url) if urlparse(r.url).netloc not in (host, "") and not r.url.startswith("data:") else None)
    page.on("response", lambda r: out.setdefault("responses", []).append(f"{r.status} {r.url} {r.headers.get('content-type')}"))
    response = page.goto(url)
    out["csp"] = response.headers.get("content-security-policy")
    try:
        page.wait_for_selector(".opblock", timeout=60000)
        page.wait_for_timeout(500)
        out["operations"] = page.locator(".opblock").count()
        out["title"] = page.locator(".info .title").first.inner_text()
    except Exception as exc:  # report what the console said
        out["errors"].append(f"{type(exc).__name__}: {str(exc)[:300]}")
        out["title"] = ""
    browser.close()
print(json.dumps(out))
"""


def test_docs_page_renders_under_the_csp(live_server):
    from pathlib import Path

    if not Path("/usr/bin/chromium").exists():
        pytest.skip("Chromium not installed")
    run = subprocess.run([sys.executable, "-c", SCRIPT, f"{live_server.url}/api/v1/docs"], capture_output=True,
                         text=True, timeout=180)
    assert run.returncode == 0, run.stderr[-3000:]
    out = json.loads(run.stdout.strip().splitlines()[-1])
    assert out["csp"] and "'unsafe-inline'" not in out["csp"] and "script-src 'self'" in out["csp"]
    csp = [m for m in out["console"] if "Content Security Policy" in m or "Refused" in m]
    assert csp == [], csp
    assert out["errors"] == [], json.dumps(out, indent=1)
    assert out["operations"] >= 20 and "Cyberbeeld API" in out["title"]
    assert out["foreign"] == []


def test_docs_page_html_has_no_inline_code_and_no_cdn(client):
    html = client.get("/api/v1/docs").content.decode()
    assert "cdn" not in html.lower() and "https://" not in html
    assert "/static/api/swagger/swagger-ui-bundle.js" in html
    scripts = html.count("<script")
    assert scripts == 3 and html.count('type="application/json"') == 1 and "style=" not in html


def test_token_page_accessible_in_both_languages(page, live_server, world, axe_check):
    login(page, live_server.url, "beheerder", world.password)
    for lang in ("nl", "en"):
        page.goto(f"{live_server.url}/{lang}/account/organisatie/gemeente-maastricht/api-sleutels/")
        assert page.locator("h1").count() == 1
        axe_check(page)
    page.goto(f"{live_server.url}/nl/account/organisatie/gemeente-maastricht/api-sleutels/")
    page.get_by_label("Naam").fill("koppeling zaaksysteem")
    page.locator("input[value='incidents:read']").check()
    page.get_by_role("button", name="Sleutel maken").click()
    assert page.locator("#new-token").inner_text().startswith("cbt_")
    axe_check(page)
