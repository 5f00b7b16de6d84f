"""Risk scoring by the Dutch national risk assessment method (NRB / Handreiking RRP).

Pure core: no Django, no I/O except reading the shipped method files. The method itself is
*data* (``data/methods/<id>.json``); this module is the engine that reads it.

The method in five steps (DOMAIN §1.3–§1.6)
-------------------------------------------
1. Experts score a scenario per impact criterion with a class ``X`` (not applicable), ``0`` (no
   impact) or ``A``–``E`` (beperkt, aanzienlijk, ernstig, zeer ernstig, catastrofaal). A score may
   be a range ``(low, high)`` or ``(low, best, high)`` to express uncertainty.
2. Each class becomes points on an exponential scale: with ``class_base`` 3,
   ``A=1, B=3, C=9, D=27, E=81``; with ``class_base`` 10, ``A=1, B=10, C=100, D=1000, E=10000``;
   ``0`` is 0 points and ``X`` is left out altogether.
3. The weighted points are aggregated over the *scored* criteria (everything but ``X``):
   ``sum`` gives ``Σ wᵢ·pᵢ``; ``mean`` gives ``Σ wᵢ·pᵢ / Σ wᵢ``. With the NRB default of equal
   weights (all 1) the mean is "add up and divide by the number of indicators" (RIVM use of the
   method, DOMAIN §1.6).
4. The total is mapped back to a class. Default rule (``class_mapping = "floor"``): **the total
   impact class is the largest class whose points the total reaches** (points ≤ total); a total
   below the points of ``A`` gives ``0``. The alternative ``"geometric"`` rule rounds in log space
   (class k once the total reaches ``base**(k - 0.5)``), i.e. it picks the nearest class on the
   logarithmic scale. Both rules are monotone.
5. Likelihood gets a class ``A``–``E`` (threats: qualitative descriptors; hazards: probability
   within 5 years). The risk is the position in the likelihood × impact diagram. Both axes are
   logarithmic, so ``likelihood index + impact index`` is constant on an iso-risk diagonal; that
   sum (2–10) sets the colour band of the diagram.

Worked examples (``rrp-2009``: base 3, mean, floor)
---------------------------------------------------
*Ransomware at the town hall.* Scores 1.1 X, 2.1 0, 2.2 0, 2.3 A, 3.1 C, 4.1 X, 5.1 D, 5.2 B,
5.3 C, 6.1 X. Seven criteria are scored (three X are left out). Points 0+0+1+9+27+3+9 = 49.
Mean = 49 / 7 = 7.0. B = 3 ≤ 7.0 < 9 = C, so the total impact class is **B (aanzienlijk)**.
The same scores with ``aggregation = "sum"`` give 49, and 27 ≤ 49 < 81, so **D**. With
``class_base = 10`` and the mean: 0+0+1+100+1000+10+100 = 1211, 1211/7 = 173.0 → **C**
(100 ≤ 173 < 1000). With the geometric rule (base 3, mean) the C threshold is
9/√3 ≈ 5.196 ≤ 7.0 < 27/√3 ≈ 15.59, so **C**.

*One catastrophic criterion.* 5.1 E and the nine others 0: 81 / 10 = 8.1 → **B**. Averaging
dampens a single extreme score; that is why the method also asks for diagrams per criterion.

*Uncertainty.* If 5.1 in the first example is scored ``("C", "E")`` (best = the middle, D), the
span is (0+0+1+9+9+3+9)/7 = 31/7 ≈ 4.43 → B up to (0+0+1+9+81+3+9)/7 = 103/7 ≈ 14.71 → C.

Values marked [M] in DOMAIN (class base, aggregation, bands, likelihood wording) are flagged in the
method data with ``"verified": false``; :attr:`Method.unverified` lists them so that the UI can show
them as configurable. Never present them as official.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from cyberbeeld.common.errors import Invalid

__all__ = [
    "IMPACT_CLASSES",
    "LIKELIHOOD_CLASSES",
    "NOT_APPLICABLE",
    "NO_IMPACT",
    "ORDERED_IMPACT",
    "ZONES",
    "Assessment",
    "AssessorSpread",
    "Band",
    "ClassRange",
    "Criterion",
    "CriterionScore",
    "CriterionSpread",
    "ImpactResult",
    "LikelihoodClass",
    "LikelihoodScale",
    "Method",
    "MethodError",
    "MethodVersionMismatch",
    "RegionalSummary",
    "RiskDiagram",
    "ScenarioResult",
    "ScoreError",
    "assess",
    "available_methods",
    "class_points",
    "impact_by_interest",
    "load_method",
    "load_method_file",
    "regional_summary",
    "risk_diagram",
    "risk_zone",
    "score_impact",
    "spread",
    "total_to_class",
]

Lang = Literal["nl", "en"]
Aggregation = Literal["sum", "mean"]
ClassMapping = Literal["floor", "geometric"]
ClassScore = str | tuple[str, str] | tuple[str, str, str]

IMPACT_CLASSES: tuple[str, ...] = ("A", "B", "C", "D", "E")
LIKELIHOOD_CLASSES: tuple[str, ...] = IMPACT_CLASSES
NOT_APPLICABLE = "X"
NO_IMPACT = "0"
#: The ordered impact scale (``X`` is *not* on it: it means "not applicable").
ORDERED_IMPACT: tuple[str, ...] = (NO_IMPACT, *IMPACT_CLASSES)

_REL_TOL = 1e-9
_METHODS_PACKAGE = "cyberbeeld.risks"
_METHODS_DIR = ("data", "methods")


class MethodError(Invalid):
    """A method file or method setting is invalid."""

    code = "risk-method"


class MethodVersionMismatch(MethodError):
    """An assessment is scored (or combined) with a method version other than its own."""


class ScoreError(Invalid):
    """A score is not valid for the method (unknown class, unknown or missing criterion, ...)."""

    code = "risk-score"


# ---------------------------------------------------------------------------------------------
# Scale arithmetic
# ---------------------------------------------------------------------------------------------


def _impact_index(cls: str) -> int:
    """Index on the ordered impact scale: ``0`` → 0, ``A`` → 1, ..., ``E`` → 5."""
    try:
        return ORDERED_IMPACT.index(cls)
    except ValueError:
        raise ScoreError(f"unknown impact class {cls!r}; expected X, 0 or A-E") from None


def _likelihood_index(cls: str) -> int:
    """Index on the likelihood scale: ``A`` → 1, ..., ``E`` → 5."""
    try:
        return LIKELIHOOD_CLASSES.index(cls) + 1
    except ValueError:
        raise ScoreError(f"unknown likelihood class {cls!r}; expected A-E") from None


def class_points(cls: str, base: int) -> float | None:
    """Points of an impact class on the exponential scale.

    Parameters
    ----------
    cls : str
        ``"X"``, ``"0"`` or ``"A"``–``"E"``.
    base : int
        3 or 10: each class counts ``base`` times the class below.

    Returns
    -------
    float or None
        ``None`` for ``X`` (not scored), ``0.0`` for ``0``, ``base ** k`` for the k-th class
        (``A`` = 1).

    Examples
    --------
    >>> [class_points(c, 3) for c in "0ABCDE"]
    [0.0, 1.0, 3.0, 9.0, 27.0, 81.0]
    >>> class_points("X", 10) is None
    True
    """
    if base not in (3, 10):
        raise MethodError(f"class_base must be 3 or 10, not {base!r}")
    if cls == NOT_APPLICABLE:
        return None
    idx = _impact_index(cls)
    return 0.0 if idx == 0 else float(base ** (idx - 1))


def total_to_class(total: float, base: int, rule: ClassMapping = "floor") -> str:
    """Map an aggregated total back to an impact class.

    Parameters
    ----------
    total : float
        Aggregated points (non-negative).
    base : int
        3 or 10.
    rule : {"floor", "geometric"}
        ``floor``: the largest class whose points are ≤ ``total`` (``0`` below ``A``).
        ``geometric``: the largest class ``k`` with ``base ** (k - 1.5) ≤ total``, i.e. rounding
        to the nearest class on the log scale (``0`` below ``base ** -0.5``).

    Returns
    -------
    str
        ``"0"`` or ``"A"``–``"E"``.

    Examples
    --------
    >>> total_to_class(7.0, 3), total_to_class(49, 3), total_to_class(7.0, 3, "geometric")
    ('B', 'D', 'C')
    >>> total_to_class(0.5, 3), total_to_class(81, 3), total_to_class(10_000, 10)
    ('0', 'E', 'E')
    """
    if base not in (3, 10):
        raise MethodError(f"class_base must be 3 or 10, not {base!r}")
    if not math.isfinite(total) or total < 0:
        raise ScoreError(f"total must be a finite non-negative number, not {total!r}")
    if rule not in ("floor", "geometric"):
        raise MethodError(f"class_mapping must be 'floor' or 'geometric', not {rule!r}")
    shift = 0.0 if rule == "floor" else 0.5
    for k in range(len(IMPACT_CLASSES), 0, -1):
        threshold = float(base) ** (k - 1 - shift)
        if total >= threshold * (1 - _REL_TOL):
            return IMPACT_CLASSES[k - 1]
    return NO_IMPACT


def risk_zone(likelihood_index: int, impact_index: int) -> str:
    """Colour band of a cell in the risk diagram.

    Both axes are logarithmic, so the sum of the indices is constant along an iso-risk diagonal.
    Bands [M — colours and cut-offs are a Cyberbeeld choice]: sum ≤ 4 ``laag`` (green),
    5–6 ``midden`` (yellow), 7–8 ``hoog`` (orange), ≥ 9 ``zeer hoog`` (red).

    Examples
    --------
    >>> risk_zone(1, 1), risk_zone(3, 3), risk_zone(4, 4), risk_zone(5, 5)
    ('laag', 'midden', 'hoog', 'zeer hoog')
    """
    s = likelihood_index + impact_index
    if s <= 4:
        return "laag"
    if s <= 6:
        return "midden"
    if s <= 8:
        return "hoog"
    return "zeer hoog"


ZONES: tuple[str, ...] = ("laag", "midden", "hoog", "zeer hoog")
ZONE_LABELS: Mapping[str, Mapping[str, str]] = {
    "laag": {"nl": "laag", "en": "low"},
    "midden": {"nl": "midden", "en": "medium"},
    "hoog": {"nl": "hoog", "en": "high"},
    "zeer hoog": {"nl": "zeer hoog", "en": "very high"},
}
#: Green → red; light tints so black labels stay readable (WCAG contrast) [M].
ZONE_COLOURS: tuple[str, ...] = ("#b7dfb9", "#fff2a8", "#ffd199", "#f4a6a6")


# ---------------------------------------------------------------------------------------------
# Method as data
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Band:
    """A numeric band ``[lo, hi)`` (inclusive lower bound; ``hi=None`` is open-ended)."""

    lo: float
    hi: float | None

    def contains(self, value: float) -> bool:
        """Whether ``lo ≤ value < hi``."""
        return value >= self.lo and (self.hi is None or value < self.hi)


@dataclass(frozen=True, slots=True)
class Criterion:
    """One impact criterion of a method.

    Attributes
    ----------
    code, interest, name_nl, name_en : str
        Identification, e.g. ``"2.1"``, ``"fysiek"``, ``"Doden"``, ``"Fatalities"``.
    weight : float
        Weight in the aggregation (NRB default: 1).
    verified : bool
        Whether the criterion itself (not its bands) comes from a verified source.
    unit_nl, unit_en : str or None
        Indicator unit.
    bands : tuple of (class, Band)
        Numeric bands per class, empty if the criterion is qualitative only.
    bands_verified : bool
        ``False`` when the bands are [M] placeholders.
    descriptors : tuple of (class, nl, en)
        Qualitative descriptors per class.
    descriptors_verified : bool
        ``False`` when the descriptors are [M].
    """

    code: str
    interest: str
    name_nl: str
    name_en: str
    weight: float = 1.0
    verified: bool = True
    unit_nl: str | None = None
    unit_en: str | None = None
    bands: tuple[tuple[str, Band], ...] = ()
    bands_verified: bool = False
    descriptors: tuple[tuple[str, str, str], ...] = ()
    descriptors_verified: bool = False

    def name(self, lang: Lang = "nl") -> str:
        """The criterion name in ``lang``."""
        return self.name_nl if lang == "nl" else self.name_en

    def descriptor(self, cls: str, lang: Lang = "nl") -> str | None:
        """The qualitative descriptor of ``cls``, if any."""
        for c, nl, en in self.descriptors:
            if c == cls:
                return nl if lang == "nl" else en
        return None

    def classify_value(self, value: float) -> str:
        """Class of a numeric indicator value using the bands ``[lo, hi)``.

        A value below the lower bound of ``A`` gives ``0`` (no impact). The tool only proposes:
        experts pick the class.

        Raises
        ------
        ScoreError
            If the criterion has no numeric bands or ``value`` is negative/not finite.
        """
        if not self.bands:
            raise ScoreError(f"criterion {self.code} has no numeric bands; pick a class")
        if not math.isfinite(value) or value < 0:
            raise ScoreError(f"value must be finite and non-negative, not {value!r}")
        if value < self.bands[0][1].lo:
            return NO_IMPACT
        for cls, band in self.bands:
            if band.contains(value):
                return cls
        return self.bands[-1][0]  # above a closed top band: still the highest class


@dataclass(frozen=True, slots=True)
class LikelihoodClass:
    """One likelihood class with its labels, descriptor and (hazards) probability band."""

    code: str
    label_nl: str
    label_en: str
    descriptor_nl: str | None = None
    descriptor_en: str | None = None
    band: Band | None = None


@dataclass(frozen=True, slots=True)
class LikelihoodScale:
    """Likelihood scale: ``threat`` (malicious, qualitative) or ``hazard`` (5-year probability)."""

    kind: Literal["threat", "hazard"]
    classes: tuple[LikelihoodClass, ...]
    verified: bool = False
    horizon_years: int | None = None

    def label(self, cls: str, lang: Lang = "nl") -> str:
        """Label of a likelihood class in ``lang``."""
        for c in self.classes:
            if c.code == cls:
                return c.label_nl if lang == "nl" else c.label_en
        raise ScoreError(f"unknown likelihood class {cls!r}")

    def classify_probability(self, p: float) -> str:
        """Class of a probability of occurrence within the horizon (hazard scale only).

        Examples
        --------
        >>> load_method("rrp-2009").likelihood_hazard.classify_probability(0.01)
        'C'
        """
        if self.kind != "hazard":
            raise ScoreError("the threat scale is qualitative; experts pick a class")
        if not 0.0 <= p <= 1.0:
            raise ScoreError(f"probability must be in [0, 1], not {p!r}")
        for c in self.classes:
            if c.band is not None and c.band.contains(p):
                return c.code
        raise MethodError(f"no likelihood band contains {p!r}")


@dataclass(frozen=True, slots=True)
class Method:
    """A frozen version of the risk assessment method.

    Build with :func:`load_method` or :meth:`from_dict`. A method version is immutable: its
    :attr:`fingerprint` (SHA-256 of the canonical content) is stored with each assessment, so an
    assessment made under one version can never silently be scored with another.

    Attributes
    ----------
    id : str
        Version id, e.g. ``"rrp-2009"``. Assessments refer to this.
    version : str
        Human version string.
    official : bool
        Whether the criteria set comes from an official Dutch method (the *settings* may still be
        unverified; see :attr:`unverified`).
    class_base : {3, 10}
    aggregation : {"sum", "mean"}
    class_mapping : {"floor", "geometric"}
    criteria : tuple of Criterion
    likelihood_threat, likelihood_hazard : LikelihoodScale
    class_labels : tuple of (class, nl, en)
    interests : tuple of (code, nl, en)
    unverified : tuple of str
        Paths of every value flagged ``"verified": false`` in the data: show them as configurable.
    """

    id: str
    version: str
    official: bool
    name_nl: str
    name_en: str
    source: str
    class_base: int
    aggregation: Aggregation
    class_mapping: ClassMapping
    criteria: tuple[Criterion, ...]
    likelihood_threat: LikelihoodScale
    likelihood_hazard: LikelihoodScale
    class_labels: tuple[tuple[str, str, str], ...] = ()
    interests: tuple[tuple[str, str, str], ...] = ()
    source_nl: str = ""  # the source in Dutch, where ``source`` is English
    unverified: tuple[str, ...] = ()
    fingerprint: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if self.class_base not in (3, 10):
            raise MethodError(f"class_base must be 3 or 10, not {self.class_base!r}")
        if self.aggregation not in ("sum", "mean"):
            raise MethodError(f"aggregation must be 'sum' or 'mean', not {self.aggregation!r}")
        if self.class_mapping not in ("floor", "geometric"):
            raise MethodError(f"class_mapping must be 'floor' or 'geometric', not {self.class_mapping!r}")
        codes = [c.code for c in self.criteria]
        if not codes or len(set(codes)) != len(codes):
            raise MethodError(f"method {self.id}: criteria codes must be non-empty and unique")
        for c in self.criteria:
            if not (math.isfinite(c.weight) and c.weight > 0):
                raise MethodError(f"criterion {c.code}: weight must be positive, not {c.weight!r}")
        object.__setattr__(self, "fingerprint", self._compute_fingerprint())

    def _compute_fingerprint(self) -> str:
        # source_nl is a translation of ``source`` (descriptive, added later): leaving it out keeps the
        # fingerprints that existing assessments carry, so a wording change never invalidates a score.
        content = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)
                   if f.name not in ("fingerprint", "source_nl")}
        canonical = json.dumps(_jsonable(content), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    # -- look-ups ----------------------------------------------------------------------------

    @property
    def codes(self) -> tuple[str, ...]:
        """Criterion codes in method order."""
        return tuple(c.code for c in self.criteria)

    def criterion(self, code: str) -> Criterion:
        """The criterion with ``code``."""
        for c in self.criteria:
            if c.code == code:
                return c
        raise ScoreError(f"method {self.id} has no criterion {code!r}")

    def name(self, lang: Lang = "nl") -> str:
        """The method name in ``lang``."""
        return self.name_nl if lang == "nl" else self.name_en

    def class_label(self, cls: str, lang: Lang = "nl") -> str:
        """Label of an impact class (``"C"`` → ``"ernstig"`` / ``"serious"``)."""
        for c, nl, en in self.class_labels:
            if c == cls:
                return nl if lang == "nl" else en
        return cls

    def likelihood_scale(self, malicious: bool) -> LikelihoodScale:
        """Threat scale for malicious scenarios (cybercrime), hazard scale otherwise."""
        return self.likelihood_threat if malicious else self.likelihood_hazard

    def points(self, cls: str) -> float | None:
        """Points of ``cls`` under this method's ``class_base``."""
        return class_points(cls, self.class_base)

    def variant(
        self,
        id: str,
        *,
        class_base: int | None = None,
        aggregation: Aggregation | None = None,
        class_mapping: ClassMapping | None = None,
        weights: Mapping[str, float] | None = None,
    ) -> Method:
        """A new method version with other settings (sensitivity analysis, preferentieprofiel).

        A variant always gets a new ``id``, so results of different settings can never be mixed.
        """
        if id == self.id:
            raise MethodError("a variant needs its own id")
        weights = dict(weights or {})
        unknown = set(weights) - set(self.codes)
        if unknown:
            raise MethodError(f"unknown criteria in weights: {sorted(unknown)}")
        criteria = tuple(
            dataclasses.replace(c, weight=float(weights.get(c.code, c.weight))) for c in self.criteria
        )
        extra = [
            f"settings.{k}"
            for k, v in (
                ("class_base", class_base),
                ("aggregation", aggregation),
                ("class_mapping", class_mapping),
            )
            if v is not None
        ]
        if weights:
            extra.append("weights")
        return dataclasses.replace(
            self,
            id=id,
            official=False,
            class_base=self.class_base if class_base is None else class_base,
            aggregation=self.aggregation if aggregation is None else aggregation,
            class_mapping=self.class_mapping if class_mapping is None else class_mapping,
            criteria=criteria,
            unverified=tuple(sorted(set(self.unverified) | set(extra))),
        )

    # -- construction --------------------------------------------------------------------------

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Method:
        """Build and validate a method from its JSON data (see ``data/methods/*.json``)."""
        try:
            return _method_from_dict(data)
        except (KeyError, TypeError) as exc:
            raise MethodError(f"invalid method data: {exc!r}") from exc


