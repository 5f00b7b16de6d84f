"""The web shell: both languages, landmarks, security headers, friendly errors, deploy check."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_home_in_both_languages(client, lang):
    response = client.get(f"/{lang}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert f'<html lang="{lang}">' in html
    assert 'href="#main"' in html and '<main id="main"' in html and "<header" in html and "<footer" in html
    assert ("Naar de inhoud" if lang == "nl" else "Skip to content") in html


def test_root_redirects_to_a_language(client):
    assert client.get("/").status_code == 302


def test_csp_without_unsafe_inline(client):
    csp = client.get("/nl/")["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp


def test_friendly_404(client):
    response = client.get("/nl/bestaat-niet/")
    assert response.status_code == 404
    assert "Pagina niet gevonden" in response.content.decode()


def test_csrf_is_enforced(world):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert strict.post("/nl/account/inloggen/", {"username": "anna", "password": world.password}).status_code == 403


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="cyberbeeld.config.settings.production",
               DJANGO_SECRET_KEY="k" * 20 + "Zq8!vX2#pL9@mN4$wR7%tY1^uI6&oP3*aS5(dF0)", DJANGO_ALLOWED_HOSTS="cyberbeeld.example.nl",
               CYBERBEELD_DATA_DIR=str(tmp_path), DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    # The documented start collects the static files first (without them every page is a 500 and
    # check --deploy says so: tests/ops/test_production.py).
    collected = subprocess.run([sys.executable, "-m", "django", "collectstatic", "--no-input", "-v", "0"],
                               capture_output=True, text=True, env=env)
    assert collected.returncode == 0, collected.stderr
    result = subprocess.run([sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
                            capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_dashboard_shows_modules(client, world):
    client.force_login(world.anna)
    html = client.get("/nl/overzicht/").content.decode()
    assert "Gebieden" in html and "Incidenten" in html
    html_en = client.get("/en/overzicht/").content.decode()
    assert "Areas" in html_en and "Incidents" in html_en


def test_menu_has_each_entry_once(client, world):
    client.force_login(world.anna)
    html = client.get("/nl/overzicht/").content.decode()
    nav = html.split('aria-label="Hoofdmenu"', 1)[1].split("</nav>", 1)[0]
    assert nav.count(">Overzicht<") == 1
    assert "dict_items" not in html and "('title'" not in html


def test_styled_form_validates_only_after_querysets_are_narrowed(world):
    """A form that narrows a queryset after __init__ must be validated against the narrowed set."""
    from django import forms

    from cyberbeeld.areas.models import Area
    from cyberbeeld.common.forms import StyledFormMixin

    class Narrow(StyledFormMixin, forms.Form):
        area = forms.ModelChoiceField(queryset=Area.objects.all())

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.fields["area"].queryset = Area.objects.filter(code="GM0935")

    assert not Narrow({"area": world.gm_zaanstad.pk}).is_valid()
    form = Narrow({"area": world.gm_maastricht.pk})
    assert form.is_valid()
    bad = Narrow({"area": ""})
    assert not bad.is_valid() and bad["area"].field.widget.attrs.get("aria-invalid") == "true"


@pytest.mark.django_db
def test_migrate_refreshes_sqlite_statistics():
    """post_migrate runs ANALYZE on SQLite, so the planner has statistics after a table was rebuilt."""
    from django.db import connection

    from cyberbeeld.web.apps import analyze_sqlite

    if connection.vendor != "sqlite":
        pytest.skip("SQLite only: PostgreSQL's autovacuum keeps statistics")
    with connection.cursor() as cur:
        cur.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")
        had = cur.fetchone() is not None
        if had:
            cur.execute("DELETE FROM sqlite_stat1")
        analyze_sqlite(sender=None)
        cur.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'django_content_type'")  # filled by migrate
        assert cur.fetchone()[0] >= 1
