"""Every write of the actions app: in a transaction, with an audit event."""

from __future__ import annotations

import datetime as dt
import json
import math
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import get_language

from cyberbeeld.accounts import audit, policy
from cyberbeeld.accounts.models import Organisation, Shareable
from cyberbeeld.accounts.services import save_shareable
from cyberbeeld.accounts.tlp import TLP
from cyberbeeld.common.errors import Conflict, NotYours
from cyberbeeld.risks import services as risk_services

from . import clock
from .models import (
    INSTRUMENT_TEXT_FIELDS,
    Campaign,
    Exercise,
    ExerciseMode,
    ExerciseStatus,
    Inject,
    LogEntry,
    LogKind,
    Measure,
    MeasureStatus,
    Participant,
    Portfolio,
    PowerInstrument,
    PowersVersion,
)

DATA = Path(__file__).parent / "data"
POWERS_FILE = DATA / "mayor_powers.json"
EXERCISE_TEMPLATES_FILE = DATA / "exercise_templates.json"

MEASURE_FIELDS = ["title", "description", "portfolio", "portfolio_holder", "responsible", "partners",
                  "partners_other", "due_date", "status", "effect_on", "expected_effect", "indicator", "tlp"]
MEASURE_M2M = ["scenarios", "forms"]
PORTFOLIO_FIELDS = ["name", "holder_role", "holder_name", "policy_fields", "order", "tlp"]
PORTFOLIO_M2M = ["scenarios", "forms"]
CAMPAIGN_FIELDS = ["title", "target_group", "problem", "partners", "partners_other", "channels", "messages",
                   "indicator", "starts_on", "ends_on", "status", "tlp"]
CAMPAIGN_M2M = ["forms", "scenarios"]
EXERCISE_FIELDS = ["title", "description", "scenario", "mode", "planned_for", "location", "objectives", "tlp"]
INJECT_FIELDS = ["offset_minutes", "channel", "sender", "recipient_role", "message", "expected_decisions",
                 "is_media"]


class ExerciseStateError(Conflict):
    """An exercise operation that does not fit its status (logging after the evaluation, ...)."""

    code = "exercise-state"


def _user(by: Any) -> Any:
    return by if getattr(by, "is_authenticated", False) else None


_M = TypeVar("_M", bound=Shareable)


def _save_shareable(model: type[_M], fields: list[str], m2m_names: list[str], *, by: Any, owner: Organisation,
                    data: dict[str, Any], obj: _M | None, is_example: bool) -> _M:
    data = dict(data)
    m2m = {k: data.pop(k) for k in m2m_names if k in data}

    def set_m2m(saved: Any) -> dict[str, Any]:
        changes = {}
        for name, values in m2m.items():
            if values is None:
                continue
            values = list(values)
            if name == "scenarios":  # only scenarios of the same owner: a measure is the owner's own answer
                values = [s for s in values if s.owner_id == owner.pk]
            getattr(saved, name).set(values)
            changes[name] = sorted(str(getattr(v, "uuid", None) or v.pk) for v in values)
        return changes

    return save_shareable(obj, model=model, by=by, owner=owner, data=data, fields=fields, is_example=is_example,
                          after_save=set_m2m)


# --------------------------------------------------------------------------------- measures


@transaction.atomic
def measure_save(*, by: Any, owner: Organisation, data: dict[str, Any], measure: Measure | None = None,
                 is_example: bool = False) -> Measure:
    return _save_shareable(Measure, MEASURE_FIELDS, MEASURE_M2M, by=by, owner=owner, data=data, obj=measure,
                           is_example=is_example)


