"""The indicator catalogue and its observations (indicator × area × period)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from cyberbeeld.accounts.models import Shareable
from cyberbeeld.indicators.comparisons import format_number


class Unit(models.TextChoices):
    PERCENT = "percent", _("%")
    COUNT = "count", _("aantal")
    PER_1000 = "per-1000", _("per 1.000 inwoners")
    PER_100000 = "per-100000", _("per 100.000 inwoners")
    INDEX = "index", _("index")
    MEAN = "mean", _("gemiddelde")


class MeasureType(models.TextChoices):
    """What a number is; it decides how it may be compared (``comparisons.py``)."""

    COUNT = "count", _("aantal")
    RATE = "rate", _("aantal per inwoners")
    PERCENTAGE = "percentage", _("percentage")
    INDEX = "index", _("indexcijfer")
    MEAN = "mean", _("gemiddelde")


class Frequency(models.TextChoices):
    YEAR = "year", _("per jaar")
    HALFYEAR = "halfyear", _("per halfjaar")
    QUARTER = "quarter", _("per kwartaal")
    MONTH = "month", _("per maand")


class Polarity(models.TextChoices):
    HIGHER_IS_WORSE = "higher-worse", _("hoger is slechter")
    HIGHER_IS_BETTER = "higher-better", _("hoger is beter")
    NEUTRAL = "neutral", _("neutraal")


class Source(models.TextChoices):
    VEILIGHEIDSMONITOR = "veiligheidsmonitor", _("Veiligheidsmonitor (CBS)")
    POLITIE = "politie", _("Politie / CBS geregistreerde criminaliteit")
    OWN_SURVEY = "eigen-onderzoek", _("Eigen onderzoek")


class Category(models.TextChoices):
    CYBERCRIME = "cybercrime", _("cybercrime")
    GEDIGITALISEERD = "gedigitaliseerde-criminaliteit", _("gedigitaliseerde criminaliteit")
    DIGITALE_COMPONENT = "digitale-component", _("veiligheid met een digitale component")


class Indicator(models.Model):
    code = models.SlugField(max_length=100, unique=True)
    name_nl = models.CharField(max_length=300)
    name_en = models.CharField(max_length=300)
    definition_nl = models.TextField(blank=True)
    definition_en = models.TextField(blank=True)
    unit = models.CharField(max_length=20, choices=Unit.choices)
    polarity = models.CharField(max_length=20, choices=Polarity.choices, default=Polarity.HIGHER_IS_WORSE)
    source = models.CharField(max_length=30, choices=Source.choices)
    category = models.CharField(max_length=40, choices=Category.choices, blank=True)
    series = models.SlugField(
        max_length=100, help_text=_("Reeks/methode: waarden uit verschillende reeksen worden nooit zonder melding vergeleken")
    )
    method_breaks = models.JSONField(default=list, blank=True, help_text=_("Bekende methodebreuken: [{year, note_nl, note_en}]"))
    source_table = models.CharField(max_length=100, blank=True, help_text=_("Bijv. CBS-tabel 83648NED"))
    source_url = models.URLField(blank=True)
    form = models.SlugField(
        max_length=60, blank=True,
        help_text=_("Vorm van criminaliteit: een enquêtecijfer en een registratie met dezelfde vorm staan naast elkaar"),
    )
    in_catalogue = models.BooleanField(default=False, help_text=_("Uit de vaste catalogus (niet automatisch aangemaakt)"))
    measure_type = models.CharField(max_length=20, choices=MeasureType.choices, default=MeasureType.COUNT)
    rate_per = models.PositiveIntegerField(null=True, blank=True, help_text=_("Bij een aantal per inwoners: per hoeveel (1.000)"))
    denominator_nl = models.CharField(max_length=200, blank=True, help_text=_("Waarover een aandeel of cijfer per … gaat"))
    denominator_en = models.CharField(max_length=200, blank=True)
    decimals = models.PositiveSmallIntegerField(null=True, blank=True, help_text=_("Decimalen zoals de bron publiceert"))
    frequency = models.CharField(max_length=10, choices=Frequency.choices, default=Frequency.YEAR)
    subject_nl = models.CharField(max_length=200, blank=True, help_text=_("Onderwerp in een zin, bijv. 'het aantal geregistreerde misdrijven'"))
    subject_en = models.CharField(max_length=200, blank=True)
    basis = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="derived",
        help_text=_("Het aantal waarop dit cijfer berust (misdrijven achter een cijfer per 1.000 inwoners; "
                    "de noemer van een percentage van registraties)"))
    source_measure = models.CharField(max_length=100, blank=True, help_text=_("Onderwerp in de brontabel (intern)"))

    class Meta:
        ordering = ["code"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicatoren")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "nl").startswith("en") else self.name_nl

    @property
    def definition(self) -> str:
        return self.definition_en if (get_language() or "nl").startswith("en") else self.definition_nl

    @property
    def unit_label(self) -> str:
        """What the numbers are, for a person: "%", "aantal", "per 1.000 inwoners"."""
        if self.measure_type == MeasureType.RATE and self.rate_per:
            lang = "en" if (get_language() or "nl").startswith("en") else "nl"
            per = format_number(self.rate_per, 0, lang)  # type: ignore[arg-type]
            den = (self.denominator_en if lang == "en" else self.denominator_nl) or str(_("inwoners"))
            return f"per {per} {den}"
        return str(self.get_unit_display())

    @property
    def shown_decimals(self) -> int:
        if self.decimals is not None:
            return int(self.decimals)
        return 0 if self.measure_type == MeasureType.COUNT else 1


class SourceTable(models.Model):
    """What Cyberbeeld knows about a source table (CBS TableInfos, DataProperties, code lists)."""

    identifier = models.CharField(max_length=100, unique=True)
    title = models.CharField(max_length=500, blank=True)
    publisher = models.CharField(max_length=200, blank=True)
    modified = models.CharField(max_length=40, blank=True)
    period = models.CharField(max_length=100, blank=True)
    frequency = models.CharField(max_length=40, blank=True)
    url = models.URLField(blank=True)
    measures = models.JSONField(default=dict, blank=True)
    code_lists = models.JSONField(default=dict, blank=True)
    files = models.JSONField(default=list, blank=True, help_text=_("Ingelezen metadatabestanden (naam, sha256)"))

    class Meta:
        ordering = ["identifier"]

    def __str__(self) -> str:
        return self.identifier


class ImportBatch(models.Model):
    """One import run: the provenance of every observation it wrote ("Bron": table, period, import date)."""

    class Origin(models.TextChoices):
        CLI = "import-cbs", _("ingelezen met cyberbeeld import-cbs")
        UPLOAD = "upload", _("geüpload in Cyberbeeld")
        FETCH = "fetch-cbs", _("opgehaald bij het CBS (cyberbeeld fetch-cbs)")
        REFDATA = "referentiedata", _("meegeleverde referentiegegevens van Cyberbeeld")
        DEMO = "demo", _("ingevoerd door de demo")
        SURVEY = "eigen-onderzoek", _("eigen onderzoek, berekend in Cyberbeeld")
        MIGRATED = "migratie", _("overgenomen uit een eerdere versie van Cyberbeeld")

    at = models.DateTimeField(auto_now_add=True)
    source = models.CharField(max_length=300)
    origin = models.CharField(max_length=20, choices=Origin.choices, default=Origin.CLI)
    table_id = models.CharField(max_length=100, blank=True, help_text=_("Tabelnummer van de bron, bijv. 83648NED"))
    file_name = models.CharField(max_length=300, blank=True, help_text=_("Het ingelezen bestand of de map"))
    first_period = models.CharField(max_length=20, blank=True)
    last_period = models.CharField(max_length=20, blank=True)
    created_indicators = models.JSONField(default=list, blank=True, help_text=_(
        "Indicatoren die deze import aanmaakte (weg als de import niet afkomt)"))
    sha256 = models.CharField(max_length=64, db_index=True)
    rows = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=20, default="done")
    errors = models.JSONField(default=list, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    note = models.CharField(max_length=300, blank=True)
    job = models.ForeignKey("common.ImportJob", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                            help_text=_("De import in de webinterface die deze run startte"))

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.source} ({self.at:%Y-%m-%d})"

    @property
    def period_label(self) -> str:
        """The periods of the source this batch read: "2010–2020", "2019"."""
        if self.first_period and self.last_period and self.first_period != self.last_period:
            return f"{self.first_period}–{self.last_period}"
        return self.first_period or self.last_period


REFERENCE = "referentie"


class Observation(models.Model):
    class Status(models.TextChoices):
        PROVISIONAL = "provisional", _("voorlopig")
        DEFINITIVE = "definitive", _("definitief")

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="observations")
    area = models.ForeignKey("areas.Area", on_delete=models.CASCADE, related_name="observations")
    period = models.CharField(max_length=20, help_text=_("Bijv. 2019, 2019-03, 2019Q1"))
    value = models.DecimalField(max_digits=18, decimal_places=6)
    ci_low = models.DecimalField(max_digits=18, decimal_places=6, null=True, blank=True)
    ci_high = models.DecimalField(max_digits=18, decimal_places=6, null=True, blank=True)
    se = models.DecimalField(max_digits=18, decimal_places=6, null=True, blank=True)
    n = models.PositiveIntegerField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DEFINITIVE)
    source_table = models.CharField(max_length=100, blank=True)
    import_batch = models.ForeignKey(ImportBatch, null=True, blank=True, on_delete=models.SET_NULL)
    source_row = models.PositiveIntegerField(null=True, blank=True, help_text=_("Regel in het bronbestand"))
    is_example = models.BooleanField(default=False)
    # Every figure belongs to an organisation (a gemeente's own figures) or to a reference source (national
    # CBS/police tables, written by the platform); see ``indicators.ownership`` for who may write which.
    # A figure without an owner is a reference figure: ``reference_source`` then names its source.
    owner = models.ForeignKey("accounts.Organisation", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+", help_text=_("De organisatie waarvan dit cijfer is"))
    reference_source = models.CharField(max_length=300, blank=True, default=REFERENCE,
                                        help_text=_("De referentiebron (leeg als een organisatie eigenaar is)"))

    class Meta:
        ordering = ["indicator", "area", "period"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "area", "period"], name="one_observation_per_cell"),
            models.CheckConstraint(
                condition=(models.Q(owner__isnull=True) & ~models.Q(reference_source=""))
                | (models.Q(owner__isnull=False) & models.Q(reference_source="")),
                name="observation_owner_or_reference_source"),
        ]
        indexes = [models.Index(fields=["area", "indicator", "period"])]

    def __str__(self) -> str:
        return f"{self.indicator_id} {self.area_id} {self.period}: {self.value}"


class StagedObservation(models.Model):
    """A new observation of an import that is still running: written in short chunked transactions, invisible
    (no page or API reads this table), moved into :class:`Observation` in one short final statement when the
    whole file is staged. A failed, cancelled or killed import leaves only these rows, which are discarded."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="+")
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="+", db_constraint=False)
    area = models.ForeignKey("areas.Area", on_delete=models.CASCADE, related_name="+", db_constraint=False)
    period = models.CharField(max_length=20)
    value = models.DecimalField(max_digits=18, decimal_places=6)
    ci_low = models.DecimalField(max_digits=18, decimal_places=6, null=True)
    ci_high = models.DecimalField(max_digits=18, decimal_places=6, null=True)
    se = models.DecimalField(max_digits=18, decimal_places=6, null=True)
    n = models.PositiveIntegerField(null=True)
    status = models.CharField(max_length=20)
    source_table = models.CharField(max_length=100, blank=True)
    source_row = models.PositiveIntegerField(null=True)
    owner = models.ForeignKey("accounts.Organisation", null=True, on_delete=models.CASCADE, related_name="+",
                              db_constraint=False)
    reference_source = models.CharField(max_length=300, blank=True)

    def __str__(self) -> str:
        return f"staged {self.indicator_id} {self.area_id} {self.period}"


