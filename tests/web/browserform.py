"""Read an HTML form the way a browser submits it (HTML Living Standard, "constructing the entry list").

Only what the tests need, but faithfully where data could be lost: the value sanitisation of date,
time, datetime-local and number controls (an invalid value is submitted as the empty string), selected
options (or the first option of a single select), checked boxes and radios, textareas without the
newline that follows the start tag, disabled controls left out, and the default submit button.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

_DATE = re.compile(r"^(\d{4,})-(\d{2})-(\d{2})$")
_TIME = re.compile(r"^(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?$")
_FLOAT = re.compile(r"^-?(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][-+]?\d+)?$")


def _valid_date(v: str) -> bool:
    m = _DATE.match(v)
    if not m:
        return False
    try:
        dt.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return False
    return True


def _valid_time(v: str) -> bool:
    m = _TIME.match(v)
    return bool(m) and int(m[1]) < 24 and int(m[2]) < 60 and int(m[3] or 0) < 60


def sanitise(kind: str, value: str) -> str:
    """The value sanitisation algorithm of an <input type=kind>."""
    if kind in ("text", "search", "tel", "password", "hidden"):
        return value if kind == "hidden" else value.replace("\r", "").replace("\n", "")
    if kind in ("email", "url"):
        return value.replace("\r", "").replace("\n", "").strip()
    if kind == "date":
        return value if _valid_date(value) else ""
    if kind == "time":
        return value if _valid_time(value) else ""
    if kind == "datetime-local":
        d, sep, t = value.partition("T") if "T" in value else value.partition(" ")
        if not sep or not _valid_date(d) or not _valid_time(t):
            return ""
        t = t[:5] if t[5:] in ("", ":00", ":00.0", ":00.00", ":00.000") else t  # normalised string
        return f"{d}T{t}"
    if kind in ("number", "range"):
        return value if _FLOAT.match(value) else ""
    return value


@dataclass
class Control:
    tag: str
    kind: str
    name: str
    value: str = ""
    checked: bool = False
    disabled: bool = False
    multiple: bool = False
    required: bool = False
    options: list[tuple[str, bool, bool]] = field(default_factory=list)  # (value, selected, disabled)
    attrs: dict[str, str] = field(default_factory=dict)


@dataclass
class Form:
    action: str
    method: str
    controls: list[Control] = field(default_factory=list)

    def entries(self, submitter: Control | None = None) -> list[tuple[str, str]]:
        """The form data set a browser sends (``submitter`` defaults to the form's first submit button)."""
        if submitter is None:
            submitter = next((c for c in self.controls if c.kind == "submit" and not c.disabled), None)
        out: list[tuple[str, str]] = []
        for c in self.controls:
            if c.disabled or not c.name:
                continue
            if c.tag == "select":
                chosen = [o for o in c.options if o[1] and not o[2]]
                if not c.multiple:
                    # a single select submits its last selected option, or else its first enabled one
                    first = [o for o in c.options if not o[2]][:1]
                    chosen = chosen[-1:] or first
                out += [(c.name, o[0]) for o in chosen]
            elif c.tag == "textarea":
                out.append((c.name, c.value.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\r\n")))
            elif c.kind in ("checkbox", "radio"):
                if c.checked:
                    out.append((c.name, c.value if "value" in c.attrs else "on"))
            elif c.kind in ("submit", "image", "button", "reset"):
                if c is submitter and c.kind == "submit":
                    out.append((c.name, c.value))
            elif c.kind == "file":
                continue
            else:
                out.append((c.name, sanitise(c.kind, c.value)))
        return out

    def data(self, submitter: Control | None = None) -> dict[str, list[str]]:
        d: dict[str, list[str]] = {}
        for k, v in self.entries(submitter):
            d.setdefault(k, []).append(v)
        return d

    def named(self, name: str) -> list[Control]:
        return [c for c in self.controls if c.name == name]


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: Control | None = None
        self._option: list[Any] | None = None
        self._textarea: Control | None = None
        self._fieldset_disabled = 0

    def handle_starttag(self, tag: str, attrs_list: list[tuple[str, str | None]]) -> None:
        attrs = {k: (v if v is not None else "") for k, v in attrs_list}
        if tag == "form":
            self._form = Form(action=attrs.get("action", ""), method=attrs.get("method", "get").lower())
            self.forms.append(self._form)
            return
        if self._form is None:
            return
        if tag == "fieldset" and "disabled" in attrs:
            self._fieldset_disabled += 1
        disabled = "disabled" in attrs or self._fieldset_disabled > 0
        name = attrs.get("name", "")
        if tag == "input":
            kind = attrs.get("type", "text").lower()
            self._form.controls.append(Control("input", kind, name, attrs.get("value", ""), "checked" in attrs,
                                               disabled, "multiple" in attrs, "required" in attrs, attrs=attrs))
        elif tag == "button":
            kind = attrs.get("type", "submit").lower()
            self._form.controls.append(Control("button", kind, name, attrs.get("value", ""), disabled=disabled,
                                               attrs=attrs))
        elif tag == "select":
            self._select = Control("select", "select", name, disabled=disabled, multiple="multiple" in attrs,
                                   required="required" in attrs, attrs=attrs)
            self._form.controls.append(self._select)
        elif tag == "option" and self._select is not None:
            self._finish_option()
            self._option = [attrs.get("value"), "selected" in attrs, "disabled" in attrs, ""]
        elif tag == "textarea":
            self._textarea = Control("textarea", "textarea", name, disabled=disabled,
                                     required="required" in attrs, attrs=attrs)
            self._textarea.attrs["_first"] = "1"
            self._form.controls.append(self._textarea)

    def _finish_option(self) -> None:
        if self._option is not None and self._select is not None:
            value, selected, disabled, text = self._option
            self._select.options.append((value if value is not None else " ".join(text.split()), selected, disabled))
        self._option = None

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            if self._textarea.attrs.pop("_first", None) and data.startswith("\n"):
                data = data[1:]  # the HTML parser drops a newline right after <textarea>
            self._textarea.value += data
        elif self._option is not None:
            self._option[3] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "fieldset" and self._fieldset_disabled:
            self._fieldset_disabled -= 1
        elif tag == "option":
            self._finish_option()
        elif tag == "select":
            self._finish_option()
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self._textarea.attrs.pop("_first", None)
            self._textarea = None


def forms_in(html: str) -> list[Form]:
    p = _Parser()
    p.feed(html)
    p.close()
    return p.forms


def main_form(html: str, path: str) -> Form:
    """The page's POST form that submits to the page itself (the edit form, not logout or language)."""
    candidates = [f for f in forms_in(html) if f.method == "post" and f.action in ("", path)]
    if not candidates:
        raise AssertionError(f"no POST form to {path} on the page")
    return max(candidates, key=lambda f: len(f.controls))