@transaction.atomic
def measure_from_approach(*, by: Any, owner: Organisation, approach: Any, scenarios: Any = None,
                          due_date: dt.date | None = None, portfolio: Portfolio | None = None,
                          overrides: dict[str, Any] | None = None) -> Measure:
    """Adopt a casebook approach (``sharing.Approach``) as a measure of ``owner``.

    Title, description (problem + approach), partners and forms come from the approach; the
    measure remembers its source (``source_approach``). The caller checks that ``by`` may see the
    approach and act for ``owner`` (a member with at least the role bewerker)."""
    parts = [p for p in (getattr(approach, "problem", ""), getattr(approach, "approach", "")) if p]
    data: dict[str, Any] = {
        "title": approach.title[:300],
        "description": "\n\n".join(parts),
        "partners_other": (getattr(approach, "partners", "") or "")[:300],
        "expected_effect": (getattr(approach, "results", "") or "")[:2000],
        "due_date": due_date, "status": MeasureStatus.GEPLAND, "portfolio": portfolio,
        "forms": list(approach.forms.all()) if hasattr(approach, "forms") else [],
        "scenarios": list(scenarios or []),
    }
    if portfolio is not None and portfolio.holder_name:
        data["portfolio_holder"] = portfolio.holder_name
    data.update(overrides or {})
    # at least the approach's label, no wider audience; refused for AMBER+STRICT/RED of another owner
    sharing = policy.inherit_sharing(by, approach, owner, tlp=data.get("tlp") or TLP.AMBER)
    data["tlp"] = sharing.tlp.value
    measure = measure_save(by=by, owner=owner, data=data)
    measure.source_approach = approach
    measure.save(update_fields=["source_approach"])
    sharing.apply(measure, by=_user(by), source=approach)
    policy.check_ceiling(measure)
    audit.record(user=_user(by), action="adopt-approach", obj=measure,
                 changes={"approach": str(getattr(approach, "uuid", approach.pk))})
    return measure


# --------------------------------------------------------------------------------- portfolios, campaigns


@transaction.atomic
def portfolio_save(*, by: Any, owner: Organisation, data: dict[str, Any], portfolio: Portfolio | None = None,
                   is_example: bool = False) -> Portfolio:
    return _save_shareable(Portfolio, PORTFOLIO_FIELDS, PORTFOLIO_M2M, by=by, owner=owner, data=data,
                           obj=portfolio, is_example=is_example)


@transaction.atomic
def campaign_save(*, by: Any, owner: Organisation, data: dict[str, Any], campaign: Campaign | None = None,
                  is_example: bool = False) -> Campaign:
    return _save_shareable(Campaign, CAMPAIGN_FIELDS, CAMPAIGN_M2M, by=by, owner=owner, data=data, obj=campaign,
                           is_example=is_example)


# --------------------------------------------------------------------------------- mayor's powers


def _instrument_values(raw: dict[str, Any], order: int) -> dict[str, Any]:
    def two(key: str) -> tuple[str, str]:
        v = raw.get(key) or {}
        return (v.get("nl", ""), v.get("en", "")) if isinstance(v, dict) else (str(v), "")

    values: dict[str, Any] = {"article": raw["article"], "status": raw.get("status", "wet"),
                              "source_url": raw.get("source_url", ""), "order": order}
    for key in ("title", "power", "conditions", "limits", "inform", "online"):
        values[f"{key}_nl"], values[f"{key}_en"] = two(key)
    return values


@transaction.atomic
def powers_sync(*, by: Any = None) -> PowersVersion | None:
    """Load the shipped reference content as version 1 when there is none yet (idempotent)."""
    if PowersVersion.objects.exists():
        return None
    raw = json.loads(POWERS_FILE.read_text(encoding="utf-8"))
    version = PowersVersion.objects.create(version=1, note=raw.get("version_note", ""),
                                           note_en=raw.get("version_note_en", ""), source=raw.get("source", ""),
                                           created_by=_user(by))
    for order, inst in enumerate(raw["instruments"]):
        PowerInstrument.objects.create(version=version, code=inst["code"], **_instrument_values(inst, order))
    audit.record(user=_user(by), action="import", obj=version, object_repr="mayor_powers.json",
                 changes={"instruments": len(raw["instruments"])})
    return version