def _jsonable(obj: Any) -> Any:
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: _jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, tuple | list):
        return [_jsonable(x) for x in obj]
    if isinstance(obj, Mapping):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    return obj


def _band(pair: Sequence[float | None]) -> Band:
    lo, hi = pair
    if lo is None:
        raise MethodError("a band needs a lower bound")
    if hi is not None and not float(hi) > float(lo):
        raise MethodError(f"band [{lo}, {hi}) is empty")
    return Band(float(lo), None if hi is None else float(hi))


def _likelihood_from_dict(kind: Literal["threat", "hazard"], data: Mapping[str, Any]) -> LikelihoodScale:
    classes = []
    for code in LIKELIHOOD_CLASSES:
        c = data["classes"][code]
        classes.append(
            LikelihoodClass(
                code=code,
                label_nl=c["nl"],
                label_en=c["en"],
                descriptor_nl=c.get("descriptor_nl"),
                descriptor_en=c.get("descriptor_en"),
                band=_band(c["band"]) if "band" in c else None,
            )
        )
    if kind == "hazard":
        bands = [c.band for c in classes]
        if any(b is None for b in bands):
            raise MethodError("every hazard likelihood class needs a probability band")
    return LikelihoodScale(
        kind=kind,
        classes=tuple(classes),
        verified=bool(data.get("verified", False)),
        horizon_years=data.get("horizon_years"),
    )


