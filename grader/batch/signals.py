"""Stopping a batch cleanly: the first Ctrl-C (SIGINT) or SIGTERM asks the
batch to stop (the students being graded are stopped, finished work is
kept); a second one aborts at once (KeyboardInterrupt)."""
from __future__ import annotations

import signal
import threading


class StopRequest:
    """`with StopRequest() as stop:` ... `if stop.requested: ...`"""

    def __init__(self) -> None:
        self.requested = False
        self._old: dict = {}

    def _on_signal(self, signum, frame) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True

    def __enter__(self) -> StopRequest:
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                self._old[sig] = signal.signal(sig, self._on_signal)
        return self

    def __exit__(self, *exc) -> None:
        for sig, handler in self._old.items():
            signal.signal(sig, handler)