class PublicTheme(Shareable):
    """A gemeente's public theme page (``/<lang>/publiek/<gemeente>/<theme>/``).

    Only TLP:CLEAR themes ever reach the public: ``accounts.policy.may_publish`` is the ceiling.
    """

    gemeente = models.ForeignKey("areas.Area", on_delete=models.CASCADE, related_name="public_themes")
    slug = models.SlugField(max_length=100)
    title_nl = models.CharField(max_length=200)
    title_en = models.CharField(max_length=200, blank=True)
    narrative_nl = models.TextField(blank=True, help_text=_("Markdown; wordt opgeschoond"))
    narrative_en = models.TextField(blank=True, help_text=_("Markdown; wordt opgeschoond"))
    indicators = models.ManyToManyField(Indicator, blank=True, related_name="public_themes")
    sources = models.JSONField(default=list, blank=True, help_text=_("[{title, url}]"))
    last_update = models.DateField()

    # free text that may leave the owner: stored without personal data (accounts.shared_text)
    shared_text_fields = ("title_nl", "title_en", "narrative_nl", "narrative_en")

    class Meta:
        ordering = ["gemeente", "slug"]
        constraints = [models.UniqueConstraint(fields=["gemeente", "slug"], name="one_theme_slug_per_gemeente")]
        verbose_name = _("publiek thema")
        verbose_name_plural = _("publieke thema's")

    def __str__(self) -> str:
        return f"{self.gemeente_id}/{self.slug}"

    def title(self, lang: str) -> str:
        return self.title_en if lang.startswith("en") and self.title_en else self.title_nl

    def narrative(self, lang: str) -> str:
        return self.narrative_en if lang.startswith("en") and self.narrative_en else self.narrative_nl
