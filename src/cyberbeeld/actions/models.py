"""Acting on the picture: measures, portfolios, the mayor's powers, exercises and prevention campaigns.

* ``Portfolio`` — a portfolio of the college (name, holder, policy fields) and the scenarios and
  forms it touches, so every portfolio sees its cyber part.
* ``Measure`` — an action against one or more scenarios/forms, with owner, portfolio holder,
  partners, due date, status, the expected effect and the indicator that should show it.
* ``PowersVersion`` / ``PowerInstrument`` — versioned reference content on the mayor's public-order
  powers (every version kept; the newest is shown).
* ``Exercise`` (+ ``Participant``, ``Inject``, ``LogEntry``) — a cyber (rampen)oefening built from a
  scenario; the clock state lives on the server (``clock_state``, see ``actions/clock.py``).
* ``Campaign`` — a prevention campaign aimed at a group the indicators point to.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from cyberbeeld.accounts.models import Shareable


def _pick(nl: str, en: str) -> str:
    return en if (get_language() or "nl").startswith("en") and en else nl


class Partner(models.TextChoices):
    POLITIE = "politie", _("politie")
    OM = "om", _("Openbaar Ministerie")
    VEILIGHEIDSREGIO = "veiligheidsregio", _("veiligheidsregio")
    RIEC = "riec", _("RIEC")
    IBD = "ibd", _("IBD")
    ONDERNEMERS = "ondernemersvereniging", _("ondernemersvereniging")
    SCHOLEN = "scholen", _("scholen")
    WONINGCORPORATIE = "woningcorporatie", _("woningcorporatie")
    ZORG = "zorg-welzijn", _("zorg en welzijn")
    JONGERENWERK = "jongerenwerk", _("jongerenwerk")
    BANKEN = "banken", _("banken")
    WATERSCHAP = "waterschap", _("waterschap / Rijkswaterstaat")
    SENIORENORGANISATIE = "seniorenorganisatie", _("seniorenorganisatie")
    HET_CCV = "ccv", _("CCV")


class HolderRole(models.TextChoices):
    BURGEMEESTER = "burgemeester", _("burgemeester")
    WETHOUDER = "wethouder", _("wethouder")


class Portfolio(Shareable):
    name = models.CharField(_("portefeuille"), max_length=200)
    holder_role = models.CharField(_("portefeuillehouder is"), max_length=20, choices=HolderRole.choices,
                                   default=HolderRole.WETHOUDER)
    holder_name = models.CharField(_("naam portefeuillehouder"), max_length=200, blank=True)
    policy_fields = models.TextField(_("beleidsvelden"), blank=True, help_text=_("Eén per regel"))
    scenarios = models.ManyToManyField("risks.Scenario", verbose_name=_("scenario's"), blank=True,
                                       related_name="portfolios")
    forms = models.ManyToManyField("incidents.Form", verbose_name=_("vormen"), blank=True, related_name="+")
    order = models.PositiveSmallIntegerField(_("volgorde"), default=0)

    # free text that may leave the owner: stored without personal data (accounts.shared_text)
    shared_text_fields = ("name",)

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("portefeuille")
        verbose_name_plural = _("portefeuilles")

    def __str__(self) -> str:
        return self.name

    @property
    def policy_field_list(self) -> list[str]:
        return [p.strip() for p in self.policy_fields.splitlines() if p.strip()]


class MeasureStatus(models.TextChoices):
    GEPLAND = "gepland", _("gepland")
    IN_UITVOERING = "in-uitvoering", _("in uitvoering")
    GEREED = "gereed", _("gereed")
    GESTOPT = "gestopt", _("gestopt")


OPEN_STATUSES = (MeasureStatus.GEPLAND, MeasureStatus.IN_UITVOERING)
LIVE_STATUSES = (MeasureStatus.GEPLAND, MeasureStatus.IN_UITVOERING, MeasureStatus.GEREED)


class EffectOn(models.TextChoices):
    KANS = "kans", _("waarschijnlijkheid")
    IMPACT = "impact", _("impact")
    BEIDE = "beide", _("waarschijnlijkheid en impact")


class Measure(Shareable):
    title = models.CharField(_("titel"), max_length=300)
    description = models.TextField(_("omschrijving"), blank=True)
    scenarios = models.ManyToManyField("risks.Scenario", verbose_name=_("scenario's"), blank=True,
                                       related_name="measures")
    forms = models.ManyToManyField("incidents.Form", verbose_name=_("vormen"), blank=True, related_name="+")
    portfolio = models.ForeignKey(Portfolio, verbose_name=_("portefeuille"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="measures")
    portfolio_holder = models.CharField(_("portefeuillehouder"), max_length=200, blank=True)
    responsible = models.CharField(_("uitvoerder / trekker"), max_length=200, blank=True)
    partners = models.JSONField(_("partners"), default=list, blank=True)
    partners_other = models.CharField(_("overige partners"), max_length=300, blank=True)
    due_date = models.DateField(_("gereed op"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=MeasureStatus.choices,
                              default=MeasureStatus.GEPLAND)
    effect_on = models.CharField(_("verwacht effect op"), max_length=10, choices=EffectOn.choices,
                                 default=EffectOn.KANS)
    expected_effect = models.TextField(_("verwacht effect"), blank=True)
    indicator = models.ForeignKey("indicators.Indicator", verbose_name=_("indicator die het effect moet tonen"),
                                  null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    source_approach = models.ForeignKey("sharing.Approach", verbose_name=_("overgenomen aanpak"), null=True,
                                        blank=True, on_delete=models.SET_NULL, related_name="+")
    source_exercise = models.ForeignKey("Exercise", verbose_name=_("uit oefening"), null=True, blank=True,
                                        on_delete=models.SET_NULL, related_name="measures")

    SHARING_SOURCES = ("source_approach", "source_exercise")  # its label never rises above theirs

    # free text that may leave the owner: stored without personal data (accounts.shared_text)
    shared_text_fields = ("title", "description", "expected_effect")

    class Meta:
        ordering = ["due_date", "title"]
        verbose_name = _("maatregel")
        verbose_name_plural = _("maatregelen")

    def __str__(self) -> str:
        return self.title

    @property
    def is_overdue(self) -> bool:
        return (self.status in OPEN_STATUSES and self.due_date is not None
                and self.due_date < timezone.localdate())

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_STATUSES and not self.is_overdue

    def partner_labels(self) -> list[str]:
        labels = dict(Partner.choices)
        out = [str(labels.get(p, p)) for p in self.partners]
        if self.partners_other:
            out.append(self.partners_other)
        return out


# ------------------------------------------------------------------------------- mayor's powers


class PowersVersion(models.Model):
    """One version of the reference content on the mayor's powers. Versions are never changed."""

    version = models.PositiveIntegerField(unique=True)
    note = models.TextField(_("wat is er veranderd"), blank=True)
    # the shipped first version's note in English (reference data); notes of later versions are written by
    # an editor in Dutch and shown marked as Dutch on English pages
    note_en = models.TextField(_("wat is er veranderd (EN)"), blank=True)
    source = models.CharField(max_length=300, blank=True)
    checked_on = models.DateField(_("gecontroleerd op"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-version"]
        verbose_name = _("versie bevoegdheden burgemeester")
        verbose_name_plural = _("versies bevoegdheden burgemeester")

    def __str__(self) -> str:
        return f"v{self.version}"


class InstrumentStatus(models.TextChoices):
    WET = "wet", _("geldend recht")
    WETSVOORSTEL = "wetsvoorstel", _("wetsvoorstel (geen wet)")
    APV = "apv", _("APV (per gemeente verschillend)")


class PowerInstrument(models.Model):
    version = models.ForeignKey(PowersVersion, on_delete=models.CASCADE, related_name="instruments")
    code = models.SlugField(max_length=60)
    article = models.CharField(_("artikel"), max_length=120)
    status = models.CharField(_("status"), max_length=20, choices=InstrumentStatus.choices,
                              default=InstrumentStatus.WET)
    title_nl = models.CharField(_("titel (NL)"), max_length=200)
    title_en = models.CharField(_("titel (EN)"), max_length=200, blank=True)
    power_nl = models.TextField(_("bevoegdheid (NL)"))
    power_en = models.TextField(_("bevoegdheid (EN)"), blank=True)
    conditions_nl = models.TextField(_("voorwaarden (NL)"), blank=True)
    conditions_en = models.TextField(_("voorwaarden (EN)"), blank=True)
    limits_nl = models.TextField(_("grenzen (NL)"), blank=True)
    limits_en = models.TextField(_("grenzen (EN)"), blank=True)
    inform_nl = models.TextField(_("wie informeren (NL)"), blank=True)
    inform_en = models.TextField(_("wie informeren (EN)"), blank=True)
    online_nl = models.TextField(_("online toepassing (NL)"), blank=True)
    online_en = models.TextField(_("online toepassing (EN)"), blank=True)
    source_url = models.URLField(_("bron"), blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "code"]
        unique_together = [("version", "code")]
        verbose_name = _("instrument")
        verbose_name_plural = _("instrumenten")

    def __str__(self) -> str:
        return f"{self.article} — {self.title}"

    title = property(lambda self: _pick(self.title_nl, self.title_en))
    power = property(lambda self: _pick(self.power_nl, self.power_en))
    conditions = property(lambda self: _pick(self.conditions_nl, self.conditions_en))
    limits = property(lambda self: _pick(self.limits_nl, self.limits_en))
    inform = property(lambda self: _pick(self.inform_nl, self.inform_en))
    online = property(lambda self: _pick(self.online_nl, self.online_en))


INSTRUMENT_TEXT_FIELDS = ["article", "status", "title_nl", "title_en", "power_nl", "power_en", "conditions_nl",
                          "conditions_en", "limits_nl", "limits_en", "inform_nl", "inform_en", "online_nl",
                          "online_en", "source_url", "order"]


# ------------------------------------------------------------------------------- exercises


class ExerciseMode(models.TextChoices):
    FACILITATOR = "facilitator", _("facilitatormodus (met klok)")
    DISCUSSION = "discussie", _("discussiemodus (zonder klok)")


class ExerciseStatus(models.TextChoices):
    CONCEPT = "concept", _("in voorbereiding")
    LOPEND = "lopend", _("loopt")
    AFGEROND = "afgerond", _("afgerond")
    GEEVALUEERD = "geevalueerd", _("geëvalueerd")


class ParticipantRole(models.TextChoices):
    BURGEMEESTER = "burgemeester", _("burgemeester")
    OOV = "oov", _("OOV-adviseur")
    CISO = "ciso", _("CISO")
    COMMUNICATIE = "communicatie", _("communicatie")
    POLITIE = "politie", _("politie")
    VEILIGHEIDSREGIO = "veiligheidsregio", _("veiligheidsregio")
    IBD = "ibd", _("IBD")
    OM = "om", _("Openbaar Ministerie")
    GEMEENTESECRETARIS = "gemeentesecretaris", _("gemeentesecretaris")
    EXPLOITANT = "exploitant", _("beheerder / exploitant")
    FACILITATOR = "facilitator", _("facilitator")
    WAARNEMER = "waarnemer", _("waarnemer")


class Exercise(Shareable):
    title = models.CharField(_("titel"), max_length=300)
    description = models.TextField(_("opzet en doel"), blank=True)
    scenario = models.ForeignKey("risks.Scenario", verbose_name=_("scenario"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="exercises")
    SHARING_SOURCES = ("scenario",)  # copies the scenario's title and description
    template_code = models.SlugField(max_length=80, blank=True)
    mode = models.CharField(_("modus"), max_length=20, choices=ExerciseMode.choices,
                            default=ExerciseMode.FACILITATOR)
    planned_for = models.DateTimeField(_("gepland op"), null=True, blank=True)
    location = models.CharField(_("locatie"), max_length=200, blank=True)
    objectives = models.TextField(_("oefendoelen"), blank=True, help_text=_("Eén per regel"))
    status = models.CharField(_("status"), max_length=20, choices=ExerciseStatus.choices,
                              default=ExerciseStatus.CONCEPT)
    clock_state = models.JSONField(default=dict, blank=True,
                                   help_text=_("Klokstatus: start, pauzes, overgeslagen injects"))
    evaluation = models.TextField(_("evaluatie"), blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    revised_assessment = models.ForeignKey("risks.Assessment", null=True, blank=True, on_delete=models.SET_NULL,
                                           related_name="+")

    # free text that may leave the owner: stored without personal data (accounts.shared_text)
    shared_text_fields = ("title", "description", "objectives", "evaluation")

    class Meta:
        ordering = ["-planned_for", "title"]
        verbose_name = _("oefening")
        verbose_name_plural = _("oefeningen")

    def __str__(self) -> str:
        return self.title

    @property
    def objective_list(self) -> list[str]:
        return [o.strip() for o in self.objectives.splitlines() if o.strip()]


class Participant(models.Model):
    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="participants")
    role = models.CharField(_("rol"), max_length=30, choices=ParticipantRole.choices)
    name = models.CharField(_("naam"), max_length=200, blank=True)
    organisation = models.CharField(_("organisatie"), max_length=200, blank=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.name}"


class Channel(models.TextChoices):
    TELEFOON = "telefoon", _("telefoon")
    EMAIL = "email", _("e-mail")
    SMS = "sms", _("sms / app")
    OVERLEG = "overleg", _("overleg / mondeling")
    SYSTEEM = "systeem", _("systeemmelding")
    NIEUWS = "nieuws", _("nieuwsbericht (gesimuleerd)")
    SOCIAL = "social", _("sociale media (gesimuleerd)")


MEDIA_CHANNELS = (Channel.NIEUWS, Channel.SOCIAL)


class Inject(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="injects")
    offset_minutes = models.DecimalField(_("tijdstip (minuten na start)"), max_digits=7, decimal_places=2, default=0)
    channel = models.CharField(_("kanaal"), max_length=20, choices=Channel.choices, default=Channel.TELEFOON)
    sender = models.CharField(_("afzender"), max_length=200, blank=True)
    recipient_role = models.CharField(_("voor"), max_length=30, choices=ParticipantRole.choices, blank=True)
    message = models.TextField(_("bericht"))
    expected_decisions = models.TextField(_("verwachte besluiten"), blank=True)
    is_media = models.BooleanField(_("gesimuleerde mediadruk"), default=False,
                                   help_text=_("Nepnieuws of social-mediabericht: oefenmateriaal"))
    added_during_run = models.BooleanField(default=False)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["offset_minutes", "position", "pk"]

    def __str__(self) -> str:
        return f"T+{self.offset_minutes} {self.message[:40]}"

    @property
    def offset_seconds(self) -> float:
        return float(self.offset_minutes) * 60.0

    @property
    def is_exercise_material(self) -> bool:
        return self.is_media or self.channel in MEDIA_CHANNELS


class LogKind(models.TextChoices):
    BESLUIT = "besluit", _("besluit")
    OBSERVATIE = "observatie", _("observatie")
    INJECT = "inject", _("inject afgespeeld")
    KLOK = "klok", _("klok")


class LogEntry(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="log")
    kind = models.CharField(_("soort"), max_length=20, choices=LogKind.choices)
    text = models.TextField(_("tekst"))
    role = models.CharField(_("rol"), max_length=30, choices=ParticipantRole.choices, blank=True)
    at = models.DateTimeField(default=timezone.now)
    elapsed_seconds = models.FloatField(null=True, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")
    inject = models.ForeignKey(Inject, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    measure = models.ForeignKey(Measure, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind}: {self.text[:40]}"

    @property
    def elapsed_label(self) -> str:
        if self.elapsed_seconds is None:
            return ""
        s = int(self.elapsed_seconds)
        return f"T+{s // 3600:d}:{(s % 3600) // 60:02d}:{s % 60:02d}"


# ------------------------------------------------------------------------------- prevention


class TargetGroup(models.TextChoices):
    OUDEREN = "ouderen", _("oudere inwoners")
    JONGEREN = "jongeren", _("jongeren")
    MKB = "mkb", _("kleine ondernemers (MKB)")
    INWONERS = "inwoners", _("alle inwoners")
    ANDERS = "anders", _("anders")


class CampaignStatus(models.TextChoices):
    VOORBEREIDING = "voorbereiding", _("in voorbereiding")
    LOOPT = "loopt", _("loopt")
    AFGEROND = "afgerond", _("afgerond")


class Campaign(Shareable):
    title = models.CharField(_("titel"), max_length=300)
    target_group = models.CharField(_("doelgroep"), max_length=20, choices=TargetGroup.choices)
    problem = models.TextField(_("waar wijzen de cijfers op"), blank=True)
    partners = models.JSONField(_("partners"), default=list, blank=True)
    partners_other = models.CharField(_("overige partners"), max_length=300, blank=True)
    channels = models.TextField(_("kanalen"), blank=True, help_text=_("Eén per regel"))
    messages = models.TextField(_("kernboodschappen"), blank=True, help_text=_("Eén per regel"))
    indicator = models.ForeignKey("indicators.Indicator", verbose_name=_("indicator om te volgen"), null=True,
                                  blank=True, on_delete=models.SET_NULL, related_name="+")
    forms = models.ManyToManyField("incidents.Form", verbose_name=_("vormen"), blank=True, related_name="+")
    scenarios = models.ManyToManyField("risks.Scenario", verbose_name=_("scenario's"), blank=True,
                                       related_name="campaigns")
    starts_on = models.DateField(_("start"), null=True, blank=True)
    ends_on = models.DateField(_("einde"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=CampaignStatus.choices,
                              default=CampaignStatus.VOORBEREIDING)

    # free text that may leave the owner: stored without personal data (accounts.shared_text)
    shared_text_fields = ("title", "problem", "channels", "messages")

    class Meta:
        ordering = ["-starts_on", "title"]
        verbose_name = _("preventiecampagne")
        verbose_name_plural = _("preventiecampagnes")

    def __str__(self) -> str:
        return self.title

    @property
    def channel_list(self) -> list[str]:
        return [c.strip() for c in self.channels.splitlines() if c.strip()]

    @property
    def message_list(self) -> list[str]:
        return [m.strip() for m in self.messages.splitlines() if m.strip()]

    def partner_labels(self) -> list[str]:
        labels = dict(Partner.choices)
        out = [str(labels.get(p, p)) for p in self.partners]
        if self.partners_other:
            out.append(self.partners_other)
        return out
