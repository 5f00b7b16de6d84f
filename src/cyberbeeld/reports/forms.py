from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cyberbeeld.areas.models import Area, AreaKind
from cyberbeeld.common.forms import StyledFormMixin


class ReportForm(StyledFormMixin, forms.Form):
    area = forms.ChoiceField(label=_("Gebied"))
    lang = forms.ChoiceField(label=_("Taal van het rapport"), choices=[("nl", "Nederlands"), ("en", "English")])
    format = forms.ChoiceField(label=_("Formaat"), choices=[("pdf", "PDF"), ("html", "HTML")])

    def __init__(self, *args: Any, areas: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = [(a.code, f"{a.name} ({a.get_kind_display()})") for a in areas]
        self._errors = None  # the mixin validated before the choices were known: validate again
        if self.is_bound:
            self.full_clean()


class GemeenteForm(StyledFormMixin, forms.Form):
    """The gemeente a new organisation stands for (one of the current gemeenten)."""

    gemeente = forms.ModelChoiceField(label=_("Gemeente"), queryset=None, to_field_name="code",
                                      help_text=_("Cyberbeeld zoekt de cijfers, de regio en de partners van deze "
                                                  "gemeente op."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["gemeente"].queryset = Area.objects.filter(kind=AreaKind.GEMEENTE).current().order_by("name")
        self._errors = None
        if self.is_bound:
            self.full_clean()


class NarrativeForm(StyledFormMixin, forms.Form):
    """The explanation for residents on the public page (Markdown, cleaned when shown)."""

    narrative_nl = forms.CharField(label=_("Toelichting in het Nederlands"), widget=forms.Textarea(attrs={"rows": 8, "lang": "nl"}),
                                   max_length=20_000,
                                   help_text=_("Opzet uit de cijfers hierboven; pas hem aan. Opmaak met Markdown."))
    narrative_en = forms.CharField(label=_("Toelichting in het Engels"), required=False, max_length=20_000,
                                   widget=forms.Textarea(attrs={"rows": 6, "lang": "en"}))
