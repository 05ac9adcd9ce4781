"""How many CPU threads PyTorch uses, chosen for machines that are shared.

PyTorch's CPU kernels run on OpenMP threads. By default there are as many as the machine has physical
cores, and at the end of every parallel region each thread spins (busy-waits) for the others before it
sleeps. On a quiet laptop that is fastest. On a machine whose cores are shared (a class JupyterHub, a
laptop with a browser busy, a container given 2 CPUs of a 64-core server) it collapses: when a
neighbour holds one core, the threads on the others spin for a thread that is not running, and a small
model's training step, made of hundreds of short parallel regions, gets many times slower
(``benchmarks/bench_load.py`` prints the table). Three things fix it where it lives:

- ``OMP_WAIT_POLICY=PASSIVE`` with ``GOMP_SPINCOUNT=10000``: a thread that waits spins about 100 µs
  (GNU OpenMP's estimate: 100,000 spins a millisecond; the real time depends on the CPU), then sleeps,
  where PyTorch's default spins about 3 ms. On a quiet machine the partner thread nearly always arrives
  within the spin, so a small model's step runs as fast as with PyTorch's default; a thread that sleeps
  sooner pays for a wake-up at every parallel region, dear in a virtual machine: on a 2-core Xeon VM
  (2026-12-03) nanoGPT's bfloat16 step took 38 ms after 1,000 spins (the course's setting until then),
  22 ms after 3,000 and 19 ms after 10,000 or with PyTorch's default. OpenMP reads these once, when
  PyTorch is loaded, so ``import course`` must come before ``import torch`` for them to apply (the
  lessons' first cell does that); in a process that already imported torch it is too late and
  ``configure`` only sets the thread count. (Child processes inherit them.) On Linux, PyTorch's wheels
  use GNU OpenMP; other OpenMP runtimes ignore ``GOMP_SPINCOUNT`` and just sleep.
- a loop of small steps (generating a token with a small model) runs on one thread, and beside busy
  neighbours, long loops give up threads: ``FreeCores`` (in ``course.train.train`` and the
  models' ``generate``) reads every half second how much of this process's CPUs the rest of the
  machine took, and keeps the thread count at the cores left free, so two threads do not wait for each
  other while a neighbour holds one of two cores (not in a container held to a CPU quota).
- the thread count follows the cores this process may really use: its CPU affinity and its cgroup's
  CPU quota (a container limited to 2 CPUs gets 2 threads, not one per core of the host).

``import course`` calls ``configure()`` once. Override it with the environment variable
``COURSE_THREADS``: a number (that many threads), or ``torch`` (leave PyTorch's defaults alone, as
``benchmarks/bench_load.py`` does to compare). An ``OMP_NUM_THREADS``, ``OMP_WAIT_POLICY`` or
``GOMP_SPINCOUNT`` that is already set is respected: with an ``OMP_WAIT_POLICY`` of the user's own,
the course sets no spin count either. ``ADDED`` holds what ``configure`` put into the environment, so
a benchmark can start another program (nanoGPT) with PyTorch's own defaults.
"""
from __future__ import annotations

import math
import os
import sys
import time
from pathlib import Path


# A loop whose steps are smaller than this (multiply-adds a step) runs on one thread: generating a token
# with lesson 05's GPT (4 layers of 128, one sequence: 0.8 M) is no faster on two threads of a quiet
# 2-core Xeon VM (0.74 ms a token on one, 0.79 on two; a batch of 8, 6.3 M: 1.11 and 1.07 ms), and beside
# two busy loops one thread generated 100 tokens in 143 ms where two took 424 ms; a 6-layer, 384-wide
# model (10.6 M) was already 1.4 times faster on two (2026-12-03, ``benchmarks/bench_load.py``)
ONE_THREAD_WORK = 8_000_000
SPIN_COUNT = "10000"  # GNU OpenMP's spins before a waiting thread sleeps: about 100 µs by its estimate
ADDED: dict[str, str] = {}  # the environment variables configure() set
_CHOSEN: dict[str, int | None] = {}  # the thread count configure() set (None: the user's or PyTorch's)


def available_cores() -> int:
    """The CPUs this process may run on: its affinity mask, capped by a cgroup CPU quota if any."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        cores = os.cpu_count() or 1
    quota = _cgroup_quota()
    if quota is not None:
        cores = min(cores, max(1, math.ceil(quota)))
    return max(1, cores)


def _cgroup_quota() -> float | None:
    """CPUs allowed by the cgroup (v2 ``cpu.max``, or v1 ``cpu.cfs_quota_us``), None when unlimited."""
    try:
        text = Path("/sys/fs/cgroup/cpu.max").read_text().split()
        if text and text[0] != "max":
            return int(text[0]) / int(text[1])
        return None
    except (OSError, ValueError, IndexError):
        pass
    try:
        quota = int(Path("/sys/fs/cgroup/cpu/cpu.cfs_quota_us").read_text())
        period = int(Path("/sys/fs/cgroup/cpu/cpu.cfs_period_us").read_text())
        return quota / period if quota > 0 and period > 0 else None
    except (OSError, ValueError):
        return None


def choose_threads() -> int | None:
    """The thread count the course asks for; None means: leave PyTorch's default alone."""
    setting = os.environ.get("COURSE_THREADS", "").strip().lower()
    if setting == "torch":
        return None
    if setting:
        if not setting.isdigit() or int(setting) < 1:
            raise ValueError(f"COURSE_THREADS must be a positive number of threads or 'torch', got {setting!r}")
        return int(setting)
    if os.environ.get("OMP_NUM_THREADS", "").strip():
        return None  # the user (or tools/test.sh, or the autograder) chose already
    return available_cores()


