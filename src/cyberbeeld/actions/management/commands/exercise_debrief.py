"""`cyberbeeld exercise-debrief EXERCISE_ID --out FILE.pdf`: the debrief of an exercise."""

from __future__ import annotations

from .exercise_script import Command as ScriptCommand


class Command(ScriptCommand):
    help = "Render the exercise debrief as PDF."
    kind = "debrief"
