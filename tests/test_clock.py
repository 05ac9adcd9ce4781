"""The grader's time limits count a process's own time, not the time it waited for a CPU (``autograder.clock``).

Contention is made on purpose: the process measured and busy shell loops are pinned to one CPU together, so
it waits whatever the machine's load is (on a busy machine, it waits longer still)."""
from __future__ import annotations

import contextlib
import functools
import os
import subprocess
import sys
import time

import psutil
import pytest

from autograder.clock import WALL_FACTOR, Clock, _times

pytestmark = pytest.mark.skipif(not hasattr(os, "sched_setaffinity") or not os.path.exists("/proc/self/schedstat"),
                                reason="needs Linux's schedstat and CPU affinity")

LOOP = "x = 0\nfor i in range({n}):\n    x += i\n"


@functools.cache
def cpu_seconds(seconds: float) -> int:
    """How many iterations of ``LOOP`` take about ``seconds`` of CPU time on this machine, measured: the 60
    million that took 1.5 s on the VMs these tests were written on took 5.4 s on a slower one (2026-12-08),
    which then ran past the 8 s limits below on its own time, and those tests failed there."""
    n = 3_000_000
    start = time.process_time()
    exec(LOOP.format(n=n), {})
    return max(1_000_000, int(n * seconds / max(time.process_time() - start, 1e-3)))


