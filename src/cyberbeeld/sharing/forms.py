from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from cyberbeeld.accounts.models import Audience, Organisation
from cyberbeeld.accounts.tlp import MEANING_EN, MEANING_NL, TLP
from cyberbeeld.common.forms import StyledFormMixin
from cyberbeeld.incidents.models import Form, Sector
from cyberbeeld.incidents.services import current_forms

from .models import Approach, Case, LegalBasis


def tlp_meaning(tlp: TLP | str) -> str:
    label = TLP(tlp)
    return (MEANING_EN if (get_language() or "nl").startswith("en") else MEANING_NL)[label]


class _ItemForm(StyledFormMixin, forms.ModelForm):
    form_set = forms.ModelMultipleChoiceField(label=_("Vormen"), queryset=Form.objects.select_related("category"),
                                              required=False,
                                              help_text=_("Vormen uit de taxonomie"))
    sector_set = forms.MultipleChoiceField(label=_("Sectoren"), choices=Sector.choices, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["form_set"].queryset = current_forms()
        if self.instance.pk:
            self.initial.setdefault("form_set", list(self.instance.forms.all()))
            self.initial.setdefault("sector_set", self.instance.sector_list)


class CaseForm(_ItemForm):
    class Meta:
        model = Case
        fields = ["title", "summary", "occurred_on", "impact", "actions_taken", "actors", "outcome", "tags"]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 5}),
            "actions_taken": forms.Textarea(attrs={"rows": 3}),
            "outcome": forms.Textarea(attrs={"rows": 3}),
            "occurred_on": forms.DateInput(attrs={"type": "date"}),
        }
        help_texts = {
            "summary": _("Persoonsgegevens worden automatisch verwijderd voordat de tekst wordt opgeslagen."),
        }


class ApproachForm(_ItemForm):
    class Meta:
        model = Approach
        fields = ["title", "problem", "approach", "partners", "cost_capacity", "results", "lessons", "contact",
                  "tags"]
        widgets = {f: forms.Textarea(attrs={"rows": 3}) for f in ("problem", "approach", "results", "lessons")}


class ShareForm(StyledFormMixin, forms.Form):
    tlp = forms.ChoiceField(label=_("TLP-label"), choices=[(t.value, t.label) for t in TLP],
                            widget=forms.RadioSelect)
    organisations = forms.ModelMultipleChoiceField(label=_("Organisaties"), queryset=Organisation.objects.all(),
                                                   required=False)
    audiences = forms.ModelMultipleChoiceField(label=_("Doelgroepen"), queryset=Audience.objects.all(),
                                               required=False)
    region = forms.BooleanField(label=_("Mijn veiligheidsregio"), required=False)
    community = forms.BooleanField(label=_("De hele gemeenschap (alleen TLP:GREEN)"), required=False)
    legal_basis = forms.ChoiceField(label=_("Grondslag (AVG)"), choices=[("", "—"), *LegalBasis.choices])
    purpose = forms.CharField(label=_("Doel van het delen"), max_length=300)

    def __init__(self, *args: Any, owner: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisations"].queryset = Organisation.objects.exclude(pk=owner.pk)
        # only audiences the owner made or belongs to: other organisations' audiences stay unknown
        self.fields["audiences"].queryset = Audience.objects.filter(
            Q(owner=owner) | Q(organisations=owner)).distinct()
        self.fields["tlp"].choices = [(t.value, f"{t.label} — {tlp_meaning(t)}") for t in TLP]
        self.fields["tlp"].widget.attrs.pop("class", None)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("community") and data.get("tlp") != TLP.GREEN.value:
            self.add_error("community", _("Delen met de hele gemeenschap kan alleen met TLP:GREEN."))
        return data


class QuestionForm(StyledFormMixin, forms.Form):
    text = forms.CharField(label=_("Uw vraag"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)


class AnswerForm(StyledFormMixin, forms.Form):
    text = forms.CharField(label=_("Uw antwoord"), widget=forms.Textarea(attrs={"rows": 2}), max_length=4000)


class AttachmentForm(StyledFormMixin, forms.Form):
    file = forms.FileField(label=_("Bijlage (PDF of afbeelding, max. 10 MB)"))