def powers_current() -> PowersVersion | None:
    powers_sync()
    return PowersVersion.objects.order_by("-version").first()


@transaction.atomic
def powers_new_version(*, by: Any, note: str, changes: dict[str, dict[str, Any]],
                       checked_on: dt.date | None = None, remove: list[str] | None = None) -> PowersVersion:
    """A new version: a copy of the current one with ``changes`` ({code: {field: value}}) applied.
    Unknown codes add an instrument. Earlier versions are kept unchanged."""
    current = powers_current()
    if not note.strip():
        raise ValueError("A new version needs a note on what changed.")
    number = (PowersVersion.objects.aggregate(m=Max("version"))["m"] or 0) + 1
    new = PowersVersion.objects.create(version=number, note=note, source=current.source if current else "",
                                       checked_on=checked_on, created_by=_user(by))
    rows: dict[str, dict[str, Any]] = {}
    if current is not None:
        for inst in current.instruments.all():
            rows[inst.code] = {f: getattr(inst, f) for f in INSTRUMENT_TEXT_FIELDS}
    for code in remove or []:
        rows.pop(code, None)
    for code, fields in changes.items():
        unknown = set(fields) - set(INSTRUMENT_TEXT_FIELDS)
        if unknown:
            raise ValueError(f"unknown instrument fields: {sorted(unknown)}")
        rows.setdefault(code, {"order": len(rows), "article": "", "title_nl": "", "power_nl": ""}).update(fields)
    for code, values in rows.items():
        inst = PowerInstrument(version=new, code=code, **values)
        inst.full_clean(exclude=["version"])
        inst.save()
    audit.record(user=_user(by), action="new-version", obj=new, object_repr=f"bevoegdheden burgemeester v{number}",
                 changes={"note": note, "changed": sorted(changes), "removed": sorted(remove or [])})
    return new


# --------------------------------------------------------------------------------- exercises


def _in_lang(value: Any, lang: str) -> Any:
    """A template text ``{"nl": ..., "en": ...}`` in ``lang`` (Dutch when there is no such translation)."""
    if isinstance(value, dict):
        return value.get(lang) or value.get("nl", "")
    return value


def exercise_templates(lang: str | None = None) -> list[dict[str, Any]]:
    """The exercise library; with ``lang`` every text is in that language (``title`` keeps both)."""
    templates = list(json.loads(EXERCISE_TEMPLATES_FILE.read_text(encoding="utf-8"))["templates"])
    if lang is None:
        return templates
    lang = "en" if lang.startswith("en") else "nl"
    return [{**t, "description": _in_lang(t.get("description", ""), lang),
             "objectives": _in_lang(t.get("objectives", []), lang),
             "injects": [{**i, **{k: _in_lang(i.get(k, ""), lang) for k in ("sender", "message", "expected")}}
                         for i in t.get("injects", [])]}
            for t in templates]


def exercise_template(code: str, lang: str | None = None) -> dict[str, Any]:
    for t in exercise_templates(lang):
        if t["code"] == code:
            return t
    raise KeyError(code)


def exercise_default_tlp(exercise: Exercise | None) -> str:
    """The label an exercise asks for when none is given: its own, or AMBER for a new one."""
    return exercise.tlp if exercise is not None else TLP.AMBER.value


