"""Pages and API of the casebook: 404 (never 403) for what you may not see; share dialog; uploads."""

from __future__ import annotations

import pytest

from cyberbeeld.sharing import services
from cyberbeeld.sharing.models import Attachment, Case

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def case(world, no_redact):
    return services.case_save(by=world.anna, owner=world.maastricht, sectors=["burgers"],
                              data={"title": "Sextortion via sociale media", "summary": "Jongeren afgeperst."})


def test_pages_render_for_owner(client, world, case, taxonomy):
    client.force_login(world.anna)
    for url in ("/nl/casusboek/", "/en/casusboek/?soort=aanpak", f"/nl/casusboek/casus/{case.uuid}/",
                f"/nl/casusboek/casus/{case.uuid}/bewerken/", f"/nl/casusboek/casus/{case.uuid}/delen/",
                "/nl/casusboek/casus/nieuw/", "/nl/casusboek/aanpak/nieuw/", "/nl/casusboek/bibliotheek/",
                "/nl/overzicht/"):
        r = client.get(url)
        assert r.status_code == 200, url
    r = client.get("/nl/casusboek/?q=sextortion")
    assert b"Sextortion via sociale media" in r.content
    share = client.get(f"/nl/casusboek/casus/{case.uuid}/delen/").content.decode()
    assert "Alleen binnen de ontvangende organisatie zelf" in share  # TLP:AMBER+STRICT meaning (NL)
    share_en = client.get(f"/en/casusboek/casus/{case.uuid}/delen/").content.decode()
    assert "Only within the recipient&#x27;s own organisation" in share_en


def test_other_org_gets_404_in_pages_and_api(client, world, case):
    import uuid

    client.force_login(world.zoe)
    for url in (f"/nl/casusboek/casus/{case.uuid}/", f"/nl/casusboek/casus/{case.uuid}/bewerken/",
                f"/nl/casusboek/casus/{case.uuid}/delen/", f"/api/v1/sharing/cases/{case.uuid}"):
        assert client.get(url).status_code == 404, url
    hidden = client.get(f"/api/v1/sharing/cases/{case.uuid}")
    missing = client.get(f"/api/v1/sharing/cases/{uuid.uuid4()}")
    assert hidden.json() == missing.json()
    assert client.post(f"/nl/casusboek/casus/{case.uuid}/intrekken/").status_code == 404
    assert client.post(f"/nl/casusboek/casus/{case.uuid}/vraag/", {"q-text": "hallo"}).status_code == 404
    assert b"Sextortion" not in client.get("/nl/casusboek/?q=sextortion").content
    assert "Sextortion" not in str(client.get("/api/v1/sharing/search?q=sextortion").json())


def test_share_dialog_and_withdraw(client, world, case):
    client.force_login(world.anna)
    r = client.post(f"/nl/casusboek/casus/{case.uuid}/delen/", {
        "tlp": "amber", "region": "on", "legal_basis": "publieke-taak", "purpose": "samen optrekken"})
    assert r.status_code == 302
    client.force_login(world.paul)
    assert client.get(f"/nl/casusboek/casus/{case.uuid}/").status_code == 200
    r = client.post(f"/nl/casusboek/casus/{case.uuid}/vraag/", {"q-text": "Welke platforms?"})
    assert r.status_code == 302
    client.force_login(world.anna)
    # community with AMBER is refused by the form
    r = client.post(f"/nl/casusboek/casus/{case.uuid}/delen/", {
        "tlp": "amber", "community": "on", "legal_basis": "publieke-taak", "purpose": "x"})
    assert r.status_code == 200 and "alleen met TLP:GREEN" in r.content.decode()
    client.post(f"/nl/casusboek/casus/{case.uuid}/intrekken/")
    client.force_login(world.paul)
    assert client.get(f"/nl/casusboek/casus/{case.uuid}/").status_code == 404