def _method_from_dict(data: Mapping[str, Any]) -> Method:
    unverified: list[str] = []
    settings = data["settings"]
    for key, item in settings.items():
        if not item.get("verified", False):
            unverified.append(f"settings.{key}")
    criteria = []
    for c in data["criteria"]:
        code = c["code"]
        if not c.get("verified", False):
            unverified.append(f"criteria.{code}")
        bands: tuple[tuple[str, Band], ...] = ()
        bands_verified = False
        if "bands" in c:
            b = c["bands"]
            bands = tuple((k, _band(b[k])) for k in IMPACT_CLASSES)
            for (_, lower), (_, upper) in zip(bands, bands[1:], strict=False):
                if lower.hi is None or lower.hi != upper.lo:
                    raise MethodError(f"criterion {code}: bands must be contiguous and increasing")
            bands_verified = bool(b.get("verified", False))
            if not bands_verified:
                unverified.append(f"criteria.{code}.bands")
        descriptors: tuple[tuple[str, str, str], ...] = ()
        descriptors_verified = False
        if "descriptors" in c:
            d = c["descriptors"]
            descriptors = tuple((k, d[k]["nl"], d[k]["en"]) for k in IMPACT_CLASSES if k in d)
            descriptors_verified = bool(d.get("verified", False))
            if not descriptors_verified:
                unverified.append(f"criteria.{code}.descriptors")
        unit = c.get("unit") or (c.get("bands") or {}).get("unit")
        unit_en = c.get("unit_en") or (c.get("bands") or {}).get("unit_en")
        criteria.append(
            Criterion(
                code=code,
                interest=c["interest"],
                name_nl=c["name_nl"],
                name_en=c["name_en"],
                weight=float(c.get("weight", 1.0)),
                verified=bool(c.get("verified", False)),
                unit_nl=unit,
                unit_en=unit_en,
                bands=bands,
                bands_verified=bands_verified,
                descriptors=descriptors,
                descriptors_verified=descriptors_verified,
            )
        )
    labels = data.get("class_labels", {})
    if labels and not labels.get("verified", False):
        unverified.append("class_labels")
    class_labels = tuple((k, labels[k]["nl"], labels[k]["en"]) for k in ("X", *ORDERED_IMPACT) if k in labels)
    lk = data["likelihood"]
    threat = _likelihood_from_dict("threat", lk["threat"])
    hazard = _likelihood_from_dict("hazard", lk["hazard"])
    if not threat.verified:
        unverified.append("likelihood.threat")
    if not hazard.verified:
        unverified.append("likelihood.hazard")
    interests = tuple((k, v["nl"], v["en"]) for k, v in data.get("interests", {}).items())
    return Method(
        id=data["id"],
        version=str(data["version"]),
        official=bool(data.get("official", False)),
        name_nl=data["name_nl"],
        name_en=data["name_en"],
        source=data.get("source", ""),
        source_nl=data.get("source_nl", ""),
        class_base=int(settings["class_base"]["value"]),
        aggregation=settings["aggregation"]["value"],
        class_mapping=settings.get("class_mapping", {"value": "floor"})["value"],
        criteria=tuple(criteria),
        likelihood_threat=threat,
        likelihood_hazard=hazard,
        class_labels=class_labels,
        interests=interests,
        unverified=tuple(unverified),
    )


