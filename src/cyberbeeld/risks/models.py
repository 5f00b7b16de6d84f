"""The local threat picture: assets, the scenario library, scenarios, assessments and proposals.

* ``Asset`` — a vital or critical object or service of the gemeente (a lock, a bridge, the
  gemeente's digital services, an MKB cluster, an event), with its dependencies on other assets.
* ``ScenarioTemplate`` — the library (``data/scenario_templates.json``), synced into the database.
* ``Scenario`` — a template adopted and adapted by one organisation, in the OOV or the CISO lane.
* ``Assessment`` — one scoring of a scenario under one *frozen* method version
  (``risks/scoring.py``). A final assessment is never edited; a new method version or a new
  judgement means a new assessment, and the old ones stay as history.
* ``Proposal`` — what the evidence suggests (a significant rise, an incident surge, a form without
  a scenario, an asset without a scenario); the advisor accepts, edits or dismisses it.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from cyberbeeld.accounts.models import Shareable
from cyberbeeld.common.errors import Conflict

DEFAULT_METHOD_ID = "lokaal-cyber-2026"


def _pick(nl: str, en: str) -> str:
    return en if (get_language() or "nl").startswith("en") and en else nl


class AssetKind(models.TextChoices):
    SLUIS = "sluis", _("sluis")
    BRUG = "beweegbare-brug", _("beweegbare brug")
    HAVEN = "haven", _("haven")
    LUCHTHAVEN = "luchthaven", _("luchthaven")
    DRINKWATER = "drinkwater", _("drinkwater")
    ENERGIE = "energie", _("energie")
    ZORG = "zorg", _("zorg")
    ONDERWIJS = "onderwijs", _("onderwijs")
    EVENEMENT = "evenement", _("evenement")
    DIGITALE_DIENSTVERLENING = "digitale-dienstverlening", _("gemeentelijke digitale dienstverlening")
    PERSOONSGEGEVENS = "persoonsgegevens", _("persoonsgegevens")
    MKB_CLUSTER = "mkb-cluster", _("MKB-cluster")
    KWETSBARE_GROEP = "kwetsbare-groep", _("kwetsbare groep inwoners")
    VERKIEZINGEN = "verkiezingen", _("verkiezingen")
    ANDERS = "anders", _("anders")


class Criticality(models.TextChoices):
    LAAG = "laag", _("laag")
    MIDDEN = "midden", _("midden")
    HOOG = "hoog", _("hoog")
    VITAAL = "vitaal", _("vitaal")


class Road(models.TextChoices):
    """The four roads of the CCV's *Lokale Cyberwegenkaart*."""

    EIGEN_HUIS = "eigen-huis", _("Eigen huis op orde")
    INCIDENTEN = "incidenten-crises", _("Cyberincidenten en -crises")
    CRIMINALITEIT = "cybercrime", _("Cybercrime en gedigitaliseerde criminaliteit tegen inwoners en ondernemers")
    OPENBARE_ORDE = "openbare-orde", _("Online aangejaagde verstoring van de openbare orde")


class Lane(models.TextChoices):
    """Who records the scenario: public order and safety (OOV) or the gemeente's own CISO."""

    OOV = "oov", _("OOV (openbare orde en veiligheid)")
    CISO = "ciso", _("CISO (eigen organisatie)")


class ThreatActor(models.TextChoices):
    """CSBN actor typology (DOMAIN §6) plus local offenders and non-malicious failure."""

    STATELIJK = "statelijk", _("statelijke actor")
    CYBERCRIMINEEL = "cybercrimineel", _("cybercriminelen")
    LOKALE_DADERS = "lokale-daders", _("lokale daders (met ingekochte middelen)")
    HACKTIVIST = "hacktivist", _("hacktivisten")
    TERRORIST = "terrorist", _("terroristen")
    CYBERVANDAAL = "cybervandaal", _("cybervandalen / scriptkiddies")
    INSIDER = "insider", _("interne actor")
    OPRUIER = "opruier", _("online opruiers / aanjagers")
    STORING = "storing", _("geen actor: storing of uitval")