CPU = min(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 0


@pytest.fixture(autouse=True)
def one_such_test_at_a_time_on_this_machine():
    """These tests make a CPU busy on purpose, and measure against it: two suites on one machine (CI beside the
    README's check) ran them at the same moment, each pinning its busy loops to the same CPU, and each measured
    process waited for both sets (a cell's 1.5 s past the wall clock's 4 x 8 s). One at a time, across
    processes (a lock file in the temporary folder; the other waits for it)."""
    import fcntl
    import tempfile

    with open(os.path.join(tempfile.gettempdir(), "course-test-clock.lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def on_the_cpu(argv: list[str], **kw) -> subprocess.Popen:
    """``argv`` started on ``CPU`` only (and what it starts), in a session of its own: with autogroup scheduling,
    sessions share a CPU evenly, whatever each runs."""
    return subprocess.Popen(argv, start_new_session=True, preexec_fn=lambda: os.sched_setaffinity(0, {CPU}), **kw)


@contextlib.contextmanager
def one_busy_cpu(hogs: int, with_me: bool = True):
    """``hogs`` busy loops on ``CPU``, and (``with_me``) this process and what it starts meanwhile."""
    before = os.sched_getaffinity(0)
    if with_me:
        os.sched_setaffinity(0, {CPU})
    loops = [on_the_cpu(["sh", "-c", "while :; do :; done"]) for _ in range(hogs)]
    try:
        yield
    finally:
        for loop in loops:
            loop.kill()
            loop.wait()
        os.sched_setaffinity(0, before)


def _run_measured(code: str) -> tuple[float, float, float]:
    """Runs ``code`` in a child process: its wall-clock seconds, its clock's and its CPU seconds."""
    child = subprocess.Popen([sys.executable, "-c", code + "\nimport time\ntime.sleep(0.3)"])
    clock, start, cpu = Clock(child.pid), time.monotonic(), 0.0
    while child.poll() is None:
        with contextlib.suppress(psutil.Error):
            times = psutil.Process(child.pid).cpu_times()
            cpu = times.user + times.system
        clock.read()
        time.sleep(0.1)
    return time.monotonic() - start, clock.read(), cpu


def test_a_loop_beside_two_busy_processes_on_its_cpu_is_timed_by_its_own_time():
    with one_busy_cpu(hogs=2):
        wall, own, cpu = _run_measured(LOOP.format(n=10_000_000))
    # it had about a third of the CPU: the wall clock read about 3 times what it ran
    assert wall > 2 * cpu, (wall, own, cpu)
    # its clock read what it ran (and its last 0.3 s asleep), not what it waited
    assert cpu * 0.8 <= own <= cpu + 0.3 + 0.5 * (wall - cpu), (wall, own, cpu)


def test_a_sleep_is_timed_as_long_as_it_lasts():
    wall, own, _ = _run_measured("import time\ntime.sleep(2)")
    assert own >= 2.0 and own >= 0.9 * wall - 0.2, (wall, own)


def _until_past(clock: Clock, limit: float) -> float:
    """Wall-clock seconds until ``limit`` is past on ``clock``, reading it every 0.1 s."""
    mark, start = clock.mark(), time.monotonic()
    while not clock.past(mark, limit):
        time.sleep(min(clock.left(mark, limit), 0.1) or 0.01)
    return time.monotonic() - start


def test_a_process_whose_own_processes_wait_for_each_other_is_timed_by_what_they_ran():
    """Eight busy processes of its own on one CPU: each waits 7/8 of the time for its siblings, which is its own
    time: the clock reads at least what they ran together (with each one's wait forgiven, it read what one ran,
    an eighth, and only WALL_FACTOR times the limit would end it). (What other processes of the machine took of
    that CPU is not theirs: on a quiet machine, it reads the wall clock's time.)"""
    child = on_the_cpu(["sh", "-c", "for i in 1 2 3 4 5 6 7 8; do (while :; do :; done) & done; wait"])
    try:
        time.sleep(0.5)
        clock = Clock(child.pid)
        ran = sum(r for r, _ in _times(child.pid).values())
        time.sleep(3)
        own = clock.read()
        ran = sum(r for r, _ in _times(child.pid).values()) - ran
    finally:
        os.killpg(child.pid, 9)
        child.wait()
    assert own >= 0.8 * ran and ran > 0.3, (own, ran)


def test_a_process_whose_work_is_done_by_processes_that_end_between_readings_is_timed_by_what_they_ran():
    """A busy loop of its own and, beside it on one CPU, short-lived processes one after another, each ended and
    reaped between two readings (as a DataLoader's workers of an epoch): the loop waits for them, which is its own
    time. Counting only the threads a reading finds, their work was never seen and the loop's wait was forgiven:
    the clock read 0.8 s of 6 where the process ran 2.5 (ch56), and a limit ended it only at WALL_FACTOR times."""
    child = on_the_cpu(["sh", "-c", "(while :; do :; done) & "
                                    "while :; do sh -c 'i=0; while [ $i -lt 2000 ]; do i=$((i+1)); done'; done"])
    try:
        time.sleep(0.5)
        process = psutil.Process(child.pid)
        clock, before = Clock(child.pid), process.cpu_times()
        for _ in range(6):  # (the grader reads a clock once a second while it waits for a limit)
            time.sleep(1)
            clock.read()
        own, after = clock.read(), process.cpu_times()
    finally:
        os.killpg(child.pid, 9)
        child.wait()
    # what the process, its busy loop and the processes it reaped ran (each sh waits for its own)
    ran = sum(after[:4]) - sum(before[:4])
    assert own >= 0.8 * ran and ran > 0.3, (own, ran)


@pytest.mark.skipif(len(os.sched_getaffinity(0)) != 2 if hasattr(os, "sched_getaffinity") else True,
                    reason="two CPUs to share between two busy processes and the busy loops beside them")
def test_two_busy_processes_of_its_own_on_two_cpus_beside_busy_loops_read_what_one_of_them_ran():
    """Two busy processes of its own on two CPUs (as a kernel's two torch threads), beside six busy loops that
    take three quarters of the CPUs: each ran about a quarter of the time, and on a quiet machine the two
    would have done that work side by side in a quarter of it. Counting, against the longest wait, all that the
    other ran (a wait for one's own threads is one's own time, on one CPU) read their two times together,
    twice that, and a limit ended such a process at half its quiet work; the other one cannot have held both
    CPUs, so the clock reads about what one ran."""
    loops = [subprocess.Popen(["sh", "-c", "while :; do :; done"], start_new_session=True) for _ in range(6)]
    child = subprocess.Popen(["sh", "-c", "(while :; do :; done) & (while :; do :; done) & wait"],
                             start_new_session=True)
    try:
        time.sleep(0.5)
        clock = Clock(child.pid)
        before = _times(child.pid)
        time.sleep(4)
        own = clock.read()
        after = _times(child.pid)
    finally:
        os.killpg(child.pid, 9)
        child.wait()
        for loop in loops:
            loop.kill()
            loop.wait()
    ran = sorted((r - before.get(key, (0.0, 0.0))[0] for key, (r, _) in after.items()), reverse=True)
    assert ran[1] > 0.15 and ran[0] < 3, ran  # both ran, and waited for the busy loops
    assert 0.8 * ran[1] <= own <= 1.2 * ran[0] + 0.3, (own, ran)


PARALLEL = ("import time, torch\ntorch.set_num_threads(2)\na = torch.randn(256, 256)\n"
            "for _ in range(6_000):\n    b = a @ a\n")


def _parallel_op_read(hogs: int) -> tuple[float, float]:
    """Wall-clock seconds and clock's of ``PARALLEL`` (two torch threads that sleep when they wait, as the course
    sets them) beside ``hogs`` busy loops, each in a session of its own, the clock read once a second."""
    loops = [subprocess.Popen(["sh", "-c", "while :; do :; done"], start_new_session=True) for _ in range(hogs)]
    try:
        child = subprocess.Popen([sys.executable, "-c", PARALLEL],
                                 env=dict(os.environ, OMP_NUM_THREADS="2", OMP_WAIT_POLICY="PASSIVE",
                                          GOMP_SPINCOUNT="10000"))
        clock, start = Clock(child.pid), time.monotonic()
        while child.poll() is None:
            time.sleep(0.5)
            clock.read()
        return time.monotonic() - start, clock.read()
    finally:
        for loop in loops:
            loop.kill()
            loop.wait()


@pytest.mark.skipif(len(os.sched_getaffinity(0)) != 2 if hasattr(os, "sched_getaffinity") else True,
                    reason="two CPUs for two torch threads and the busy loops beside them")
def test_a_parallel_op_whose_threads_wait_in_turn_beside_busy_loops_reads_near_its_quiet_time():
    """The two threads of a parallel torch op wait for a CPU in turn, each while the other sleeps at the op's end
    for it. Forgiving only the longest wait of a stretch, the clock read 10.5 s beside eight busy loops for a
    computation that reads 3.0 s on a quiet machine (rt53: an honest lesson 06 kernel read 4.6 times its quiet
    time, a limit of 60 s within reach of a cell of 6); the waits added up, 4.4 s."""
    quiet_wall, quiet = _parallel_op_read(hogs=0)
    busy_wall, busy = _parallel_op_read(hogs=8)
    assert busy_wall > 3 * quiet, (quiet_wall, quiet, busy_wall, busy)  # it did wait
    assert busy < 2 * quiet + 1, (quiet_wall, quiet, busy_wall, busy)


def test_two_busy_processes_held_to_one_cpu_by_their_sandboxs_cgroup_are_timed_by_what_they_ran():
    """A sandbox's CPU limit (``ProcessCap``, a cgroup's quota; one CPU a kernel with ``--workers 2`` on two
    cores) holds two busy processes of its own to one CPU between them, and Linux counts the time the quota
    holds one back as a wait for a CPU. Counted on the two CPUs of its affinity, each one's wait was forgiven
    (the other cannot have held both), and the clock read half their time (1.46 s of 3 s, a notebook's limit at
    twice its length); the pool gives the worker's clock its kernels' share (``sandbox.cpu_share``)."""
    from autograder.sandbox import Limits, ProcessCap, cpu_share

    cap = ProcessCap(Limits(cpus=1.0, memory_total_bytes=2**30))
    try:
        if "cpu" not in cap.folders:
            pytest.skip("no CPU controller of cgroups to hold a sandbox to one CPU here")
        child = subprocess.Popen(cap.prefix() + ["sh", "-c", "(while :; do :; done) & (while :; do :; done) & wait"],
                                 start_new_session=True)
        try:
            time.sleep(0.5)
            clock = Clock(child.pid, cpus=cpu_share({"OMP_NUM_THREADS": "1"}))
            before = _times(child.pid)
            time.sleep(3)
            own = clock.read()
            ran = sum(r - before.get(key, (0.0, 0.0))[0] for key, (r, _) in _times(child.pid).items())
        finally:
            os.killpg(child.pid, 9)
            child.wait()
    finally:
        cap.close()
    assert ran > 0.3 and own >= 0.8 * ran, (own, ran)


def test_a_limit_holds_at_wall_factor_times_its_length_however_long_the_process_waits():
    """A process that only waits (eleven busy processes not its own share its CPU): its clock moves a twelfth as
    fast as the wall's, and the limit is past at WALL_FACTOR times its length on the wall clock."""
    with one_busy_cpu(hogs=11, with_me=False):
        child = on_the_cpu([sys.executable, "-c", LOOP.format(n=10**9)])
        try:
            clock = Clock(child.pid)
            mark, start = clock.mark(), time.monotonic()
            while not clock.past(mark, 1.0):
                time.sleep(min(clock.left(mark, 1.0), 0.1) or 0.01)
            took = time.monotonic() - start
        finally:
            child.kill()
            child.wait()
    assert WALL_FACTOR * 1.0 <= took < WALL_FACTOR * 1.0 + 1.5, took


@pytest.mark.parametrize("sandbox", [False, True])
def test_a_call_of_the_recheck_that_waits_for_a_cpu_is_not_ended_for_it(sandbox):
    """A merge that runs about 1.5 s, called with a limit of 4 s while three busy loops share its CPU: on
    the wall clock it took past 4 s and was ended ("ran past 4 s", an honest answer's lost points, as ch52's
    lesson 06 notebooks at load 15-17); its own time is within the limit."""
    from autograder.recheck import Host, Remote
    from autograder.sandbox import bwrap_path
    from course.checks.exercises import PRELUDE

    if sandbox and bwrap_path() is None:
        pytest.skip("bwrap is not installed")
    # (60 million, not cpu_seconds(1.5): the answers' process is not slowed by the busy loops as much as a kernel
    # is, and on the slower VM 1.5 s of its own took 3.3-4.8 s on the wall clock, under the limit; the 60 million
    # pass on both)
    slow = ("def merge(ids, pair, new_id):\n" + "    " + LOOP.format(n=60_000_000).replace("\n", "\n    ") +
            "out, i = [], 0\n    while i < len(ids):\n"
            "        if i + 1 < len(ids) and (ids[i], ids[i + 1]) == tuple(pair):\n"
            "            out.append(new_id)\n            i += 2\n"
            "        else:\n            out.append(ids[i])\n            i += 1\n    return out\n")
    with one_busy_cpu(hogs=7):
        host = Host([PRELUDE], sandbox=sandbox, timeout=8)
        try:
            host.request({"op": "load", "cells": [PRELUDE, slow]})
            start = time.monotonic()
            result = Remote(host, "merge")([1, 2, 3, 1, 2], (1, 2), 9)
            took = time.monotonic() - start
        finally:
            host.close()
    assert took > 8, took  # past the limit on the wall clock
    assert result == [9, 3, 9]


def test_a_cell_that_waits_for_a_cpu_is_not_interrupted_for_it(tmp_path):
    """The same in the notebook's kernel: a cell that runs about 1.5 s beside three busy loops on its CPU, with
    a limit of 4 s per cell, took past 4 s on the wall clock and was interrupted; its own time is within it."""
    from test_sandbox import _run_cells

    cell = ("import time\nstart = time.monotonic()\n" + LOOP.format(n=cpu_seconds(1.5)) +
            "print(round(time.monotonic() - start, 1))")
    with one_busy_cpu(hogs=7):
        nb, execute = _run_cells(tmp_path, [cell, "print('next')"], timeout=8)
    assert execute.interrupted == [], nb.cells[0].outputs
    assert float(nb.cells[0].outputs[0].text) > 8, nb.cells[0].outputs  # past the limit on the wall clock
    assert nb.cells[1].outputs[0].text == "next\n"


@pytest.mark.parametrize("sandbox", [False, True])
def test_an_answer_cell_that_waits_for_a_cpu_is_not_interrupted_for_it(sandbox):
    """The re-check's answers' process runs the answer cells, each within what is left of ``cell_seconds``: an
    answer cell that runs about 1.5 s at its top level beside seven busy loops on its CPU, with 8 s for the
    cells, took past 8 s on the wall clock and was interrupted there (its function then undefined: the
    exercise's points lost); its own time is within it. A cell that never ends is still interrupted."""
    from autograder.recheck import Host, _cell_errors
    from autograder.sandbox import bwrap_path
    from course.checks.exercises import PRELUDE

    if sandbox and bwrap_path() is None:
        pytest.skip("bwrap is not installed")
    slow = LOOP.format(n=cpu_seconds(1.5)) + "def double(n):\n    return 2 * n\n"
    with one_busy_cpu(hogs=7):
        host = Host([PRELUDE], sandbox=sandbox, timeout=8, cell_seconds=8)
        try:
            host.request({"op": "load", "cells": [PRELUDE]})  # (started: the load below is the cells' alone)
            start = time.monotonic()
            loaded = host.request({"op": "load", "cells": [PRELUDE, slow]})
            took = time.monotonic() - start
        finally:
            host.close()
    assert took > 8, took  # past the limit on the wall clock
    assert _cell_errors(loaded) == [], loaded

    host = Host([PRELUDE], sandbox=sandbox, cell_seconds=2)
    try:
        start = time.monotonic()
        loaded = host.request({"op": "load", "cells": [PRELUDE, "while True:\n    pass\n"]})
        took = time.monotonic() - start
    finally:
        host.close()
    assert [kind for _, kind, _ in _cell_errors(loaded)] == ["CellInterrupted"], loaded
    assert took < 2 * 4 + 5, took  # (at 2 s of its own time; 4 times on the wall clock at most)


def test_a_notebook_that_waits_for_a_cpu_is_not_timed_out_by_the_pool_for_it():
    """The pool's limit on a notebook (``Worker.read``) runs on the clock of the worker and all it starts: a
    worker that works about 1.5 s beside seven busy loops on its CPU before it answers, under a limit of 8 s,
    answered past 8 s of wall-clock time (it was "timed out" there, and the notebook failed); one that never
    answers is still timed out, by its own time or at WALL_FACTOR times the limit."""
    from autograder.pool import Worker

    def waited(code: str, limit: float) -> tuple[object, float]:
        worker = Worker.__new__(Worker)  # (the pool's reading of a worker's answers; no nbgrader behind it)
        worker.process = on_the_cpu([sys.executable, "-c", code], stdout=subprocess.PIPE)
        worker._buffer = b""
        try:
            worker.clock = Clock(worker.process.pid)
            start = time.monotonic()
            answer = worker.read(worker.clock.mark(), limit)
            return answer, time.monotonic() - start
        finally:
            worker.process.kill()
            worker.process.wait()

    answer_after = LOOP.format(n=cpu_seconds(1.5)) + "print('{\"done\": true}', flush=True)\nimport time\ntime.sleep(60)\n"
    with one_busy_cpu(hogs=7, with_me=False):
        answer, took = waited(answer_after, 8)
        assert answer == {"done": True} and took > 8, (answer, took)
        answer, took = waited(LOOP.format(n=10**10), 1)
    assert answer == "timeout" and took < WALL_FACTOR * 1 + 1.5, (answer, took)
