"""Time limits that do not count the time graded code waited for a CPU.

The grader's time limits (a cell's, a call's of the re-check, a notebook's) end code that never stops: a
loop, a sleep. Counted on the wall clock they also end honest code on a busy machine: at load 15-17 on 2
cores two honest lesson 06 notebooks ran past a call's and a cell's 120 s, and had full marks at load 2
(ch52, 2026-12-07). Linux counts, for each thread, the time it was ready to run and waited for a CPU
(``run_delay``, the second number of ``/proc/<pid>/task/<tid>/schedstat``; 0444, so a sandboxed process's
can be read; the first is the time it ran). A ``Clock`` of a process runs at the wall clock's pace less that
waiting: in each stretch between two readings, less the waits of the threads of the process and of all it
started (threads that sleep do not wait), each only as far as the other threads of that tree cannot have held
every CPU the tree may use meanwhile (``cpus``): a wait for its own threads is its own time. They held all
``cpus`` at once for at most what they ran divided by ``cpus``, and for at most what all of them ran but the
``cpus - 1`` that ran longest (at each such moment one of the rest runs too): on one CPU, all they ran. So a
process of two busy threads on two CPUs beside busy processes reads what one thread ran, the time it takes on
a quiet machine; counting all its other threads ran, it read both threads' CPU time together, twice that, and
a limit ended it at half its quiet work. The waits are added up, at most the stretch less the least time what
they ran takes (``_lost``): the threads of a parallel op wait in turn, each while the others sleep for it; with
the longest wait alone, two torch threads beside eight busy loops read 3.5 times their quiet time (rt53 saw
lesson 06's kernel read 4.6 times its quiet time). What threads that ended and processes that ended and were
reaped ran since the last reading counts among what the others ran (each process's total in
``/proc/<pid>/stat``, its reaped children's included, less what its threads found ran): work done by
short-lived processes, each gone before a reading found it, was never seen, and the wait of a thread beside
them was forgiven (ch56: 0.8 s read of 6 s where the tree ran 2.5). A loop
that runs for 10 s of CPU time beside two busy processes on its core reads about 10 s where the wall clock
reads 30 (``tests/test_clock.py``), a sleep reads as long as it lasts, and eight busy processes of its own
that share a core read the wall clock's time, as before.

A limit (``past``) is passed when the clock passes it, or when the wall clock passes ``WALL_FACTOR`` times it
(whatever else makes graded code wait). The clock is only ever slower than the wall clock: no limit ends code
sooner than the wall clock did. Where ``schedstat`` cannot be read (another system) it is the wall clock.
"""
from __future__ import annotations

import math
import os
import time

WALL_FACTOR = 4  # a limit of L seconds ends what is still running after 4 L s of wall-clock time
EVERY = 1.0      # seconds between two readings at most, while a limit is waited for


try:
    TICKS = os.sysconf("SC_CLK_TCK")
except (AttributeError, ValueError, OSError):
    TICKS = 100


def _read(path: str) -> bytes | None:
    try:
        with open(path, "rb") as file:
            return file.read()
    except OSError:
        return None


def _times(pid: int, totals: dict[int, float] | None = None) -> dict[tuple[int, int], tuple[float, float]]:
    """Seconds each thread of ``pid`` and of the processes it started (and theirs) has run and has waited for a
    CPU since it started, by (process, thread); in ``totals``, when given, the seconds each process has run, its
    ended threads and its reaped children included, by process. The tree is read from each thread's ``children`` (a few files; psutil's walk
    reads every process's on the machine, 16 ms a reading with 135 processes), or psutil's where there is none."""
    times, todo, seen = {}, [pid], set()
    while todo:
        process = todo.pop()
        if process in seen:
            continue
        seen.add(process)
        try:
            threads = os.listdir(f"/proc/{process}/task")
        except OSError:
            continue
        if totals is not None:  # what it and its reaped children ran, its ended threads too
            stat = _read(f"/proc/{process}/stat")
            try:
                totals[process] = sum(int(tick) for tick in stat[stat.rindex(b")") + 2:].split()[11:15]) / TICKS
            except (AttributeError, ValueError, IndexError):
                pass
        for thread in threads:
            stat = _read(f"/proc/{process}/task/{thread}/schedstat")
            try:
                ran, waited = stat.split()[:2]
                times[(process, int(thread))] = (int(ran) / 1e9, int(waited) / 1e9)
            except (AttributeError, ValueError, IndexError):
                continue
            children = _read(f"/proc/{process}/task/{thread}/children")
            if children is not None:
                todo.extend(int(child) for child in children.split())
            elif process == pid:  # (no such file on this system)
                import psutil  # (only then: the re-check's answers' process loads this module too)

                try:
                    todo.extend(child.pid for child in psutil.Process(pid).children(recursive=True))
                except (psutil.Error, OSError):
                    pass
    return times