def available_methods() -> tuple[str, ...]:
    """Ids of the method versions shipped in ``data/methods``."""
    root = resources.files(_METHODS_PACKAGE).joinpath(*_METHODS_DIR)
    return tuple(sorted(p.name.removesuffix(".json") for p in root.iterdir() if p.name.endswith(".json")))


def load_method(method_id: str) -> Method:
    """Load a shipped method version by id (e.g. ``"rrp-2009"``, ``"lokaal-cyber-2026"``)."""
    if method_id not in available_methods():
        raise MethodError(f"unknown method {method_id!r}; available: {', '.join(available_methods())}")
    text = resources.files(_METHODS_PACKAGE).joinpath(*_METHODS_DIR, f"{method_id}.json").read_text("utf-8")
    method = Method.from_dict(json.loads(text))
    if method.id != method_id:
        raise MethodError(f"file {method_id}.json declares id {method.id!r}")
    return method


def load_method_file(path: str | Path) -> Method:
    """Load a method version from a JSON file (e.g. a regional configuration)."""
    return Method.from_dict(json.loads(Path(path).read_text("utf-8")))


# ---------------------------------------------------------------------------------------------
# Scores and assessments
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ClassRange:
    """A class score with uncertainty: ``low ≤ best ≤ high`` on the ordered scale.

    A plain class ``"C"`` is ``ClassRange("C", "C", "C")``. ``X`` cannot be part of a range.
    """

    low: str
    best: str
    high: str

    @classmethod
    def parse(cls, value: ClassScore | ClassRange, *, likelihood: bool = False) -> ClassRange:
        """Parse ``"C"``, ``("B", "D")`` (best = lower middle, here C) or ``("B", "C", "D")``."""
        if isinstance(value, ClassRange):
            parts: tuple[str, ...] = (value.low, value.best, value.high)
        elif isinstance(value, str):
            parts = (value, value, value)
        elif len(value) == 2:
            lo, hi = value[0], value[-1]
            index = _likelihood_index if likelihood else _impact_index
            scale = ("", *LIKELIHOOD_CLASSES) if likelihood else ORDERED_IMPACT
            if lo == NOT_APPLICABLE or hi == NOT_APPLICABLE:
                raise ScoreError("X (not applicable) cannot be part of a range")
            mid = (index(lo) + index(hi)) // 2
            parts = (lo, scale[mid], hi)
        elif len(value) == 3:
            parts = (value[0], value[1], value[2])
        else:
            raise ScoreError(f"cannot parse score {value!r}")
        if likelihood:
            idx = [_likelihood_index(p) for p in parts]
        elif NOT_APPLICABLE in parts:
            if set(parts) != {NOT_APPLICABLE}:
                raise ScoreError("X (not applicable) cannot be part of a range")
            return cls(NOT_APPLICABLE, NOT_APPLICABLE, NOT_APPLICABLE)
        else:
            idx = [_impact_index(p) for p in parts]
        if not idx[0] <= idx[1] <= idx[2]:
            raise ScoreError(f"range must satisfy low ≤ best ≤ high, got {parts!r}")
        return cls(*parts)

    @property
    def is_range(self) -> bool:
        """Whether low and high differ."""
        return self.low != self.high


@dataclass(frozen=True)
class Assessment:
    """One assessment of one scenario by one assessor (or panel) under one method version.

    Attributes
    ----------
    method_id : str
        The method version the assessment was made with. Scoring with another raises.
    impact : Mapping[str, ClassScore]
        A score for **every** criterion of the method (use ``"X"`` for not applicable).
    likelihood : ClassScore
        ``A``–``E`` or a range.
    scenario_id, title, template, area, assessor : str
        Identification; ``template`` groups the same scenario across gemeenten.
    malicious : bool
        Threat (True, e.g. cybercrime) or hazard (False, e.g. a non-malicious IT outage).
    method_fingerprint : str or None
        Fingerprint of the method at the time of assessment; if given it must still match.
    """

    method_id: str
    impact: Mapping[str, ClassScore]
    likelihood: ClassScore
    scenario_id: str = ""
    title: str = ""
    template: str | None = None
    area: str | None = None
    assessor: str | None = None
    malicious: bool = True
    method_fingerprint: str | None = None


@dataclass(frozen=True, slots=True)
class CriterionScore:
    """Score of one criterion: classes and points (``None`` points for X)."""

    code: str
    classes: ClassRange
    weight: float
    points_low: float | None
    points_best: float | None
    points_high: float | None

    @property
    def scored(self) -> bool:
        """False when the criterion is X (not applicable)."""
        return self.points_best is not None


@dataclass(frozen=True, slots=True)
class ImpactResult:
    """Total impact of one assessment.

    Attributes
    ----------
    method_id : str
    criteria : tuple of CriterionScore
        In method order.
    n_scored : int
        Criteria not X.
    total, total_low, total_high : float
        Aggregated points at the best, lowest and highest scores (the uncertainty span).
    impact_class, class_low, class_high : str
        The totals mapped back to classes.
    """

    method_id: str
    criteria: tuple[CriterionScore, ...]
    n_scored: int
    total: float
    total_low: float
    total_high: float
    impact_class: str
    class_low: str
    class_high: str

    def criterion(self, code: str) -> CriterionScore:
        """The score of criterion ``code``."""
        for c in self.criteria:
            if c.code == code:
                return c
        raise KeyError(code)


