from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cyberbeeld.common.forms import StyledFormMixin

from .survey_import import MarginError, parse_margin

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
    fpc = forms.CharField(label=_("Kolom met populatieomvang of steekproeffractie per stratum (fpc, optioneel)"),
                          max_length=100, required=False)
    calibration = forms.ChoiceField(
        label=_("Wegen naar populatiemarges (optioneel)"), required=False,
        choices=[("", _("Niet wegen")), ("rake", _("Raken (iteratief proportioneel, zoals R's rake)")),
                 ("linear", _("Lineair kalibreren (GREG, zoals R's calibrate)")),
                 ("raking", _("Kalibreren met de raking-afstand")), ("logit", _("Kalibreren met de logit-afstand"))],
        help_text=_("De gewichten worden eerst aangepast aan de populatie per categorie (bijvoorbeeld leeftijd en "
                    "geslacht); de intervallen houden daar rekening mee."))
    margin_1 = forms.FileField(label=_("Populatiemarge 1 (CSV)"), required=False, help_text=_(
        "Kopregel met de kolom(men) uit de microdata en als laatste het populatieaantal, bijv. 'leeftijd,aantal'; "
        "daarna één rij per categorie. Twee kolommen (bijv. 'leeftijd,geslacht,aantal') geven een gekruiste marge."))
    margin_2 = forms.FileField(label=_("Populatiemarge 2 (CSV, optioneel)"), required=False)
    margin_3 = forms.FileField(label=_("Populatiemarge 3 (CSV, optioneel)"), required=False)
    bounds = forms.CharField(label=_("Grenzen voor de gewichtsfactor (optioneel)"), max_length=50, required=False,
                             help_text=_("Twee getallen, laag (tussen 0 en 1) en hoog (boven 1), gescheiden door een puntkomma; alleen bij kalibreren."))

    MARGIN_FIELDS = ("margin_1", "margin_2", "margin_3")

    def clean_file(self) -> Any:
        f = self.cleaned_data["file"]
        if f.size > MAX_UPLOAD:
            raise forms.ValidationError(_("Het bestand is groter dan 50 MB."))
        return f

    def _clean_margin(self, name: str) -> Any:
        f = self.cleaned_data.get(name)
        if not f:
            return None
        if f.size > MAX_UPLOAD:
            raise forms.ValidationError(_("Het bestand is groter dan 50 MB."))
        try:
            return parse_margin(f.read(), f.name)
        except MarginError as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean_margin_1(self) -> Any:
        return self._clean_margin("margin_1")

    def clean_margin_2(self) -> Any:
        return self._clean_margin("margin_2")

    def clean_margin_3(self) -> Any:
        return self._clean_margin("margin_3")

    def clean_bounds(self) -> tuple[float, float] | None:
        raw = self.cleaned_data.get("bounds", "").strip()
        if not raw:
            return None
        parts = raw.split(";") if ";" in raw else raw.split(",")
        try:
            lo, hi = (float(x.strip().replace(",", ".")) for x in parts)
        except ValueError:
            raise forms.ValidationError(_("Geef twee getallen, laag en hoog, gescheiden door een puntkomma.")) from None
        if not 0 <= lo < 1 < hi:
            raise forms.ValidationError(_("De ondergrens moet tussen 0 en 1 liggen en de bovengrens boven 1."))
        return lo, hi

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        margins = [data.get(name) for name in self.MARGIN_FIELDS]
        method = data.get("calibration") or ""
        if method and not any(margins):
            self.add_error("margin_1", _("Geef minstens één populatiemarge om naar te wegen."))
        if any(margins) and not method:
            self.add_error("calibration", _("Kies hoe er naar de populatiemarges gewogen wordt."))
        if data.get("bounds") and method in ("", "rake"):
            self.add_error("bounds", _("Grenzen gelden alleen bij kalibreren (lineair, raking of logit)."))
        seen: dict[str, str] = {}
        for name, margin in zip(self.MARGIN_FIELDS, margins, strict=True):
            if not margin:
                continue
            for column in margin[0]:
                if column in seen:
                    self.add_error(name, _("De kolom '%(column)s' staat ook in een andere marge.") % {"column": column})
                seen[column] = name
        data["margins"] = [m for m in margins if m]
        return data
