from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cyberbeeld.common.forms import StyledFormMixin

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


class SurveyUploadForm(StyledFormMixin, forms.Form):
    """Own survey microdata: the file and its design columns (named after R's svydesign)."""

    file = forms.FileField(label=_("Microdata (CSV of Parquet)"),
                           help_text=_("Eén rij per respondent. Het bestand wordt niet bewaard: alleen de schattingen."))
    weights = forms.CharField(label=_("Kolom met gewichten"), max_length=100)
    area_column = forms.CharField(label=_("Kolom met de gemeente (CBS-code of naam)"), max_length=100)
    variables = forms.CharField(label=_("Variabelen (kolommen met 0/1), gescheiden door komma's"), max_length=500)
    strata = forms.CharField(label=_("Kolom met strata (optioneel)"), max_length=100, required=False)
    cluster = forms.CharField(label=_("Kolom met clusters (optioneel)"), max_length=100, required=False)
    period = forms.RegexField(label=_("Periode (jaar)"), regex=r"^\d{4}$", max_length=4,
                              error_messages={"invalid": _("Vul een jaartal in, bijv. 2025.")})

    def clean_file(self) -> Any:
        f = self.cleaned_data["file"]
        if f.size > MAX_UPLOAD:
            raise forms.ValidationError(_("Het bestand is groter dan 50 MB."))
        return f