def _aggregate(pairs: Sequence[tuple[float, float]], aggregation: Aggregation) -> float:
    """Aggregate ``(points, weight)`` pairs; ``math.fsum`` keeps it exact and order-free."""
    weighted = math.fsum(p * w for p, w in pairs)
    if aggregation == "sum":
        return weighted
    return weighted / math.fsum(w for _, w in pairs)


def score_impact(method: Method, impact: Mapping[str, ClassScore | ClassRange]) -> ImpactResult:
    """Aggregate per-criterion scores into a total impact score and class.

    Parameters
    ----------
    method : Method
    impact : Mapping
        A score for every criterion of ``method``: ``"X"``, ``"0"``, ``"A"``–``"E"`` or a range.

    Returns
    -------
    ImpactResult

    Raises
    ------
    ScoreError
        Unknown or missing criteria, invalid classes, or nothing scored (all X).

    Examples
    --------
    >>> m = load_method("rrp-2009")
    >>> r = score_impact(m, {"1.1": "X", "2.1": "0", "2.2": "0", "2.3": "A", "3.1": "C",
    ...                      "4.1": "X", "5.1": "D", "5.2": "B", "5.3": "C", "6.1": "X"})
    >>> r.n_scored, r.total, r.impact_class
    (7, 7.0, 'B')
    """
    unknown = set(impact) - set(method.codes)
    if unknown:
        raise ScoreError(f"criteria not in method {method.id}: {sorted(unknown)}")
    missing = [c for c in method.codes if c not in impact]
    if missing:
        raise ScoreError(f"no score for criteria {missing} (use 'X' for not applicable)")
    scores = []
    for crit in method.criteria:
        rng = ClassRange.parse(impact[crit.code])
        scores.append(
            CriterionScore(
                code=crit.code,
                classes=rng,
                weight=crit.weight,
                points_low=method.points(rng.low),
                points_best=method.points(rng.best),
                points_high=method.points(rng.high),
            )
        )
    scored = [s for s in scores if s.scored]
    if not scored:
        raise ScoreError("no criterion scored (all X); the impact cannot be determined")
    totals = []
    for attr in ("points_low", "points_best", "points_high"):
        pairs = [(float(getattr(s, attr)), s.weight) for s in scored]
        totals.append(_aggregate(pairs, method.aggregation))
    low, best, high = totals
    to_class = method.class_base, method.class_mapping
    return ImpactResult(
        method_id=method.id,
        criteria=tuple(scores),
        n_scored=len(scored),
        total=best,
        total_low=low,
        total_high=high,
        impact_class=total_to_class(best, *to_class),
        class_low=total_to_class(low, *to_class),
        class_high=total_to_class(high, *to_class),
    )


def impact_by_interest(
    method: Method, impact: Mapping[str, ClassScore | ClassRange]
) -> dict[str, ImpactResult | None]:
    """Total impact per vital interest (for the NRB's diagrams per interest).

    Each interest is aggregated over its own criteria with the method's settings; an interest whose
    criteria are all X gives ``None``.

    Examples
    --------
    >>> m = load_method("rrp-2009")
    >>> scores = {c: "X" for c in m.codes} | {"2.1": "A", "2.2": "C", "5.1": "D"}
    >>> by = impact_by_interest(m, scores)
    >>> by["fysiek"].total, by["fysiek"].impact_class, by["sociaal-politiek"].impact_class, by["economisch"]
    (5.0, 'B', 'D', None)
    """
    score_impact(method, impact)  # validates the full set of scores first
    out: dict[str, ImpactResult | None] = {}
    for interest in dict.fromkeys(c.interest for c in method.criteria):
        crits = tuple(c for c in method.criteria if c.interest == interest)
        sub = dataclasses.replace(method, criteria=crits)
        sub_scores = {c.code: impact[c.code] for c in crits}
        if all(ClassRange.parse(v).best == NOT_APPLICABLE for v in sub_scores.values()):
            out[interest] = None
        else:
            out[interest] = score_impact(sub, sub_scores)
    return out


@dataclass(frozen=True, slots=True)
class ScenarioResult:
    """A scored scenario: its place in the risk diagram.

    Attributes
    ----------
    scenario_id, title, template, area, assessor : str or None
    method_id : str
    malicious : bool
    likelihood : ClassRange
    impact : ImpactResult
    """

    scenario_id: str
    title: str
    template: str | None
    area: str | None
    assessor: str | None
    method_id: str
    malicious: bool
    likelihood: ClassRange
    impact: ImpactResult

    @property
    def likelihood_index(self) -> int:
        """1 (A) … 5 (E)."""
        return _likelihood_index(self.likelihood.best)

    @property
    def impact_index(self) -> int:
        """0 (no impact) … 5 (E)."""
        return _impact_index(self.impact.impact_class)

    @property
    def risk_index(self) -> int:
        """``likelihood_index + impact_index``: constant on an iso-risk diagonal."""
        return self.likelihood_index + self.impact_index

    @property
    def zone(self) -> str:
        """Colour band (``laag`` … ``zeer hoog``), see :func:`risk_zone`."""
        return risk_zone(self.likelihood_index, self.impact_index)


def _check_version(method: Method, assessment: Assessment) -> None:
    if assessment.method_id != method.id:
        raise MethodVersionMismatch(
            f"assessment {assessment.scenario_id or '?'} was made with method {assessment.method_id!r}; "
            f"it cannot be scored with {method.id!r}. Make a new assessment instead."
        )
    if assessment.method_fingerprint is not None and assessment.method_fingerprint != method.fingerprint:
        raise MethodVersionMismatch(
            f"method {method.id!r} has changed since assessment {assessment.scenario_id or '?'} was made "
            "(fingerprint differs); a method version must never be edited, publish a new version"
        )


def assess(method: Method, assessment: Assessment) -> ScenarioResult:
    """Score an assessment: total impact, likelihood and position in the risk diagram.

    Raises
    ------
    MethodVersionMismatch
        If the assessment was made with another method version (id or fingerprint).
    """
    _check_version(method, assessment)
    impact = score_impact(method, assessment.impact)
    likelihood = ClassRange.parse(assessment.likelihood, likelihood=True)
    return ScenarioResult(
        scenario_id=assessment.scenario_id,
        title=assessment.title,
        template=assessment.template,
        area=assessment.area,
        assessor=assessment.assessor,
        method_id=method.id,
        malicious=assessment.malicious,
        likelihood=likelihood,
        impact=impact,
    )


# ---------------------------------------------------------------------------------------------
# Several assessors, several gemeenten
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CriterionSpread:
    """Spread of one criterion over assessors (X scores counted apart).

    ``median_class`` is the lower median on the ordered scale, so it is always a real class.
    """

    code: str
    n_scored: int
    n_not_applicable: int
    median_points: float | None
    min_points: float | None
    max_points: float | None
    median_class: str
    min_class: str
    max_class: str


@dataclass(frozen=True, slots=True)
class AssessorSpread:
    """Spread of one scenario's scores over several assessors. Independent of assessor order."""

    scenario_id: str
    method_id: str
    n_assessors: int
    criteria: tuple[CriterionSpread, ...]
    median_total: float
    min_total: float
    max_total: float
    median_total_class: str
    min_total_class: str
    max_total_class: str
    median_likelihood: str
    min_likelihood: str
    max_likelihood: str


