from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cyberbeeld.accounts.models import TLP_CHOICES
from cyberbeeld.areas.models import Area
from cyberbeeld.web.forms import StyledFormMixin

from .models import Incident
from .services import current_forms


class IncidentForm(StyledFormMixin, forms.ModelForm):
    tlp = forms.ChoiceField(label=_("TLP-label"), choices=TLP_CHOICES, initial="amber",
                            help_text=_("Wie mag dit zien? AMBER: alleen uw organisatie en wie u het deelt."))

    class Meta:
        model = Incident
        fields = ["title", "raw_description", "form", "occurred_on", "reported_on", "area", "postcode4", "sector",
                  "victim_type", "modus", "impact", "source", "status", "tlp"]
        widgets = {
            "raw_description": forms.Textarea(attrs={"rows": 6}),
            "occurred_on": forms.DateInput(attrs={"type": "date"}),
            "reported_on": forms.DateInput(attrs={"type": "date"}),
        }
        help_texts = {
            "raw_description": _("Blijft binnen uw organisatie. Persoonsgegevens worden automatisch verwijderd uit de tekst die gedeeld kan worden."),
            "form": _("Laat leeg om een voorstel te krijgen op basis van titel en beschrijving."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["form"].queryset = current_forms()
        self.fields["area"].queryset = Area.objects.gemeenten().current()
