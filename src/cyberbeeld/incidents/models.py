"""The taxonomy (versioned, maintained by the kenniscentrum) and the incident register."""

from __future__ import annotations

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from cyberbeeld.accounts.models import Shareable


def _pick(nl: str, en: str) -> str:
    return en if (get_language() or "nl").startswith("en") and en else nl


class TaxonomyVersion(models.Model):
    version = models.PositiveIntegerField(unique=True)
    namespace = models.CharField(max_length=100)
    data = models.JSONField(help_text=_("De volledige taxonomie zoals ingelezen"))
    maintained_by = models.ForeignKey("accounts.Organisation", null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"{self.namespace} v{self.version}"


class Category(models.Model):
    taxonomy = models.ForeignKey(TaxonomyVersion, on_delete=models.CASCADE, related_name="categories")
    code = models.SlugField(max_length=60)
    name_nl = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200)
    definition_nl = models.TextField()
    definition_en = models.TextField()

    class Meta:
        unique_together = [("taxonomy", "code")]
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return _pick(self.name_nl, self.name_en)


class Form(models.Model):
    taxonomy = models.ForeignKey(TaxonomyVersion, on_delete=models.CASCADE, related_name="forms")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="forms")
    code = models.SlugField(max_length=80)
    name_nl = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200)
    definition_nl = models.TextField()
    definition_en = models.TextField()
    rsit = models.CharField(max_length=120, blank=True, help_text=_("ENISA RSIT machinetag, bijv. rsit:fraud=\"phishing\""))
    indicators = models.JSONField(default=list, blank=True)

    class Meta:
        unique_together = [("taxonomy", "code")]
        ordering = ["category_id", "name_nl"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return _pick(self.name_nl, self.name_en)


class Sector(models.TextChoices):
    BURGERS = "burgers", _("burgers")
    MKB = "mkb", _("MKB")
    GEMEENTE = "gemeente", _("gemeente zelf")
    VITAAL = "vitaal", _("vitale infrastructuur")
    ZORG = "zorg", _("zorg")
    ONDERWIJS = "onderwijs", _("onderwijs")
    OPENBARE_ORDE = "openbare-orde", _("openbare orde")
    ANDERS = "anders", _("anders")


class Impact(models.TextChoices):
    A = "A", _("A beperkt")
    B = "B", _("B aanzienlijk")
    C = "C", _("C ernstig")
    D = "D", _("D zeer ernstig")
    E = "E", _("E catastrofaal")


class SourceKind(models.TextChoices):
    AANGIFTE = "aangifte", _("aangifte")
    MELDING = "melding", _("melding")
    CISO = "ciso", _("CISO")
    MEDIA = "media", _("media")
    PARTNER = "partner", _("partner")


class Status(models.TextChoices):
    NIEUW = "nieuw", _("nieuw")
    IN_BEHANDELING = "in-behandeling", _("in behandeling")
    AFGESLOTEN = "afgesloten", _("afgesloten")


class Incident(Shareable):
    """One registered incident. ``raw_description`` never leaves the owning organisation."""

    title = models.CharField(_("titel"), max_length=300)
    raw_description = models.TextField(_("beschrijving (intern)"), blank=True)
    redacted_description = models.TextField(_("beschrijving zonder persoonsgegevens"), blank=True)
    occurred_on = models.DateField(_("datum voorval"), null=True, blank=True)
    reported_on = models.DateField(_("datum melding"), null=True, blank=True)
    area = models.ForeignKey("areas.Area", verbose_name=_("gemeente"), null=True, blank=True, on_delete=models.PROTECT)
    postcode4 = models.CharField(_("postcodegebied (PC4)"), max_length=4, blank=True)
    form = models.ForeignKey(Form, verbose_name=_("vorm"), null=True, blank=True, on_delete=models.PROTECT)
    suggested_form = models.ForeignKey(Form, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    suggestion_probability = models.FloatField(null=True, blank=True)
    sector = models.CharField(_("sector"), max_length=20, choices=Sector.choices, blank=True)
    victim_type = models.CharField(_("soort slachtoffer"), max_length=100, blank=True)
    modus = models.CharField(_("modus operandi"), max_length=300, blank=True)
    impact = models.CharField(_("impact"), max_length=1, choices=Impact.choices, blank=True)
    source = models.CharField(_("bron"), max_length=20, choices=SourceKind.choices, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.NIEUW)
    external_id = models.CharField(max_length=100, blank=True, help_text=_("Sleutel uit een bulkimport (idempotent)"))

    class Meta:
        ordering = ["-reported_on", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "external_id"], condition=~models.Q(external_id=""),
                                    name="incident_external_id_per_owner"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def suggestion_percent(self) -> int | None:
        return None if self.suggestion_probability is None else round(100 * self.suggestion_probability)

    @property
    def category(self) -> Category | None:
        return self.form.category if self.form else None
