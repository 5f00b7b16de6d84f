"""Personal data declared, not remembered: the free text of a shareable object that may leave its owner.

Every :class:`~cyberbeeld.accounts.models.Shareable` model declares, in ``shared_text_fields``, the free-text
fields that can reach anyone but the owner: other organisations' pages, the API, the search index,
STIX/MISP/TAXII, spreadsheet exports, reports, the audit log and the classifier's feedback corpus.
ONE step, :func:`redact_fields`, replaces personal data (names, BSN, IBAN, phone numbers, e-mail
addresses, … — see ``incidents.redact``) in all of them. It runs before every save of a shareable object
(a ``pre_save`` receiver, and explicitly before a ``bulk_create``), so the stored text of a declared field
*is* its shareable text and every route that copies or shows it is covered by construction.

Text the owner keeps to itself is simply not declared and never leaves (the incident's
``raw_description``: only its redacted copy ``redacted_description`` is shared). Fields that name a
professional contact on purpose (an approach's ``contact``, a portfolio's ``holder_name``) are not
declared either.

:func:`shareable_text` gives the redacted form of one field (for exporters that read an object
they did not save themselves); :func:`redact_changes` is what the audit log stores of a change set.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from cyberbeeld.common.redact import redact_text


@lru_cache(maxsize=8192)
def _redacted(text: str) -> str:
    return redact_text(text)


def redact(text: Any) -> Any:
    """The text without personal data; anything that is not a non-empty string is returned as it is."""
    if not isinstance(text, str) or not text.strip():
        return text
    return _redacted(text)


def declared_fields(obj_or_model: Any) -> tuple[str, ...]:
    return tuple(getattr(obj_or_model, "shared_text_fields", ()) or ())


def redact_fields(obj: Any) -> dict[str, tuple[str, str]]:
    """Redact every declared free-text field of ``obj`` in place; returns ``{field: (before, after)}`` of
    the fields that changed."""
    changed: dict[str, tuple[str, str]] = {}
    for name in declared_fields(obj):
        value = getattr(obj, name, None)
        clean = redact(value)
        if clean != value:
            field = obj._meta.get_field(name)
            max_length = getattr(field, "max_length", None)
            if max_length and isinstance(clean, str):
                clean = clean[:max_length]
            setattr(obj, name, clean)
            changed[name] = (value, clean)
    return changed


def shareable_text(obj: Any, field: str) -> Any:
    """The form of ``obj.<field>`` that may leave the owner (redacted if the field is declared)."""
    value = getattr(obj, field)
    return redact(value) if field in declared_fields(obj) else value


def shareable_repr(obj: Any) -> str:
    """``str(obj)`` without personal data, for objects whose representation is built from declared text."""
    text = str(obj)
    return redact(text) if declared_fields(obj) else text


def redact_changes(obj: Any, changes: dict[str, Any]) -> dict[str, Any]:
    """An audit change set with the values of declared fields redacted (``[old, new]`` pairs included)."""
    fields = set(declared_fields(obj))
    if not fields:
        return changes
    out: dict[str, Any] = {}
    for key, value in changes.items():
        if key in fields:
            value = [redact(v) for v in value] if isinstance(value, (list, tuple)) else redact(value)
        out[key] = value
    return out


def redact_before_save(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    """``pre_save`` receiver: declared fields are stored redacted (not for fixtures loaded raw)."""
    if raw or not declared_fields(instance):
        return
    redact_fields(instance)
