"""N grading workers on one gradebook, each notebook under a time limit (``autograder.clock``).

Each worker (``autograder.worker``) is a long-lived process, so nbgrader starts once per worker, not
once per notebook. A thread per worker hands it one job at a time and waits for the answer until the
notebook's deadline. Past it, the worker is killed with everything it started, the job is answered
``timed_out`` and a fresh worker takes the next job. A worker that dies mid-job answers
``worker_died``.

"Everything it started": the Jupyter kernel runs in its own session (a process-group kill misses it),
and if the worker dies first the kernel is re-parented away from it. So each worker gets a unique
environment variable, which the kernel and whatever the student's code starts inherit, and killing
a worker kills every process that carries its mark.
"""
from __future__ import annotations

import json
import os
import queue
import select
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Callable, Iterable

import psutil

from autograder.clock import Clock

PACKAGE_ROOT = Path(__file__).resolve().parent.parent
STARTUP_LIMIT = 180.0  # seconds for a worker to import nbgrader and open the gradebook
MARK = "AUTOGRADER_WORKER"
KILL_SECONDS = 60.0  # to see every process of a killed worker gone
SCRATCH_PREFIX = "autograder-worker-"  # its folder of temporary files (``TMPDIR``), removed with it


def marked_processes(mark: str) -> list[psutil.Process]:
    """This user's processes whose environment carries ``MARK=mark``."""
    found = []
    for process in psutil.process_iter():
        try:
            if process.environ().get(MARK) == mark:
                found.append(process)
        except (psutil.Error, OSError):  # gone, or another user's
            continue
    return found


def kill_all(processes: list[psutil.Process]) -> None:
    for process in processes:
        try:
            process.kill()
        except psutil.Error:  # gone, or not ours to kill
            pass
    psutil.wait_procs(processes, timeout=10)


def new_mark(pid: int | None = None) -> str:
    """A worker's mark: its grader's pid and 12 random hex digits. Short, since the folder of the worker's
    temporary files is named after it, and the kernel's Unix sockets lie inside it: a socket's path may not
    pass 107 characters, and with 32 digits a grader whose pid had 7 (Linux gives them past 999,999 where
    ``kernel.pid_max`` is 4,194,304, systemd's default) failed every notebook: "File name too long" (ch35,
    2026-12-06)."""
    return f"{os.getpid() if pid is None else pid}-{uuid.uuid4().hex[:12]}"


class Worker:
    def __init__(self, config: dict, env: dict, log_path: Path):
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(log_path, "ab")
        self.mark = new_mark()
        # its temporary files in a folder of its own, removed with it: a worker killed mid-job left the
        # answers' process's folder behind, with up to 512 MB of what the answers printed (a red team's,
        # 2026-12-02)
        self.scratch = tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{self.mark}-")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "autograder.worker", json.dumps(config)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log,
            env=dict(env, **{MARK: self.mark, "TMPDIR": self.scratch}), cwd=str(PACKAGE_ROOT))
        self._buffer = b""
        # a notebook's limit counts the time of the worker and all it starts, less what they waited for a CPU
        # (on the CPUs its kernels may use: ``sandbox.cpu_share``)
        from autograder.sandbox import cpu_share

        self.clock = Clock(self.process.pid, cpus=cpu_share(env))
        ready = self.read(self.clock.mark(), STARTUP_LIMIT)
        if not isinstance(ready, dict) or "ready" not in ready:
            self.kill()
            raise RuntimeError(f"a grading worker did not start ({ready!r}); see {log_path}")

    def read(self, mark: tuple[float, float], limit: float):
        """The next JSON line, ``"timeout"`` once ``limit`` seconds since ``mark`` are past on the worker's clock
        (``autograder.clock``), or ``"eof"`` if the worker died."""
        fd = self.process.stdout.fileno()
        while b"\n" not in self._buffer:
            if self.clock.past(mark, limit):
                return "timeout"
            readable, _, _ = select.select([fd], [], [], self.clock.left(mark, limit))
            if readable:
                chunk = os.read(fd, 1 << 16)
                if not chunk:
                    return "eof"
                self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        try:
            return json.loads(line)
        except ValueError:
            return None  # not an answer: skipped by ``run``

    def run(self, job: dict, limit: float) -> dict:
        # The answer must carry this job's nonce: a line that anything else managed to write into
        # the pipe (it cannot know the nonce) is skipped, never taken as a result.
        nonce = uuid.uuid4().hex
        try:
            self.process.stdin.write((json.dumps(dict(job, nonce=nonce)) + "\n").encode())
            self.process.stdin.flush()
        except BrokenPipeError:
            return dict(success=False, worker_died=True, job=job)
        mark = self.clock.mark()
        while True:
            answer = self.read(mark, limit)
            if answer in ("timeout", "eof") or (isinstance(answer, dict) and isinstance(answer.get("job"), dict)
                                                and answer["job"].get("nonce") == nonce):
                break
        if answer == "timeout":
            self.kill()
            return dict(success=False, timed_out=True, limit=limit, job=job)
        if answer == "eof":
            self.kill()
            return dict(success=False, worker_died=True, job=job)
        answer["job"] = job
        return answer

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def close(self) -> None:
        try:
            self.process.stdin.close()
            self.process.wait(timeout=30)
        except (subprocess.TimeoutExpired, BrokenPipeError, OSError):
            pass
        self.kill()

    def kill(self) -> None:
        """Kill the worker, its kernel and anything they started (the worker first, so it starts
        nothing new). Safe after the worker has exited: its pid is only used while not reaped.
        Until none is left: one look at the process table can miss a process that was starting or
        whose environment could not be read at that moment, and a killed one can outlive the wait on
        a busy machine (seen once: a sandboxed kernel still there after its worker was killed)."""
        if self.process.returncode is None:
            try:
                self.process.kill()
            except OSError:
                pass
        self.process.wait()
        deadline = time.monotonic() + KILL_SECONDS
        while (left := marked_processes(self.mark)) and time.monotonic() < deadline:
            kill_all(left)
        from autograder.sandbox import remove_cgroups, remove_tree
        remove_cgroups(self.mark)  # the sandboxes' cgroups, which a worker killed had no time to remove
        remove_tree(self.scratch)  # (never raises: what a kernel left there may be thousands of folders deep)
        self._log.close()


