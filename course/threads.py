"""How many CPU threads PyTorch uses, chosen for machines that are shared.

PyTorch's CPU kernels run on OpenMP threads. By default there are as many as the machine has physical
cores, and at the end of every parallel region each thread spins (busy-waits) for the others before it
sleeps. On a quiet laptop that is fastest. On a machine whose cores are shared (a class JupyterHub, a
laptop with a browser busy, a container given 2 CPUs of a 64-core server) it collapses: when a
neighbour holds one core, the threads on the others spin for a thread that is not running, and a small
model's training step, made of hundreds of short parallel regions, gets many times slower
(``benchmarks/bench_load.py`` prints the table). Two settings fix it where it lives:

- ``OMP_WAIT_POLICY=PASSIVE`` with ``GOMP_SPINCOUNT=1000``: a thread that waits spins for about 10 µs
  (GNU OpenMP's estimate: 100,000 spins a millisecond), then sleeps, where PyTorch's default spins
  about 3 ms. On a quiet machine the partner thread nearly always arrives within those 10 µs, so a
  small model's step runs as fast as with spinning; a thread that sleeps at once (the spin count 0
  of plain ``PASSIVE``) pays for a wake-up at every parallel region, and made lesson 05's GPT step
  1.5 times slower on two quiet cores (48 against 32 ms). Beside busy neighbours the short spin
  wastes up to 10 µs a region: that step took 79 ms against 61 ms beside two busy loops, where
  PyTorch's default collapses. ``benchmarks/bench_load.py`` compares the choices. OpenMP reads
  these once, when PyTorch is loaded, so ``import course`` must come before ``import torch`` for
  them to apply (the lessons' first cell does that); in a process that already imported torch it is
  too late and ``configure`` only sets the thread count. (Child processes inherit them.) On Linux,
  PyTorch's wheels use GNU OpenMP; other OpenMP runtimes ignore ``GOMP_SPINCOUNT`` and just sleep.
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
from pathlib import Path


SPIN_COUNT = "1000"  # GNU OpenMP's spins before a waiting thread sleeps: about 10 µs
ADDED: dict[str, str] = {}  # the environment variables configure() set


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
        return None
    threads = choose_threads()
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