@transaction.atomic
def exercise_save(*, by: Any, owner: Organisation, data: dict[str, Any], exercise: Exercise | None = None,
                  is_example: bool = False) -> Exercise:
    scenario = data.get("scenario")
    if scenario is not None and scenario.owner_id != owner.pk:
        raise NotYours()  # another organisation's scenario: as if it did not exist
    sharing = None
    stored = Exercise.objects.filter(pk=exercise.pk).values_list("scenario_id", flat=True).first() if exercise else None
    if scenario is not None and (exercise is None or stored != scenario.pk):
        # an exercise copies its scenario's title and description: it inherits the scenario's ceiling
        sharing = policy.inherit_sharing(by, scenario, owner, tlp=data.get("tlp") or exercise_default_tlp(exercise))
        if exercise is None:
            data = {**data, "tlp": sharing.tlp.value}
    saved = _save_shareable(Exercise, EXERCISE_FIELDS, [], by=by, owner=owner, data=data, obj=exercise,
                            is_example=is_example)
    if sharing is not None and exercise is None:
        sharing.apply(saved, by=_user(by), source=scenario)
    if sharing is not None:  # also when an exercise moves to another (more restricted) scenario
        policy.check_ceiling(saved)
    return saved


@transaction.atomic
def exercise_from_template(*, by: Any, owner: Organisation, code: str, scenario: Any = None,
                           planned_for: dt.datetime | None = None, mode: str = ExerciseMode.FACILITATOR,
                           is_example: bool = False, title: str = "") -> Exercise:
    """Build an exercise from a library template: participants by role and the inject timeline."""
    en = (get_language() or "nl").startswith("en")
    t = exercise_template(code, "en" if en else "nl")  # an exercise made on an English page is in English
    exercise = exercise_save(by=by, owner=owner, is_example=is_example, data={
        "title": title or (t["title"]["en"] if en else t["title"]["nl"]), "description": t.get("description", ""),
        "scenario": scenario, "mode": mode, "planned_for": planned_for,
        "objectives": "\n".join(t.get("objectives", [])),
    })
    exercise.template_code = code
    exercise.save(update_fields=["template_code"])
    for role in t.get("roles", []):
        Participant.objects.create(exercise=exercise, role=role)
    for pos, inj in enumerate(t.get("injects", [])):
        Inject.objects.create(exercise=exercise, offset_minutes=Decimal(str(inj["offset"])), channel=inj["channel"],
                              sender=inj.get("sender", ""), recipient_role=inj.get("for", ""),
                              message=inj["message"], expected_decisions=inj.get("expected", ""),
                              is_media=bool(inj.get("media", False)), position=pos)
    audit.record(user=_user(by), action="from-template", obj=exercise, changes={"template": code})
    return exercise


@transaction.atomic
def exercise_from_scenario(*, by: Any, owner: Organisation, scenario: Any, mode: str = ExerciseMode.FACILITATOR,
                           planned_for: dt.datetime | None = None) -> Exercise:
    """Build an exercise from a scenario: the library template for its scenario template if there
    is one, otherwise the standard participants and an empty timeline."""
    code = next((t["code"] for t in exercise_templates()
                 if scenario.template_id and t.get("scenario_template") == scenario.template.code), None)
    if code:
        return exercise_from_template(by=by, owner=owner, code=code, scenario=scenario, mode=mode,
                                      planned_for=planned_for, title=f"Oefening: {scenario.title}"[:300])
    exercise = exercise_save(by=by, owner=owner, data={
        "title": f"Oefening: {scenario.title}"[:300], "description": scenario.description, "scenario": scenario,
        "mode": mode, "planned_for": planned_for})
    for role in ("burgemeester", "oov", "ciso", "communicatie", "politie", "veiligheidsregio", "ibd"):
        Participant.objects.create(exercise=exercise, role=role)
    return exercise


def _check_open(exercise: Exercise) -> None:
    if exercise.status == ExerciseStatus.GEEVALUEERD:
        raise ExerciseStateError("This exercise has been evaluated; it is closed.")


@transaction.atomic
def participant_add(*, by: Any, exercise: Exercise, role: str, name: str = "", organisation: str = "") -> Participant:
    _check_open(exercise)
    p = Participant(exercise=exercise, role=role, name=name, organisation=organisation)
    p.full_clean(exclude=["exercise"])
    p.save()
    audit.record(user=_user(by), action="participant-add", obj=exercise, changes={"role": role})
    return p


