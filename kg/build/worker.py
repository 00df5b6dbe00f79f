"""Preloaded into the worker processes of the local cluster ``kg build`` starts.

A Ctrl-C in a terminal reaches every process of the foreground group; the workers
then died with tracebacks of their own while the build, in the client, was already
stopping the cluster. Ignoring SIGINT in the workers leaves the interrupt to the client.
"""

from __future__ import annotations

import signal
from typing import Any


def dask_setup(worker: Any) -> None:
    """Dask's preload hook, run in the worker process's main thread: ignore SIGINT."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
