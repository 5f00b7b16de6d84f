from django import forms
from django.utils.translation import gettext_lazy as _

from cyberbeeld.common.forms import StyledFormMixin

from .importers import successor_cycle
from .models import Area, AreaKind


class MappingForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = Area
        fields = ["veiligheidsregio", "politie_eenheid", "politie_district", "basisteam", "successor"]
        labels = {
            "veiligheidsregio": _("Veiligheidsregio"),
            "politie_eenheid": _("Politie-eenheid"),
            "politie_district": _("Politiedistrict"),
            "basisteam": _("Basisteam"),
            "successor": _("Opgegaan in (opvolger)"),
        }

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        qs = Area.objects.all()
        self.fields["veiligheidsregio"].queryset = qs.filter(kind=AreaKind.VEILIGHEIDSREGIO)
        self.fields["politie_eenheid"].queryset = qs.filter(kind=AreaKind.POLITIE_EENHEID)
        self.fields["politie_district"].queryset = qs.filter(kind=AreaKind.POLITIE_DISTRICT)
        self.fields["basisteam"].queryset = qs.filter(kind=AreaKind.BASISTEAM)
        self.fields["successor"].queryset = qs.filter(kind=AreaKind.GEMEENTE).current()

    def clean_successor(self) -> Area | None:
        successor = self.cleaned_data.get("successor")
        if successor is not None and self.instance.pk:
            if successor.pk == self.instance.pk:
                raise forms.ValidationError(_("Een gemeente kan niet in zichzelf opgaan."))
            cycle = successor_cycle(self.instance, successor, Area.objects.filter(kind=AreaKind.GEMEENTE))
            if cycle:
                raise forms.ValidationError(_("Deze opvolger maakt een kring: %(cycle)s") % {"cycle": " → ".join(cycle)})
        return successor
