"""Writing audit events. Every service that writes calls :func:`record` in its transaction."""

from __future__ import annotations

from typing import Any

from django.db.models import Model

from .models import AuditEvent, Organisation
from .shared_text import redact_changes, shareable_repr


def _jsonable(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, Model):
        return str(value.pk)
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return str(value)


def record(
    *,
    user: Any,
    action: str,
    obj: Model | None = None,
    organisation: Organisation | None = None,
    changes: dict[str, Any] | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
) -> AuditEvent:
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(getattr(obj, "uuid", None) or obj.pk)
        # declared free text is recorded without personal data (accounts.shared_text), also in the diff
        object_repr = object_repr or shareable_repr(obj)[:300]
        changes = redact_changes(obj, changes) if changes else changes
        if organisation is None:
            owner = getattr(obj, "owner", None)
            organisation = owner if isinstance(owner, Organisation) else None
    authenticated = user is not None and getattr(user, "is_authenticated", False)
    return AuditEvent.objects.create(
        user=user if authenticated else None,
        username=user.get_username() if authenticated else "",
        organisation=organisation,
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr,
        changes=_jsonable(changes or {}),
    )


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """Field-level change set ``{field: [old, new]}`` for the fields that changed."""
    return {k: [_jsonable(before.get(k)), _jsonable(after.get(k))] for k in after if before.get(k) != after.get(k)}