@transaction.atomic
def inject_save(*, by: Any, exercise: Exercise, data: dict[str, Any], inject: Inject | None = None) -> Inject:
    _check_open(exercise)
    unknown = set(data) - set(INJECT_FIELDS)
    if unknown:
        raise ValueError(f"unknown inject fields: {sorted(unknown)}")
    if inject is None:
        inject = Inject(exercise=exercise, position=exercise.injects.count())
    elif inject.exercise_id != exercise.pk:
        raise NotYours()  # an inject of another exercise
    for k, v in data.items():
        setattr(inject, k, v)
    inject.full_clean(exclude=["exercise"])
    inject.save()
    audit.record(user=_user(by), action="inject-save", obj=exercise, changes={"inject": str(inject.uuid)})
    return inject


@transaction.atomic
def inject_delete(*, by: Any, exercise: Exercise, inject: Inject) -> None:
    """Remove an inject while preparing; once the exercise runs, skip it instead (the log keeps it)."""
    if exercise.status != ExerciseStatus.CONCEPT:
        raise ExerciseStateError("Injects are removed only before the start; skip it instead.")
    if inject.exercise_id != exercise.pk:
        raise NotYours()  # an inject of another exercise
    audit.record(user=_user(by), action="inject-delete", obj=exercise,
                 changes={"inject": str(inject.uuid), "message": inject.message[:200]})
    inject.delete()


def _now() -> float:
    return timezone.now().timestamp()


def clock_of(exercise: Exercise) -> clock.ClockState:
    return clock.from_dict(exercise.clock_state)


def clock_injects(exercise: Exercise) -> list[clock.Inject]:
    return [clock.Inject(key=str(i.uuid), offset=i.offset_seconds, position=i.position)
            for i in exercise.injects.all()]


def exercise_schedule(exercise: Exercise, now: float | None = None) -> clock.Schedule:
    return clock.schedule(clock_injects(exercise), clock_of(exercise), _now() if now is None else now)


def _store_clock(exercise: Exercise, state: clock.ClockState, *, by: Any, action: str, now: float,
                 text: str) -> Exercise:
    exercise.clock_state = clock.to_dict(state)
    exercise.save(update_fields=["clock_state", "status", "finished_at", "updated_at"])
    LogEntry.objects.create(exercise=exercise, kind=LogKind.KLOK, text=text, author=_user(by),
                            elapsed_seconds=clock.elapsed(state, now))
    audit.record(user=_user(by), action=action, obj=exercise, changes={"clock": exercise.clock_state})
    return exercise


@transaction.atomic
def exercise_start(*, by: Any, exercise: Exercise, now: float | None = None) -> Exercise:
    _check_open(exercise)
    if exercise.status != ExerciseStatus.CONCEPT:
        raise ExerciseStateError("This exercise has already been started.")
    now = _now() if now is None else now
    exercise.status = ExerciseStatus.LOPEND
    state = clock.start(clock_of(exercise), now) if exercise.mode == ExerciseMode.FACILITATOR else clock_of(exercise)
    return _store_clock(exercise, state, by=by, action="exercise-start", now=now, text="Oefening gestart")


def _clock_op(exercise: Exercise, op: str, now: float | None, by: Any, text: str, **kw: Any) -> Exercise:
    _check_open(exercise)
    if exercise.status != ExerciseStatus.LOPEND or exercise.mode != ExerciseMode.FACILITATOR:
        raise ExerciseStateError("The clock runs only in a running facilitator exercise.")
    now = _now() if now is None else now
    fn = getattr(clock, op)
    try:
        state = fn(clock_of(exercise), now) if op in ("pause", "resume") else fn(clock_of(exercise), **kw)
    except clock.ClockError as exc:
        raise ExerciseStateError(str(exc)) from exc
    return _store_clock(exercise, state, by=by, action=f"clock-{op}", now=now, text=text)


@transaction.atomic
def exercise_pause(*, by: Any, exercise: Exercise, now: float | None = None) -> Exercise:
    return _clock_op(exercise, "pause", now, by, "Klok gepauzeerd")


