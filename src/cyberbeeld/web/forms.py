"""NL Design System styling and accessible error wiring for every Django form."""

from __future__ import annotations

from typing import Any

from django import forms

_CLASSES = {
    forms.Select: "utrecht-select utrecht-select--html-select",
    forms.SelectMultiple: "utrecht-select utrecht-select--html-select",
    forms.Textarea: "utrecht-textarea utrecht-textarea--html-textarea",
    forms.CheckboxInput: "utrecht-checkbox utrecht-checkbox--html-input",
    forms.ClearableFileInput: "",
    forms.FileInput: "",
}


# What an HTML date/time control accepts as its value, whatever the page's language: a localised
# value ("03-02-2027") is not a valid date string, so the browser shows an empty control and submits
# nothing, and saving the form unchanged would wipe the stored value.
ISO_DATE = "%Y-%m-%d"
ISO_TIME = "%H:%M"
ISO_TIME_SECONDS = "%H:%M:%S"


class IsoDateTimeInput(forms.DateTimeInput):
    """A ``datetime-local`` control with the value in the browser's format, to the minute, or to the
    second when the stored value has seconds (so saving unchanged never rounds a value away)."""

    input_type = "datetime-local"

    def format_value(self, value: Any) -> Any:
        if hasattr(value, "second") and hasattr(value, "date"):
            fmt = f"{ISO_DATE}T{ISO_TIME_SECONDS if value.second or value.microsecond else ISO_TIME}"
            return value.strftime(fmt)
        return super().format_value(value)


class IsoTimeInput(forms.TimeInput):
    input_type = "time"

    def format_value(self, value: Any) -> Any:
        if hasattr(value, "second") and not hasattr(value, "date"):
            return value.strftime(ISO_TIME_SECONDS if value.second or value.microsecond else ISO_TIME)
        return super().format_value(value)


def iso_widgets(field: forms.Field) -> None:
    """Give every date, datetime and time input of a form the HTML control and the ISO value it needs."""
    widget = field.widget
    if isinstance(widget, forms.DateTimeInput):
        if not isinstance(widget, IsoDateTimeInput):
            new: forms.Widget = IsoDateTimeInput(attrs=widget.attrs)
            new.is_required = widget.is_required
            field.widget = new
    elif isinstance(widget, forms.DateInput):
        widget.format = ISO_DATE
        widget.input_type = "date"
    elif isinstance(widget, forms.TimeInput) and not isinstance(widget, IsoTimeInput):
        new = IsoTimeInput(attrs=widget.attrs)
        new.is_required = widget.is_required
        field.widget = new


def _integer_keys(field: forms.ModelChoiceField) -> bool:
    from django.db import models

    key = field.to_field_name or field.queryset.model._meta.pk.name
    return isinstance(field.queryset.model._meta.get_field(key), models.IntegerField | models.AutoField)


def guard_model_choices(field: forms.Field) -> None:
    """A submitted key that cannot be a row of the field's table ('abc', 10^23, a NUL byte) is an
    invalid choice, found before the database sees it: otherwise the lookup raises (ValueError,
    OverflowError on SQLite, a data error on PostgreSQL) and the request ends in a 500."""
    from django.core.exceptions import ValidationError

    from cyberbeeld.common.params import parse_pk

    if not isinstance(field, forms.ModelChoiceField) or getattr(field, "_keys_guarded", False):
        return
    original = field.clean

    def clean(value: Any) -> Any:
        values = value if isinstance(value, list | tuple) else [value]
        for v in values:
            if isinstance(v, str) and v not in field.empty_values:
                bad = "\x00" in v or (_integer_keys(field) and parse_pk(v) is None)
                if bad:
                    raise ValidationError(field.error_messages["invalid_choice"], code="invalid_choice",
                                          params={"value": v[:40]})
        return original(value)

    field.clean = clean  # type: ignore[method-assign]
    field._keys_guarded = True  # type: ignore[attr-defined]


def style(form: forms.BaseForm) -> None:
    for name, field in form.fields.items():
        iso_widgets(field)
        guard_model_choices(field)
        widget = field.widget
        css = next((c for t, c in _CLASSES.items() if isinstance(widget, t)), "utrecht-textbox utrecht-textbox--html-input")
        if css:
            widget.attrs["class"] = (widget.attrs.get("class", "") + " " + css).strip()
        described = []
        if field.help_text:
            described.append(f"{form[name].id_for_label}-help")
        # Never trigger validation here (``form.errors`` would): forms narrow their querysets after
        # __init__, and validating before that would check against every row.
        errors = form._errors  # None until the form has been validated
        if errors and errors.get(name):
            described.append(f"{form[name].id_for_label}-error")
            widget.attrs["aria-invalid"] = "true"
        if described:
            widget.attrs["aria-describedby"] = " ".join(described)


class StyledFormMixin:
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        style(self)  # type: ignore[arg-type]

    def full_clean(self) -> None:
        super().full_clean()  # type: ignore[misc]
        style(self)  # type: ignore[arg-type]


# --- pick lists through the policy ----------------------------------------------------------------
class _VisibleChoices:
    """A choice field over a shareable model that lists only what the viewer may see.

    The form calls :meth:`limit` with the viewer (and optionally a narrower base queryset); until then the
    field offers nothing, so a form that forgets the viewer shows an empty list instead of a leak."""

    def __init__(self, queryset: Any, *args: Any, **kwargs: Any) -> None:
        self.model = queryset.model
        super().__init__(queryset.none(), *args, **kwargs)  # type: ignore[call-arg]

    def limit(self, viewer: Any, queryset: Any = None) -> None:
        from cyberbeeld.accounts import policy

        base = queryset if queryset is not None else self.model._default_manager.all()
        self.queryset = policy.visible(viewer, base)  # type: ignore[attr-defined]


class VisibleModelChoiceField(_VisibleChoices, forms.ModelChoiceField):
    pass


class VisibleModelMultipleChoiceField(_VisibleChoices, forms.ModelMultipleChoiceField):
    pass


def shareable_choice_fields(form: forms.BaseForm) -> list[str]:
    """Names of the form's choice fields over shareable models (each must be a Visible… field)."""
    from cyberbeeld.accounts.models import Shareable

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
    from django.utils.translation import gettext as _

    from cyberbeeld.accounts import policy
    from cyberbeeld.accounts.tlp import TLP

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
