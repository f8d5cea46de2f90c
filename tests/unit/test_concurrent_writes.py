"""The concurrent writer: every job runs once, counts add up, failures surface, in-flight is bounded."""

import threading
import time

import pytest

from toolkit.concurrent_writes import ConcurrentWriter


def test_every_job_runs_once_and_counts_add_up():
    total = []
    with ConcurrentWriter(2) as w:
        for i in range(50):
            w.submit(lambda i=i: i, lambda n: total.append(n))
    assert sorted(total) == list(range(50))


def test_drain_is_a_barrier():
    done = []
    w = ConcurrentWriter(2)
    for i in range(6):
        w.submit(lambda i=i: (time.sleep(0.01), done.append(i)))
    w.drain()
    assert sorted(done) == list(range(6))
    w.close()


def test_at_most_twice_the_writers_in_flight():
    lock = threading.Lock()
    running = [0, 0]  # now, most

    def job():
        with lock:
            running[0] += 1
            running[1] = max(running[1], running[0])
        time.sleep(0.01)
        with lock:
            running[0] -= 1

    with ConcurrentWriter(2) as w:
        for _ in range(20):
            w.submit(job)
    assert running[1] <= 2


def test_a_failed_job_surfaces_at_close():
    w = ConcurrentWriter(2)
    w.submit(lambda: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        w.close()


def test_a_failed_job_surfaces_at_the_next_submit():
    w = ConcurrentWriter(1)
    w.submit(lambda: 1 / 0)
    time.sleep(0.05)
    with pytest.raises(ZeroDivisionError):
        w.submit(lambda: 2)
    w._pool.shutdown()
