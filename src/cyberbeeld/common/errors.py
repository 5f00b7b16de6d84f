"""The one tree of application errors: every error a user can cause or meet derives from :class:`ApplicationError`.

One shape everywhere: a stable machine-readable ``code``, the message in Dutch (``nl``) and English (``en``),
and where it applies the ``file``, ``row`` and ``field`` it is about. The kind decides how each surface
answers (one handler per surface: ``web.middleware`` for pages, ``api.main`` for the API as RFC 9457
problem+json, ``cli`` for the console as one line and an exit code):

============================  ======  ======================================================  ========
class                         status  for                                                     CLI exit
============================  ======  ======================================================  ========
:class:`ApplicationError`     400     anything else the user asked that cannot be done         2
:class:`Invalid`              422     input that is not valid (also a ``ValueError``)          2
:class:`ImportRefused`        422     a file refused as a whole; ``errors`` lists its rows     2
:class:`NotFound`             404     an object that does not exist                            2
:class:`NotAllowed`           403     the user's role does not allow it (a ``PermissionError``) 2
:class:`NotYours`             404     another organisation's object: the same answer as a       2
                                      missing one, as ``accounts.policy`` decides for reads
:class:`Conflict`             409     does not fit the object's state (also a ``ValueError``)   2
:class:`JobError`             409     a background job stopped or cannot run                   2
:class:`Unavailable`          503     the installation, not the input (a network fetch, a      3
                                      damaged package, a backup that cannot be written)
============================  ======  ======================================================  ========

A class that was a ``ValueError`` or ``PermissionError`` before stays one (existing ``except`` clauses keep
working). A message given in one language only is used for both. Pure module: imports nothing of Django.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

__all__ = [
    "ApplicationError", "Conflict", "ImportRefused", "Invalid", "JobError", "NotAllowed", "NotFound", "NotYours",
    "RowError", "Unavailable", "location", "one_line",
]


NOUNS = {"field": ("veld", "field"), "column": ("kolom", "column")}


def location(lang: str, file: str | None = None, row: int | None = None, field: str | None = None,
             noun: str = "field") -> str:
    """``"file.csv, rij 3, veld 'x'"`` in Dutch, ``"file.csv, row 3, field 'x'"`` in English (``noun="column"``:
    ``kolom``/``column`` for a spreadsheet's column); ``""`` when nothing is known."""
    en = lang == "en"
    parts = [file] if file else []
    if row is not None:
        parts.append(f"{'row' if en else 'rij'} {row}")
    if field:
        parts.append(f"{NOUNS[noun][1 if en else 0]} '{field}'")
    return ", ".join(parts)


def _lang(lang: str | None) -> str:
    return "en" if (lang or "nl").lower().startswith("en") else "nl"


@dataclass(frozen=True)
class RowError:
    """One thing wrong in an input, where it is (file, row, field) and why, in Dutch and English.

    The only row-error shape: the incident and area imports, the indicator parsers and the API's
    ``errors`` member all use it (``as_problem()`` is the API's entry)."""

    nl: str
    en: str
    file: str | None = None
    row: int | None = None
    field: str | None = None
    code: str = "invalid"
    noun: str = "field"  # what ``field`` names: a "field" or a spreadsheet's "column"

    @property
    def column(self) -> str | None:
        return self.field

    def text(self, lang: str | None = "nl") -> str:
        return self.en if _lang(lang) == "en" else self.nl

    def line(self, lang: str | None = "nl") -> str:
        """One line: ``"file, rij 3, veld 'x': reason"``."""
        where = location(_lang(lang), self.file, self.row, self.field, self.noun)
        return f"{where}: {self.text(lang)}" if where else self.text(lang)

    def as_dict(self) -> dict[str, Any]:
        """The stored and exchanged form (a job's error list). ``column`` repeats ``field`` for the rows
        jobs stored before this shape (their templates and exports read ``column``)."""
        return {"code": self.code, "file": self.file, "row": self.row, "field": self.field, "column": self.field,
                "nl": self.nl, "en": self.en}

    def as_problem(self) -> dict[str, Any]:
        """An entry of an RFC 9457 problem's ``errors`` member (``common.problems.FieldError``)."""
        return {"code": self.code, "file": self.file, "field": self.field, "row": self.row,
                "message_nl": self.nl, "message_en": self.en}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> RowError:
        """Read this shape back, and the older ones stored in job rows (``reason``/``reason_en``,
        ``reason_nl``/``reason_en``, ``column``)."""
        nl = d.get("nl") or d.get("reason_nl") or d.get("reason") or d.get("message_nl") or ""
        en = d.get("en") or d.get("reason_en") or d.get("message_en") or nl
        return cls(nl=str(nl), en=str(en), file=d.get("file") or None, row=d.get("row"),
                   field=d.get("field") or d.get("column") or None, code=str(d.get("code") or "invalid"))

    def __str__(self) -> str:
        return self.line("nl") if self.nl == self.en else f"{self.line('nl')} / {self.line('en')}"


class ApplicationError(Exception):
    """The base of every application error: ``code``, ``nl``, ``en`` and optionally ``file``/``row``/``field``.

    ``str(error)`` is the Dutch message (``"nl / en"`` when they differ), so code that printed the error
    before still prints a readable line; the surfaces use :meth:`text` and :meth:`line` instead."""

    code: ClassVar[str] = "error"
    status: ClassVar[int] = 400
    exit_code: ClassVar[int] = 2
    default: ClassVar[tuple[str, str]] = ("Dit kan niet.", "This cannot be done.")

    def __init__(self, nl: str | None = None, en: str | None = None, *, code: str | None = None,
                 file: str | None = None, row: int | None = None, field: str | None = None,
                 errors: list[RowError] | None = None) -> None:
        if nl is None and en is None:
            nl, en = self.default
        nl = str(nl if nl is not None else en)
        en = str(en if en is not None else nl)
        super().__init__(nl if nl == en else f"{nl} / {en}")
        self.nl, self.en = nl, en
        if code is not None:
            self.code = code  # type: ignore[misc] - an instance may name a finer code than its class
        self.file, self.row, self.field = file, row, field
        self.errors: list[RowError] = list(errors or [])

    def __reduce__(self) -> tuple[Any, ...]:
        # picklable whatever a subclass's __init__ takes (task queues, worker processes)
        return (_rebuild, (type(self), self.args, dict(self.__dict__)))

    def text(self, lang: str | None = "nl") -> str:
        return self.en if _lang(lang) == "en" else self.nl

    def reason_text(self, lang: str | None = "nl") -> str:
        """The message without the place (a subclass whose message names the place itself overrides this)."""
        return self.text(lang)

    def line(self, lang: str | None = "nl") -> str:
        """``"code: message (file, rij 3, veld 'x')"``: what the console prints."""
        where = location(_lang(lang), self.file, self.row, self.field)
        text = f"{self.code}: {self.reason_text(lang)}"
        return f"{text} ({where})" if where else text

    def as_row(self) -> RowError:
        return RowError(nl=self.reason_text("nl"), en=self.reason_text("en"), file=self.file, row=self.row, field=self.field, code=self.code)

    def problem_errors(self) -> list[dict[str, Any]]:
        """The ``errors`` member of the API's problem: the listed rows, or this error's own place."""
        if self.errors:
            return [e.as_problem() for e in self.errors]
        if self.file is not None or self.row is not None or self.field is not None:
            return [self.as_row().as_problem()]
        return []


def _rebuild(cls: type[ApplicationError], args: tuple[Any, ...], state: dict[str, Any]) -> ApplicationError:
    obj = cls.__new__(cls)
    obj.args = args
    obj.__dict__.update(state)
    return obj


class Invalid(ApplicationError, ValueError):
    """Input that is not valid: a value, a file, a setting of a method."""

    code = "invalid"
    status = 422
    default = ("De invoer is niet geldig.", "The input is not valid.")


class ImportRefused(Invalid):
    """A file refused as a whole (nothing was written); ``errors`` lists what is wrong, row by row."""

    code = "import-refused"

    def __init__(self, errors: list[RowError], *, code: str | None = None) -> None:
        if not errors:
            raise ValueError("ImportRefused needs at least one RowError")
        first = errors[0]
        more_nl = f" (en nog {len(errors) - 1})" if len(errors) > 1 else ""
        more_en = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        super().__init__(first.nl + more_nl, first.en + more_en, code=code, file=first.file, row=first.row,
                         field=first.field, errors=errors)


class NotFound(ApplicationError):
    code = "not-found"
    status = 404
    default = ("Dit object bestaat niet of u mag het niet zien.", "This object does not exist or you may not see it.")


class NotAllowed(ApplicationError, PermissionError):
    """The user's role (or the object's state) does not allow this. Also a ``PermissionError``."""

    code = "forbidden"
    status = 403
    default = ("Uw rol in de organisatie staat dit niet toe.", "Your role in the organisation does not allow this.")


class NotYours(NotAllowed):
    """Another organisation's object. Answered as a missing object (404), exactly as ``accounts.policy`` does
    for reads, so a write cannot reveal that the object exists."""

    code = "not-found"
    status = 404
    default = NotFound.default


class Conflict(ApplicationError, ValueError):
    """The request does not fit the object's current state (pausing a paused clock, editing a final
    assessment, a duplicate key)."""

    code = "conflict"
    status = 409
    default = ("Dit past niet bij de huidige toestand.", "This does not fit the current state.")


class JobError(ApplicationError):
    """A background job stopped (cancelled, timed out, taken over) or cannot run."""

    code = "job"
    status = 409
    default = ("De taak is gestopt.", "The job stopped.")


class Unavailable(ApplicationError):
    """The installation, not the input: a source that cannot be reached, a damaged package, a backup."""

    code = "unavailable"
    status = 503
    exit_code = 3
    default = ("Tijdelijk niet beschikbaar.", "Temporarily unavailable.")


def one_line(text: object) -> str:
    lines = [line.strip() for line in str(text).splitlines() if line.strip()]
    return " ".join(lines)[:2000] if lines else ""