def spread(method: Method, assessments: Iterable[Assessment]) -> AssessorSpread:
    """Spread (median, min, max) when several assessors score the same scenario.

    Uses each assessor's *best* score. Per criterion the points and classes are summarised over
    the assessors who did not score X; the totals are each assessor's own total.

    Raises
    ------
    ScoreError
        If there are no assessments or they concern different scenarios.
    MethodVersionMismatch
        If any assessment was made with another method version.
    """
    items = list(assessments)
    if not items:
        raise ScoreError("no assessments")
    scenario_ids = {a.scenario_id for a in items}
    if len(scenario_ids) != 1:
        raise ScoreError(f"assessments concern different scenarios: {sorted(scenario_ids)}")
    results = [assess(method, a) for a in items]
    crit_spreads = []
    for code in method.codes:
        cs = [r.impact.criterion(code) for r in results]
        pts = sorted(float(c.points_best) for c in cs if c.points_best is not None)
        idx = sorted(_impact_index(c.classes.best) for c in cs if c.scored)
        if pts:
            crit_spreads.append(
                CriterionSpread(
                    code=code,
                    n_scored=len(pts),
                    n_not_applicable=len(cs) - len(pts),
                    median_points=float(statistics.median(pts)),
                    min_points=pts[0],
                    max_points=pts[-1],
                    median_class=ORDERED_IMPACT[statistics.median_low(idx)],
                    min_class=ORDERED_IMPACT[idx[0]],
                    max_class=ORDERED_IMPACT[idx[-1]],
                )
            )
        else:
            crit_spreads.append(
                CriterionSpread(
                    code, 0, len(cs), None, None, None, NOT_APPLICABLE, NOT_APPLICABLE, NOT_APPLICABLE
                )
            )
    totals = sorted(r.impact.total for r in results)
    med = float(statistics.median(totals))
    lik = sorted(r.likelihood_index for r in results)
    to_class = method.class_base, method.class_mapping
    return AssessorSpread(
        scenario_id=next(iter(scenario_ids)),
        method_id=method.id,
        n_assessors=len(results),
        criteria=tuple(crit_spreads),
        median_total=med,
        min_total=totals[0],
        max_total=totals[-1],
        median_total_class=total_to_class(med, *to_class),
        min_total_class=total_to_class(totals[0], *to_class),
        max_total_class=total_to_class(totals[-1], *to_class),
        median_likelihood=LIKELIHOOD_CLASSES[statistics.median_low(lik) - 1],
        min_likelihood=LIKELIHOOD_CLASSES[lik[0] - 1],
        max_likelihood=LIKELIHOOD_CLASSES[lik[-1] - 1],
    )


@dataclass(frozen=True, slots=True)
class RegionalSummary:
    """One scenario template summarised over the gemeenten of a region.

    Attributes
    ----------
    template : str
    method_id : str
    n_areas : int
        Distinct gemeenten that assessed the template.
    areas : tuple of str
        Sorted.
    max_total, median_total : float
        Of the total impact points.
    max_impact_class, median_impact_class : str
    max_likelihood, median_likelihood : str
        ``median_*`` classes are lower medians (always a real class).
    max_risk_index : int
    areas_at_max_risk : tuple of str
        Gemeenten whose scenario reaches ``max_risk_index``.
    """

    template: str
    method_id: str
    n_areas: int
    areas: tuple[str, ...]
    max_total: float
    median_total: float
    max_impact_class: str
    median_impact_class: str
    max_likelihood: str
    median_likelihood: str
    max_risk_index: int
    areas_at_max_risk: tuple[str, ...]


def regional_summary(results: Iterable[ScenarioResult]) -> tuple[RegionalSummary, ...]:
    """Combine the scenarios of several gemeenten per scenario template.

    Scenarios without a template are grouped by their ``scenario_id``. If one gemeente has several
    results for a template (e.g. several assessors) its highest-risk one counts.

    Raises
    ------
    MethodVersionMismatch
        If results of one template were scored with different method versions.
    """
    groups: dict[str, list[ScenarioResult]] = defaultdict(list)
    for r in results:
        groups[r.template or r.scenario_id].append(r)
    out = []
    for template in sorted(groups):
        rs = groups[template]
        methods = {r.method_id for r in rs}
        if len(methods) != 1:
            raise MethodVersionMismatch(f"template {template!r} mixes method versions {sorted(methods)}")
        per_area: dict[str, ScenarioResult] = {}
        for r in sorted(rs, key=lambda r: (-r.risk_index, -r.impact.total, r.scenario_id, r.assessor or "")):
            per_area.setdefault(r.area or "?", r)
        chosen = list(per_area.values())
        totals = sorted(r.impact.total for r in chosen)
        impacts = sorted(r.impact_index for r in chosen)
        lik = sorted(r.likelihood_index for r in chosen)
        max_risk = max(r.risk_index for r in chosen)
        out.append(
            RegionalSummary(
                template=template,
                method_id=next(iter(methods)),
                n_areas=len(per_area),
                areas=tuple(sorted(per_area)),
                max_total=totals[-1],
                median_total=float(statistics.median(totals)),
                max_impact_class=ORDERED_IMPACT[impacts[-1]],
                median_impact_class=ORDERED_IMPACT[statistics.median_low(impacts)],
                max_likelihood=LIKELIHOOD_CLASSES[lik[-1] - 1],
                median_likelihood=LIKELIHOOD_CLASSES[statistics.median_low(lik) - 1],
                max_risk_index=max_risk,
                areas_at_max_risk=tuple(sorted(a for a, r in per_area.items() if r.risk_index == max_risk)),
            )
        )
    return tuple(out)


# ---------------------------------------------------------------------------------------------
# Risk diagram (Vega-Lite) and its accessible table
# ---------------------------------------------------------------------------------------------

_TEXT: Mapping[str, Mapping[str, str]] = {
    "title": {"nl": "Risicodiagram", "en": "Risk diagram"},
    "likelihood": {"nl": "Waarschijnlijkheid", "en": "Likelihood"},
    "impact": {"nl": "Impact", "en": "Impact"},
    "risk": {"nl": "Risico", "en": "Risk"},
    "scenario": {"nl": "Scenario", "en": "Scenario"},
    "nr": {"nl": "Nr.", "en": "No."},
    "impact_range": {"nl": "Impact (bandbreedte)", "en": "Impact (range)"},
    "likelihood_range": {"nl": "Waarschijnlijkheid (bandbreedte)", "en": "Likelihood (range)"},
    "total": {"nl": "Totaalscore", "en": "Total score"},
    "area": {"nl": "Gemeente", "en": "Municipality"},
}


@dataclass(frozen=True)
class RiskDiagram:
    """A risk diagram: the Vega-Lite spec plus the same data as an accessible table.

    Attributes
    ----------
    spec : dict
        Vega-Lite specification (JSON-serialisable), with ``description`` for screen readers.
    columns : tuple of (key, header)
        Table columns in display order, headers in the requested language.
    rows : tuple of dict
        One row per scenario, keys as in ``columns``.
    """

    spec: dict[str, Any]
    columns: tuple[tuple[str, str], ...]
    rows: tuple[dict[str, Any], ...]


# Sizes in the chart's own units (one unit is one CSS pixel when the chart is shown at its natural width).
POINT_SIZE = 300  # area of a scenario's marker (a circle of ~20 units across)
LABEL_FONT_SIZE = 12  # the scenario number inside the marker
AXIS_FONT_SIZE = 12


