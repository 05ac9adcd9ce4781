"""The sandbox every kernel that runs student code starts in: ``bwrap`` (Debian's ``bubblewrap``).

nbclient starts a Jupyter kernel for each notebook it grades. ``SandboxedKernelManager`` (named in the
autograde configuration, see ``gradebook.make_api``) starts that kernel inside ``bwrap``, which gives
it:

* a file system of its own: a *copy* of the notebook's folder as ``/submission`` (writable, thrown
  away) without its notebooks (the one graded holds the hidden tests), Python and its packages read-only, the ``course`` package read-only under ``/course``, a few
  files of ``/etc`` (fonts, time zone, users) and an empty ``/tmp``. Not visible: the gradebook,
  ``status.json``, ``solutions/``, ``lessons/``, other students' submissions, ``autograded/``,
  ``feedback/``, the home folder, the repository;
* no network (its own network namespace; the kernel talks to the grader over Unix sockets in a
  private folder, Jupyter's ``ipc`` transport);
* its own PID namespace: it cannot see or signal the grader or any other process, and when the
  kernel is killed everything it started dies with it (``--die-with-parent``, and the namespace's
  first process takes the others down);
* no capabilities, even when the grader runs as root;
* limits (``setrlimit`` before the kernel starts): address space, processes, size of a written file,
  open files. Linux does not hold root to the limit on processes, and the address space is counted per
  process, so the sandbox also starts in cgroups of its own (``ProcessCap``): ``pids.max`` (a fork
  bomb fails to fork instead of filling the machine, whoever the grader runs as) and a limit on the
  memory of all its processes and in-memory files together, and, when notebooks are graded side by
  side (``--workers``), a CPU quota of its share of the cores: what it starts cannot take a core from
  the notebook graded beside it.

The re-check's answers' processes (``autograder.recheck``) run in such a sandbox too, without the
notebook's folder, and without the course package but for the one of the exercises that get models of the
course's classes (``recheck.MODEL_TESTS``).

``require()`` fails closed: grading refuses to start when ``bwrap`` is missing or cannot create its
namespaces, unless ``--no-sandbox`` says this machine is trusted.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager

COURSE_PACKAGE = Path(__file__).resolve().parent.parent / "course"
ETC_FILES = ("fonts", "ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "passwd", "group",
             "nsswitch.conf", "hosts", "mime.types")
MISSING = ("the autograder runs student code inside bubblewrap (`bwrap`), which is not installed or cannot "
           "start here: {why}. Install it (Debian/Ubuntu: `apt-get install bubblewrap`), or, on a machine that "
           "holds nothing of value, grade with `--no-sandbox`.")


@dataclass(frozen=True)
class Limits:
    memory_bytes: int = 8 * 2**30   # address space of the kernel and each process it starts
    processes: int = 256            # processes and threads: a cgroup's pids.max (root too), and RLIMIT_NPROC
    memory_total_bytes: int = 6 * 2**30  # all its processes and its files in memory together (a cgroup's)
    file_bytes: int = 512 * 2**20   # largest file a cell may write
    open_files: int = 1024
    # the main thread's stack: Python 3.11 recurses through C (a key function that calls itself by `sorted`,
    # `map`, a class made in its own __init__) with only the recursion limit to stop it, and 8 MB held about
    # 4,000 such calls: an answer that raised the limit to 10,000 and recursed without end crashed the kernel
    # (every exercise of the notebook lost, ch59). 64 MB holds the most the grading kernel lets an answer set
    # (``preprocessors.MAX_RECURSION``) through sorted, map, __init__, a property or reduce. (glibc gives each
    # new thread a stack of this size too: address space, not memory, counted against ``memory_bytes``.)
    stack_bytes: int = 64 * 2**20
    # what it may write in all: /tmp and /submission are file systems in memory of this size each (the
    # grader's disk and memory are its neighbours' too), and the folder of its sockets, on the grader's
    # disk, is watched (``FolderWatch``)
    written_bytes: int = 512 * 2**20
    # CPUs all its processes together may use (a cgroup's CPU quota; None: no cap): its share of the cores
    # when notebooks are graded side by side. An answer's DataLoader with 4 spinning workers took a core
    # from the notebook graded beside it (a red team's, 2026-12-04); under the cap they share its own.
    cpus: float | None = None


MEMORY_VARIABLE = "AUTOGRADER_SANDBOX_MEMORY"  # bytes each sandbox may hold, set by the pool for its workers
SANDBOXES_AT_ONCE = 2  # that hold a worker's answers at once: the answers' process and its companion (the kernel
#                        ends before they get the answers; idle, each holds torch's imports, a few hundred MB)
WORKER_BYTES = 2**30   # a worker's own share: nbgrader, and its checks' copies of the course's modules
# what an honest notebook may need: its kernel's memory cgroup peaked at 0.67, 0.80, 0.53 and 1.19 GB (lessons 03
# to 06, the answers' processes at 0.19 to 0.29 GB; one worker, COURSE_FAST, ch53)
MIN_SANDBOX_BYTES = 2 * 2**30


def memory_share(workers: int, available: int | None = None) -> int:
    """The memory each sandbox may hold (``Limits.memory_total_bytes``) when ``workers`` notebooks are graded
    side by side: 6 GB, or less, so that every sandbox the workers may hold at once, with each worker's own
    share, fits in the memory ``available`` now (default: the machine's). With a fixed 6 GB, two workers held
    up to 4 sandboxes of 6 GB at once, 24 GB, on a grader of 23 GB, shared with the classmates' notebooks graded
    beside them and the grader itself: past the machine's memory the kernel's OOM killer ends the
    largest process on the machine, a classmate's kernel (0.5 to 0.8 GB) when a notebook spreads its memory over
    DataLoader workers of a few hundred MB each (ch53). Never below ``MIN_SANDBOX_BYTES``: past
    that, fewer workers are the answer (``autograde`` says so)."""
    if available is None:
        import psutil

        available = psutil.virtual_memory().available
    share = (available - workers * WORKER_BYTES) // (max(1, workers) * SANDBOXES_AT_ONCE)
    return int(min(Limits.memory_total_bytes, max(MIN_SANDBOX_BYTES, share)))


def memory_limit(env=None) -> int:
    """What the pool set for this worker's sandboxes (``memory_share``), or the default 6 GB."""
    try:
        value = int((os.environ if env is None else env).get(MEMORY_VARIABLE, ""))
    except ValueError:
        return Limits.memory_total_bytes
    return value if 0 < value < Limits.memory_total_bytes else Limits.memory_total_bytes


def bwrap_path() -> str | None:
    return shutil.which("bwrap")


def require() -> str:
    """The path of a working ``bwrap``; ``SystemExit`` with what to do when there is none."""
    path = bwrap_path()
    if path is None:
        raise SystemExit(MISSING.format(why="no `bwrap` on PATH"))
    probe = subprocess.run([path, "--ro-bind", "/", "/", "--unshare-all", "--die-with-parent", "--cap-drop", "ALL",
                            "--size", str(2**20), "--tmpfs", "/tmp", "true"], capture_output=True, text=True, timeout=30)
    if probe.returncode != 0:
        why = (probe.stderr.strip() or f"exit status {probe.returncode}")[:300]
        if "--size" in why:
            why += " (bubblewrap 0.8 or later sizes its file systems in memory)"
        raise SystemExit(MISSING.format(why=why))
    return path


def _python_dirs() -> list[Path]:
    """Folders the interpreter and its packages live in (read-only in the sandbox)."""
    found = []
    for p in {sys.prefix, sys.base_prefix, sys.exec_prefix, os.path.dirname(os.path.realpath(sys.executable))}:
        found.append(Path(p))
    return found


def _cgroup_root(controller: str) -> Path | None:
    """The folder of this process's own cgroup in ``controller``'s hierarchy (cgroup v1, or v2 with the
    controller enabled for its children); None where there is none."""
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        _, controllers, path = line.split(":", 2)
        if controller in controllers.split(","):  # v1: a hierarchy of its own
            folder = Path("/sys/fs/cgroup") / controller / path.lstrip("/")
            return folder if folder.is_dir() else None
    for line in lines:
        if line.startswith("0::"):  # v2: one hierarchy, children get the controllers in subtree_control
            folder = Path("/sys/fs/cgroup") / line[3:].lstrip("/")
            try:
                enabled = (folder / "cgroup.subtree_control").read_text().split()
            except OSError:
                return None
            return folder if controller in enabled else None
    return None


CGROUP_PREFIX = "course-sandbox-"


def cgroup_prefix(mark: str | None = None) -> str:
    """The start of the name of a sandbox's cgroups: with the grading worker's mark (``autograder.pool``),
    so that the pool removes those of a worker it killed, which had no time to remove them (a red team
    counted two left behind by every notebook stopped at its time limit, 2026-12-04)."""
    mark = os.environ.get("AUTOGRADER_WORKER", "") if mark is None else mark
    return f"{CGROUP_PREFIX}{mark}-" if mark else CGROUP_PREFIX


def _empty_and_remove(folder: Path) -> None:
    """Kill what is in the cgroup ``folder`` until nothing is, and remove it (a killed process leaves its
    cgroup a moment later); never raises."""
    import signal
    import time

    for _ in range(50):
        try:
            pids = [int(p) for p in (folder / "cgroup.procs").read_text().split()]
        except (OSError, ValueError):
            pids = []
        for pid in pids:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        try:
            folder.rmdir()
            return
        except FileNotFoundError:
            return
        except OSError:
            time.sleep(0.02)


def _sandbox_cgroups(prefix: str) -> list[Path]:
    """The sandboxes' cgroups whose names start with ``prefix``, in every hierarchy the sandboxes use."""
    found = []
    for root in {root for root in map(_cgroup_root, ("pids", "memory", "cpu")) if root is not None}:
        try:
            found += [f for f in root.iterdir() if f.name.startswith(prefix) and f.is_dir()]
        except OSError:
            continue
    return found


def remove_cgroups(mark: str) -> None:
    """Kill what is left in the cgroups made by the worker marked ``mark`` and remove them; never raises."""
    if not mark:
        return
    for folder in _sandbox_cgroups(cgroup_prefix(mark)):
        _empty_and_remove(folder)


def remove_stale_cgroups(older_than: float) -> None:
    """Kill what is left in the sandboxes' cgroups of graders that are gone (the pid in the worker's mark no
    longer runs) and that were made more than ``older_than`` seconds ago, and remove them; never raises. A
    grader killed with its whole process group (``kill -9``, a container's OOM killer) had no time to remove
    them: two empty ones of the day before were found under /sys/fs/cgroup (2026-12-07), and a sandbox's
    process that outlived its kernel would stay in one."""
    import time

    import psutil

    for folder in _sandbox_cgroups(CGROUP_PREFIX):
        grader = folder.name[len(CGROUP_PREFIX):].split("-", 1)[0]
        try:
            old = time.time() - folder.stat().st_mtime > older_than
        except OSError:
            continue
        if old and grader.isdigit() and not psutil.pid_exists(int(grader)):
            _empty_and_remove(folder)


CPU_PERIOD = 100_000  # µs: the quota is counted per tenth of a second


def cpu_share(env: dict) -> float | None:
    """The CPUs a kernel started with ``env`` may use: its ``OMP_NUM_THREADS`` (the pool's share of the
    cores for each of its workers), or None (no cap) when that is unset or not below the cores there are."""
    try:
        threads = int(env.get("OMP_NUM_THREADS", ""))
    except ValueError:
        return None
    return float(threads) if 0 < threads < (os.cpu_count() or 1) else None


class ProcessCap:
    """Cgroups of its own for one sandbox: ``pids.max`` holds it to ``limits.processes`` processes and
    threads (the kernel refuses a fork past it, for root too: ``RLIMIT_NPROC`` does not hold root), and
    the CPU controller to ``limits.cpus`` (when given), the memory controller to
    ``limits.memory_total_bytes`` for all its processes together, the files
    they keep in memory included (``/tmp``, ``/submission`` and bwrap's own ``/dev``, a file system in
    memory as large as half the machine's: a red team filled ``/dev/shm`` past every other limit, and
    forked workers that each stayed under the limit per process, 2026-12-01). Past it, the kernel
    OOM-kills within the sandbox only. ``prefix()`` goes in front of the sandbox's command and moves it
    into the cgroups before it starts; ``close()`` kills what is left there and removes them. Where this
    machine lets the grader make none (not root, no delegation), ``path`` is None and only the limits
    per process apply."""

    def __init__(self, limits: "Limits"):
        self.folders: dict[str, Path] = {}
        self.cpus = limits.cpus  # (the kernel's clock reads it: ``autograder.clock``)
        settings = {"pids": [("pids.max", limits.processes)],
                    "memory": [("memory.limit_in_bytes", limits.memory_total_bytes),  # v1
                               ("memory.memsw.limit_in_bytes", limits.memory_total_bytes),  # v1, and no swap
                               ("memory.max", limits.memory_total_bytes), ("memory.swap.max", 0)]}  # v2
        if limits.cpus is not None:
            quota = max(1000, round(limits.cpus * CPU_PERIOD))
            settings["cpu"] = [("cpu.cfs_period_us", CPU_PERIOD), ("cpu.cfs_quota_us", quota),  # v1
                               ("cpu.max", f"{quota} {CPU_PERIOD}")]  # v2
        for controller, values in settings.items():
            root = _cgroup_root(controller)
            if root is None:
                continue
            folder = next((f for f in self.folders.values() if f.parent == root), None)  # v2: one folder
            try:
                folder = folder or Path(tempfile.mkdtemp(prefix=cgroup_prefix(), dir=root))
            except OSError:
                continue
            wrote = False
            for name, value in values:
                if (folder / name).exists():
                    try:
                        (folder / name).write_text(str(value))
                        wrote = True
                    except OSError:
                        pass
            if wrote:
                self.folders[controller] = folder
            elif folder not in self.folders.values():
                with contextlib.suppress(OSError):
                    folder.rmdir()

    @property
    def path(self) -> Path | None:
        """The pids cgroup's folder (None: processes are not capped for root)."""
        return self.folders.get("pids")

    def prefix(self) -> list[str]:
        if not self.folders:
            return []
        import shlex

        # the shell's pid becomes bwrap's by exec: bwrap and all it starts are counted there
        moves = " && ".join(f"echo $$ > {shlex.quote(str(folder / 'cgroup.procs'))}"
                            for folder in dict.fromkeys(self.folders.values()))
        return ["/bin/sh", "-c", moves + ' && exec "$@"', "sh"]

    def oom_kills(self) -> int:
        """How many of its processes the kernel killed for going past the memory limit (0 when unknown)."""
        folder = self.folders.get("memory")
        for name in ("memory.events", "memory.oom_control"):  # v2, v1: a line "oom_kill N" in each
            try:
                lines = (folder / name).read_text().splitlines() if folder is not None else []
            except OSError:
                continue
            for line in lines:
                if line.startswith("oom_kill "):
                    return int(line.split()[1])
        return 0

    def close(self) -> None:
        for folder in dict.fromkeys(self.folders.values()):  # what the PID namespace did not take down
            _empty_and_remove(folder)
        self.folders = {}


def _installed_course() -> list[str]:
    """The course package's folders inside the interpreter's own (a ``pip install .`` rather than ``-e``),
    which the sandbox's read-only Python would show."""
    import importlib.util

    spec = importlib.util.find_spec("course")
    found = [os.path.realpath(p) for p in (spec.submodule_search_locations or [])] if spec else []
    inside = [os.path.realpath(p) for p in _python_dirs()]
    return [p for p in found if any(p.startswith(d.rstrip(os.sep) + os.sep) for d in inside)]


def bwrap_argv(bwrap: str, work: Path, private: Path | None, limits: Limits = Limits(),
               cap: ProcessCap | None = None, course: bool = True) -> list[str]:
    """The ``bwrap … --`` prefix for a command that runs in /submission, a file system in memory that
    holds ``work``'s files read-only, and talks through the Unix sockets and connection file in
    ``private`` (bound at its own path; None: no such folder). ``cap``: the cgroup it starts in.
    ``course``: whether the course package is there (read-only at /course/course); without it, not even a
    copy installed among Python's packages is (an empty folder in its place)."""
    # No --new-session: the grader interrupts a cell with SIGINT to the kernel's process group.
    # bwrap's /dev is a file system in memory as large as half the machine's, /dev/shm a folder in it: only a
    # memory cgroup counted what was written there, and a grader that may make none (not root, no delegation)
    # held a sandbox to nothing (ch43). /dev is read-only (its devices still work) and /dev/shm a file system
    # of its own, of the size of /tmp.
    size = str(limits.written_bytes)
    argv = (cap.prefix() if cap is not None else []) + [bwrap, "--unshare-all", "--die-with-parent", "--cap-drop", "ALL",
            "--proc", "/proc", "--dev", "/dev", "--remount-ro", "/dev", "--size", size, "--tmpfs", "/dev/shm",
            "--size", size, "--tmpfs", "/tmp", "--dir", "/tmp/home"]
    for system in ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(system):
            argv += ["--symlink", os.readlink(system), system]
        elif os.path.isdir(system):
            argv += ["--ro-bind", system, system]
    for name in ETC_FILES:
        if os.path.exists(f"/etc/{name}"):
            argv += ["--ro-bind", f"/etc/{name}", f"/etc/{name}"]
    for folder in _python_dirs():
        if not str(folder).startswith(("/usr/", "/bin", "/lib")):
            argv += ["--ro-bind", os.path.realpath(folder), str(folder)]
    if course:
        argv += ["--ro-bind", str(COURSE_PACKAGE), "/course/course"]
    else:
        for folder in _installed_course():
            argv += ["--tmpfs", folder]
    argv += ["--size", size, "--tmpfs", "/submission"]
    for entry in sorted(os.listdir(work)):  # read-only: what a cell writes stays in memory, within the size
        argv += ["--ro-bind", str(Path(work) / entry), f"/submission/{entry}"]
    if private is not None:
        argv += ["--bind", str(private), str(private)]
    return argv + ["--chdir", "/submission", "--"] + _limit_prefix(limits)


def remove_tree(folder) -> None:
    """Remove ``folder`` and everything in it; never raises. What a sandbox wrote there may be a chain of
    thousands of nested folders, past Python's recursion limit (``shutil.rmtree`` raised RecursionError
    on 1,200 levels, which ``ignore_errors`` does not cover, and a grader's cleanup that raised left
    ``autograde`` waiting for good: a red team's, 2026-12-04), or past the system's limit on a path's
    length: GNU ``rm -rf`` walks any depth, and does not follow links."""
    try:
        shutil.rmtree(folder, ignore_errors=True)
    except Exception:  # RecursionError above all
        pass
    if os.path.lexists(folder):
        with contextlib.suppress(Exception):
            subprocess.run(["rm", "-rf", "--one-file-system", "--", os.fspath(folder)], check=False,
                           stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           timeout=600)


WATCH_DEPTH = 16         # folders within folders a kernel's socket folder may hold (it needs none)
WATCH_ENTRIES = 10_000   # files and folders it may hold (a kernel makes a handful)
ENTRY_BYTES = 4096       # what one entry costs the disk at least (a folder's block, an inode), counted as such


def _entries(top: str):
    """``(folder, entry, is_folder)`` for every entry under ``top`` (``entry`` an ``os.DirEntry``), walked with
    a list, not by recursion; None, and no more, at a folder past ``WATCH_DEPTH`` levels or one whose path
    is too long to read (``ENAMETOOLONG``: what is in it could not be counted)."""
    import errno

    stack = [(top, 0)]
    while stack:
        folder, depth = stack.pop()
        try:
            with os.scandir(folder) as listing:
                for entry in listing:
                    try:
                        is_folder = entry.is_dir(follow_symlinks=False)
                    except OSError:
                        is_folder = False
                    yield folder, entry, is_folder
                    if is_folder:
                        if depth + 1 >= WATCH_DEPTH:
                            yield None
                            return
                        stack.append((entry.path, depth + 1))
        except OSError as error:
            if error.errno == errno.ENAMETOOLONG:
                yield None
                return
            continue  # (gone meanwhile: the kernel removes its own files)


class FolderWatch:
    """Kills a process when the files in ``folder`` grow past ``limit`` bytes: the folder of a kernel's
    sockets is on the grader's disk, and writable (the kernel makes its sockets there), so a cell could
    otherwise fill the disk that the grader and the notebooks graded beside it write to."""

    def __init__(self, folder: Path, limit: int, pid: int, every: float = 0.2):
        import threading

        self.folder, self.limit, self.pid, self.every, self.tripped = folder, limit, pid, every, False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _size(self) -> int:
        """What the folder costs the disk: its files' sizes, and at least a block for each entry (empty
        folders and files fill a disk's inodes too). Folders nested deeper than ``WATCH_DEPTH``, or more
        than ``WATCH_ENTRIES`` entries, count as past any limit: a kernel makes a few sockets there, and
        a chain of folders deep enough to defeat a walk (or a path's length) is an attack. The walk keeps
        a list, not a recursion (``os.fwalk`` raised RecursionError on 1,200 nested folders, and this
        thread died with it: a red team's, 2026-12-04)."""
        import errno

        total, count = 0, 0
        for item in _entries(os.fspath(self.folder)):
            if item is None:
                return sys.maxsize
            _, entry, is_folder = item
            count += 1
            if count > WATCH_ENTRIES:
                return sys.maxsize
            total += ENTRY_BYTES
            if not is_folder:
                try:
                    total += entry.stat(follow_symlinks=False).st_size
                except OSError as error:
                    if error.errno == errno.ENAMETOOLONG:  # a file that cannot be measured counts as too big
                        return sys.maxsize
        return total

    def _run(self) -> None:
        import signal

        while not self._stop.wait(self.every):
            try:
                size = self._size()
            except Exception:  # whatever the folder holds, the watch goes on, and what it cannot read trips it
                size = sys.maxsize
            if size > self.limit:
                self.tripped = True
                try:
                    os.killpg(self.pid, signal.SIGKILL)  # bwrap and all it started (--die-with-parent)
                except OSError:
                    with contextlib.suppress(OSError):
                        os.kill(self.pid, signal.SIGKILL)
                self._remove_files()
                return

    def _remove_files(self) -> None:
        """Frees the disk at once (the folder itself goes with the kernel's cleanup): the top folder's
        files but its sockets and kernel.json, and every folder it holds."""
        try:
            with os.scandir(self.folder) as listing:
                entries = list(listing)
        except OSError:
            return
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    remove_tree(entry.path)
                elif not entry.name.startswith("socket") and entry.name != "kernel.json":
                    os.unlink(entry.path)
            except OSError:
                pass

    def stop(self) -> None:
        self._stop.set()


def _limit_prefix(limits: Limits) -> list[str]:
    """``python -c …`` that sets the limits and then execs the command (a few milliseconds)."""
    code = ("import os, resource as r, sys\n"
            f"r.setrlimit(r.RLIMIT_AS, ({limits.memory_bytes}, {limits.memory_bytes}))\n"
            f"r.setrlimit(r.RLIMIT_NPROC, ({limits.processes}, {limits.processes}))\n"
            f"r.setrlimit(r.RLIMIT_FSIZE, ({limits.file_bytes}, {limits.file_bytes}))\n"
            f"r.setrlimit(r.RLIMIT_NOFILE, ({limits.open_files}, {limits.open_files}))\n"
            "r.setrlimit(r.RLIMIT_CORE, (0, 0))\n"
            f"r.setrlimit(r.RLIMIT_STACK, ({limits.stack_bytes}, {limits.stack_bytes}))\n"
            # the kernel's parent is the namespace's init (pid 1): no parent polling (bwrap's
            # --die-with-parent ends the kernel with the grader)
            "os.environ['JPY_PARENT_PID'] = '1'\n"
            "os.execv(sys.argv[1], sys.argv[1:])")
    return [sys.executable, "-S", "-c", code]


def sandbox_env(env: dict) -> dict:
    """The kernel's environment: nothing of the grader's but what Python and the lessons need."""
    keep = {k: v for k, v in env.items() if k in ("PATH", "LANG", "LC_ALL", "COURSE_FAST", "OMP_NUM_THREADS",
                                                  "MKL_NUM_THREADS", "JPY_SESSION_NAME", "TZ",
                                                  "AUTOGRADER_WORKER")}  # the pool's mark: it kills by it
    # A value a kernel-side library might read, pointing at nothing outside /tmp.
    return dict(keep, HOME="/tmp/home", PYTHONPATH="/course", MPLCONFIGDIR="/tmp/home/.matplotlib",
                PYTHONDONTWRITEBYTECODE="1", JUPYTER_RUNTIME_DIR="/tmp/home/runtime", IPYTHONDIR="/tmp/home/.ipython",
                MPLBACKEND="module://matplotlib_inline.backend_inline", PYDEVD_DISABLE_FILE_VALIDATION="1")


SOCKET_PATH_BYTES = 107  # the most a Unix socket's path may hold on Linux (sun_path, less its NUL)


class SandboxedKernelManager(AsyncKernelManager):
    """A kernel manager whose kernel runs under ``bwrap`` (see the module docstring)."""

    limits = Limits()
    # the memory limits (bytes) of the kernels whose processes were killed for going past them, since the
    # grading worker last emptied it: a kernel that died so is named "out of memory" to its student
    out_of_memory: list[int] = []

    def _count_memory_kills(self) -> None:
        cap = getattr(self, "_cap", None)
        if cap is not None and cap.oom_kills():
            SandboxedKernelManager.out_of_memory.append(self._memory_limit)

    async def _async_pre_start_kernel(self, **kw):
        self._private = Path(tempfile.mkdtemp(prefix="autograder-kernel-"))
        longest = str(self._private / "socket-99")
        if len(longest.encode()) > SOCKET_PATH_BYTES:  # zmq's own words were "File name too long"
            remove_tree(self._private)
            raise RuntimeError(f"the kernel's sockets would lie at {longest}, longer than the {SOCKET_PATH_BYTES} "
                               f"bytes a Unix socket's path may have: set TMPDIR to a shorter folder")
        self.transport = "ipc"
        self.ip = str(self._private / "socket")
        self.connection_file = str(self._private / "kernel.json")
        return await super()._async_pre_start_kernel(**kw)

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        cwd = Path(kw.get("cwd") or os.getcwd())
        # not inside the private folder: that one is writable from the sandbox, at its own path
        self._work = Path(tempfile.mkdtemp(prefix="autograder-submission-"))
        work = self._work / "submission"
        # A copy: the kernel may scribble on it; the grader's own files there are never touched. Without
        # the notebooks: nbgrader runs the notebook in the folder where it wrote it with the hidden tests
        # of every cell put back, which a cell could read and print into its feedback (a red team did,
        # with torch's FileOpener, 2026-12-01). No lesson reads a notebook.
        shutil.copytree(cwd, work, symlinks=True, ignore=shutil.ignore_patterns(".*", "*.ipynb"))
        kw["cwd"] = str(self._private)
        kw["env"] = sandbox_env(kw.get("env") or dict(os.environ))
        if getattr(self, "_cap", None) is not None:  # a restart's: the kernel it held is gone
            self._count_memory_kills()
            self._cap.close()
        self._memory_limit = min(self.limits.memory_total_bytes, memory_limit())
        self._cap = ProcessCap(replace(self.limits, cpus=self.limits.cpus or cpu_share(kw["env"]),
                                       memory_total_bytes=self._memory_limit))
        argv = bwrap_argv(require_cached(), work, self._private, self.limits, self._cap)
        connection = await super()._async_launch_kernel(argv + list(kernel_cmd), **kw)
        process = getattr(self.provisioner, "process", None)
        if process is not None:
            self._watch = FolderWatch(self._private, self.limits.written_bytes, process.pid)
        return connection

    async def _async_interrupt_kernel(self) -> None:
        # A SIGINT to the process group would end bwrap itself (it does not pass signals on):
        # ask the kernel through its control channel instead (ipykernel then interrupts itself).
        if self.has_kernel:
            self._connect_control_socket()
            self.session.send(self._control_socket, self.session.msg("interrupt_request", content={}))

    interrupt_kernel = _async_interrupt_kernel

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if getattr(self, "_watch", None) is not None and not restart:
            self._watch.stop()
        if getattr(self, "_cap", None) is not None and not restart:
            self._count_memory_kills()
            self._cap.close()
        for folder in (getattr(self, "_private", None), getattr(self, "_work", None)):
            if folder is not None and not restart:
                remove_tree(folder)

    cleanup_resources = _async_cleanup_resources


_BWRAP: str | None = None


def require_cached() -> str:
    global _BWRAP
    if _BWRAP is None:
        _BWRAP = require()
    return _BWRAP
