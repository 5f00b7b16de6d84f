"""The exercise clock (pure): order, pauses, skips, reload invariance."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cyberbeeld.actions import clock
from cyberbeeld.actions.clock import ClockState, Inject

T0 = 1_800_000_000.0


def script(*offsets: float) -> list[Inject]:
    return [Inject(key=f"i{n}", offset=o, position=n) for n, o in enumerate(offsets)]


def test_is_pure() -> None:
    tree = ast.parse(Path(clock.__file__).read_text(encoding="utf-8"))
    names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    names |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert not any(n.startswith(("django", "cyberbeeld")) for n in names)


def test_plays_in_order_with_pause_and_skip() -> None:
    injects = script(0, 300, 600, 900)
    s = clock.start(ClockState(), T0)
    assert [i.key for i in clock.schedule(injects, s, T0).played] == ["i0"]
    assert [i.key for i in clock.schedule(injects, s, T0 + 301).played] == ["i0", "i1"]
    s = clock.pause(s, T0 + 400)
    # ten minutes of pause: nothing new is played
    assert clock.elapsed(s, T0 + 1000) == pytest.approx(400)
    assert [i.key for i in clock.schedule(injects, s, T0 + 1000).played] == ["i0", "i1"]
    s = clock.resume(s, T0 + 1000)
    assert clock.elapsed(s, T0 + 1200) == pytest.approx(600)
    assert [i.key for i in clock.schedule(injects, s, T0 + 1200).played] == ["i0", "i1", "i2"]
    s = clock.skip(s, "i3")
    sch = clock.schedule(injects, s, T0 + 5000)
    assert [i.key for i in sch.skipped] == ["i3"] and sch.next is None and sch.seconds_to_next is None
    s = clock.finish(s, T0 + 5000)
    assert clock.elapsed(s, T0 + 99999) == clock.elapsed(s, T0 + 5000)


def test_not_started_plays_nothing_and_errors() -> None:
    injects = script(0, 10)
    assert clock.schedule(injects, ClockState(), T0).played == ()
    with pytest.raises(clock.ClockError):
        clock.pause(ClockState(), T0)
    s = clock.start(ClockState(), T0)
    with pytest.raises(clock.ClockError):
        clock.start(s, T0)
    with pytest.raises(clock.ClockError):
        clock.resume(s, T0)
    s = clock.pause(s, T0 + 1)
    with pytest.raises(clock.ClockError):
        clock.pause(s, T0 + 2)


def test_ad_hoc_offset_is_relative_to_exercise_time() -> None:
    s = clock.pause(clock.start(ClockState(), T0), T0 + 60)
    assert clock.add_offset(s, T0 + 600, delay=30) == pytest.approx(90)


ops = st.lists(st.tuples(st.sampled_from(["pause", "resume", "skip", "wait"]), st.floats(0, 900),
                         st.integers(0, 7)), max_size=25)


def run(actions: list[tuple[str, float, int]]) -> tuple[ClockState, float]:
    s, now = clock.start(ClockState(), T0), T0
    for op, dt, k in actions:
        now += dt
        try:
            if op == "pause":
                s = clock.pause(s, now)
            elif op == "resume":
                s = clock.resume(s, now)
            elif op == "skip":
                s = clock.skip(s, f"i{k}")
        except clock.ClockError:
            pass
    return s, now


@settings(max_examples=200, deadline=None)
@given(ops, st.lists(st.floats(0, 7200), min_size=1, max_size=8), st.floats(0, 3600))
def test_properties(actions, offsets, later) -> None:
    injects = script(*offsets)
    s, now = run(actions)
    sch = clock.schedule(injects, s, now)
    # elapsed never exceeds wall time and never runs backwards
    assert 0 <= sch.elapsed <= now - T0 + 1e-6
    assert clock.elapsed(s, now + later) >= sch.elapsed - 1e-9
    # every inject is in exactly one bucket; played ones in script order, all at or before elapsed
    keys = [i.key for i in (*sch.played, *sch.upcoming, *sch.skipped)]
    assert sorted(keys) == sorted(i.key for i in injects)
    order = [i.key for i in clock.ordered(injects) if i.key not in s.skipped]
    assert [i.key for i in sch.played] == order[: len(sch.played)]
    assert all(i.offset <= sch.elapsed for i in sch.played)
    assert all(i.offset > sch.elapsed for i in sch.upcoming)
    # a paused clock stands still
    if clock.is_paused(s):
        assert clock.elapsed(s, now + later) == pytest.approx(sch.elapsed)
    # a reload (state stored as JSON and read back) gives the same picture
    restored = clock.from_dict(clock.to_dict(s))
    assert restored == s
    assert clock.schedule(injects, restored, now) == sch