def _lost(steps: dict, unseen: float, cpus: int, stretch: float) -> float:
    """The seconds of ``stretch`` the tree lost waiting for CPUs others held: each thread's wait (``steps``: what
    each ran and waited meanwhile), less what the tree's other threads (and ``unseen``) can have held all
    ``cpus`` for (a wait for its own threads is its own time), added up over the threads, and at most the
    stretch less the least time the work they ran takes (the longest any one ran, and all they ran over
    ``cpus``). Added up: the threads of a parallel op wait in turn, each while the others sleep at the op's end
    for it (two torch threads that sleep when they wait, as the course sets them, beside eight busy loops: the
    longest wait alone, forgiven, left 10.5 s of a 3.0 s computation on the clock; added up, 4.4 s)."""
    order = sorted([*(max(ran, 0.0) for ran, _ in steps.values()), unseen], reverse=True)
    total, top, below = sum(order), sum(order[:cpus]), sum(order[:cpus - 1])
    cut = order[cpus - 2] if 1 < cpus <= len(order) + 1 else None  # (the least of the cpus - 1 that ran longest)
    lost = 0.0
    for ran, waited in steps.values():
        ran = max(ran, 0.0)
        # what all the others ran but the cpus - 1 of them that ran longest (at each moment the others held
        # every CPU, one of those ran too), and at most what they ran over cpus
        rest = max(total - top if cut is not None and ran >= cut else total - ran - below, 0.0)
        lost += max(waited - min((total - ran) / cpus, rest), 0.0)
    return max(0.0, min(lost, stretch - max(order[0], total / cpus)))


class Clock:
    """The time of the process ``pid`` (and of what it starts), less what it waited for a CPU. ``pid`` may be
    None, or set later (``watch``): until then it is the wall clock. ``cpus``: how many CPUs the process may
    use at once (a sandbox's CPU limit), at most the CPUs it may run on (its affinity)."""

    def __init__(self, pid: int | None = None, cpus: float | None = None):
        self.start = self._at = time.monotonic()
        self.waited = 0.0
        self.pid = None
        self._cpus_given, self.cpus = cpus, 1
        self._seen: dict[tuple[int, int], tuple[float, float]] = {}
        self._totals: dict[int, float] = {}
        self.watch(pid)

    def watch(self, pid: int | None) -> None:
        """Count the waits of ``pid``'s tree from now on (what it waited before is not this clock's)."""
        self.read()
        self.pid = pid
        try:
            allowed = len(os.sched_getaffinity(pid or 0))
        except (AttributeError, OSError):
            allowed = os.cpu_count() or 1
        self.cpus = max(1, min(allowed, math.ceil(self._cpus_given) if self._cpus_given else allowed))
        self._totals = {}
        self._seen = _times(pid, self._totals) if pid is not None else {}

    def read(self) -> float:
        """Seconds since the clock started, less what the process waited for a CPU meanwhile."""
        now = time.monotonic()
        if self.pid is not None and now > self._at:
            totals = {}
            seen = _times(self.pid, totals)
            # (a thread that started since the last reading ran and waited all its times since then)
            steps = {key: (ran - self._seen.get(key, (0.0, 0.0))[0], waited - self._seen.get(key, (0.0, 0.0))[1])
                     for key, (ran, waited) in seen.items()}
            # what ran unseen: threads that ended, and processes that ended and were reaped, since the last
            # reading (each process's total less what its threads here ran; less what was seen of those reaped)
            unseen = sum(total - self._totals.get(process, 0.0) for process, total in totals.items())
            unseen -= sum(ran for (process, _), (ran, _) in steps.items() if process in totals)
            unseen -= sum(total for process, total in self._totals.items() if process not in totals)
            if steps:
                self.waited += _lost(steps, max(unseen, 0.0), self.cpus, now - self._at)
            self._seen, self._totals = seen, totals
        self._at = now
        return now - self.start - self.waited

    def mark(self) -> tuple[float, float]:
        """Now, on the wall clock and on this one: where a limit starts."""
        return time.monotonic(), self.read()

    def past(self, mark: tuple[float, float], limit: float) -> bool:
        """Whether ``limit`` seconds since ``mark`` are over: on this clock, or ``WALL_FACTOR`` times on the wall's."""
        wall, own = mark
        return self.read() - own >= limit or time.monotonic() - wall >= WALL_FACTOR * limit

    def left(self, mark: tuple[float, float], limit: float) -> float:
        """Seconds of wall-clock time to wait before ``past`` may say yes, at most ``EVERY`` (the clock is read
        again then). Reads nothing: the last reading serves."""
        wall, own = mark
        now = time.monotonic()
        own_left = limit - (self._at - self.start - self.waited - own) - (now - self._at)
        return max(0.0, min(own_left, WALL_FACTOR * limit - (now - wall), EVERY))
