"""Login, logout and failed logins leave audit events."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver

from . import audit


@receiver(user_logged_in)
def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    audit.record(user=user, action="login", object_type="auth.user", object_id=str(user.pk),
                 object_repr=user.get_username())


@receiver(user_logged_out)
def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit.record(user=user, action="logout", object_type="auth.user", object_id=str(user.pk),
                     object_repr=user.get_username())
