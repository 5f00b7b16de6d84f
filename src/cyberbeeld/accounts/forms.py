"""Form parts that go through the access policy: pick lists over shareable models that list only what the
viewer may see, and the label/audience fields of an edit form (only those who may share see them)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _

from . import policy
from .models import Shareable
from .tlp import TLP


# --- pick lists through the policy ----------------------------------------------------------------
class _VisibleChoices:
    """A choice field over a shareable model that lists only what the viewer may see.

    The form calls :meth:`limit` with the viewer (and optionally a narrower base queryset); until then the
    field offers nothing, so a form that forgets the viewer shows an empty list instead of a leak."""

    def __init__(self, queryset: Any, *args: Any, **kwargs: Any) -> None:
        self.model = queryset.model
        super().__init__(queryset.none(), *args, **kwargs)  # type: ignore[call-arg]

    def limit(self, viewer: Any, queryset: Any = None) -> None:
        base = queryset if queryset is not None else self.model._default_manager.all()
        self.queryset = policy.visible(viewer, base)  # type: ignore[attr-defined]


class VisibleModelChoiceField(_VisibleChoices, forms.ModelChoiceField):
    pass


class VisibleModelMultipleChoiceField(_VisibleChoices, forms.ModelMultipleChoiceField):
    pass


def shareable_choice_fields(form: forms.BaseForm) -> list[str]:
    """Names of the form's choice fields over shareable models (each must be a Visible… field)."""
    return [name for name, field in form.fields.items()
            if isinstance(field, forms.ModelChoiceField) and issubclass(field.queryset.model, Shareable)]


def limit_choices(form: forms.BaseForm, viewer: Any, **querysets: Any) -> None:
    """Restrict every pick list of ``form`` to what ``viewer`` may see (``querysets`` narrows a field
    further, e.g. to the owner's own scenarios). A plain ModelChoiceField over a shareable model is an
    error: every pick list goes through the policy."""
    for name in shareable_choice_fields(form):
        field = form.fields[name]
        if not isinstance(field, _VisibleChoices):
            raise TypeError(f"{type(form).__name__}.{name}: use VisibleModel(Multiple)ChoiceField")
        field.limit(viewer, querysets.get(name))


def sharing_fields_for(form: forms.BaseForm, viewer: Any, floor: Any = None) -> None:
    """Label and audience in an edit form: only a coördinator or beheerder of the owner changes them
    (relabelling is sharing); for anyone else the fields are left out. A copy offers no label more open
    than its source's (``floor``) and says so."""
    instance = getattr(form, "instance", None)
    if instance is not None and instance.pk is not None and not policy.can_share(viewer, instance):
        for name in ("tlp", "audience_region"):
            form.fields.pop(name, None)
        return
    if instance is not None and instance.pk is not None and floor is None:
        floor = policy.sharing_floor(instance)
    if floor is not None and "tlp" in form.fields and TLP(floor) != TLP.CLEAR:
        label = TLP(floor)
        field = form.fields["tlp"]
        field.choices = [(v, text) for v, text in field.choices if v and TLP(v).rank >= label.rank]
        field.help_text = _("Dit object krijgt minstens het label van de bron: %(label)s") % {"label": label.label}
