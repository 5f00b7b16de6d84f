"""Select lists are built in Python (``common.forms.FormRenderer``) instead of one template per option: the HTML must
be exactly what Django's own template renderer makes, for every kind of select the forms use."""

from __future__ import annotations

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe
from django.utils.translation import override

from cyberbeeld.common.forms import FormRenderer

pytestmark = pytest.mark.django_db

CHOICES = [("", "Alle"), ("a&b", 'Tom & "Jerry" <x>'), (3, 2019), ("safe", mark_safe("<b>vet</b>"))]
GROUPED = [("Groep <1>", [("g1", "Eén"), ("g2", "Twee")]), ("losse", "Losse keuze"), (None, [("n", "Zonder groep")])]


class Everything(forms.Form):
    plain = forms.ChoiceField(choices=CHOICES)
    grouped = forms.ChoiceField(choices=GROUPED)
    attrs = forms.ChoiceField(choices=CHOICES, widget=forms.Select(attrs={
        "class": "utrecht-select", "required": True, "disabled": False, "data-x": 'a"<b>', "aria-describedby": "h",
        "data-safe": mark_safe("&amp;")}))
    many = forms.MultipleChoiceField(choices=GROUPED)
    yesno = forms.NullBooleanField()
    radio = forms.ChoiceField(choices=CHOICES, widget=forms.RadioSelect)


def _both(form_data=None):
    django_form = Everything(form_data, renderer=DjangoTemplates())
    ours = Everything(form_data, renderer=FormRenderer())
    return django_form, ours


@pytest.mark.parametrize("data", [None, {"plain": "a&b", "grouped": "g2", "attrs": "3", "many": ["g1", "n"],
                                         "yesno": "true", "radio": "safe"}])
def test_every_select_is_rendered_exactly_as_by_django(data):
    for lang in ("nl", "en"):
        with override(lang):
            theirs, ours = _both(data)
            for name in theirs.fields:
                assert str(ours[name]) == str(theirs[name]), name


def test_the_pages_use_it_and_the_incident_form_is_unchanged(client, world):
    from django.forms.renderers import get_default_renderer

    from cyberbeeld.incidents.forms import IncidentForm

    assert isinstance(get_default_renderer(), FormRenderer)
    form = IncidentForm(viewer=world.anna)
    theirs = IncidentForm(viewer=world.anna, renderer=DjangoTemplates())
    assert "<option" in str(form["area"]) and str(form["area"]) == str(theirs["area"])
    assert str(form["form"]) == str(theirs["form"]) and str(form["tlp"]) == str(theirs["tlp"])


def test_no_select_goes_through_the_template_engine(monkeypatch, world):
    from cyberbeeld.incidents.forms import IncidentForm

    seen: list[str] = []
    original = DjangoTemplates.render

    def spy(self, template_name, context, request=None):
        seen.append(template_name)
        return original(self, template_name, context, request)

    monkeypatch.setattr(DjangoTemplates, "render", spy)
    form = IncidentForm(viewer=world.anna, renderer=FormRenderer())
    html = "".join(str(form[name]) for name in ("area", "form", "tlp", "sector", "status"))
    assert html.count("<select") == 5
    assert not [t for t in seen if "select" in t]