def configure() -> int | None:
    """Apply the course's threading policy (see the module doc); return the thread count set, if any."""
    if os.environ.get("COURSE_THREADS", "").strip().lower() == "torch":
        _CHOSEN["threads"] = None
        return None
    threads = choose_threads()
    _CHOSEN["threads"] = threads if not os.environ.get("COURSE_THREADS", "").strip() else None
    if "torch" not in sys.modules:
        # Read by OpenMP when torch loads: spin briefly, then sleep, while waiting for other threads.
        if "OMP_WAIT_POLICY" not in os.environ:
            ADDED["OMP_WAIT_POLICY"] = os.environ["OMP_WAIT_POLICY"] = "PASSIVE"
            if "GOMP_SPINCOUNT" not in os.environ:
                ADDED["GOMP_SPINCOUNT"] = os.environ["GOMP_SPINCOUNT"] = SPIN_COUNT
    if threads is not None:
        import torch

        torch.set_num_threads(threads)
    return threads


# ---------------------------------------------------------------------------------------------------
# Following the free cores while a long loop runs

def _machine_busy_seconds() -> tuple[float, float] | None:
    """(busy, all) CPU seconds since boot of the CPUs this process may run on, from ``/proc/stat``'s
    ``cpuN`` lines: busy counts what every process ran there and the hypervisor's steal (time a neighbour
    of the virtual machine held the CPU). None where that cannot be read."""
    try:
        mine = {f"cpu{n}" for n in os.sched_getaffinity(0)}
        with open("/proc/stat", encoding="ascii") as f:
            lines = [line.split() for line in f if line.startswith("cpu")]
    except (AttributeError, OSError):
        return None
    busy = total = 0
    for fields in lines:
        if fields[0] in mine:
            ticks = [int(x) for x in fields[1:9]]  # user nice system idle iowait irq softirq steal
            busy += sum(ticks) - ticks[3] - ticks[4]
            total += sum(ticks)
    if not total:
        return None
    hz = os.sysconf("SC_CLK_TCK")
    return busy / hz, total / hz


class FreeCores:
    """Keeps PyTorch's thread count at the cores that other processes leave free, for a long loop.

    Call ``step()`` once per iteration (``course.train.train`` and ``GPT.generate`` do). About every
    ``interval`` seconds it reads how much CPU time the rest of the machine took (``/proc/stat`` less
    this process's own), and sets ``torch.set_num_threads`` to the cores left free: all of them (as
    ``configure`` chose) on a quiet machine, fewer beside busy neighbours, at least one. Two threads
    that wait for each other while a neighbour holds one of two cores run slower than one thread
    (``benchmarks/bench_load.py``). It does nothing where the user chose the thread count
    (``OMP_NUM_THREADS``, ``COURSE_THREADS``), where ``/proc/stat`` cannot be read, or in a container
    held to a CPU quota (its cores are a share of a bigger machine's, whose load says nothing of it).
    """

    def __init__(self, interval: float = 0.5, work: float | None = None):
        """``work``: multiply-adds in one step of the loop, if known; a loop of steps smaller than
        ``ONE_THREAD_WORK`` runs on one thread throughout (a second one cannot pay for its waits)."""
        import torch

        self.torch = torch
        self.interval = interval
        self.most = torch.get_num_threads()
        ours = _CHOSEN.get("threads") is not None and self.most > 1  # the course chose it, not the user
        self.small = ours and work is not None and work < ONE_THREAD_WORK
        self.active = (ours and not self.small and _cgroup_quota() is None
                       and _machine_busy_seconds() is not None)
        self.others = 0.0  # cores the rest of the machine used, smoothed over the last readings
        if self.small:
            torch.set_num_threads(1)
        self._mark()

    def _mark(self):
        self.wall = time.monotonic()
        self.own = time.process_time()
        self.machine = _machine_busy_seconds()

    def step(self) -> None:
        if not self.active or time.monotonic() - self.wall < self.interval:
            return
        wall, own, machine = self.wall, self.own, self.machine
        self._mark()
        if machine is None or self.machine is None:
            return
        elapsed = self.wall - wall
        others = max(0.0, (self.machine[0] - machine[0]) - (self.own - own)) / elapsed
        self.others = 0.5 * self.others + 0.5 * others
        threads = max(1, min(self.most, round(available_cores() - self.others)))
        if threads != self.torch.get_num_threads():
            self.torch.set_num_threads(threads)

    def close(self) -> None:
        """Give back the thread count the loop started with."""
        if (self.active or self.small) and self.torch.get_num_threads() != self.most:
            self.torch.set_num_threads(self.most)