def test_recipient_sees_that_share_narrowed(client, world, case):
    services.share(by=world.anna, obj=case, tlp="amber", organisations=[world.politie, world.eijsden])
    client.force_login(world.paul)
    # the first view shows the share as it is: widening it to paul is no news to paul (issue #17)
    first = client.get(f"/nl/casusboek/casus/{case.uuid}/").content.decode()
    assert 'id="share-changed"' not in first and "Gewijzigd:" not in first
    services.share(by=world.anna, obj=case, tlp="amber", organisations=[world.politie])
    page = client.get(f"/nl/casusboek/casus/{case.uuid}/").content.decode()
    assert "Gewijzigd: gedeeld met minder partijen" in page
    assert "Eijsden" not in page  # the recipient learns THAT it narrowed, not with whom


def test_share_page_only_for_coordinator(client, world, case):
    client.force_login(world.lezer)
    assert client.get(f"/nl/casusboek/casus/{case.uuid}/").status_code == 200
    assert client.get(f"/nl/casusboek/casus/{case.uuid}/delen/").status_code == 404
    assert client.post(f"/nl/casusboek/casus/{case.uuid}/intrekken/").status_code == 404


def test_attachments_checked_and_served_through_policy(client, world, case):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(world.anna)
    url = f"/nl/casusboek/casus/{case.uuid}/bijlage/"
    client.post(url, {"file": SimpleUploadedFile("verslag.pdf", PDF, content_type="application/pdf")})
    # an executable pretending to be a PDF, and a PDF named .png, are refused
    client.post(url, {"file": SimpleUploadedFile("x.pdf", b"MZ\x90\x00binary", content_type="application/pdf")})
    client.post(url, {"file": SimpleUploadedFile("x.png", PDF, content_type="image/png")})
    assert [a.name for a in Attachment.objects.all()] == ["verslag.pdf"]
    att = Attachment.objects.get()
    r = client.get(f"/nl/casusboek/bijlage/{att.uuid}/")
    assert r.status_code == 200 and b"".join(r.streaming_content) == PDF
    assert r["Content-Type"] == "application/pdf"
    client.force_login(world.zoe)
    assert client.get(f"/nl/casusboek/bijlage/{att.uuid}/").status_code == 404
    client.logout()
    assert client.get(f"/nl/casusboek/bijlage/{att.uuid}/").status_code == 302


def test_attachment_size_limit(world, case, settings):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.attachment_add(by=world.anna, parent=case, name="groot.pdf",
                                content=PDF + b"0" * services.MAX_ATTACHMENT_BYTES)
    with pytest.raises(PermissionError):
        services.attachment_add(by=world.lezer, parent=case, name="a.pdf", content=PDF)


def test_create_case_through_form(client, world, taxonomy, no_redact):
    client.force_login(world.anna)
    r = client.post("/nl/casusboek/casus/nieuw/", {"title": "Nieuwe casus", "summary": "tekst",
                                                   "sector_set": ["mkb"], "tags": "a, b"})
    assert r.status_code == 302, r.content.decode()[:2000]
    c = Case.objects.get(title="Nieuwe casus")
    assert c.owner == world.maastricht and c.sector_list == ["mkb"] and c.tlp == "amber"
    client.force_login(world.lezer)
    assert client.get("/nl/casusboek/casus/nieuw/").status_code == 404


