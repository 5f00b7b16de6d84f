"""Load the redaction (deduce) and classification models when a process starts, not in a request and
never inside a write transaction: the first load takes seconds. Called by ``cyberbeeld serve``, the WSGI
entry point and ``cyberbeeld worker``; other management commands do not pay for it."""

from __future__ import annotations

import gc
import logging
import threading
import time

from django.db import DatabaseError, connections

logger = logging.getLogger("cyberbeeld.preload")
_lock = threading.Lock()
_done = threading.Event()


def preload() -> float:
    """Load the models once per process (thread-safe); returns the seconds it took (0 when loaded)."""
    with _lock:
        if _done.is_set():
            return 0.0
        start = time.monotonic()

        # deferred: warm-up: loading these (seconds) is the point, in the calling thread
        from cyberbeeld.common.redact import warm_up

        from .services import classifier

        warm_up()
        import altair  # noqa: F401  # deferred: warm-up: the charts' spec builder (~1 s; in the master: shared)

        try:
            classifier()  # reads the trained feedback from the database
        except DatabaseError as exc:  # not migrated yet: the first use loads it
            logger.warning("classifier not preloaded: %s", str(exc).splitlines()[0] if str(exc) else exc)
        _done.set()
        return time.monotonic() - start


def warm_charts() -> float:
    """Start the chart renderer (vl-convert's JavaScript engine: ~2.5 s on its first chart in a process)."""
    start = time.monotonic()
    try:
        # deferred: warm-up: the chart renderer loads when called
        from cyberbeeld.common.charts import render_svg

        render_svg({"$schema": "https://vega.github.io/schema/vega-lite/v5.json", "data": {"values": [{"x": 1}]},
                    "mark": "point", "encoding": {"x": {"field": "x", "type": "quantitative"}}})
    except Exception:  # noqa: BLE001 - the first chart starts it instead
        logger.exception("chart renderer not warmed")
    return time.monotonic() - start


def preload_before_fork() -> None:
    """In a server's master process, before it forks its workers: load the models, close every database
    connection (and pool) so no worker inherits one, and freeze the loaded objects out of the garbage
    collector so the workers' collections do not write to (and so copy) the shared pages."""
    try:
        seconds = preload()
        logger.info("models preloaded before the fork in %.1f s", seconds)
    except Exception:  # noqa: BLE001 - each worker's first use loads them instead
        logger.exception("preload failed")
    finally:
        for conn in connections.all(initialized_only=True):
            conn.close()
            close_pool = getattr(conn, "close_pool", None)
            if close_pool is not None:
                close_pool()
    gc.collect()
    gc.freeze()


def preload_in_background() -> threading.Thread:
    def target() -> None:
        try:
            preload()
            warm_charts()
        except Exception:  # noqa: BLE001 - the first request loads it instead
            logger.exception("preload failed")
        finally:
            connections.close_all()

    thread = threading.Thread(target=target, name="cyberbeeld-preload", daemon=True)
    thread.start()
    return thread
