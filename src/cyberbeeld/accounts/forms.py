"""Forms of the accounts room: pick lists over shareable models that list only what the viewer may see, the
label/audience fields of an edit form (only those who may share see them), and the house style an
organisation's beheerder sets."""

from __future__ import annotations

import io
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from PIL import Image, UnidentifiedImageError

from cyberbeeld.common.forms import StyledFormMixin

from . import house_style, policy
from .models import OrganisationTheme, Shareable
from .tlp import TLP

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


# --- pick lists through the policy ----------------------------------------------------------------
class _VisibleChoices:
    """A choice field over a shareable model that lists only what the viewer may see.

    The form calls :meth:`limit` with the viewer (and optionally a narrower base queryset); until then the
    field offers nothing, so a form that forgets the viewer shows an empty list instead of a leak."""

    def __init__(self, queryset: Any, *args: Any, **kwargs: Any) -> None:
        self.model = queryset.model
        super().__init__(queryset.none(), *args, **kwargs)  # type: ignore[call-arg]

    def limit(self, viewer: Any, queryset: Any = None) -> None:
        base = queryset if queryset is not None else self.model._default_manager.all()
        self.queryset = policy.visible(viewer, base)  # type: ignore[attr-defined]


class VisibleModelChoiceField(_VisibleChoices, forms.ModelChoiceField):
    pass


class VisibleModelMultipleChoiceField(_VisibleChoices, forms.ModelMultipleChoiceField):
    pass


def shareable_choice_fields(form: forms.BaseForm) -> list[str]:
    """Names of the form's choice fields over shareable models (each must be a Visible… field)."""
    return [name for name, field in form.fields.items()
            if isinstance(field, forms.ModelChoiceField) and issubclass(field.queryset.model, Shareable)]


def limit_choices(form: forms.BaseForm, viewer: Any, **querysets: Any) -> None:
    """Restrict every pick list of ``form`` to what ``viewer`` may see (``querysets`` narrows a field
    further, e.g. to the owner's own scenarios). A plain ModelChoiceField over a shareable model is an
    error: every pick list goes through the policy."""
    for name in shareable_choice_fields(form):
        field = form.fields[name]
        if not isinstance(field, _VisibleChoices):
            raise TypeError(f"{type(form).__name__}.{name}: use VisibleModel(Multiple)ChoiceField")
        field.limit(viewer, querysets.get(name))


def sharing_fields_for(form: forms.BaseForm, viewer: Any, floor: Any = None) -> None:
    """Label and audience in an edit form: only a coördinator or beheerder of the owner changes them
    (relabelling is sharing); for anyone else the fields are left out. A copy offers no label more open
    than its source's (``floor``) and says so."""
    if "audience_region" in form.fields:  # the model field has no verbose name: never show "Audience region"
        form.fields["audience_region"].label = _("Delen met de eigen veiligheidsregio")
        form.fields["audience_region"].help_text = _(
            "Alle organisaties in de veiligheidsregio van de eigenaar mogen dit dan zien (binnen het TLP-label).")
    instance = getattr(form, "instance", None)
    if instance is not None and instance.pk is not None and not policy.can_share(viewer, instance):
        for name in ("tlp", "audience_region"):
            form.fields.pop(name, None)
        return
    if instance is not None and instance.pk is not None and floor is None:
        floor = policy.sharing_floor(instance)
    if floor is not None and "tlp" in form.fields and TLP(floor) != TLP.CLEAR:
        label = TLP(floor)
        field = form.fields["tlp"]
        field.choices = [(v, text) for v, text in field.choices if v and TLP(v).rank >= label.rank]
        field.help_text = _("Dit object krijgt minstens het label van de bron: %(label)s") % {"label": label.label}