def test_library_is_public_and_like_mine(client, world, taxonomy, no_redact):
    a = services.approach_save(by=world.kees, owner=world.kenniscentrum, data={
        "title": "Voorlichting tegen helpdeskfraude", "approach": "Bijeenkomsten met wijkagent"})
    b = services.approach_save(by=world.kees, owner=world.kenniscentrum, data={"title": "Intern concept"})
    services.publish_approach(by=world.kees, approach=a)
    r = client.get("/nl/casusboek/bibliotheek/")
    assert r.status_code == 200
    assert b"Voorlichting tegen helpdeskfraude" in r.content and b"Intern concept" not in r.content
    services.case_save(by=world.anna, owner=world.maastricht, data={"title": "Helpdeskfraude bij ouderen",
                                                                     "summary": "voorlichting wijkagent"})
    client.force_login(world.anna)
    r = client.get("/nl/casusboek/bibliotheek/")
    assert b'id="like-mine"' in r.content
    r = client.post(f"/nl/casusboek/aanpak/{a.uuid}/overnemen/")
    assert r.status_code == 302
    adoption = a.adoptions.get(organisation=world.maastricht)
    from cyberbeeld.actions.models import Measure

    measure = Measure.objects.get(source_approach=a)
    assert adoption.measure_ref == str(measure.uuid) and measure.owner == world.maastricht
    assert client.post(f"/nl/casusboek/aanpak/{b.uuid}/overnemen/").status_code == 404


def test_first_view_has_no_change_alert_later_views_only_new_changes(client, world, case):
    """A recipient is told of share changes since their previous visit, never of older ones (NL and EN)."""
    services.share(by=world.anna, obj=case, tlp="amber", organisations=[world.politie])
    services.share(by=world.anna, obj=case, tlp="amber", organisations=[world.politie, world.eijsden])
    client.force_login(world.paul)
    url = f"/nl/casusboek/casus/{case.uuid}/"
    assert 'id="share-changed"' not in client.get(url).content.decode()
    assert 'id="share-changed"' not in client.get(url).content.decode()  # nothing changed since
    assert 'id="share-changed"' not in client.get(f"/en/casusboek/casus/{case.uuid}/").content.decode()
    services.share(by=world.anna, obj=case, tlp="amber", organisations=[world.politie, world.eijsden, world.zaanstad])
    page = client.get(f"/en/casusboek/casus/{case.uuid}/").content.decode()
    assert 'id="share-changed"' in page and "Changed: shared with more parties" in page
    assert 'id="share-changed"' not in client.get(url).content.decode()  # seen now
    # another user of the same organisation has their own first view
    from django.contrib.auth import get_user_model

    from cyberbeeld.accounts import services as account_services
    from cyberbeeld.accounts.models import Role

    pia = get_user_model().objects.create_user(username="pia", password=world.password)
    account_services.membership_set(by=None, user=pia, organisation=world.politie, role=Role.LEZER)
    client.force_login(pia)
    assert 'id="share-changed"' not in client.get(url).content.decode()


def test_owner_is_told_of_a_partner_question(client, world, case):
    """A partner's question reaches the owner on the casebook page and the dashboard until it is answered."""
    services.share(by=world.anna, obj=case, tlp="amber", organisations=[world.politie])
    client.force_login(world.anna)
    assert 'id="partner-questions"' not in client.get("/nl/casusboek/").content.decode()
    client.force_login(world.paul)
    client.post(f"/nl/casusboek/casus/{case.uuid}/vraag/", {"q-text": "Welke platforms?"})
    assert 'id="partner-questions"' not in client.get("/nl/casusboek/").content.decode()  # not the asker's news
    client.force_login(world.anna)
    page = client.get("/nl/casusboek/").content.decode()
    assert 'id="partner-questions"' in page
    assert "Een partner stelde een vraag over uw casus die nog open staat." in page
    assert f"/nl/casusboek/casus/{case.uuid}/#qa-h" in page and "Politie Limburg" in page
    en = client.get("/en/casusboek/").content.decode()
    assert 'id="partner-questions"' in en and f"/en/casusboek/casus/{case.uuid}/#qa-h" in en
    dash = client.get("/nl/overzicht/").content.decode()
    assert "Een partner stelde een vraag over uw casus die nog open staat." in dash
    question = case.questions.get()
    services.answer_give(by=world.anna, question=question, organisation=world.maastricht, text="TikTok.")
    assert 'id="partner-questions"' not in client.get("/nl/casusboek/").content.decode()
