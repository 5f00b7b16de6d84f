from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cyberbeeld.web.forms import StyledFormMixin

MAX_UPLOAD = 50 * 2**20


class ImportForm(StyledFormMixin, forms.Form):
    file = forms.FileField(label=_("Bestand"), help_text=_(
        "CSV, XLSX of JSON: een CBS-tabel (OData), een brede tabel (gebieden onder elkaar, jaren naast elkaar) "
        "of een lange tabel (indicator, gebied, periode, waarde)."))
    area = forms.CharField(label=_("Gebied (optioneel)"), required=False, max_length=20, help_text=_(
        "Alleen voor bestanden zonder gebiedskolom, bijvoorbeeld NL01 of GM0935."))

    def clean_file(self) -> Any:
        f = self.cleaned_data["file"]
        if f.size > MAX_UPLOAD:
            raise forms.ValidationError(_("Het bestand is groter dan 50 MB."))
        return f
