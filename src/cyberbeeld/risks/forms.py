from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from cyberbeeld.accounts.forms import VisibleModelMultipleChoiceField, limit_choices, sharing_fields_for
from cyberbeeld.accounts.models import TLP_CHOICES
from cyberbeeld.common.forms import StyledFormMixin, style
from cyberbeeld.incidents.models import Incident
from cyberbeeld.incidents.services import current_forms
from cyberbeeld.sharing.models import Case

from . import scoring
from .models import Asset, Scenario


def _lang() -> str:
    return "en" if (get_language() or "nl").startswith("en") else "nl"


def _revalidate(form: forms.BaseForm) -> None:
    """StyledFormMixin validates a bound form while it is constructed; fields, choices and
    querysets set afterwards need a fresh validation (and styling)."""
    form._errors = None  # type: ignore[assignment]
    if form.is_bound:
        form.full_clean()
    style(form)


class AssetForm(StyledFormMixin, forms.ModelForm):
    tlp = forms.ChoiceField(label=_("TLP-label"), choices=TLP_CHOICES, initial="amber")
    dependencies = VisibleModelMultipleChoiceField(Asset.objects.all(), label=_("Afhankelijk van"), required=False)

    class Meta:
        model = Asset
        fields = ["name", "kind", "description", "operator", "criticality", "dependencies", "location", "tlp"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, owner: Any = None, viewer: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        qs = Asset.objects.filter(owner=owner)
        if self.instance.pk:
            qs = qs.exclude(pk=self.instance.pk)
        limit_choices(self, viewer, dependencies=qs)
        sharing_fields_for(self, viewer)
        _revalidate(self)


class ScenarioForm(StyledFormMixin, forms.ModelForm):
    tlp = forms.ChoiceField(label=_("TLP-label"), choices=TLP_CHOICES, initial="amber",
                            help_text=_("AMBER: uw organisatie (OOV en CISO) en wie u het deelt."))
    form_codes = forms.MultipleChoiceField(label=_("Vormen"), required=False, choices=())
    assets = VisibleModelMultipleChoiceField(Asset.objects.all(), label=_("Getroffen objecten en diensten"),
                                             required=False)
    evidence_incidents = VisibleModelMultipleChoiceField(Scenario.evidence_incidents.field.related_model.objects.all(),
                                                         label=_("Incidenten"), required=False)
    evidence_cases = VisibleModelMultipleChoiceField(Scenario.evidence_cases.field.related_model.objects.all(),
                                                     label=_("Casussen"), required=False)

    class Meta:
        model = Scenario
        fields = ["title", "description", "road", "lane", "threat_actor", "malicious", "form_codes", "assets",
                  "evidence_indicators", "evidence_incidents", "evidence_cases", "risk_owner", "review_cycle_months", "review_date",
                  "tlp", "audience_region"]
        widgets = {"description": forms.Textarea(attrs={"rows": 5}),
                   "review_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args: Any, owner: Any = None, viewer: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)

        self.fields["form_codes"].choices = [(f.code, f.name) for f in current_forms()]
        limit_choices(self, viewer, assets=Asset.objects.filter(owner=owner),
                      evidence_incidents=Incident.objects.filter(owner=owner),
                      evidence_cases=Case.objects.filter(owner=owner))
        self.fields["evidence_indicators"].required = False
        self.fields["audience_region"].label = _("Delen met de eigen veiligheidsregio")
        sharing_fields_for(self, viewer)
        _revalidate(self)


class AssessmentForm(StyledFormMixin, forms.Form):
    class _meta:  # noqa: N801 - read by common.forms.content_text: its rationales are user content (Dutch)
        from .models import Assessment as model
    """Per criterion a class (X, 0, A–E) with its rationale, and the likelihood with its rationale."""

    def __init__(self, *args: Any, method: scoring.Method, malicious: bool = True, initial_scores: Any = None,
                 **kwargs: Any) -> None:
        lang = _lang()
        initial = dict(kwargs.pop("initial", None) or {})
        if initial_scores is not None:
            a = initial_scores
            initial.setdefault("likelihood", a.likelihood)
            initial.setdefault("likelihood_rationale", a.likelihood_rationale)
            initial.setdefault("note", a.note)
            for code in method.codes:
                v = (a.impact or {}).get(code, "X")
                initial.setdefault(self.key(code), v[1] if isinstance(v, list) and len(v) == 3 else v)
                initial.setdefault(self.key(code, "rationale"), (a.impact_rationale or {}).get(code, ""))
        super().__init__(*args, initial=initial, **kwargs)
        self.method = method
        scale = method.likelihood_scale(malicious)
        self.fields["likelihood"] = forms.ChoiceField(
            label=_("Waarschijnlijkheid"), choices=[(c, f"{c} — {scale.label(c, lang)}") for c in scoring.LIKELIHOOD_CLASSES])  # type: ignore[arg-type]
        self.fields["likelihood_rationale"] = forms.CharField(
            label=_("Onderbouwing waarschijnlijkheid"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
        classes = [(c, f"{c} — {method.class_label(c, lang)}") for c in ("X", *scoring.ORDERED_IMPACT)]  # type: ignore[arg-type]
        for crit in method.criteria:
            self.fields[self.key(crit.code)] = forms.ChoiceField(
                label=f"{crit.code} {crit.name(lang)}", choices=classes, initial="X")  # type: ignore[arg-type]
            self.fields[self.key(crit.code, "rationale")] = forms.CharField(
                label=_("Onderbouwing %(code)s") % {"code": crit.code}, required=False,
                widget=forms.Textarea(attrs={"rows": 2}))
        self.fields["note"] = forms.CharField(label=_("Toelichting"), required=False,
                                              widget=forms.Textarea(attrs={"rows": 2}))
        _revalidate(self)

    @staticmethod
    def key(code: str, suffix: str = "class") -> str:
        return f"c_{code.replace('.', '_')}_{suffix}"

    def criteria_fields(self) -> list[tuple[Any, Any, Any]]:
        return [(c, self[self.key(c.code)], self[self.key(c.code, "rationale")]) for c in self.method.criteria]

    def data_for_service(self) -> dict[str, Any]:
        cd = self.cleaned_data
        return {
            "likelihood": cd["likelihood"], "likelihood_rationale": cd["likelihood_rationale"],
            "impact": {c: cd[self.key(c)] for c in self.method.codes},
            "impact_rationale": {c: cd[self.key(c, "rationale")] for c in self.method.codes},
            "note": cd["note"],
        }


class DecisionForm(StyledFormMixin, forms.Form):
    note = forms.CharField(label=_("Toelichting bij uw besluit"), required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))
