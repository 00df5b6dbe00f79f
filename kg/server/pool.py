"""Worker processes that run the server's store work, each with its own open store.

A query that runs past its timeout, or whose worker grows past its memory cap, is
stopped the only way Oxigraph allows: its worker process is ended and a fresh one
takes its place, so the slot is free again and the server keeps answering. (Oxigraph
holds a join's whole right side in memory: a cross product over a 4 M-quad store takes
6 GB in five seconds, so the cap is checked five times a second.) A task still running after
``slow_after`` seconds steps aside: its worker drops to the lowest CPU priority (nice 19), so
that the short queries most users send keep their latency while an expensive one runs. When
every worker is busy and too many requests wait, new ones are refused at once (HTTP 503)
instead of piling up.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import multiprocessing as mp
import os
import sys
import threading
import traceback
from typing import Any

from kg.server import tasks

__all__ = ["Busy", "OutOfMemory", "TimedOut", "WorkerPool"]

log = logging.getLogger("kg.server")
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


class Busy(Exception):
    """Every worker is busy and the waiting line is full."""


class TimedOut(Exception):
    """The task ran past its timeout and was stopped."""


class OutOfMemory(Exception):
    """The task's worker grew past the memory cap and was stopped."""


def _worker_main(conn: Any, store_path: str, writable: bool) -> None:
    """The loop of one worker process: open the store, then run tasks until told to stop."""
    from kg.store import KnowledgeGraph, StoreError

    try:
        kg = KnowledgeGraph.open(store_path, writable=writable)
    except StoreError as exc:
        conn.send(("failed", str(exc)))
        return
    conn.send(("ready", os.getpid()))
    while True:
        try:
            message = conn.recv()
        except (EOFError, KeyboardInterrupt):
            break
        if message is None:
            break
        name, args = message
        try:
            conn.send(("ok", getattr(tasks, name)(kg, *args)))
        except tasks.TaskError as exc:
            conn.send(("error", exc.status, exc.message))
        except Exception as exc:  # a defect: log it here, answer without a traceback
            traceback.print_exc(file=sys.stderr)
            conn.send(("error", 500, f"internal error ({type(exc).__name__})"))
    kg.close()


class _Worker:
    def __init__(self, ctx: Any, store_path: str, writable: bool) -> None:
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_worker_main, args=(child, store_path, writable), daemon=True)
        self.process.start()
        self.over_memory = False
        self.lowered = False
        child.close()
        status = self.conn.recv()
        if status[0] != "ready":
            self.process.join(5)
            raise RuntimeError(status[1])

    def rss(self) -> int:
        """Resident memory in bytes (0 where /proc cannot tell)."""
        try:
            with open(f"/proc/{self.process.pid}/statm", encoding="ascii") as statm:
                return int(statm.read().split()[1]) * _PAGE
        except (OSError, ValueError, IndexError):
            return 0

    def set_priority(self, niceness: int) -> bool:
        """Renice every thread of the worker; False when not allowed (raising priority needs privileges)."""
        try:
            threads = os.listdir(f"/proc/{self.process.pid}/task")
        except OSError:
            threads = [str(self.process.pid)]
        try:
            for tid in threads:
                os.setpriority(os.PRIO_PROCESS, int(tid), niceness)
        except PermissionError:
            return False
        except (OSError, ValueError):  # the worker or one of its threads has just ended
            pass
        self.lowered = niceness > 0
        return True

    def roundtrip(self, name: str, args: tuple) -> Any:
        self.conn.send((name, args))
        return self.conn.recv()

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        self.conn.close()

    def stop(self) -> None:
        try:
            self.conn.send(None)
        except OSError:
            pass
        self.process.join(5)
        if self.process.is_alive():
            self.process.kill()


class WorkerPool:
    """``size`` workers on one store; at most ``max_waiting`` requests wait for a free one;
    a worker using more than ``max_memory`` bytes (None: no cap) is stopped; a task running
    longer than ``slow_after`` seconds is given the lowest CPU priority."""

    def __init__(self, store_path: str, *, size: int, writable: bool = False, max_waiting: int = 64,
                 max_memory: int | None = None, slow_after: float = 0.5) -> None:
        self.store_path, self.writable = store_path, writable
        self.max_waiting, self.max_memory, self.slow_after = max_waiting, max_memory, slow_after
        self._ctx = mp.get_context("spawn")
        self._threads = concurrent.futures.ThreadPoolExecutor(max_workers=size + 2, thread_name_prefix="kg-worker")
        self._workers = [_Worker(self._ctx, store_path, writable) for _ in range(size)]
        self._free: asyncio.Queue[_Worker] | None = None
        self._waiting = 0
        self._closed = threading.Event()
        if max_memory:
            threading.Thread(target=self._watch_memory, name="kg-memory-watch", daemon=True).start()

    def _watch_memory(self) -> None:
        assert self.max_memory is not None
        while not self._closed.wait(0.2):
            for worker in list(self._workers):
                if worker.process.is_alive() and worker.rss() > self.max_memory:
                    log.warning("stopping a worker using more than %d MB", self.max_memory >> 20)
                    worker.over_memory = True
                    worker.process.kill()

    def _queue(self) -> asyncio.Queue[_Worker]:
        # Created on first use so that it belongs to the server's event loop.
        if self._free is None:
            self._free = asyncio.Queue()
            for worker in self._workers:
                self._free.put_nowait(worker)
        return self._free

    async def call(self, name: str, *args: Any, timeout: float | None = None) -> Any:
        """Run task ``name`` in a worker; raises Busy, TimedOut, OutOfMemory or tasks.TaskError."""
        free = self._queue()
        if free.empty() and self._waiting >= self.max_waiting:
            raise Busy()
        self._waiting += 1
        try:
            worker = await free.get()
        finally:
            self._waiting -= 1
        loop = asyncio.get_running_loop()
        step_aside = loop.call_later(self.slow_after, worker.set_priority, 19)
        try:
            reply = await asyncio.wait_for(loop.run_in_executor(self._threads, worker.roundtrip, name, args), timeout)
        except asyncio.TimeoutError:
            log.warning("stopping a %s task after %s s", name, timeout)
            worker = await loop.run_in_executor(self._threads, self._replace, worker)
            raise TimedOut() from None
        except (EOFError, OSError):
            over_memory = worker.over_memory
            worker = await loop.run_in_executor(self._threads, self._replace, worker)
            if over_memory:
                raise OutOfMemory() from None
            raise tasks.TaskError(500, "the worker stopped unexpectedly") from None
        finally:
            step_aside.cancel()
            if worker.lowered and not worker.set_priority(0):
                # Unprivileged, a process may lower its priority but never raise it again.
                worker = await loop.run_in_executor(self._threads, self._replace, worker)
            free.put_nowait(worker)
        if reply[0] == "error":
            raise tasks.TaskError(reply[1], reply[2])
        return reply[1]

    def _replace(self, worker: _Worker) -> _Worker:
        worker.kill()
        fresh = _Worker(self._ctx, self.store_path, self.writable)
        self._workers[self._workers.index(worker)] = fresh
        return fresh

    def close(self) -> None:
        self._closed.set()
        for worker in self._workers:
            worker.stop()
        self._threads.shutdown(wait=False)
