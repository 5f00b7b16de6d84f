"""The casebook: cases (casuïstiek), approaches (voorbeeldaanpakken), attachments, Q&A, share log.

Cases and approaches are :class:`~cyberbeeld.accounts.models.Shareable`: who sees them is decided
only by :mod:`cyberbeeld.accounts.policy`. Attachments, questions and answers have no label of their
own: they are visible exactly when their parent is.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils.translation import gettext_lazy as _

from cyberbeeld.accounts.models import Organisation, Shareable
from cyberbeeld.incidents.models import Impact, Sector


class LegalBasis(models.TextChoices):
    """AVG art. 6 lid 1 grounds a share can rest on."""

    PUBLIC_TASK = "publieke-taak", _("publiekrechtelijke taak (art. 6 lid 1 sub e AVG)")
    LEGAL_OBLIGATION = "wettelijke-plicht", _("wettelijke verplichting (art. 6 lid 1 sub c AVG)")
    LEGITIMATE_INTEREST = "gerechtvaardigd-belang", _("gerechtvaardigd belang (art. 6 lid 1 sub f AVG)")
    CONSENT = "toestemming", _("toestemming (art. 6 lid 1 sub a AVG)")
    NO_PERSONAL_DATA = "geen-persoonsgegevens", _("geen persoonsgegevens (AVG niet van toepassing)")


def form_index_text(form_ids: Iterable[int]) -> str:
    """``,3,17,``: sorted form ids in the form of :attr:`CasebookItem.form_index`."""
    ids = sorted(set(form_ids))
    return "," + ",".join(map(str, ids)) + "," if ids else ""


def _sectors_text(values: list[str]) -> str:
    """Sectors are stored as ``,a,b,`` so that one query can count every sector facet."""
    clean = sorted({v for v in values if v in Sector.values})
    return "," + ",".join(clean) + "," if clean else ""


class CasebookItem(Shareable):
    """Fields cases and approaches have in common (abstract)."""

    title = models.CharField(_("titel"), max_length=300)
    forms = models.ManyToManyField("incidents.Form", verbose_name=_("vormen"), blank=True, related_name="+")
    sectors = models.CharField(_("sectoren"), max_length=200, blank=True, default="")
    # ",3,17," — the ids of ``forms``, denormalised so that one search query returns every facet column.
    # Kept current by the m2m_changed handler in sharing/signals.py; never edited by hand.
    form_index = models.CharField(max_length=500, blank=True, default="", editable=False)
    # PostgreSQL only: the weighted Dutch tsvector of title, tags and text (sharing/textsearch.py keeps it
    # current; GIN index made by migration 0004). Always NULL on SQLite, which uses FTS5 tables instead.
    search_doc = SearchVectorField(null=True, editable=False)
    tags = models.CharField(_("trefwoorden"), max_length=500, blank=True,
                            help_text=_("Gescheiden door komma's"))
    region = models.ForeignKey("areas.Area", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                               verbose_name=_("regio"))
    year = models.PositiveSmallIntegerField(_("jaar"), null=True, blank=True, db_index=True)
    legal_basis = models.CharField(_("grondslag (AVG)"), max_length=30, choices=LegalBasis.choices, blank=True)
    purpose = models.CharField(_("doel van het delen"), max_length=300, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.title

    @property
    def form_id_list(self) -> list[int]:
        return [int(f) for f in self.form_index.split(",") if f]

    @property
    def sector_list(self) -> list[str]:
        return [s for s in self.sectors.split(",") if s]

    def set_sectors(self, values: list[str]) -> None:
        self.sectors = _sectors_text(values)

    @property
    def sector_labels(self) -> list[str]:
        labels = dict(Sector.choices)
        return [str(labels.get(s, s)) for s in self.sector_list]

    @property
    def tag_list(self) -> list[str]:
        return [t.strip() for t in self.tags.split(",") if t.strip()]


class Case(CasebookItem):
    """Concrete casuïstiek. Free text is stored only after redaction (no personal data)."""

    summary = models.TextField(_("wat gebeurde er"), blank=True,
                               help_text=_("Wordt automatisch ontdaan van persoonsgegevens"))
    impact = models.CharField(_("impact"), max_length=1, choices=Impact.choices, blank=True)
    actions_taken = models.TextField(_("wat is er gedaan"), blank=True)
    actors = models.CharField(_("door wie"), max_length=300, blank=True)
    outcome = models.TextField(_("resultaat"), blank=True)
    occurred_on = models.DateField(_("datum"), null=True, blank=True)
    source_incident = models.ForeignKey("incidents.Incident", null=True, blank=True, on_delete=models.SET_NULL,
                                        related_name="+", verbose_name=_("bronincident"))
    SHARING_SOURCES = ("source_incident",)  # a promoted incident: its label never rises above the incident's
    external_id = models.CharField(max_length=200, blank=True, db_index=True,
                                   help_text=_("Id in het bronsysteem (STIX/MISP-import)"))
    # Who wrote an imported case (the STIX identity of created_by_ref, MISP's Orgc): never the importer.
    source_name = models.CharField(_("bron"), max_length=200, blank=True,
                                   help_text=_("Organisatie die de ingelezen casus schreef"))
    source_ref = models.CharField(max_length=200, blank=True,
                                  help_text=_("Id van die organisatie in het bronsysteem (STIX-identity, MISP Orgc)"))

    TEXT_FIELDS = ("summary", "actions_taken", "actors", "outcome")

    # free text that may leave the owner: stored without personal data (accounts.shared_text)
    shared_text_fields = ("title", "tags", "summary", "actions_taken", "actors", "outcome")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("casus")
        verbose_name_plural = _("casussen")


class Approach(CasebookItem):
    """A voorbeeldaanpak: how a problem was tackled, for others to learn from or adopt."""

    problem = models.TextField(_("probleem"), blank=True)
    approach = models.TextField(_("aanpak"), blank=True)
    partners = models.CharField(_("partners"), max_length=500, blank=True)
    cost_capacity = models.CharField(_("kosten en capaciteit"), max_length=500, blank=True)
    results = models.TextField(_("resultaten"), blank=True)
    lessons = models.TextField(_("lessen"), blank=True)
    contact = models.CharField(_("contact"), max_length=300, blank=True)

    TEXT_FIELDS = ("problem", "approach", "partners", "cost_capacity", "results", "lessons")

    # free text that may leave the owner: stored without personal data (accounts.shared_text)
    shared_text_fields = ("title", "tags", "problem", "approach", "results", "lessons")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("aanpak")
        verbose_name_plural = _("aanpakken")


class Attachment(models.Model):
    """A PDF or image on a case or an approach; served only through a policy-checked view."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments")
    approach = models.ForeignKey(Approach, null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="attachments")
    file = models.FileField(upload_to="sharing/%Y/%m/")
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(case__isnull=False, approach__isnull=True)
                           | models.Q(case__isnull=True, approach__isnull=False)),
                name="attachment_has_one_parent"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def parent(self) -> Case | Approach:
        return self.case if self.case_id else self.approach  # type: ignore[return-value]


