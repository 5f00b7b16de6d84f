from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

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
