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


def style(form: forms.BaseForm) -> None:
    for name, field in form.fields.items():
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