def compact_diagram_spec(spec: dict[str, Any]) -> dict[str, Any]:
    """The same risk diagram laid out for a narrow screen (a phone): a smaller plot, no title (the page's caption
    has it), the legend below the plot, markers and numbers only slightly smaller.

    A chart is scaled down to fit its column, so a wide layout on a 320 px screen shrank its text to ~4 px; this
    layout is ~300 units wide and is shown at (nearly) its natural size there.
    """
    out = copy.deepcopy(spec)
    out.pop("title", None)
    out["width"], out["height"] = 230, 330
    config = out.setdefault("config", {})
    config["legend"] = {**config.get("legend", {}), "orient": "bottom", "direction": "horizontal", "columns": 2}
    for layer in out.get("layer", []):
        mark = layer.get("mark")
        if isinstance(mark, dict) and mark.get("type") == "point":
            mark["size"] = 220
        if isinstance(mark, dict) and mark.get("type") == "text":
            mark["fontSize"] = 11
    return out


def _fmt_points(x: float, lang: Lang) -> str:
    s = f"{x:.1f}"
    return s.replace(".", ",") if lang == "nl" else s


def _class_text(method: Method, cls: str, lang: Lang) -> str:
    return f"{cls} ({method.class_label(cls, lang)})"


def _range_text(low: str, high: str, lang: Lang) -> str:
    if low == high:
        return low
    return f"{low}–{high}"


def risk_diagram(
    method: Method,
    results: Sequence[ScenarioResult],
    *,
    lang: Lang = "nl",
    title: str | None = None,
    criterion: str | None = None,
) -> RiskDiagram:
    """Vega-Lite risk diagram (likelihood × impact) with its data table.

    x = likelihood class A–E, y = total impact class (A–E, plus 0 when a scenario has no impact),
    background cells coloured green → red by :func:`risk_zone`, a labelled point per scenario and
    error bars for the uncertainty span (impact ``class_low``–``class_high``; likelihood range).
    With ``criterion`` the y axis is the class of that one criterion ("diagram per
    impactcriterium", as in NVP 2016 and the RRPs); scenarios scoring it X are left out.

    Parameters
    ----------
    method : Method
        Used for labels and to check that every result was scored with it.
    results : sequence of ScenarioResult
    lang : {"nl", "en"}
    title : str, optional
    criterion : str, optional
        Code of one impact criterion for a per-criterion diagram.

    Raises
    ------
    MethodVersionMismatch
        If a result was scored with another method version.
    ScoreError
        If ``criterion`` is not a criterion of ``method``.
    """
    import altair as alt  # deferred: heavy import (altair ~1-6 s), only needed here

    for r in results:
        if r.method_id != method.id:
            raise MethodVersionMismatch(
                f"result {r.scenario_id!r} was scored with {r.method_id!r}, not {method.id!r}"
            )
    t = {k: v[lang] for k, v in _TEXT.items()}
    crit = method.criterion(criterion) if criterion is not None else None
    if crit is not None:
        t["total"] = "Punten" if lang == "nl" else "Points"
    if title is None:
        title = t["title"] if crit is None else f"{t['title']}: {crit.code} {crit.name(lang)}"
    # (result, impact best/low/high class, points) per plotted scenario
    plotted: list[tuple[ScenarioResult, str, str, str, float]] = []
    for r in results:
        if crit is None:
            imp = r.impact
            plotted.append((r, imp.impact_class, imp.class_low, imp.class_high, imp.total))
        else:
            cs = r.impact.criterion(crit.code)
            if cs.points_best is not None:
                c = cs.classes
                plotted.append((r, c.best, c.low, c.high, cs.points_best))
    impact_domain = list(IMPACT_CLASSES)
    if any(NO_IMPACT in (best, low) for _, best, low, _, _ in plotted):
        impact_domain = [NO_IMPACT, *impact_domain]
    x_dom = list(LIKELIHOOD_CLASSES)

    rows: list[dict[str, Any]] = []
    for nr, (r, best, low, high, points) in enumerate(plotted, start=1):
        rows.append(
            {
                "nr": nr,
                "scenario": r.title or r.scenario_id,
                "area": r.area or "",
                "likelihood": r.likelihood.best,
                "likelihood_label": method.likelihood_scale(r.malicious).label(r.likelihood.best, lang),
                "likelihood_low": r.likelihood.low,
                "likelihood_high": r.likelihood.high,
                "likelihood_range": _range_text(r.likelihood.low, r.likelihood.high, lang),
                "impact": best,
                "impact_label": method.class_label(best, lang),
                "impact_low": low,
                "impact_high": high,
                "impact_range": _range_text(low, high, lang),
                "total": _fmt_points(points, lang),
                "risk": ZONE_LABELS[risk_zone(r.likelihood_index, _impact_index(best))][lang],
            }
        )
    columns: tuple[tuple[str, str], ...] = (
        ("nr", t["nr"]),
        ("scenario", t["scenario"]),
        ("area", t["area"]),
        ("likelihood_label", t["likelihood"]),
        ("likelihood_range", t["likelihood_range"]),
        ("impact_label", t["impact"]),
        ("impact_range", t["impact_range"]),
        ("total", t["total"]),
        ("risk", t["risk"]),
    )
    if not any(r["area"] for r in rows):
        columns = tuple(c for c in columns if c[0] != "area")
        for row in rows:
            del row["area"]

    cells = [
        {
            "likelihood": lk,
            "impact": im,
            "zone": ZONE_LABELS[risk_zone(i + 1, ORDERED_IMPACT.index(im))][lang],
        }
        for i, lk in enumerate(x_dom)
        for im in impact_domain
    ]
    zone_names = [ZONE_LABELS[z][lang] for z in ZONES]
    x_enc = alt.X(
        "likelihood:O", scale=alt.Scale(domain=x_dom), title=t["likelihood"], axis=alt.Axis(labelAngle=0)
    )
    y_enc = alt.Y("impact:O", scale=alt.Scale(domain=list(reversed(impact_domain))), title=t["impact"])
    background = (
        alt.Chart(alt.InlineData(values=cells))
        .mark_rect(stroke="white", strokeWidth=1)
        .encode(
            x=x_enc,
            y=y_enc,
            color=alt.Color(
                "zone:N",
                scale=alt.Scale(domain=zone_names, range=list(ZONE_COLOURS)),
                legend=alt.Legend(title=t["risk"]),
            ),
        )
    )
    tooltip = [
        alt.Tooltip("scenario:N", title=t["scenario"]),
        alt.Tooltip("likelihood_label:N", title=t["likelihood"]),
        alt.Tooltip("impact_label:N", title=t["impact"]),
        alt.Tooltip("impact_range:N", title=t["impact_range"]),
        alt.Tooltip("risk:N", title=t["risk"]),
    ]
    # Scenarios in the same cell are stacked (yOffset slots) so that points and labels stay legible.
    slot_count: dict[tuple[str, str], int] = defaultdict(int)
    chart_rows = []
    for row in rows:
        cell = (row["likelihood"], row["impact"])
        chart_rows.append({**row, "slot": slot_count[cell], "label": str(row["nr"])})
        slot_count[cell] += 1
    # Each scenario is a numbered marker (its name is in the table beside the chart, in the tooltip and in the
    # description): a name never fits a cell, and truncated or overlapping names were unreadable. Scenarios in
    # the same cell sit in a grid of slots (columns × rows) so that their markers never overlap.
    max_slots = max(slot_count.values(), default=1)
    grid_cols = max(1, math.ceil(math.sqrt(max_slots)))
    grid_rows = math.ceil(max_slots / grid_cols)
    for chart_row in chart_rows:
        chart_row["slot_x"] = chart_row["slot"] % grid_cols
        chart_row["slot_y"] = chart_row["slot"] // grid_cols
    point_data = alt.InlineData(values=chart_rows)
    offset: dict[str, Any] = {}
    if grid_cols > 1:
        offset["xOffset"] = alt.XOffset("slot_x:O", scale=alt.Scale(domain=list(range(grid_cols)),
                                                                     paddingOuter=0.5))
    if grid_rows > 1:
        offset["yOffset"] = alt.YOffset("slot_y:O", scale=alt.Scale(domain=list(range(grid_rows)),
                                                                     paddingOuter=0.5))
    line_offset = {k: v for k, v in offset.items() if k == "yOffset"}
    # Error bars only where there is a range; the vertical bar runs between band centres (no offset).
    impact_ranges = alt.InlineData(values=[r for r in chart_rows if r["impact_low"] != r["impact_high"]])
    lik_ranges = alt.InlineData(values=[r for r in chart_rows if r["likelihood_low"] != r["likelihood_high"]])
    impact_bars = (
        alt.Chart(impact_ranges)
        .mark_rule(strokeWidth=2, color="#333333")
        .encode(
            x=alt.X("likelihood:O", scale=alt.Scale(domain=x_dom)),
            y=alt.Y("impact_low:O"),
            y2="impact_high:O",
        )
    )
    likelihood_bars = (
        alt.Chart(lik_ranges)
        .mark_rule(strokeWidth=2, color="#333333", strokeDash=[4, 2])
        .encode(x=alt.X("likelihood_low:O"), x2="likelihood_high:O", y=alt.Y("impact:O"), **line_offset)
    )
    points = (
        alt.Chart(point_data)
        .mark_point(filled=True, size=POINT_SIZE, color="#1a1a1a", shape="circle", opacity=1, stroke="#ffffff",
                    strokeWidth=1)
        .encode(x=alt.X("likelihood:O"), y=alt.Y("impact:O"), tooltip=tooltip, **offset)
    )
    labels = (
        alt.Chart(point_data)
        .mark_text(align="center", baseline="middle", fontSize=LABEL_FONT_SIZE, fontWeight="bold",
                   color="#ffffff")
        .encode(x=alt.X("likelihood:O"), y=alt.Y("impact:O"), text="label:N", tooltip=tooltip, **offset)
    )
    if lang == "nl":
        description = (
            f"{title}: {len(rows)} {'scenario' if len(rows) == 1 else 'scenario' + chr(39) + 's'} geplaatst naar "
            f"waarschijnlijkheid (horizontaal, A tot E) "
            f"en impact (verticaal, A tot E). "
            + " ".join(
                f"{row['scenario']}: waarschijnlijkheid {row['likelihood_range']}, impact {row['impact']}"
                + (f" (bandbreedte {row['impact_range']})" if row["impact_low"] != row["impact_high"] else "")
                + f", risico {row['risk']}."
                for row in rows
            )
            + (
                (" 1 scenario scoort dit criterium als niet van toepassing." if len(results) - len(rows) == 1 else
                 f" {len(results) - len(rows)} scenario's scoren dit criterium als niet van toepassing.")
                if len(rows) < len(results)
                else ""
            )
            + " Dezelfde gegevens staan in de tabel naast de grafiek."
        )
    else:
        description = (
            f"{title}: {len(rows)} {'scenario' if len(rows) == 1 else 'scenarios'} placed by likelihood "
            f"(horizontal, A to E) "
            f"and impact (vertical, A to E). "
            + " ".join(
                f"{row['scenario']}: likelihood {row['likelihood_range']}, impact {row['impact']}"
                + (f" (range {row['impact_range']})" if row["impact_low"] != row["impact_high"] else "")
                + f", risk {row['risk']}."
                for row in rows
            )
            + (
                (" 1 scenario scores this criterion as not applicable." if len(results) - len(rows) == 1 else
                 f" {len(results) - len(rows)} scenarios score this criterion as not applicable.")
                if len(rows) < len(results)
                else ""
            )
            + " The same data are in the table next to the chart."
        )
    chart = (
        alt.layer(background, impact_bars, likelihood_bars, points, labels)
        .properties(title=title, width=480, height=420, description=description)
        .resolve_scale(yOffset="independent", xOffset="independent")
        .configure_view(stroke=None)
        .configure_axis(labelFontSize=AXIS_FONT_SIZE, titleFontSize=AXIS_FONT_SIZE)
        .configure_legend(labelFontSize=AXIS_FONT_SIZE, titleFontSize=AXIS_FONT_SIZE)
    )
    spec = chart.to_dict()
    spec["usermeta"] = {
        "method_id": method.id,
        "criterion": criterion,
        "unverified": list(method.unverified),
        "lang": lang,
    }
    return RiskDiagram(spec=spec, columns=columns, rows=tuple(rows))