@transaction.atomic
def exercise_resume(*, by: Any, exercise: Exercise, now: float | None = None) -> Exercise:
    return _clock_op(exercise, "resume", now, by, "Klok hervat")


@transaction.atomic
def exercise_skip(*, by: Any, exercise: Exercise, inject: Inject, now: float | None = None) -> Exercise:
    if inject.exercise_id != exercise.pk:
        raise NotYours()  # an inject of another exercise
    return _clock_op(exercise, "skip", now, by, f"Inject overgeslagen: {inject.message[:80]}", key=str(inject.uuid))


@transaction.atomic
def exercise_add_inject(*, by: Any, exercise: Exercise, data: dict[str, Any], delay_minutes: float = 0,
                        now: float | None = None) -> Inject:
    """An ad-hoc inject during the run: it appears ``delay_minutes`` (exercise time) from now."""
    _check_open(exercise)
    now = _now() if now is None else now
    data = dict(data)
    if exercise.mode == ExerciseMode.FACILITATOR and exercise.status == ExerciseStatus.LOPEND:
        offset = clock.add_offset(clock_of(exercise), now, float(delay_minutes) * 60.0) / 60.0
        # rounded down to the stored precision, so "now" is never a moment later than now
        data["offset_minutes"] = Decimal(math.floor(offset * 100)) / 100
    inject = inject_save(by=by, exercise=exercise, data=data)
    inject.added_during_run = exercise.status == ExerciseStatus.LOPEND
    inject.position = (exercise.injects.aggregate(m=Max("position"))["m"] or 0) + 1
    inject.save(update_fields=["added_during_run", "position"])
    return inject


@transaction.atomic
def log_add(*, by: Any, exercise: Exercise, kind: str, text: str, role: str = "", now: float | None = None,
            inject: Inject | None = None) -> LogEntry:
    """A decision or an observation in the live log (with the exercise time when a clock runs)."""
    _check_open(exercise)
    if kind not in (LogKind.BESLUIT, LogKind.OBSERVATIE):
        raise ValueError(f"unknown log kind {kind!r}")
    if not text.strip():
        raise ValueError("empty log entry")
    now = _now() if now is None else now
    state = clock_of(exercise)
    entry = LogEntry(exercise=exercise, kind=kind, text=text.strip(), role=role, author=_user(by), inject=inject,
                     elapsed_seconds=clock.elapsed(state, now) if state.started_at is not None else None)
    entry.full_clean(exclude=["exercise", "author", "inject", "measure"])
    entry.save()
    audit.record(user=_user(by), action=f"log-{kind}", obj=exercise, changes={"entry": str(entry.uuid)})
    return entry


@transaction.atomic
def exercise_finish(*, by: Any, exercise: Exercise, now: float | None = None) -> Exercise:
    _check_open(exercise)
    if exercise.status != ExerciseStatus.LOPEND:
        raise ExerciseStateError("Only a running exercise can be finished.")
    now = _now() if now is None else now
    state = clock_of(exercise)
    if clock.is_running(state):
        state = clock.finish(state, now)
    exercise.status = ExerciseStatus.AFGEROND
    exercise.finished_at = timezone.now()
    return _store_clock(exercise, state, by=by, action="exercise-finish", now=now, text="Oefening beëindigd")


