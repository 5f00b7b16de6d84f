"""Browser test: the beheerder's system status page passes axe-core in both languages."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_system_status_page_is_accessible(page, live_server, world, axe_check):
    from cyberbeeld.ops import scheduler

    scheduler.run_due()
    page.goto(f"{live_server.url}/nl/account/inloggen/")
    page.get_by_label("Gebruikersnaam").fill("beheerder")
    page.get_by_label("Wachtwoord").fill(world.password)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url("**/nl/overzicht/")
    for lang in ("nl", "en"):
        page.goto(f"{live_server.url}/{lang}/beheer/systeem/")
        assert page.locator("h1").count() == 1
        assert page.get_by_role("cell", name="prune-tasks").count() == 1
        axe_check(page)