_UNVERIFIED_SETTINGS = {
    "class_base": ("de factor tussen twee impactklassen", "the factor between two impact classes"),
    "aggregation": ("de manier waarop de criteria worden opgeteld", "how the criteria are added up"),
    "class_mapping": ("de omzetting van de totaalscore naar een impactklasse",
                      "how the total score is turned into an impact class"),
}
_UNVERIFIED_PARTS = {
    "": ("de criteria", "the criteria"),
    "bands": ("de klassegrenzen van", "the class boundaries of"),
    "descriptors": ("de omschrijvingen per klasse van", "the descriptions per class of"),
}


def describe_unverified(method: Method, lang: str = "nl", paths: Sequence[str] | None = None) -> list[str]:
    """The method's unverified values (:attr:`Method.unverified`, or ``paths`` frozen in a report) in plain
    words for a reader: one phrase per kind of value, criteria named by code and name, never an internal key
    such as ``criteria.2.1.bands``.

    >>> m = load_method("lokaal-cyber-2026")
    >>> describe_unverified(m, "en")[0]
    'the factor between two impact classes'
    >>> any("criteria." in p for p in describe_unverified(m, "nl"))
    False
    """
    en = lang == "en"
    names = {c.code: f"{c.code} {c.name_en if en else c.name_nl}" for c in method.criteria}
    phrases: list[str] = []
    by_part: dict[str, list[str]] = {}
    other: list[str] = []
    for path in method.unverified if paths is None else paths:
        head, _, rest = path.partition(".")
        if head == "settings":
            nl_en = _UNVERIFIED_SETTINGS.get(rest)
            phrases.append(nl_en[en] if nl_en else (f"the setting {rest}" if en else f"de instelling {rest}"))
        elif head == "criteria":
            code, part = rest, ""  # criterion codes hold dots themselves ("2.1"): strip a known suffix
            for suffix in ("bands", "descriptors"):
                if rest.endswith("." + suffix):
                    code, part = rest[: -len(suffix) - 1], suffix
            if code in names:
                by_part.setdefault(part, []).append(names[code])
            else:
                other.append(path)
        elif path == "class_labels":
            other.append("the names of the impact classes" if en else "de namen van de impactklassen")
        elif path == "likelihood.threat":
            other.append("the likelihood scale for threats (deliberate)" if en
                         else "de waarschijnlijkheidsschaal voor dreigingen (moedwillig)")
        elif path == "likelihood.hazard":
            other.append("the likelihood scale for hazards (not deliberate)" if en
                         else "de waarschijnlijkheidsschaal voor gevaren (niet moedwillig)")
        else:
            other.append(path)
    for part in ("", "bands", "descriptors"):
        crits = by_part.get(part)
        if crits:
            phrases.append(f"{_UNVERIFIED_PARTS[part][en]} {', '.join(crits)}")
    return phrases + other
