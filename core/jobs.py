"""The tiny protocol that long core jobs use to report progress and honour cancellation.

Core functions that take noticeable time accept ``progress`` (a callable taking a fraction
in [0, 1] and a short message) and ``cancel`` (a :class:`CancelToken`). Qt does not appear
here: the app's worker wraps these into signals.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from core.errors import CancelledError

ProgressCallback = Callable[[float, str], None]


def no_progress(fraction: float, message: str) -> None:  # noqa: ARG001
    """A progress callback that ignores its calls."""


class CancelToken:
    """A thread-safe flag that a job polls between steps."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        """Ask the job to stop at its next check."""
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        """Raise :class:`CancelledError` when cancellation was requested."""
        if self._event.is_set():
            raise CancelledError("The job was cancelled.")
