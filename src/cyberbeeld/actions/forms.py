from __future__ import annotations

from typing import Any

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from cyberbeeld.accounts.forms import (
    VisibleModelChoiceField,
    VisibleModelMultipleChoiceField,
    limit_choices,
    sharing_fields_for,
)
from cyberbeeld.common.forms import StyledFormMixin, style
from cyberbeeld.incidents.services import current_forms
from cyberbeeld.indicators.models import Indicator
from cyberbeeld.risks.models import Scenario, ScenarioStatus

from .models import (
    Campaign,
    Channel,
    Exercise,
    Inject,
    LogKind,
    Measure,
    ParticipantRole,
    Partner,
    Portfolio,
    PowerInstrument,
)


def _forms_qs() -> Any:
    return current_forms()


def _revalidate(form: Any) -> None:
    """StyledFormMixin validates a bound form inside ``__init__`` (to mark invalid fields), i.e. before
    the querysets are narrowed to the owner's objects. Drop that result so validation uses them."""
    if form.is_bound:
        form._errors = None
        style(form)


def _scenarios(owner: Any) -> Any:
    return Scenario.objects.filter(owner=owner, status=ScenarioStatus.ACTIEF).order_by("title")


def _label(model: Any, name: str) -> Any:
    return capfirst(model._meta.get_field(name).verbose_name)


def _scenarios_field(model: Any, name: str = "scenarios") -> Any:
    return VisibleModelMultipleChoiceField(Scenario.objects.all(), label=_label(model, name), required=False)


class _OwnedForm(StyledFormMixin, forms.ModelForm):
    """An edit form of an owner's object: pick lists hold only what the viewer may see of the owner's
    objects; label and audience only for whoever may share (a coördinator of the owner)."""

    def __init__(self, *args: Any, owner: Any = None, viewer: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self, viewer, scenarios=_scenarios(owner), scenario=_scenarios(owner),
                      portfolio=Portfolio.objects.filter(owner=owner))
        if "forms" in self.fields:
            self.fields["forms"].queryset = _forms_qs()
        if "indicator" in self.fields:
            self.fields["indicator"].queryset = Indicator.objects.order_by("code")
        if "tlp" in self.fields:
            self.fields["tlp"].label = _("TLP-label")
        sharing_fields_for(self, viewer)
        _revalidate(self)


