"""Organisations, memberships, audiences, the audit log and the shared-object base model."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, ThrottlingMixin

from .tlp import TLP


class OrganisationKind(models.TextChoices):
    GEMEENTE = "gemeente", _("gemeente")
    POLITIE = "politie-eenheid", _("politie-eenheid")
    OM = "om-arrondissement", _("OM-arrondissement")
    VEILIGHEIDSREGIO = "veiligheidsregio", _("veiligheidsregio")
    RIEC = "riec", _("RIEC")
    KENNISCENTRUM = "kenniscentrum", _("kenniscentrum")
    CERT = "cert", _("CERT")


class Role(models.TextChoices):
    LEZER = "lezer", _("lezer")
    BEWERKER = "bewerker", _("bewerker")
    COORDINATOR = "coordinator", _("coördinator")
    BEHEERDER = "beheerder", _("beheerder")

    @classmethod
    def rank(cls, role: str) -> int:
        return [cls.LEZER, cls.BEWERKER, cls.COORDINATOR, cls.BEHEERDER].index(cls(role))


class Organisation(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=30, choices=OrganisationKind.choices)
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True)
    area = models.ForeignKey(
        "areas.Area", null=True, blank=True, on_delete=models.PROTECT, related_name="organisations",
        help_text=_("Het gebied van de organisatie, bijv. de gemeente zelf"),
    )
    regions = models.ManyToManyField(
        "areas.Area", blank=True, related_name="member_organisations",
        help_text=_("Veiligheidsregio('s) waarin de organisatie werkt: bepaalt 'de eigen regio' bij delen"),
    )
    is_example = models.BooleanField(default=False, help_text=_("Voorbeeldgegevens (demo)"))

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisatie")
        verbose_name_plural = _("organisaties")

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.LEZER)

    class Meta:
        unique_together = [("user", "organisation")]
        verbose_name = _("lidmaatschap")
        verbose_name_plural = _("lidmaatschappen")

    def __str__(self) -> str:
        return f"{self.user} @ {self.organisation} ({self.role})"


class Audience(models.Model):
    """A named, reusable group of organisations ("driehoek Maastricht", "RIEC Limburg").

    Audiences can include other audiences (combination). When ``confidential`` is set, only the
    owning organisation sees who is in it; members see only the name.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    owner = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="owned_audiences")
    organisations = models.ManyToManyField(Organisation, blank=True, related_name="audiences")
    includes = models.ManyToManyField("self", symmetrical=False, blank=True, related_name="included_in")
    confidential = models.BooleanField(default=False, help_text=_("Leden alleen zichtbaar voor de eigenaar"))

    class Meta:
        ordering = ["name"]
        verbose_name = _("doelgroep")
        verbose_name_plural = _("doelgroepen")

    def __str__(self) -> str:
        return self.name


class AuditQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise PermissionError("The audit log is append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("The audit log is append-only.")


class AuditEvent(models.Model):
    """Append-only record of every write: who, when, for which organisation, what changed."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    username = models.CharField(max_length=150, blank=True)
    organisation = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.SET_NULL)
    action = models.CharField(max_length=50)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=300, blank=True)
    changes = models.JSONField(default=dict, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("auditgebeurtenis")
        verbose_name_plural = _("auditlog")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username or '-'} {self.action} {self.object_type}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("The audit log is append-only.")



# --- sign-in: single sign-on identities and two-factor recovery codes --------------------------------------


class ExternalIdentity(models.Model):
    """The link between a person and their account at the single sign-on provider (issuer + subject).

    A login through the provider finds the person only by this link, never by e-mail address or user name
    (which would let the provider take over a local account)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="external_identities")
    issuer = models.CharField(max_length=255)
    subject = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)
    last_login_at = models.DateTimeField(null=True, blank=True)
    last_acr = models.CharField(max_length=255, blank=True, help_text=_("Betrouwbaarheidsniveau van de laatste login"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["issuer", "subject"], name="accounts_extid_issuer_subject")]
        verbose_name = _("externe identiteit")
        verbose_name_plural = _("externe identiteiten")

    def __str__(self) -> str:
        return f"{self.user} ({self.issuer})"


class RecoveryCodeDevice(ThrottlingMixin, Device):
    """Single-use recovery codes for when the authenticator app is lost. Only salted hashes are stored;
    a code is deleted by the statement that accepts it, so it works once even under concurrent use."""

    salt = models.CharField(max_length=64)

    class Meta(Device.Meta):
        verbose_name = _("herstelcodes")
        verbose_name_plural = _("herstelcodes")

    def get_throttle_factor(self) -> int:
        return int(getattr(settings, "OTP_RECOVERY_THROTTLE_FACTOR", 1))

    def hash(self, code: str) -> str:
        normalized = "".join(ch for ch in code.upper() if ch.isalnum())
        return hashlib.sha256(f"{self.salt}:{normalized}".encode()).hexdigest()

    def verify_token(self, token: Any) -> bool:
        allowed, _details = self.verify_is_allowed()
        if not allowed:
            return False
        deleted, _counts = RecoveryCode.objects.filter(device=self, code_hash=self.hash(str(token))).delete()
        if deleted:
            self.throttle_reset()
            return True
        self.throttle_increment()
        return False


