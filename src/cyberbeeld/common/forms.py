"""NL Design System styling and accessible error wiring for every Django form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.forms.renderers import DjangoTemplates
from django.utils import translation
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData, mark_safe
from django.utils.translation import get_language

from cyberbeeld.common.params import parse_pk

from .errors import ApplicationError

_CLASSES = {
    forms.CheckboxSelectMultiple: "utrecht-checkbox utrecht-checkbox--html-input",
    forms.RadioSelect: "utrecht-radio-button utrecht-radio-button--html-input",
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
    key = field.to_field_name or field.queryset.model._meta.pk.name
    return isinstance(field.queryset.model._meta.get_field(key), models.IntegerField | models.AutoField)


def guard_model_choices(field: forms.Field) -> None:
    """A submitted key that cannot be a row of the field's table ('abc', 10^23, a NUL byte) is an
    invalid choice, found before the database sees it: otherwise the lookup raises (ValueError,
    OverflowError on SQLite, a data error on PostgreSQL) and the request ends in a 500."""
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


def checkbox_lists(field: forms.Field) -> None:
    """A many-valued field is a list of checkboxes (rendered in a fieldset with a legend, and a search box when
    the list is long), never a Ctrl-click multi-select."""
    widget = field.widget
    if isinstance(widget, forms.SelectMultiple) and not isinstance(widget, forms.CheckboxSelectMultiple):
        attrs = {k: v for k, v in widget.attrs.items() if k not in ("class", "size")}
        new = forms.CheckboxSelectMultiple(attrs=attrs)
        new.choices = widget.choices
        new.is_required = widget.is_required
        field.widget = new


def _content_lang() -> str:
    """The content language when the page is in another language, else ""."""
    content = str(getattr(settings, "CYBERBEELD_CONTENT_LANGUAGE", "nl"))[:2]
    return "" if content == (get_language() or settings.LANGUAGE_CODE)[:2] else content


def _is_user_content(model: Any, depth: int = 1) -> bool:
    """An owned object (scenario, case, measure: ``owner`` and ``is_example``) or one that belongs to one (an
    assessment of a scenario, an inject of an exercise)."""
    if model is None:
        return False
    if hasattr(model, "is_example") and any(f.name == "owner" for f in model._meta.fields):
        return True
    return depth > 0 and any(isinstance(f, models.ForeignKey) and _is_user_content(f.related_model, depth - 1)
                             for f in model._meta.fields)


def content_text(form: forms.BaseForm, field: forms.Field) -> None:
    """The text boxes of a form for user content (a scenario, an exercise, a case) hold text in the content
    language: on a page in another language they say so (``lang``), for spelling checkers, screen readers and the
    page checks alike."""
    model = getattr(getattr(form, "_meta", None), "model", None)
    if _is_user_content(model) and isinstance(field.widget, (forms.Textarea, forms.TextInput)) \
            and not isinstance(field.widget, (forms.NumberInput, forms.EmailInput, forms.URLInput)):
        if other := _content_lang():
            field.widget.attrs["lang"] = other
        else:
            field.widget.attrs.pop("lang", None)


def content_choices(field: forms.Field) -> None:
    """Choices that are user content (scenarios, measures, portfolios: models with an owner, written in
    settings.CYBERBEELD_CONTENT_LANGUAGE) carry that language on pages in another one: ``content_lang`` for the
    labels of a checkbox list (web/_form.html), ``lang`` on a select."""
    if not isinstance(field, forms.ModelChoiceField) or field.queryset is None \
            or not _is_user_content(field.queryset.model):  # a queryset set later (in the form's __init__)
        return
    other = _content_lang()
    field.content_lang = other  # type: ignore[attr-defined]
    if other and not getattr(field.widget, "allow_multiple_selected", False) \
            and getattr(field.widget, "input_type", "") != "radio":
        field.widget.attrs["lang"] = other


def style(form: forms.BaseForm) -> None:
    for name, field in form.fields.items():
        iso_widgets(field)
        checkbox_lists(field)
        guard_model_choices(field)
        content_choices(field)
        content_text(form, field)
        widget = field.widget
        css = next((c for t, c in _CLASSES.items() if isinstance(widget, t)), "utrecht-textbox utrecht-textbox--html-input")
        if css:
            have = widget.attrs.get("class", "").split()
            widget.attrs["class"] = " ".join(have + [c for c in css.split() if c not in have])
        described = []
        # not form[name]: that caches the bound field with today's label, and forms set labels after styling
        label_id = field.get_bound_field(form, name).id_for_label
        if not label_id:  # a checkbox or radio group: its fieldset carries the description
            errors = form._errors
            if errors and errors.get(name):
                widget.attrs["aria-invalid"] = "true"
            continue
        if field.help_text:
            described.append(f"{label_id}-help")
        # Never trigger validation here (``form.errors`` would): forms narrow their querysets after
        # __init__, and validating before that would check against every row.
        errors = form._errors  # None until the form has been validated
        if errors and errors.get(name):
            described.append(f"{label_id}-error")
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


def add_error(form: forms.BaseForm, exc: ApplicationError) -> None:
    """An application error as a form message, in the page's language: on its field when the form has it,
    else for the whole form (the pages' handler for errors a view expects, e.g. a label above the ceiling)."""
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, exc.reason_text(translation.get_language() or "nl"))


# --- faster rendering of select lists ------------------------------------------------------------------------

_SELECT = "django/forms/widgets/select.html"
_OPTION = "django/forms/widgets/select_option.html"


def _out(value: Any) -> str:
    """``{{ value }}`` in a template with autoescaping: localized, then escaped unless already safe."""
    return str(conditional_escape(localize(value)))


def _fmt(value: Any) -> str:
    """``{{ value|stringformat:'s' }}``: ``"%s" % value``, still safe when the value was (the filter is_safe)."""
    text = "%s" % (value,)  # noqa: UP031 (exactly the filter's formatting)
    return str(conditional_escape(mark_safe(text) if isinstance(value, SafeData) else text))  # noqa: S308


def _attrs_html(attrs: dict[str, Any]) -> str:
    """As ``django/forms/widgets/attrs.html``: ``False`` left out, ``True`` as a bare name."""
    return "".join(f" {_out(name)}" if value is True else f' {_out(name)}="{_fmt(value)}"'
                   for name, value in attrs.items() if value is not False)


def render_select(widget: dict[str, Any]) -> str | None:
    """The HTML of ``django/forms/widgets/select.html`` built in Python, character for character, or ``None`` when a
    select uses another option template. The template engine includes one template per option: the incident form's
    gemeente list alone (342 options) cost most of that page's time."""
    out = [f'<select name="{_out(widget["name"])}"{_attrs_html(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            out.append(f'\n  <optgroup label="{_out(group_name)}">')
        for option in group_choices:
            if option.get("template_name") != _OPTION:
                return None
            value, label = _fmt(option["value"]), _out(option["label"])
            out.append(f'\n  <option value="{value}"{_attrs_html(option["attrs"])}>{label}</option>\n')  # (file ends so)
        if group_name:
            out.append("\n  </optgroup>")
    out.append("\n</select>")
    return "".join(out)


class FormRenderer(DjangoTemplates):
    """Django's template renderer, with select lists built in Python (``render_select``): the same HTML, a fraction
    of the time on long lists (tests/web/test_select_rendering.py compares both on every kind of select)."""

    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        if template_name == _SELECT:
            html = render_select(context["widget"])
            if html is not None:
                return mark_safe(html)  # noqa: S308 (every value escaped above)
        return str(super().render(template_name, context, request))
