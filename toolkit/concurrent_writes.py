"""Write batches on a few concurrent transactions while the caller prepares the next ones.

Why: one writer leaves a core of the server idle, and the server idle while Python packs the next
batch. Measured on this 2-core machine, two writers took a 600k-transfer first load from 40 s to
23 s, and writing 60k typology flags from 13.1 s to 9.1 s. Each batch stays one managed
transaction (retried whole by the driver on a transient error such as a deadlock), so a batch is
applied once or not at all, as with a single writer.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Callable

__all__ = ["ConcurrentWriter"]


class ConcurrentWriter:
    """Runs write jobs on ``writers`` threads, at most ``2 * writers`` in flight (bounded memory).

    ``submit(job, on_done)`` returns the job's future; ``on_done(result)`` runs under :attr:`lock`,
    so callers can count into shared summaries. :meth:`drain` is the barrier a caller needs before
    writes that depend on earlier ones (movements after their accounts). A failed job surfaces at
    the next ``submit`` or at ``drain``/``close``; ``close`` waits for what is in flight.
    """

    def __init__(self, writers: int = 2, name: str = "aml-write") -> None:
        self.writers = max(1, int(writers))
        self._pool = ThreadPoolExecutor(max_workers=self.writers, thread_name_prefix=name)
        self._slots = threading.BoundedSemaphore(2 * self.writers)
        self.lock = threading.Lock()
        self._pending: list[Future] = []

    def submit(self, job: Callable[[], Any], on_done: Callable[[Any], None] | None = None) -> Future:
        self._slots.acquire()
        try:
            self._reap()
        except BaseException:
            self._slots.release()
            raise

        def run() -> Any:
            try:
                result = job()
                if on_done is not None:
                    with self.lock:
                        on_done(result)
                return result
            finally:
                self._slots.release()

        fut = self._pool.submit(run)
        self._pending.append(fut)
        return fut

    def _reap(self) -> None:
        keep = []
        for f in self._pending:
            if f.done():
                f.result()
            else:
                keep.append(f)
        self._pending = keep

    def drain(self) -> None:
        pending, self._pending = self._pending, []
        for f in pending:
            f.result()

    def close(self) -> None:
        try:
            self.drain()
        finally:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> "ConcurrentWriter":
        return self

    def __exit__(self, *exc: object) -> None:
        if exc[0] is None:
            self.close()
        else:  # already failing: wait for the in-flight jobs, keep the first error
            try:
                self.close()
            except Exception:  # noqa: BLE001
                pass
