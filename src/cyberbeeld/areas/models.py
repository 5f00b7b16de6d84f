"""Gemeenten and the regions they belong to, with boundary changes over time."""

from __future__ import annotations

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class AreaKind(models.TextChoices):
    LAND = "land", _("land")
    PROVINCIE = "provincie", _("provincie")
    VEILIGHEIDSREGIO = "veiligheidsregio", _("veiligheidsregio")
    POLITIE_EENHEID = "politie-eenheid", _("politie-eenheid")
    POLITIE_DISTRICT = "politie-district", _("politiedistrict")
    BASISTEAM = "basisteam", _("basisteam")
    GEMEENTE = "gemeente", _("gemeente")
    WIJK = "wijk", _("wijk")


class PeerGroup(models.Model):
    """A size class of gemeenten by population (the usual CBS/VNG grouping)."""

    code = models.SlugField(unique=True)
    name_nl = models.CharField(max_length=100)
    name_en = models.CharField(max_length=100)
    min_population = models.PositiveIntegerField(help_text=_("Ondergrens (inclusief) / lower bound (inclusive)"))
    max_population = models.PositiveIntegerField(null=True, blank=True, help_text=_("Bovengrens (exclusief)"))

    class Meta:
        ordering = ["min_population"]
        verbose_name = _("vergelijkingsgroep")
        verbose_name_plural = _("vergelijkingsgroepen")

    def __str__(self) -> str:
        return self.name_nl

    @property
    def name(self) -> str:
        """The name in the active language (English pages said "100.000 tot 250.000 inwoners")."""
        return self.name_en if (get_language() or "nl").startswith("en") and self.name_en else self.name_nl


class AreaQuerySet(models.QuerySet["Area"]):
    def gemeenten(self) -> AreaQuerySet:
        return self.filter(kind=AreaKind.GEMEENTE)

    def current(self) -> AreaQuerySet:
        return self.filter(valid_to__isnull=True, superseded=False)

    def by_ref(self, ref: str) -> Area:
        """Find a gemeente by slug (``maastricht``) or CBS code (``GM0935``)."""
        ref = ref.strip()
        if ref.upper().startswith("GM") and ref[2:].isdigit():
            return self.get(code=ref.upper())
        return self.get(kind=AreaKind.GEMEENTE, slug=ref.lower(), valid_to__isnull=True, superseded=False)


class Area(models.Model):
    code = models.CharField(
        max_length=20, unique=True, help_text=_("CBS-code, bijv. GM0935, VR24, PV31, RE10, NL01")
    )
    kind = models.CharField(max_length=20, choices=AreaKind.choices, db_index=True)
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, db_index=True)
    population = models.PositiveIntegerField(null=True, blank=True)
    population_year = models.PositiveSmallIntegerField(null=True, blank=True)
    provincie = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        limit_choices_to={"kind": AreaKind.PROVINCIE},
    )
    veiligheidsregio = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        limit_choices_to={"kind": AreaKind.VEILIGHEIDSREGIO},
    )
    politie_eenheid = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        limit_choices_to={"kind": AreaKind.POLITIE_EENHEID},
    )
    politie_district = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        limit_choices_to={"kind": AreaKind.POLITIE_DISTRICT},
    )
    basisteam = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        limit_choices_to={"kind": AreaKind.BASISTEAM},
        help_text=_(
            "De Veiligheidsmonitor publiceert online slachtofferschap alleen voor gemeenten boven 70.000 "
            "inwoners en voor basisteams: voor een kleinere gemeente is het basisteam het dichtstbijzijnde cijfer."
        ),
    )
    gemeente = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="wijken",
        help_text=_("Voor een wijk: de gemeente"),
    )
    peer_group = models.ForeignKey(PeerGroup, null=True, blank=True, on_delete=models.SET_NULL)
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(
        null=True, blank=True, help_text=_("Leeg = bestaat nog. Gevuld = opgeheven (herindeling).")
    )
    superseded = models.BooleanField(
        default=False,
        help_text=_(
            "Staat alleen in een oudere gemeentelijst: waarschijnlijk opgeheven. Datum en opvolger "
            "komen uit een herindelingsbestand of van een beheerder."
        ),
    )
    successor = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="predecessors",
        help_text=_("De gemeente waarin deze gemeente is opgegaan"),
    )
    geometry = models.JSONField(null=True, blank=True, help_text=_("GeoJSON-geometrie (WGS84) voor kaarten"))
    sources = models.JSONField(default=dict, blank=True, help_text=_("Welk bestand welk veld leverde"))

    objects = AreaQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("gebied")
        verbose_name_plural = _("gebieden")
        indexes = [models.Index(fields=["kind", "slug"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def is_current(self) -> bool:
        return self.valid_to is None and not self.superseded

    def current_successor(self) -> Area:
        """Follow herindelingen to the gemeente that exists today (or self)."""
        area, seen = self, set()
        while area.successor_id and area.pk not in seen:
            seen.add(area.pk)
            area = area.successor  # type: ignore[assignment]
        return area

    def has_own_vm_figures(self) -> bool:
        """The Veiligheidsmonitor publishes own figures for gemeenten of 70,000+ inhabitants."""
        return bool(self.population and self.population >= 70_000)


class AreaImport(models.Model):
    """One run of ``import-areas``: which file, its checksum, what it changed."""

    at = models.DateTimeField(auto_now_add=True)
    file_name = models.CharField(max_length=500)
    sha256 = models.CharField(max_length=64)
    file_format = models.CharField(max_length=50)
    rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    missing = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.file_format})"


class AreaName(models.Model):
    """Every name an area has had in a reference file: official Dutch and Frisian spellings, CBS titles
    with their "(gemeente)" or "(PV)" suffix, names of former gemeenten. Importers match by code first,
    then by any of these names (``areas.names``)."""

    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="names")
    name = models.CharField(max_length=200)
    key = models.CharField(max_length=200, db_index=True, help_text=_("Genormaliseerde naam om op te zoeken"))
    source = models.CharField(max_length=200, blank=True, help_text=_("Het bestand waaruit de naam komt"))

    class Meta:
        ordering = ["area", "name"]
        constraints = [models.UniqueConstraint(fields=["area", "name"], name="one_row_per_area_name")]
        verbose_name = _("gebiedsnaam")
        verbose_name_plural = _("gebiedsnamen")

    def __str__(self) -> str:
        return f"{self.name} ({self.area_id})"
