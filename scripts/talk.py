#!/usr/bin/env python3
"""Run a set-up step so that it talks: say what it does, pass its output on, never stay silent.

    python3 scripts/talk.py --label "Python-pakketten installeren (2-6 min)" -- pip install -e .
    python3 scripts/talk.py --limit 15 -- make install        # CI: fail on a silence over 15 s

``--label`` prints the step with its estimate first and its duration at the end. ``--heartbeat N``
(default 10 with a label, else off) prints ``... <label>: <elapsed> s`` whenever the step was silent for
N seconds (pip's install phase and deduce's cache build say nothing for minutes otherwise). ``--limit N``
measures the longest gap between output lines from start to exit and fails when it exceeds N seconds,
naming the line after which it fell silent. Uses only the standard library (it runs before the virtualenv
exists).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import threading
import time


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--label", default="", help="what the step does, with its expected duration")
    parser.add_argument("--heartbeat", type=float, default=None, help="seconds of silence before a progress line")
    parser.add_argument("--limit", type=float, default=None, help="fail when silent for longer (seconds)")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command given")
    heartbeat = args.heartbeat if args.heartbeat is not None else (10.0 if args.label else 0.0)
    short = args.label.split(" (")[0] if args.label else " ".join(command)[:60]
    lock = threading.Lock()
    start = time.monotonic()
    state = {"last": start, "worst": 0.0, "after": "(start)", "previous": "(start)"}

    def emit(line: str) -> None:
        with lock:
            now = time.monotonic()
            if now - state["last"] > state["worst"]:  # type: ignore[operator]
                state["worst"], state["after"] = now - state["last"], state["previous"]  # type: ignore[operator]
            state["last"] = now
            state["previous"] = line.strip()[:120] or state["previous"]
            if args.limit is not None:
                line = f"[{now - start:7.1f}s] {line}"
            sys.stdout.write(line + "\n")
            sys.stdout.flush()

    if args.label:
        emit(f"==> {args.label}")
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, bufsize=0)
    assert proc.stdout is not None
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(1.0):
            with lock:
                silent = time.monotonic() - state["last"]  # type: ignore[operator]
            if silent >= heartbeat:
                emit(f"    ... {short}: {time.monotonic() - start:.0f} s")

    if heartbeat > 0:
        threading.Thread(target=beat, daemon=True).start()
    for raw in iter(proc.stdout.readline, b""):
        emit(raw.decode("utf-8", "replace").rstrip("\n"))
    code = proc.wait()
    stop.set()
    if args.label:
        emit(f"<== {short}: {'klaar / done' if code == 0 else f'mislukt / failed ({code})'} "
             f"in {time.monotonic() - start:.0f} s")
    end = time.monotonic()
    if end - state["last"] > state["worst"]:  # type: ignore[operator]
        state["worst"], state["after"] = end - state["last"], f"{state['previous']} (until exit)"  # type: ignore[operator]
    if args.limit is not None:
        print(f"talk: longest silence {state['worst']:.1f} s, after: {state['after']}; total {end - start:.0f} s")
        if code == 0 and state["worst"] > args.limit:  # type: ignore[operator]
            print(f"talk: silent for {state['worst']:.1f} s > {args.limit:.0f} s", file=sys.stderr)
            return 1
    return code


if __name__ == "__main__":
    raise SystemExit(main())
