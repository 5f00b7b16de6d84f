"""Forms of the accounts room: the house style an organisation's beheerder sets."""

from __future__ import annotations

import io
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from cyberbeeld.web.forms import StyledFormMixin

from . import house_style
from .models import OrganisationTheme

LOGO_MAX_BYTES = 256 * 1024
LOGO_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}


class ColorInput(forms.TextInput):
    input_type = "color"


class ThemeForm(StyledFormMixin, forms.ModelForm):
    logo_file = forms.FileField(
        label=_l("Logo (PNG, JPEG of WebP, hoogstens 256 kB)"), required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}))
    remove_logo = forms.BooleanField(label=_l("Logo verwijderen"), required=False)

    class Meta:
        model = OrganisationTheme
        fields = ["display_name", "primary_color", "logo_alt", "website_url", "contact_url", "privacy_url",
                  "accessibility_url"]
        widgets = {"primary_color": ColorInput()}

    def clean_primary_color(self) -> str:
        value = (self.cleaned_data.get("primary_color") or "").strip().lower()
        if not house_style.HEX.match(value):
            raise forms.ValidationError(_("Geef de kleur als # en zes tekens 0-9 of a-f, bijvoorbeeld #1f5fa8."))
        ratio = house_style.contrast_ratio(value, "#ffffff")
        if ratio < house_style.MIN_CONTRAST:
            raise forms.ValidationError(
                _("Witte tekst op %(color)s heeft een contrast van %(ratio)s:1; nodig is minstens 4,5:1. "
                  "Kies een donkerdere kleur.") % {"color": value, "ratio": f"{ratio:.1f}".replace(".", ",")})
        return value

    def clean_logo_file(self) -> Any:
        f = self.cleaned_data.get("logo_file")
        if not f:
            return None
        if f.size > LOGO_MAX_BYTES:
            raise forms.ValidationError(_("Het logo is %(kb)s kB; het mag hoogstens 256 kB zijn.")
                                        % {"kb": f.size // 1024})
        data = f.read()
        from PIL import Image, UnidentifiedImageError

        try:
            with Image.open(io.BytesIO(data)) as img:
                fmt = img.format or ""
                img.verify()
        except (UnidentifiedImageError, OSError, SyntaxError):
            raise forms.ValidationError(_("Het logo is geen PNG-, JPEG- of WebP-afbeelding.")) from None
        if fmt not in LOGO_FORMATS:
            raise forms.ValidationError(_("Het logo is geen PNG-, JPEG- of WebP-afbeelding."))
        return data, LOGO_FORMATS[fmt]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        has_logo = bool(data.get("logo_file")) or (bool(self.instance.logo) and not data.get("remove_logo"))
        if has_logo and not (data.get("logo_alt") or "").strip():
            self.add_error("logo_alt", _("Beschrijf het logo voor wie het niet ziet."))
        return data