class MeasureForm(_OwnedForm):
    scenarios = _scenarios_field(Measure)
    portfolio = VisibleModelChoiceField(Portfolio.objects.all(), label=_label(Measure, "portfolio"), required=False)
    partners = forms.MultipleChoiceField(label=_("Partners"), choices=Partner.choices, required=False,
                                         widget=forms.CheckboxSelectMultiple)
    due_date = forms.DateField(label=_("Gereed op"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    class Meta:
        model = Measure
        fields = ["title", "description", "scenarios", "forms", "portfolio", "portfolio_holder", "responsible",
                  "partners", "partners_other", "due_date", "status", "effect_on", "expected_effect", "indicator",
                  "tlp"]


class PortfolioForm(_OwnedForm):
    scenarios = _scenarios_field(Portfolio)

    class Meta:
        model = Portfolio
        fields = ["name", "holder_role", "holder_name", "policy_fields", "scenarios", "forms", "order", "tlp"]


class CampaignForm(_OwnedForm):
    scenarios = _scenarios_field(Campaign)
    partners = forms.MultipleChoiceField(label=_("Partners"), choices=Partner.choices, required=False,
                                         widget=forms.CheckboxSelectMultiple)
    starts_on = forms.DateField(label=_("Start"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=_("Einde"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    class Meta:
        model = Campaign
        fields = ["title", "target_group", "problem", "scenarios", "forms", "partners", "partners_other",
                  "channels", "messages", "indicator", "starts_on", "ends_on", "status", "tlp"]


class ExerciseForm(_OwnedForm):
    scenario = VisibleModelChoiceField(Scenario.objects.all(), label=_label(Exercise, "scenario"), required=False)
    planned_for = forms.DateTimeField(label=_("Gepland op"), required=False,
                                      widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))

    class Meta:
        model = Exercise
        fields = ["title", "description", "scenario", "mode", "planned_for", "location", "objectives", "tlp"]


class ExerciseNewForm(StyledFormMixin, forms.Form):
    template = forms.ChoiceField(label=_("Oefensjabloon"), required=False)
    scenario = VisibleModelChoiceField(Scenario.objects.all(), label=_("Scenario"), required=False,
                                       help_text=_("De oefening krijgt minstens het label van het scenario."))
    mode = forms.ChoiceField(label=_("Modus"), choices=Exercise._meta.get_field("mode").choices)
    planned_for = forms.DateTimeField(label=_("Gepland op"), required=False,
                                      widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))

    def __init__(self, *args: Any, owner: Any = None, viewer: Any = None,
                 templates: list[tuple[str, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self, viewer, scenario=_scenarios(owner))
        self.fields["template"].choices = [("", _("— bij het scenario passend —"))] + list(templates or [])
        _revalidate(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("template") and not data.get("scenario"):
            raise forms.ValidationError(_("Kies een oefensjabloon of een scenario."))
        return data


class InjectForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = Inject
        fields = ["offset_minutes", "channel", "sender", "recipient_role", "message", "expected_decisions",
                  "is_media"]


class AdHocInjectForm(StyledFormMixin, forms.Form):
    use_required_attribute = False  # checked on the server; no red boxes before anything is typed
    delay_minutes = forms.DecimalField(label=_("Over hoeveel minuten (oefentijd)"), min_value=0, initial=0,
                                       max_digits=6, decimal_places=1)
    channel = forms.ChoiceField(label=_("Kanaal"), choices=Channel.choices)
    message = forms.CharField(label=_("Bericht"), widget=forms.Textarea(attrs={"rows": 2}))
    is_media = forms.BooleanField(label=_("Gesimuleerde mediadruk (oefenmateriaal)"), required=False)


class ParticipantForm(StyledFormMixin, forms.Form):
    role = forms.ChoiceField(label=_("Rol"), choices=ParticipantRole.choices)
    name = forms.CharField(label=_("Naam"), required=False, max_length=200)
    organisation = forms.CharField(label=_("Organisatie"), required=False, max_length=200)


class LogForm(StyledFormMixin, forms.Form):
    use_required_attribute = False
    kind = forms.ChoiceField(label=_("Soort"), choices=[(LogKind.OBSERVATIE, LogKind.OBSERVATIE.label),
                                                          (LogKind.BESLUIT, LogKind.BESLUIT.label)])
    role = forms.ChoiceField(label=_("Rol"), required=False,
                             choices=[("", "—"), *ParticipantRole.choices])
    text = forms.CharField(label=_("Wat is besloten of waargenomen"), widget=forms.Textarea(attrs={"rows": 2}))


class EvaluationForm(StyledFormMixin, forms.Form):
    use_required_attribute = False
    evaluation = forms.CharField(label=_("Evaluatie"), widget=forms.Textarea(attrs={"rows": 6}))


class ReassessForm(StyledFormMixin, forms.Form):
    use_required_attribute = False
    likelihood = forms.ChoiceField(label=_("Nieuwe waarschijnlijkheid"),
                                   choices=[(c, c) for c in ("A", "B", "C", "D", "E")])
    rationale = forms.CharField(label=_("Wat liet de oefening zien"), widget=forms.Textarea(attrs={"rows": 3}))


class ObservationMeasureForm(StyledFormMixin, forms.Form):
    title = forms.CharField(label=_("Titel van de maatregel"), max_length=300,
                            help_text=_("De maatregel krijgt minstens het label van de oefening."))
    due_date = forms.DateField(label=_("Gereed op"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    portfolio_holder = forms.CharField(label=_("Portefeuillehouder"), required=False, max_length=200)


class InstrumentForm(StyledFormMixin, forms.ModelForm):
    note = forms.CharField(label=_("Wat is er veranderd (verplicht)"), widget=forms.Textarea(attrs={"rows": 2}))
    source_url = forms.URLField(label=_("Bron"), required=False, assume_scheme="https")
    checked_on = forms.DateField(label=_("Gecontroleerd op wetten.overheid.nl op"), required=False,
                                 widget=forms.DateInput(attrs={"type": "date"}))

    class Meta:
        model = PowerInstrument
        fields = ["article", "status", "title_nl", "title_en", "power_nl", "power_en", "conditions_nl",
                  "conditions_en", "limits_nl", "limits_en", "inform_nl", "inform_en", "online_nl", "online_en",
                  "source_url"]


class AdoptApproachForm(StyledFormMixin, forms.Form):
    scenarios = VisibleModelMultipleChoiceField(Scenario.objects.all(), label=_("Scenario's"), required=False)
    portfolio = VisibleModelChoiceField(Portfolio.objects.all(), label=_("Portefeuille"), required=False)
    due_date = forms.DateField(label=_("Gereed op"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, owner: Any = None, viewer: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self, viewer, scenarios=_scenarios(owner), portfolio=Portfolio.objects.filter(owner=owner))
        _revalidate(self)
