"""Shared fixtures: organisations and users, the taxonomy, and a real Chromium for browser tests."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings as hypothesis_settings

# Property tests check properties, not speed: no per-example deadline (a busy machine made
# test_raising_a_criterion_never_lowers_the_total fail with DeadlineExceeded; timing belongs in benchmarks/).
hypothesis_settings.register_profile("cyberbeeld", deadline=None)
hypothesis_settings.load_profile("cyberbeeld")

SHARED_DATA = Path(os.environ.get("CYBERBEELD_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
DB_FIXTURES = {"db", "transactional_db", "client", "admin_client", "live_server", "django_db_setup",
               "django_user_model", "world", "browser_page", "taxonomy"}


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    """Mark every test that touches the database 'db' (the PostgreSQL run selects them)."""
    for item in items:
        if item.get_closest_marker("django_db") or DB_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.db)


def pytest_configure(config: Any) -> None:
    config.addinivalue_line("markers", "db: touches the database (runs on SQLite and PostgreSQL)")


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Each test starts with an empty cache: the rolled-back database of an earlier test restarts the page-cache
    generations (``accounts.pagecache``) at the same numbers, and ids are reused, so an earlier test's cached part
    could otherwise match a later test's key."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.fail(f"shared data not found at {SHARED_DATA} (set CYBERBEELD_SHARED_DATA)")
    return SHARED_DATA


class World:
    """Two gemeenten in one veiligheidsregio, a police unit there, and a gemeente elsewhere."""

    def __init__(self) -> None:
        from django.contrib.auth import get_user_model

        from cyberbeeld.accounts import services
        from cyberbeeld.accounts.models import OrganisationKind, Role
        from cyberbeeld.areas.models import Area, AreaKind

        A = Area.objects.create
        self.vr24 = A(code="VR24", kind=AreaKind.VEILIGHEIDSREGIO, name="Zuid-Limburg", slug="zuid-limburg")
        self.vr11 = A(code="VR11", kind=AreaKind.VEILIGHEIDSREGIO, name="Zaanstreek-Waterland", slug="zw")
        self.gm_maastricht = A(code="GM0935", kind=AreaKind.GEMEENTE, name="Maastricht", slug="maastricht",
                               veiligheidsregio=self.vr24, population=125305)
        self.gm_eijsden = A(code="GM1903", kind=AreaKind.GEMEENTE, name="Eijsden-Margraten",
                            slug="eijsden-margraten", veiligheidsregio=self.vr24, population=26030)
        self.gm_zaanstad = A(code="GM0479", kind=AreaKind.GEMEENTE, name="Zaanstad", slug="zaanstad",
                             veiligheidsregio=self.vr11, population=158000)
        mk = services.organisation_create
        self.maastricht = mk(by=None, kind=OrganisationKind.GEMEENTE, name="Gemeente Maastricht",
                             slug="gemeente-maastricht", area=self.gm_maastricht, regions=[self.vr24])
        self.eijsden = mk(by=None, kind=OrganisationKind.GEMEENTE, name="Gemeente Eijsden-Margraten",
                          slug="gemeente-eijsden", area=self.gm_eijsden, regions=[self.vr24])
        self.politie = mk(by=None, kind=OrganisationKind.POLITIE, name="Politie Limburg", slug="politie-limburg",
                          regions=[self.vr24])
        self.zaanstad = mk(by=None, kind=OrganisationKind.GEMEENTE, name="Gemeente Zaanstad",
                           slug="gemeente-zaanstad", area=self.gm_zaanstad, regions=[self.vr11])
        self.kenniscentrum = mk(by=None, kind=OrganisationKind.KENNISCENTRUM, name="Kenniscentrum",
                                slug="kenniscentrum")
        User = get_user_model()
        self.password = "correct-horse-battery-9"

        def user(name: str, org: Any, role: str) -> Any:
            u = User.objects.create_user(username=name, password=self.password, email=f"{name}@example.invalid")
            services.membership_set(by=None, user=u, organisation=org, role=role)
            return u

        self.anna = user("anna", self.maastricht, Role.COORDINATOR)
        self.lezer = user("lezer", self.maastricht, Role.LEZER)
        self.beheerder = user("beheerder", self.maastricht, Role.BEHEERDER)
        self.eva = user("eva", self.eijsden, Role.BEWERKER)
        self.paul = user("paul", self.politie, Role.BEWERKER)
        self.zoe = user("zoe", self.zaanstad, Role.BEWERKER)
        self.kees = user("kees", self.kenniscentrum, Role.BEHEERDER)
        self.nobody = User.objects.create_user(username="nobody", password=self.password)


@pytest.fixture
def world(db: Any) -> World:
    return World()


@pytest.fixture
def taxonomy(db: Any) -> Any:
    from cyberbeeld.incidents.services import taxonomy_sync

    return taxonomy_sync()


# --- browser -------------------------------------------------------------------------------------
CHROMIUM = "/usr/bin/chromium"
AXE = Path(__file__).parent / "e2e" / "vendor" / "axe.min.js"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]


@pytest.fixture(scope="session")
def browser_context(tmp_path_factory: Any) -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CYBERBEELD_REQUIRE_BROWSER") == "1":
            pytest.fail("Chromium is required here but /usr/bin/chromium is missing")
        pytest.skip("Chromium not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls of the tests are still
    # synchronous, so Django's async-safety guard would refuse them.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

    with sync_playwright() as p:
        ctx = p.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium")), executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
            bypass_csp=True,  # only so that axe-core can be injected; the app itself runs under its CSP
        )
        yield ctx
        ctx.close()


@pytest.fixture(scope="session")
def _vnu_batch(tmp_path_factory: Any) -> Iterator[Any]:
    """Every document the browser tests were served, checked by the Nu HTML Checker once, at the end."""
    from e2e import page_checks as pc

    batch = pc.VnuBatch(tmp_path_factory.mktemp("vnu"))
    yield batch
    if not batch.origin:
        return
    if not (pc.VNU_JAR.exists() and shutil.which("java")):
        if os.environ.get("CYBERBEELD_REQUIRE_BROWSER") == "1":
            pytest.fail(f"vnu.jar or java missing ({pc.VNU_JAR}): run `make tools/a11y/node_modules/.installed`")
        return
    errors = batch.run()
    assert errors == [], f"Nu HTML Checker: {len(errors)} errors:\n" + "\n".join(errors)


_CHECKED: set[str] = set()  # pages already checked in this session (same path and same HTML)

# Rules that are reported, not failing (written to page-checks-advisory.txt in CYBERBEELD_ARTEFACTS or the session's
# tmp folder). Empty: user content is marked with its language (`lang`, web/templatetags/content_lang.py), so the
# other-language and untranslated-msgid rules tell content from interface and fail like every other rule.
ADVISORY_RULES: set[str] = set()
_ADVISORY: list[str] = []


def _fatal(problems: list[Any], where: str) -> list[Any]:
    keep = []
    for p in problems:
        if getattr(p, "rule", "") in ADVISORY_RULES:
            _ADVISORY.append(f"{where}: {p}")
        else:
            keep.append(p)
    return keep


@pytest.fixture(scope="session", autouse=True)
def _advisory_report(tmp_path_factory: Any) -> Iterator[None]:
    yield
    if _ADVISORY:
        folder = Path(os.environ.get("CYBERBEELD_ARTEFACTS") or tmp_path_factory.getbasetemp())
        folder.mkdir(parents=True, exist_ok=True)
        out = folder / "page-checks-advisory.txt"
        out.write_text("\n".join(sorted(set(_ADVISORY))) + "\n", encoding="utf-8")
        print(f"\npage checks: {len(set(_ADVISORY))} advisory findings (language of content) in {out}")


def _engines_available() -> bool:
    from e2e import page_checks as pc

    if pc.ACE_JS.exists():
        return True
    if os.environ.get("CYBERBEELD_REQUIRE_BROWSER") == "1":
        pytest.fail(f"IBM Equal Access engine missing ({pc.ACE_JS}): run `make tools/a11y/node_modules/.installed`")
    return False


def check_live_page(page: Any) -> list[Any]:
    """axe-core, IBM Equal Access and the text rules on the page as it is in the browser now."""
    from e2e import page_checks as pc

    problems = pc.run_axe(page)
    if _engines_available():
        problems += pc.run_ibm(page)
    problems += pc.text_problems(page.content())
    return problems


def _replay_and_check(context: Any, served: Any) -> list[Any]:
    """Show a recorded document again (its static files from the live server, nothing else) and check it."""
    from e2e import page_checks as pc

    pg = context.new_page()
    try:
        def handle(route: Any) -> None:
            url = route.request.url
            if url == served.url and route.request.resource_type == "document":
                route.fulfill(status=served.status, body=served.html, content_type="text/html; charset=utf-8")
            elif "/static/" in url:
                route.continue_()
            else:
                route.abort()

        pg.route("**/*", handle)
        pg.goto(served.url, wait_until="load")
        problems = pc.run_axe(pg)
        if _engines_available():
            problems += pc.run_ibm(pg)
        return problems
    finally:
        pg.close()


@pytest.fixture
def page(browser_context: Any, live_server: Any, _vnu_batch: Any, request: Any) -> Iterator[Any]:
    """A browser page. Every HTML page the server sends it is checked afterwards (the page-check hook):
    axe-core, IBM Equal Access, the language/plural/number/date rules, and (once per session) vnu.jar."""
    from e2e import page_checks as pc

    recorder = pc.Recorder()
    recorder.start()
    browser_context.clear_cookies()
    pg = browser_context.new_page()
    pg.set_default_timeout(15_000)
    try:
        yield pg
    finally:
        pg.close()
        recorder.stop()
    failures: list[str] = []
    for served in recorder.take():
        if served.key in _CHECKED:
            continue
        _CHECKED.add(served.key)
        found = [f"{p}" for p in _fatal(pc.text_problems(served.html), f"{served.method} {served.url}")]
        if not served.fragment:
            _vnu_batch.add(served, request.node.nodeid)
            found += [f"{p}" for p in _replay_and_check(browser_context, served)]
        failures += [f"{served.method} {served.url} ({served.status}): {f}" for f in found]
    assert failures == [], f"page checks: {len(failures)} problems:\n" + "\n".join(failures)


def run_axe(page: Any) -> list[dict[str, Any]]:
    """Inject axe-core into the page and return the WCAG 2.1 A/AA violations."""
    from e2e import page_checks as pc

    return [{"id": p.rule, "help": p.detail, "nodes": p.where} for p in pc.run_axe(page)]


@pytest.fixture
def axe_check() -> Any:
    """Check the page as it is now (after scripts and htmx): axe-core, IBM Equal Access and the text rules."""
    def check(page: Any) -> None:
        problems = _fatal(check_live_page(page), page.url)
        assert problems == [], f"page checks on {page.url}:\n" + "\n".join(str(p) for p in problems)

    return check


@pytest.fixture(scope="session")
def warm_cores() -> None:
    """Build the deduce lookup and the classifier once, before any request needs them."""
    from cyberbeeld.common.redact import redact_text
    from cyberbeeld.incidents.classify import load_or_train

    redact_text("Jan belde.")
    load_or_train()


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Every test starts in Dutch, whatever language an earlier test activated."""
    from django.conf import settings

    if not settings.configured:  # pure-core runs without the Django plugin
        yield
        return
    from django.utils import translation

    translation.activate("nl")
    yield
    translation.deactivate()
