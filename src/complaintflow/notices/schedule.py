"""Notices on a schedule of their own, for a service started with `serve --notify`: a notify run for
today every so often (safe to repeat: a day's notices are made once), and the delivery worker."""

from __future__ import annotations

import logging
import threading

from complaintflow.errors import ComplaintflowError
from complaintflow.notices.delivery import run_worker
from complaintflow.notices.outbox import notify
from complaintflow.notices.sending import Limits
from complaintflow.store.base import EventStore

#: How often a service makes the day's notices, in seconds.
NOTIFY_EVERY_SECONDS = 3_600.0

_log = logging.getLogger("complaintflow.notices")


def _notify_until(store: EventStore, stop: threading.Event, every: float) -> None:
    while not stop.is_set():
        try:
            result = notify(store)
            _log.info("notices made: %d, withdrawn: %d", result.made, result.withdrawn)
        except ComplaintflowError as error:  # the store was busy or down: the next run catches up
            _log.warning("notify run failed: %s", error)
        stop.wait(every)


def start(
    store: EventStore, *, every: float = NOTIFY_EVERY_SECONDS, limits: Limits | None = None
) -> threading.Event:
    """Start notifying and delivering in background threads; set the returned event to stop them."""
    stop = threading.Event()
    threading.Thread(target=_notify_until, args=(store, stop, every), daemon=True, name="notify").start()
    threading.Thread(target=run_worker, args=(store, stop, limits), daemon=True, name="deliver").start()
    return stop
