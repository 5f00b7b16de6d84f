"""The exercise clock: which injects are due, given a start time, pauses and skips (no Django).

All times are plain seconds (POSIX timestamps for instants, seconds for offsets). The state is an
immutable value that the server stores (``to_dict``/``from_dict``), so a page reload in the middle
of a run recomputes exactly the same picture from the stored state and the current time.

* ``elapsed`` is exercise time: wall time since the start minus every paused interval.
* An inject is *due* when its offset is at or before the elapsed time; due injects are played in
  order of (offset, position in the script). A skipped inject is never played.
* Pausing freezes the elapsed time; resuming continues where it stopped; finishing freezes it for good.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

__all__ = ["ClockError", "ClockState", "Inject", "Schedule", "add_offset", "elapsed", "finish", "from_dict",
           "is_paused", "is_running", "ordered", "pause", "resume", "schedule", "skip", "start", "to_dict",
           "unskip"]


class ClockError(ValueError):
    """An operation that does not fit the clock's state (pausing a paused clock, ...). Not in the
    ``common.errors`` tree: this pure core imports nothing of cyberbeeld; the services turn it into an
    ``ExerciseStateError`` (a Conflict)."""


@dataclass(frozen=True)
class Inject:
    key: str
    offset: float  # seconds after the start, in exercise time
    position: int = 0  # order in the script, breaks ties between equal offsets


@dataclass(frozen=True)
class ClockState:
    started_at: float | None = None
    pauses: tuple[tuple[float, float | None], ...] = ()
    skipped: frozenset[str] = field(default_factory=frozenset)
    finished_at: float | None = None


@dataclass(frozen=True)
class Schedule:
    elapsed: float
    played: tuple[Inject, ...]
    upcoming: tuple[Inject, ...]
    skipped: tuple[Inject, ...]
    seconds_to_next: float | None  # exercise seconds until the next inject (None: nothing left)

    @property
    def next(self) -> Inject | None:
        return self.upcoming[0] if self.upcoming else None


def is_running(state: ClockState) -> bool:
    return state.started_at is not None and state.finished_at is None


def is_paused(state: ClockState) -> bool:
    return bool(state.pauses) and state.pauses[-1][1] is None


def start(state: ClockState, now: float) -> ClockState:
    if state.started_at is not None:
        raise ClockError("the clock has already been started")
    return replace(state, started_at=float(now))


def pause(state: ClockState, now: float) -> ClockState:
    if not is_running(state):
        raise ClockError("the clock is not running")
    if is_paused(state):
        raise ClockError("the clock is already paused")
    assert state.started_at is not None
    return replace(state, pauses=(*state.pauses, (max(float(now), _last_instant(state)), None)))


def resume(state: ClockState, now: float) -> ClockState:
    if not is_running(state) or not is_paused(state):
        raise ClockError("the clock is not paused")
    begin = state.pauses[-1][0]
    return replace(state, pauses=(*state.pauses[:-1], (begin, max(float(now), begin))))


def finish(state: ClockState, now: float) -> ClockState:
    if not is_running(state):
        raise ClockError("the clock is not running")
    end = max(float(now), _last_instant(state))
    if is_paused(state):
        state = replace(state, pauses=(*state.pauses[:-1], (state.pauses[-1][0], end)))
    return replace(state, finished_at=end)


def skip(state: ClockState, key: str) -> ClockState:
    return replace(state, skipped=state.skipped | {key})


def unskip(state: ClockState, key: str) -> ClockState:
    return replace(state, skipped=state.skipped - {key})


def _last_instant(state: ClockState) -> float:
    """The latest instant the state mentions (time never runs backwards for the clock)."""
    points = [state.started_at or 0.0]
    for begin, end in state.pauses:
        points.append(begin)
        if end is not None:
            points.append(end)
    return max(points)


def elapsed(state: ClockState, now: float) -> float:
    """Exercise seconds at ``now``: wall time since the start minus the paused time, never negative."""
    if state.started_at is None:
        return 0.0
    end = state.finished_at if state.finished_at is not None else float(now)
    end = max(end, state.started_at)
    paused = 0.0
    for begin, stop in state.pauses:
        stop_at = end if stop is None else min(stop, end)
        if stop_at > begin:
            paused += stop_at - max(begin, state.started_at)
    return max(0.0, end - state.started_at - paused)


def ordered(injects: Iterable[Inject]) -> list[Inject]:
    return sorted(injects, key=lambda i: (i.offset, i.position, i.key))


def schedule(injects: Iterable[Inject], state: ClockState, now: float) -> Schedule:
    """Split the script into played, upcoming and skipped injects at ``now``."""
    t = elapsed(state, now)
    started = state.started_at is not None
    played: list[Inject] = []
    upcoming: list[Inject] = []
    skipped: list[Inject] = []
    for inj in ordered(injects):
        if inj.key in state.skipped:
            skipped.append(inj)
        elif started and inj.offset <= t:
            played.append(inj)
        else:
            upcoming.append(inj)
    to_next = max(0.0, upcoming[0].offset - t) if upcoming else None
    return Schedule(elapsed=t, played=tuple(played), upcoming=tuple(upcoming), skipped=tuple(skipped),
                    seconds_to_next=to_next)


def add_offset(state: ClockState, now: float, delay: float = 0.0) -> float:
    """The offset for an ad-hoc inject that should appear ``delay`` seconds from now (exercise time)."""
    return elapsed(state, now) + max(0.0, float(delay))


def to_dict(state: ClockState) -> dict[str, Any]:
    return {"started_at": state.started_at, "pauses": [list(p) for p in state.pauses],
            "skipped": sorted(state.skipped), "finished_at": state.finished_at}


def from_dict(data: Mapping[str, Any] | None) -> ClockState:
    data = data or {}
    pauses: Sequence[Sequence[Any]] = data.get("pauses") or ()
    return ClockState(
        started_at=None if data.get("started_at") is None else float(data["started_at"]),
        pauses=tuple((float(p[0]), None if p[1] is None else float(p[1])) for p in pauses),
        skipped=frozenset(str(k) for k in data.get("skipped") or ()),
        finished_at=None if data.get("finished_at") is None else float(data["finished_at"]),
    )