class Question(models.Model):
    """A question about a case from one organisation; visible to whoever may see the case."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="questions")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    text = models.TextField(_("vraag"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.text[:60]


class Answer(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    text = models.TextField(_("antwoord"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.text[:60]


class ShareChange(models.Model):
    """One change of a share, so that recipients see that (and how) it changed.

    Recipients see only the direction (``narrowed``/``widened``/label change), never who else it
    was shared with.
    """

    object_type = models.CharField(max_length=20)  # "case" | "approach"
    object_id = models.PositiveBigIntegerField()
    at = models.DateTimeField(auto_now_add=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    tlp_before = models.CharField(max_length=20, blank=True)
    tlp_after = models.CharField(max_length=20)
    narrowed = models.BooleanField(default=False)
    widened = models.BooleanField(default=False)
    withdrawn = models.BooleanField(default=False)
    legal_basis = models.CharField(max_length=30, choices=LegalBasis.choices, blank=True)
    purpose = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.object_type}:{self.object_id} {self.tlp_before}->{self.tlp_after}"


class ItemView(models.Model):
    """When a user last opened a case or an approach: a recipient is told only of share changes since then.

    A read receipt, not content: kept per user (not per organisation), never shown to others.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    object_type = models.CharField(max_length=20)  # "case" | "approach"
    object_id = models.PositiveBigIntegerField()
    seen_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "object_type", "object_id"],
                                               name="itemview_one_per_user_object")]

    def __str__(self) -> str:
        return f"{self.user_id} saw {self.object_type}:{self.object_id} at {self.seen_at:%Y-%m-%d %H:%M}"


class Adoption(models.Model):
    """An organisation adopted an approach as a measure in its own plan."""

    approach = models.ForeignKey(Approach, on_delete=models.CASCADE, related_name="adoptions")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    measure_ref = models.CharField(max_length=100, blank=True, help_text=_("Id van de maatregel, als die bestaat"))
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        unique_together = [("approach", "organisation")]

    def __str__(self) -> str:
        return f"{self.organisation} ← {self.approach}"


class ExchangeToken(models.Model):
    """A per-organisation token for the TAXII server (stored as a SHA-256 hash only)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+",
                             help_text=_("De gebruiker namens wie de token leest (bepaalt de zichtbaarheid)"))
    name = models.CharField(max_length=100)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.organisation}: {self.name}"