@transaction.atomic
def observation_to_measure(*, by: Any, exercise: Exercise, entry: LogEntry, data: dict[str, Any] | None = None) -> Measure:
    """Evaluation: turn a logged observation (or decision) into a measure against the exercise's scenario."""
    if entry.exercise_id != exercise.pk:
        raise NotYours()  # a log entry of another exercise
    if exercise.status not in (ExerciseStatus.AFGEROND, ExerciseStatus.GEEVALUEERD):
        raise ExerciseStateError("Finish the exercise before the evaluation.")
    if entry.measure_id is not None:
        return entry.measure  # type: ignore[return-value]
    values: dict[str, Any] = {"title": entry.text[:300], "description": f"{exercise.title}: {entry.text}",
                              "scenarios": [exercise.scenario] if exercise.scenario_id else [],
                              "status": MeasureStatus.GEPLAND}
    values.update(data or {})
    sharing = policy.inherit_sharing(by, exercise, exercise.owner, tlp=values.get("tlp"))
    values["tlp"] = sharing.tlp.value
    measure = measure_save(by=by, owner=exercise.owner, data=values)
    measure.source_exercise = exercise
    measure.save(update_fields=["source_exercise"])
    sharing.apply(measure, by=_user(by), source=exercise)
    policy.check_ceiling(measure)
    entry.measure = measure
    entry.save(update_fields=["measure"])
    audit.record(user=_user(by), action="observation-to-measure", obj=exercise,
                 changes={"entry": str(entry.uuid), "measure": str(measure.uuid)})
    return measure


@transaction.atomic
def exercise_reassess(*, by: Any, exercise: Exercise, likelihood: str | None = None,
                      impact: dict[str, Any] | None = None, rationale: str = "", finalise: bool = True) -> Any:
    """Where the exercise showed it: a NEW assessment of the exercise's scenario.

    Uses the risks services: ``assessment_new_from`` (starts from the current final assessment,
    which stays untouched in the history), ``assessment_save`` for the changed scores and
    ``assessment_finalise``. Without a previous assessment, a new one is made with the given scores."""
    if exercise.scenario is None:
        raise ExerciseStateError("This exercise has no scenario to re-assess.")
    if exercise.status not in (ExerciseStatus.AFGEROND, ExerciseStatus.GEEVALUEERD):
        raise ExerciseStateError("Finish the exercise before the evaluation.")
    scenario = exercise.scenario
    previous = scenario.current_assessment()
    note = f"{rationale} (herbeoordeling na oefening '{exercise.title}')".strip()
    if previous is not None:
        new = risk_services.assessment_new_from(by=by, previous=previous)
        data: dict[str, Any] = {"note": note}
        if likelihood:
            data["likelihood"] = likelihood
            data["likelihood_low"] = ""
            data["likelihood_high"] = ""
            data["likelihood_rationale"] = rationale or new.likelihood_rationale
        if impact:
            data["impact"] = {**(new.impact or {}), **impact}
        new = risk_services.assessment_save(by=by, scenario=scenario, data=data, assessment=new)
    else:
        if not impact:
            raise ExerciseStateError("This scenario has no assessment yet: score its impact first (threat picture).")
        m = risk_services.method(scenario.method_id)
        full = {c: "X" for c in m.codes}
        full.update(impact or {})
        new = risk_services.assessment_save(by=by, scenario=scenario, data={
            "likelihood": likelihood or "C", "impact": full, "likelihood_rationale": rationale, "note": note})
    if finalise:
        new = risk_services.assessment_finalise(by=by, assessment=new)
    exercise.revised_assessment = new
    exercise.save(update_fields=["revised_assessment", "updated_at"])
    audit.record(user=_user(by), action="exercise-reassess", obj=exercise,
                 changes={"assessment": str(new.uuid), "supersedes": str(previous.uuid) if previous else None})
    return new


@transaction.atomic
def exercise_evaluate(*, by: Any, exercise: Exercise, evaluation: str) -> Exercise:
    if exercise.status not in (ExerciseStatus.AFGEROND, ExerciseStatus.GEEVALUEERD):
        raise ExerciseStateError("Finish the exercise before the evaluation.")
    exercise.evaluation = evaluation
    exercise.status = ExerciseStatus.GEEVALUEERD
    exercise.save(update_fields=["evaluation", "status", "updated_at"])
    audit.record(user=_user(by), action="exercise-evaluate", obj=exercise, changes={"evaluation": len(evaluation)})
    return exercise