class Asset(Shareable):
    name = models.CharField(_("naam"), max_length=200)
    kind = models.CharField(_("soort"), max_length=40, choices=AssetKind.choices)
    description = models.TextField(_("omschrijving"), blank=True)
    operator = models.CharField(_("beheerder / exploitant"), max_length=200, blank=True)
    criticality = models.CharField(_("kritikaliteit"), max_length=10, choices=Criticality.choices,
                                   default=Criticality.MIDDEN)
    dependencies = models.ManyToManyField("self", symmetrical=False, blank=True, related_name="dependents",
                                          verbose_name=_("afhankelijk van"))
    area = models.ForeignKey("areas.Area", verbose_name=_("gemeente"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")
    location = models.CharField(_("locatie"), max_length=300, blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)

    # free text that may leave the owner: stored without personal data (accounts.shared_text). The name is
    # the name of a physical object or service (a lock, a bridge, an application), not a field for people;
    # redacting it turned "Sluis Bosscherveld" into "[NAAM]" for its own owner.
    shared_text_fields = ("description",)

    class Meta:
        ordering = ["name"]
        verbose_name = _("object of dienst")
        verbose_name_plural = _("objecten en diensten")

    def __str__(self) -> str:
        return self.name


class ScenarioTemplate(models.Model):
    """One entry of the library (CCV points and municipal practice). Synced from the data file."""

    code = models.SlugField(max_length=80, unique=True)
    title_nl = models.CharField(max_length=300)
    title_en = models.CharField(max_length=300)
    description_nl = models.TextField()
    description_en = models.TextField()
    road = models.CharField(max_length=30, choices=Road.choices)
    lane = models.CharField(max_length=10, choices=Lane.choices, default=Lane.OOV)
    threat_actor = models.CharField(max_length=30, choices=ThreatActor.choices)
    malicious = models.BooleanField(default=True)
    form_codes = models.JSONField(default=list, blank=True, help_text=_("Vormen uit de taxonomie (codes)"))
    asset_kinds = models.JSONField(default=list, blank=True)
    source = models.CharField(max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("scenariosjabloon")
        verbose_name_plural = _("scenariobibliotheek")

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        return _pick(self.title_nl, self.title_en)

    @property
    def description(self) -> str:
        return _pick(self.description_nl, self.description_en)


class ScenarioStatus(models.TextChoices):
    ACTIEF = "actief", _("actief")
    GEARCHIVEERD = "gearchiveerd", _("gearchiveerd")


class Scenario(Shareable):
    """A threat scenario of one organisation (adopted from a template and adapted, or own)."""

    title = models.CharField(_("titel"), max_length=300)
    description = models.TextField(_("omschrijving"), blank=True)
    template = models.ForeignKey(ScenarioTemplate, verbose_name=_("sjabloon"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="scenarios")
    area = models.ForeignKey("areas.Area", verbose_name=_("gemeente"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")
    road = models.CharField(_("weg (Lokale Cyberwegenkaart)"), max_length=30, choices=Road.choices)
    lane = models.CharField(_("spoor"), max_length=10, choices=Lane.choices, default=Lane.OOV)
    threat_actor = models.CharField(_("dreigingsactor"), max_length=30, choices=ThreatActor.choices)
    malicious = models.BooleanField(_("moedwillig"), default=True,
                                    help_text=_("Dreiging (moedwillig) of gevaar (storing, uitval)"))
    form_codes = models.JSONField(_("vormen"), default=list, blank=True)
    assets = models.ManyToManyField(Asset, verbose_name=_("getroffen objecten en diensten"), blank=True,
                                    related_name="scenarios")
    evidence_indicators = models.ManyToManyField("indicators.Indicator", verbose_name=_("indicatoren"),
                                                 blank=True, related_name="+")
    evidence_incidents = models.ManyToManyField("incidents.Incident", verbose_name=_("incidenten"),
                                                blank=True, related_name="+")
    evidence_cases = models.ManyToManyField("sharing.Case", verbose_name=_("casussen"), blank=True,
                                            related_name="+")
    evidence_other = models.JSONField(_("overige onderbouwing"), default=list, blank=True,
                                      help_text=_("Casussen, bronnen: [{label, url}]"))
    risk_owner = models.CharField(_("risico-eigenaar"), max_length=200, blank=True)
    review_cycle_months = models.PositiveSmallIntegerField(_("herzieningscyclus (maanden)"), default=12)
    review_date = models.DateField(_("volgende herziening"), null=True, blank=True)
    method_id = models.CharField(_("methode"), max_length=60, default=DEFAULT_METHOD_ID)
    status = models.CharField(_("status"), max_length=20, choices=ScenarioStatus.choices,
                              default=ScenarioStatus.ACTIEF)
    source_proposal = models.ForeignKey("Proposal", verbose_name=_("uit voorstel"), null=True, blank=True,
                                        on_delete=models.SET_NULL, related_name="+",
                                        help_text=_("Het voorstel waaruit dit scenario is opgesteld"))
    SHARING_SOURCES = ("source_proposal",)  # a drafted scenario never rises above its proposal's label

    # free text that may leave the owner: stored without personal data (accounts.shared_text)
    shared_text_fields = ("title", "description")

    class Meta:
        ordering = ["title"]
        verbose_name = _("scenario")
        verbose_name_plural = _("scenario's")

    def __str__(self) -> str:
        return self.title

    def current_assessment(self) -> Assessment | None:
        """The newest final assessment (the one the picture shows)."""
        return self.assessments.filter(status=AssessmentStatus.FINAL).order_by("-assessed_on", "-pk").first()


class AssessmentStatus(models.TextChoices):
    DRAFT = "draft", _("concept")
    FINAL = "final", _("definitief")


class FinalAssessmentError(Conflict, PermissionError):
    """A final assessment is never edited or deleted: make a new assessment instead."""

    code = "assessment-final"


class AssessmentQuerySet(models.QuerySet["Assessment"]):
    def update(self, **kwargs: Any) -> int:
        if self.filter(status=AssessmentStatus.FINAL).exists():
            raise FinalAssessmentError("A final assessment is never edited; make a new assessment.")
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        if self.filter(status=AssessmentStatus.FINAL).exists():
            raise FinalAssessmentError("A final assessment is never deleted.")
        return super().delete()


class Assessment(models.Model):
    """One scoring of a scenario under one frozen method version.

    ``impact`` holds a class for every criterion of the method (``"X"``, ``"0"``, ``"A"``–``"E"``,
    or ``[low, high]`` for a range); ``impact_rationale`` the reasoning per criterion. The computed
    totals are cached at finalisation for sorting and are always recomputable from the scores.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    scenario = models.ForeignKey(Scenario, on_delete=models.PROTECT, related_name="assessments")
    method_id = models.CharField(max_length=60)
    method_fingerprint = models.CharField(max_length=64)
    likelihood = models.CharField(_("waarschijnlijkheid"), max_length=1)
    likelihood_low = models.CharField(max_length=1, blank=True)
    likelihood_high = models.CharField(max_length=1, blank=True)
    likelihood_rationale = models.TextField(_("onderbouwing waarschijnlijkheid"), blank=True)
    impact = models.JSONField(default=dict)
    impact_rationale = models.JSONField(default=dict, blank=True)
    assessor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    assessor_name = models.CharField(_("beoordelaar"), max_length=200, blank=True)
    assessed_on = models.DateField(_("datum"))
    status = models.CharField(max_length=10, choices=AssessmentStatus.choices, default=AssessmentStatus.DRAFT)
    finalised_at = models.DateTimeField(null=True, blank=True)
    supersedes = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="superseded_by")
    note = models.TextField(_("toelichting"), blank=True)
    # cached results (set by services when finalising)
    total = models.FloatField(null=True, blank=True)
    impact_class = models.CharField(max_length=1, blank=True)
    risk_index = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        ordering = ["-assessed_on", "-pk"]
        verbose_name = _("beoordeling")
        verbose_name_plural = _("beoordelingen")

    def __str__(self) -> str:
        return f"{self.scenario} — {self.method_id} {self.assessed_on} ({self.status})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            stored = type(self).objects.filter(pk=self.pk).values_list("status", flat=True).first()
            if stored == AssessmentStatus.FINAL:
                raise FinalAssessmentError("A final assessment is never edited; make a new assessment.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        stored = type(self).objects.filter(pk=self.pk).values_list("status", flat=True).first()
        if stored == AssessmentStatus.FINAL:
            raise FinalAssessmentError("A final assessment is never deleted.")
        return super().delete(*args, **kwargs)

    @property
    def is_final(self) -> bool:
        return self.status == AssessmentStatus.FINAL


class ProposalKind(models.TextChoices):
    INDICATOR_RISE = "indicator-rise", _("indicator significant gestegen")
    INCIDENT_SURGE = "incident-surge", _("toename van incidenten")
    FORM_GAP = "form-gap", _("vorm komt vaak voor maar heeft geen scenario")
    ASSET_GAP = "asset-gap", _("object zonder scenario")


class ProposalStatus(models.TextChoices):
    OPEN = "open", _("open")
    ACCEPTED = "accepted", _("overgenomen")
    EDITED = "edited", _("aangepast overgenomen")
    DISMISSED = "dismissed", _("afgewezen")


class Proposal(Shareable):
    """A proposal for the draft picture, with its reasons; decided by the advisor, kept as history."""

    area = models.ForeignKey("areas.Area", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=30, choices=ProposalKind.choices)
    key = models.CharField(max_length=200, help_text=_("Vaste sleutel: hetzelfde signaal wordt één keer voorgesteld"))
    title_nl = models.CharField(max_length=300)
    title_en = models.CharField(max_length=300)
    reason_nl = models.TextField()
    reason_en = models.TextField()
    data = models.JSONField(default=dict, blank=True)
    template = models.ForeignKey(ScenarioTemplate, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    scenario = models.ForeignKey(Scenario, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="proposals", help_text=_("Het scenario dat eruit voortkwam"))
    status = models.CharField(max_length=20, choices=ProposalStatus.choices, default=ProposalStatus.OPEN)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    # free text that may leave the owner: stored without personal data (accounts.shared_text)
    shared_text_fields = ("decision_note",)

    class Meta:
        ordering = ["status", "-created_at"]
        constraints = [models.UniqueConstraint(fields=["owner", "key"], name="proposal_key_per_owner")]
        verbose_name = _("voorstel")
        verbose_name_plural = _("voorstellen")

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        return _pick(self.title_nl, self.title_en)

    @property
    def reason(self) -> str:
        return _pick(self.reason_nl, self.reason_en)