# A folder left this recently is not swept even where its grader's pid runs no more: the pid may be another PID
# namespace's (a grader in a container sharing /tmp), or a test's stand-in for a seven-digit pid, whose kernel
# a concurrent `autograde` swept from under it (the suite, 2026-12-06: "Kernel died before replying").
STALE_AFTER_SECONDS = 600


def remove_stale_scratch() -> None:
    """Remove the folders of temporary files of this user's workers whose ``autograde`` is gone (its pid,
    in the folder's name, runs no more). A worker removes its own when it ends, and ``autograde`` does for a
    worker it kills; but a ``kill -9`` of the whole process group (a scheduler's hard stop, the OOM killer
    of a container) leaves them in /tmp, with what the answers printed (ch35, 2026-12-06)."""
    from autograder.sandbox import remove_stale_cgroups, remove_tree

    top = Path(tempfile.gettempdir())
    try:
        folders = [f for f in top.iterdir() if f.name.startswith(SCRATCH_PREFIX)]
    except OSError:
        return
    for folder in folders:
        grader = folder.name[len(SCRATCH_PREFIX):].split("-", 1)[0]
        try:
            seen = folder.lstat()
            mine = seen.st_uid == os.getuid() and folder.is_dir() and not folder.is_symlink() \
                and time.time() - seen.st_mtime > STALE_AFTER_SECONDS
        except OSError:
            continue
        if mine and grader.isdigit() and not psutil.pid_exists(int(grader)):
            remove_tree(folder)
    remove_stale_cgroups(STALE_AFTER_SECONDS)  # (and their sandboxes' cgroups, with what is left in them)


def run_jobs(jobs: Iterable[dict], config: dict, workers: int, notebook_limit: float,
             on_answer: Callable[[dict], None], log_dir: Path) -> None:
    """Grade ``jobs`` on ``workers`` workers; ``on_answer`` is called in this thread, one at a time."""
    remove_stale_scratch()
    pending: queue.Queue = queue.Queue()
    for job in jobs:
        pending.put(job)
    answers: queue.Queue = queue.Queue()
    env = dict(os.environ, COURSE_FAST="1",
               PYTHONPATH=os.pathsep.join(filter(None, [str(PACKAGE_ROOT), os.environ.get("PYTHONPATH")])))
    if workers > 1 and "OMP_NUM_THREADS" not in env:  # N kernels sharing the cores, not N × all cores
        env["OMP_NUM_THREADS"] = str(max(1, (os.cpu_count() or 1) // workers))
    from autograder.sandbox import MEMORY_VARIABLE, SANDBOXES_AT_ONCE, WORKER_BYTES, memory_share
    if MEMORY_VARIABLE not in env:  # N workers' sandboxes sharing the memory there is, not N × 6 GB each
        available = psutil.virtual_memory().available
        share = memory_share(workers, available)
        env[MEMORY_VARIABLE] = str(share)
        if workers * (SANDBOXES_AT_ONCE * share + WORKER_BYTES) > available:
            print(f"autograde: {workers} workers on {available / 2**30:.1f} GB of available memory leave each "
                  f"sandbox {share / 2**30:.1f} GB, and all of them together more than there is: a notebook that "
                  f"takes all of its share could end a classmate's; grade with fewer --workers", file=sys.stderr)

    live: set[Worker] = set()
    lock = threading.Lock()

    def slot(number: int) -> None:
        worker = None
        try:
            while True:
                try:
                    job = pending.get_nowait()
                except queue.Empty:
                    return
                answers.put(dict(started=True, job=job))
                try:
                    if worker is None or not worker.alive:
                        worker = Worker(config, env, log_dir / f"worker-{number}.log")
                        with lock:
                            live.add(worker)
                    answer = worker.run(job, notebook_limit)
                except Exception as error:  # a worker that cannot start: report, do not hang
                    answer = dict(success=False, worker_error=f"{type(error).__name__}: {error}", job=job)
                if answer.get("timed_out") or answer.get("worker_died"):
                    with lock:
                        live.discard(worker)
                    worker = None
                answers.put(answer)
        finally:
            try:
                if worker is not None:
                    worker.close()
                    with lock:
                        live.discard(worker)
            except Exception as error:  # said, and the batch goes on: the notebook's result is already in
                print(f"autograde: a grading worker's cleanup failed ({type(error).__name__}: {error})",
                      file=sys.stderr)
            finally:  # whatever the cleanup met, the batch hears that this slot is done (or it waits for good)
                answers.put(None)

    threads = [threading.Thread(target=slot, args=(n,), daemon=True) for n in range(max(1, workers))]
    for thread in threads:
        thread.start()
    finished = 0
    try:
        while finished < len(threads):
            answer = answers.get()
            if answer is None:
                finished += 1
            else:
                on_answer(answer)
    except BaseException:  # Ctrl-C or an error in on_answer: leave no worker or kernel running
        while not pending.empty():
            pending.get_nowait()
        with lock:
            for worker in list(live):
                worker.kill()
        raise
    for thread in threads:
        thread.join()