class RecoveryCode(models.Model):
    device = models.ForeignKey(RecoveryCodeDevice, on_delete=models.CASCADE, related_name="codes")
    code_hash = models.CharField(max_length=64, db_index=True)

    class Meta:
        verbose_name = _("herstelcode")
        verbose_name_plural = _("herstelcodes")

    def __str__(self) -> str:
        return f"{self.device_id}:{self.code_hash[:8]}"


TLP_CHOICES = [(t.value, t.label) for t in TLP]


class Shareable(models.Model):
    """Base for every object that can be shared: owner, TLP 2.0 label and audience.

    Visibility is decided only by :mod:`cyberbeeld.accounts.policy`.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    tlp = models.CharField(max_length=20, choices=TLP_CHOICES, default=TLP.AMBER.value, db_index=True)
    audience_organisations = models.ManyToManyField(Organisation, blank=True, related_name="+")
    audiences = models.ManyToManyField(Audience, blank=True, related_name="+")
    audience_region = models.BooleanField(default=False, help_text=_("Delen met de eigen veiligheidsregio"))
    audience_community = models.BooleanField(default=False, help_text=_("Delen met de hele gemeenschap"))
    recipients = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+",
        help_text=_("TLP:RED: de genoemde personen"),
    )
    is_example = models.BooleanField(default=False, help_text=_("Voorbeeldgegevens (demo)"))

    # The free-text fields that may leave the owner. Each subclass declares its own; they are stored without
    # personal data (one step: ``accounts.shared_text.redact_fields``, run before every save).
    shared_text_fields: ClassVar[tuple[str, ...]] = ()

    class Meta:
        abstract = True

    @property
    def tlp_label(self) -> TLP:
        return TLP(self.tlp)


class ApiToken(models.Model):
    """A bearer token for the API: it acts for one organisation, within its scopes, until it expires or
    is revoked. Only a SHA-256 hash of the secret is stored; the token itself is shown once, at creation.

    The token's text is ``cbt_<prefix>_<secret>``: the prefix (public, unique) finds the row, the hash of
    the whole text proves it. It acts as the person who made it, but only for the token's organisation,
    with at most the role its scopes need (read-only tokens read as lezer) and never as a TLP:RED
    recipient; when that person is no longer a member, the token stops working."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("naam"), max_length=100, help_text=_("Waarvoor is deze sleutel? Bijv. 'koppeling zaaksysteem'"))
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    scopes = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="api_tokens")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("verloopt op"))
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API-sleutel")
        verbose_name_plural = _("API-sleutels")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def is_expired(self, now: Any = None) -> bool:
        return self.expires_at <= (now or timezone.now())


class OrganisationTheme(models.Model):
    """An organisation's house style (name, logo, colour, links), set by its beheerder.

    Public by nature: it is shown on the organisation's public pages, so the logo and the stylesheet are
    served without login. Writes go through ``services.theme_save`` (audited).
    """

    organisation = models.OneToOneField(Organisation, on_delete=models.CASCADE, related_name="house_style")
    display_name = models.CharField(
        _("naam"), max_length=200, blank=True,
        help_text=_("Naam zoals op de eigen website, bijvoorbeeld 'Gemeente Heerlen'"))
    primary_color = models.CharField(
        _("hoofdkleur"), max_length=7, default="#1f5fa8",
        help_text=_("Als #rrggbb. Witte tekst moet erop leesbaar zijn (contrast minstens 4,5:1)."))
    logo = models.BinaryField(_("logo"), blank=True, default=b"", editable=True)
    logo_type = models.CharField(max_length=30, blank=True)
    logo_alt = models.CharField(
        _("tekst bij het logo"), max_length=200, blank=True,
        help_text=_("Wat het logo zegt, voor wie het niet ziet, bijvoorbeeld 'Logo gemeente Heerlen'"))
    website_url = models.URLField(_("website"), blank=True)
    contact_url = models.URLField(_("contactpagina"), blank=True)
    privacy_url = models.URLField(_("privacyverklaring"), blank=True)
    accessibility_url = models.URLField(_("toegankelijkheidsverklaring"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("huisstijl")
        verbose_name_plural = _("huisstijlen")

    def __str__(self) -> str:
        return self.display_name or self.organisation.name

    @property
    def name(self) -> str:
        return self.display_name or self.organisation.name


class CacheGeneration(models.Model):
    """A counter per kind of data (``incidents``), raised after every committed write of that data.

    Cached page parts (``accounts.pagecache``) carry the generation in their key, so a write in any process or
    instance makes every cached part of that kind stale at once; reading it is one indexed row."""

    name = models.CharField(max_length=50, unique=True)
    value = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("cachegeneratie")
        verbose_name_plural = _("cachegeneraties")

    def __str__(self) -> str:
        return f"{self.name}: {self.value}"
