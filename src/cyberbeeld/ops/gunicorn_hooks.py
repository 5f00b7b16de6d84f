"""gunicorn server hooks for ``cyberbeeld serve --production`` (``-c python:cyberbeeld.ops.gunicorn_hooks``).

The application is loaded once, in the master (``--preload``): the redaction and classification models are
built there before the workers are forked, so every worker shares one copy (copy-on-write; ``gc.freeze()``
keeps the collector from touching — and so copying — those pages). What cannot be forked is started per
worker after the fork: the chart renderer (vl-convert runs a JavaScript engine with its own threads).
"""

from __future__ import annotations

import threading
from typing import Any


def post_worker_init(worker: Any) -> None:
    def warm() -> None:
        # deferred: gunicorn reads this file before Django is set up; the worker loads preload when it warms
        from cyberbeeld.incidents.preload import warm_charts

        warm_charts()

    threading.Thread(target=warm, name="cyberbeeld-warm-charts", daemon=True).start()
