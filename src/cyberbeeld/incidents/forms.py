from __future__ import annotations

from typing import Any

from django import forms
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from cyberbeeld.accounts.forms import sharing_fields_for
from cyberbeeld.accounts.models import TLP_CHOICES
from cyberbeeld.areas.models import Area
from cyberbeeld.common.forms import StyledFormMixin, style
from cyberbeeld.common.params import parse_pk

from . import questions
from .bulk import ImportFileError, read_table
from .models import Form, Incident, RetentionRule
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
            "form": _("Laat leeg om een voorstel te krijgen op basis van titel en beschrijving. "
                      "Na het kiezen van een vorm verschijnen de vragen die bij die vorm horen."),
        }

    def __init__(self, *args: Any, viewer: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)

        sharing_fields_for(self, viewer)  # relabelling is sharing: a coördinator of the owner

        qs = current_forms()
        if self.instance.pk and self.instance.form_id:
            qs = (qs | Form.objects.filter(pk=self.instance.form_id)).distinct()
        self.fields["form"].queryset = qs
        self.fields["area"].queryset = Area.objects.gemeenten().current()
        # progressive enhancement (htmx): the questions of the chosen form appear without a reload
        self.fields["form"].widget.attrs.update({"data-hx-get": reverse("incidents:detail_fields"),
                                                 "data-hx-target": "#detail-fields", "data-hx-swap": "innerHTML"})

    def chosen_form_code(self) -> str | None:
        if self.is_bound:
            pk = parse_pk(self.data.get(self.add_prefix("form")))
            if pk:
                return Form.objects.filter(pk=pk).values_list("code", flat=True).first()
            return None
        return self.instance.form.code if self.instance.pk and self.instance.form_id else None


class DetailFieldsForm(StyledFormMixin, forms.Form):
    """The questions that belong to one form of incident (``data/form_templates.json``)."""

    def __init__(self, *args: Any, form_code: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.form_code = form_code
        for name, field in questions.form_fields(form_code).items():
            self.fields[name] = field
        style(self)

    def details(self) -> dict[str, Any]:
        return {n: self.cleaned_data.get(n) for n in self.fields}


class ImportForm(StyledFormMixin, forms.Form):
    file = forms.FileField(label=_("Bestand (CSV, XLSX of ODS)"), help_text=_(
        "Eerste rij: kolomnamen. Verplicht: sleutel (uw eigen unieke nummer per incident) en titel. "
        "Alles of niets: bij één fout wordt niets ingelezen. Hetzelfde bestand nog eens inlezen verandert niets."))

    MAX_BYTES = 50 * 1024 * 1024

    def clean_file(self) -> Any:
        f = self.cleaned_data["file"]
        if not f.name.lower().endswith((".csv", ".txt", ".xlsx", ".xlsm", ".ods")):
            raise forms.ValidationError(_("Alleen CSV, XLSX en ODS worden ingelezen."))
        if f.size > self.MAX_BYTES:
            raise forms.ValidationError(_("Het bestand is groter dan 50 MB."))
        # the reading guards (size, encoding, zip, columns, quoting) before the file is queued
        data = f.read()
        f.seek(0)
        try:
            _header, rows = read_table(f.name, data)
            for _row in rows:  # reading every record is cheap and finds bad quoting and huge fields now
                pass
        except ImportFileError as exc:
            raise forms.ValidationError(exc.nl if (get_language() or "nl").startswith("nl") else exc.en) from None
        return f


class RetentionRuleForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = RetentionRule
        fields = ["target", "period_days", "action", "legal_basis", "active"]


class TaxonomyImportForm(StyledFormMixin, forms.Form):
    file = forms.FileField(label=_("MISP-taxonomie (machinetag.json)"))
    lang = forms.ChoiceField(label=_("Taal van de namen in het bestand"), choices=[("en", "English"), ("nl", "Nederlands")],
                             initial="en")
