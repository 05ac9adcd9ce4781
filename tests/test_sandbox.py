"""The sandbox a student's kernel runs in (autograder/sandbox.py): what it sees, what it cannot do."""
import asyncio
import json
import os
import pathlib
import subprocess
import sys
import time

import nbformat
import psutil
import pytest

import course
from autograder import grading, sandbox

REPO = pathlib.Path(__file__).resolve().parents[1]

PROBE = r'''
import json, os, socket, subprocess
seen = {"cwd": os.getcwd(), "files": sorted(os.listdir("."))}
def can_read(path):
    try:
        with open(path, "rb") as f:
            f.read(1)
        return True
    except OSError:
        return False
seen["secret"] = can_read(SECRET)
seen["original"] = can_read(ORIGINAL)
seen["etc_shadow"] = can_read("/etc/shadow")
try:
    open("/course/course/__init__.py", "a").close()
    seen["course_writable"] = True
except OSError:
    seen["course_writable"] = False
import course
seen["course"] = course.__file__
try:
    socket.create_connection(("127.0.0.1", 22), timeout=1)
    seen["network"] = True
except OSError:
    seen["network"] = False
seen["pids"] = sorted(int(p) for p in os.listdir("/proc") if p.isdigit())
try:
    os.kill(GRADER, 0)
    seen["grader_visible"] = True
except OSError:
    seen["grader_visible"] = False
with open(os.path.basename(ORIGINAL), "w") as f:
    f.write("scribbled")
subprocess.Popen(["sleep", MARK], start_new_session=True)
print(json.dumps(seen))
'''


needs_bwrap = pytest.mark.skipif(sandbox.bwrap_path() is None,
                                 reason="bubblewrap is not installed (apt-get install bubblewrap)")


@needs_bwrap
def test_a_sandboxed_kernel_sees_only_a_copy_of_its_folder(tmp_path):
    from nbclient import NotebookClient

    folder = tmp_path / "submission"
    folder.mkdir()
    original = folder / "lesson.ipynb"
    original.write_text("the student's file, with the hidden tests nbgrader put back")
    (folder / "data.txt").write_text("a file the lesson might read")
    secret = tmp_path / "gradebook.db"
    secret.write_text("scores")
    # a sleep of its own length: another run of this test on the machine (a second checkout) has another
    mark = f"4242.{os.getpid()}{time.monotonic_ns() % 10**6}"
    code = f"SECRET, ORIGINAL, GRADER, MARK = {str(secret)!r}, {str(original)!r}, {psutil.Process().pid}, {mark!r}\n" + PROBE
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)], metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    NotebookClient(nb, kernel_manager_class=sandbox.SandboxedKernelManager, timeout=60,
                   resources={"metadata": {"path": str(folder)}}).execute()
    seen = json.loads(nb.cells[0].outputs[0]["text"])
    # the notebook nbgrader runs is not there: it holds the hidden tests (FileOpener read them, 2026-12-01)
    assert seen["cwd"] == "/submission" and seen["files"] == ["data.txt"], seen
    assert not seen["secret"] and not seen["original"] and not seen["etc_shadow"], seen
    assert not seen["course_writable"] and seen["course"] == "/course/course/__init__.py", seen
    assert not seen["network"] and not seen["grader_visible"], seen
    assert len(seen["pids"]) < 10, f"the kernel sees other processes: {seen['pids']}"
    assert original.read_text().startswith("the student's file"), "the kernel wrote to the grader's copy"
    time.sleep(0.5)
    survivors = [p.pid for p in psutil.process_iter() if mark in " ".join(_cmdline(p))]
    assert survivors == [], "a process started in the sandbox outlived its kernel"


def _cmdline(process):
    try:
        return process.cmdline()
    except psutil.Error:
        return []


def test_grading_fails_closed_without_bwrap(tmp_path, monkeypatch):
    monkeypatch.setattr(sandbox, "bwrap_path", lambda: None)
    monkeypatch.setattr(sandbox, "_BWRAP", None)
    with pytest.raises(SystemExit, match=r"bubblewrap.*--no-sandbox"):
        grading.autograde(paths=grading.Paths(root=tmp_path, work=tmp_path / "work", release=tmp_path / "lessons"))
    assert not (tmp_path / "work").exists(), "something was touched before the refusal"


FILLER = r'''
import os, sys
def fill(folder, name, limit=64):
    """Write 1 MB files into folder until it fails or `limit` MB are written; how many were written."""
    written = 0
    try:
        for i in range(limit):
            with open(os.path.join(folder, f"{name}{i}"), "wb") as f:
                f.write(b"x" * 2**20)
            written += 1
    except OSError as error:
        return written, type(error).__name__
    return written, None
print(fill("/tmp", "t"), fill("/submission", "s"))
'''
# the folder of the kernel's sockets, on the grader's disk: sys.argv holds its connection file's path
FILL_SOCKETS = FILLER + r'''
print(fill(os.path.dirname(sys.argv[sys.argv.index("-f") + 1]), "p"), flush=True)
import time
time.sleep(5)
print("still alive")
'''


class _SmallLimits(sandbox.SandboxedKernelManager):
    limits = sandbox.Limits(written_bytes=8 * 2**20)


def _run_sandboxed(tmp_path, code, manager=_SmallLimits):
    """Run ``code`` as one cell in a kernel of ``manager``: the notebook, and the error if the kernel died."""
    from nbclient import NotebookClient

    folder = tmp_path / "submission"
    folder.mkdir()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)], metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    client = NotebookClient(nb, kernel_manager_class=manager, timeout=60, allow_errors=True,
                            resources={"metadata": {"path": str(folder)}})
    try:
        client.execute()
    except Exception as error:  # the kernel died
        return nb, error
    return nb, None


@needs_bwrap
def test_a_kernel_cannot_fill_memory_or_disk_with_files(tmp_path):
    """/tmp and /submission are file systems in memory of a fixed size (a cell could otherwise take the
    grader's memory or disk, which the notebooks graded beside it need): past it, writing fails."""
    nb, died = _run_sandboxed(tmp_path, FILLER)
    assert died is None, died
    text = nb.cells[0].outputs[0]["text"]
    assert text.startswith("(") and text.count("OSError") == 2, text
    tmp, sub = eval(text.replace(") (", "), ("))  # noqa: S307 (our own probe's two tuples)
    assert tmp[0] <= 8 and sub[0] <= 8, text


@needs_bwrap
def test_a_kernel_that_fills_its_sockets_folder_is_killed(tmp_path, monkeypatch):
    """The folder of its sockets is writable (the kernel makes them) and on the grader's disk: a watch
    kills the kernel once the files there pass the limit, and removes them."""
    watches = []
    real = sandbox.FolderWatch.__init__

    def spy(self, *args, **kw):
        watches.append(self)
        real(self, *args, **kw)
    monkeypatch.setattr(sandbox.FolderWatch, "__init__", spy)
    nb, died = _run_sandboxed(tmp_path, FILL_SOCKETS)
    outputs = "".join(o.get("text", "") for o in nb.cells[0].outputs)
    assert died is not None and "still alive" not in outputs, (died, outputs)
    assert len(watches) == 1 and watches[0].tripped, "the kernel died of something else"


FORK_BOMB = r'''
import os, time
made, error = 0, None
try:
    for _ in range(400):
        if os.fork() == 0:
            time.sleep(60)
            os._exit(0)
        made += 1
except OSError as failed:
    error = type(failed).__name__
print(made, error)
'''


class _FewProcesses(sandbox.SandboxedKernelManager):
    limits = sandbox.Limits(processes=64)


def _can_cap(controller):
    cap = sandbox.ProcessCap(sandbox.Limits(cpus=1.0))
    try:
        return controller in cap.folders
    finally:
        cap.close()


class _Caps:
    """The cgroup folders of the sandboxes that a kernel manager class started (others' run beside them)."""

    def __init__(self, manager_class):
        self.folders = []
        launch = manager_class._async_launch_kernel
        seen = self

        self.seen = {}  # the cpu cgroup's quota as written, and whether the kernel runs in it

        async def recording(manager, *args, **kwargs):
            connection = await launch(manager, *args, **kwargs)
            seen.folders += list(manager._cap.folders.values())
            cpu = manager._cap.folders.get("cpu")
            if cpu is not None:
                for name in ("cpu.cfs_quota_us", "cpu.max"):
                    if (cpu / name).exists():
                        seen.seen[name] = (cpu / name).read_text().strip()
                process = getattr(manager.provisioner, "process", None)
                for _ in range(100):  # (its shell moves itself there, then becomes bwrap)
                    seen.seen["kernel in it"] = process is not None and \
                        str(process.pid) in (cpu / "cgroup.procs").read_text().split()
                    if seen.seen["kernel in it"]:
                        break
                    await asyncio.sleep(0.1)
            return connection

        self.manager = type("Recorded" + manager_class.__name__, (manager_class,), {"_async_launch_kernel": recording})

    def left(self):
        assert self.folders, "no cgroup was made"
        return [str(f) for f in self.folders if f.exists()]


@needs_bwrap
def test_a_fork_bomb_stops_at_the_limit_on_processes_even_for_root(tmp_path):
    """RLIMIT_NPROC does not hold root: the sandbox starts in a pids cgroup of its own, so the fork
    fails past the limit (the kernel's own threads count too), and nothing it forked outlives it."""
    if not _can_cap("pids") and os.geteuid() == 0:
        pytest.skip("this machine lets the grader make no pids cgroup: as root, processes are not limited")
    caps = _Caps(_FewProcesses)
    nb, died = _run_sandboxed(tmp_path, FORK_BOMB, caps.manager)
    assert died is None, died
    made, error = nb.cells[0].outputs[0]["text"].split()
    assert 0 < int(made) < 64 and error == "BlockingIOError", (made, error)
    assert caps.left() == [], "the sandbox's cgroups were left behind"


@needs_bwrap
def test_the_answer_process_starts_in_a_cgroup_of_its_own_and_leaves_none():
    from autograder.recheck import Host

    if not _can_cap("pids"):
        pytest.skip("this machine lets the grader make no pids cgroup")
    host = Host([], sandbox=True)
    try:
        host.request({"op": "load", "cells": []})
        assert host.cap.path is not None and (host.cap.path / "pids.max").read_text().strip() == \
            str(sandbox.Limits().processes)
        assert host.process.pid in [int(p) for p in (host.cap.path / "cgroup.procs").read_text().split()]
        path = host.cap.path
    finally:
        host.close()
    assert not path.exists()


LINE_PROBE = r"""
import linecache, warnings
import torch
def probe():
    # what an answer called by a test cell can learn of the calling line: a stack as text, a warning's line
    stack = torch.autograd.graph.log.findCaller(True, 1)[3]
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        warnings.warn("w", stacklevel=2)
    return stack + linecache.getline(seen[0].filename, seen[0].lineno)
"""


@pytest.mark.parametrize("sandboxed", [False, pytest.param(True, marks=needs_bwrap)])
def test_an_answer_cannot_read_the_source_of_the_hidden_test_that_calls_it(tmp_path, sandboxed):
    """The grading kernel keeps a cell with hidden tests out of linecache: a stack formatted by logging's
    findCaller (a red team printed it backwards, past the feedback's filter, 2026-12-01) or a warning's
    line shows the hidden test's line number, not its text; a visible test's text still shows."""
    from autograder.preprocessors import TimedExecute

    folder = tmp_path / "submission"
    folder.mkdir()
    cells = [LINE_PROBE,
             "### BEGIN HIDDEN TESTS\nleaked = probe()  # SECRET-0xC0FFEE\n### END HIDDEN TESTS",
             "shown = probe()  # VISIBLE-0xBEEF",
             "print('SECRET-0x' + 'C0FFEE' in leaked, 'VISIBLE-0x' + 'BEEF' in shown)"]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells], metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    execute = TimedExecute(timeout=120)
    if sandboxed:
        execute.kernel_manager_class = sandbox.SandboxedKernelManager
    execute.preprocess(nb, {"metadata": {"path": str(folder)}})
    assert nb.cells[3].outputs[0]["text"].strip() == "False True", nb.cells[3].outputs


RETAINED_SCRIPT = r"""
import ctypes, gc, json, pathlib, sys, tempfile
import nbformat, psutil
from test_sandbox import _run_cells

cells, settings, path = json.loads(sys.argv[1]), json.loads(sys.argv[2]), pathlib.Path(sys.argv[3])
libc = ctypes.CDLL("libc.so.6")


def resident():
    gc.collect()
    libc.malloc_trim(0)
    return psutil.Process().memory_info().rss


with tempfile.TemporaryDirectory() as warm:
    _run_cells(pathlib.Path(warm), ["print('warm')"], timeout=60)
before = resident()
nb, _ = _run_cells(path, cells, **settings)
held = resident() - before
nbformat.write(nb, path / "ran.ipynb")
print(held)
"""


def _retained_while(tmp_path, cells, **settings):
    """Run ``cells`` with the grader's ``TimedExecute(**settings)`` in a fresh Python process, and give back
    the notebook as it ran and what the run grew that process by and still holds when it returns (the
    notebook and its outputs, which the cap protects), in bytes: the resident size after the collector has
    run and glibc has handed its free pages back. Without ``malloc_trim`` the messages read and dropped stay
    counted (RSS grew 126 MB with 1 MB held, CI at 3d1ffd5), nor should what a first notebook run loads (65 MB
    of modules and buffers in a fresh process): one runs first. In a fresh process, because in the suite's
    own, after some hundred tests, the heap's fragments kept 48 MB of a run that holds 1 (stop 63). (tracemalloc
    would count it exactly, but slows the grader's reading of 20,000 messages past the kernel's output deadline.)"""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO), str(REPO / "tests"), os.environ.get("PYTHONPATH", "")]))
    done = subprocess.run([sys.executable, "-c", RETAINED_SCRIPT, json.dumps(cells), json.dumps(settings),
                           str(tmp_path)], capture_output=True, text=True, timeout=600, env=env, cwd=REPO)
    assert done.returncode == 0, done.stderr[-3000:]
    return nbformat.read(tmp_path / "ran.ipynb", as_version=4), int(done.stdout.split()[-1])


def test_what_a_cell_prints_is_capped_while_it_runs_and_its_error_kept(tmp_path):
    """A red team printed a megabyte every 20 ms: the outputs are held in the grading process while the
    notebook runs, so the cap must act as they come, not after the run. The error that grades the
    cell comes through past the cap."""
    flood = "chunk = 'x' * 1_000_000\nfor _ in range(200):\n    print(chunk)\nraise ValueError('graded')"
    # (its batches of print are tens of MB: a limit on messages above them, so that the cap is what acts)
    nb, held = _retained_while(tmp_path, [flood, "print('next')"], timeout=120, max_cell_output=3_000_000,
                               max_message_bytes=2**30)
    outputs = nb.cells[0].outputs
    kept = sum(len(o.get("text", "")) for o in outputs if o.output_type == "stream")
    assert 2_000_000 <= kept <= 3_100_000, kept  # 200 MB printed
    assert "output truncated by the autograder (over 3,000,000 characters in all)" in outputs[-2].text
    assert outputs[-1].output_type == "error" and outputs[-1].evalue == "graded", outputs[-1]
    assert nb.cells[1].outputs[0].text == "next\n"  # the next cell has a budget of its own
    assert held < 30 * 2**20, held  # 200 MB without the cap


def _run_cells(tmp_path, cells, **settings):
    from autograder.preprocessors import TimedExecute

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells], metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    TimedExecute(**settings).preprocess(nb, {"metadata": {"path": str(tmp_path)}})
    return nb, TimedExecute



def test_an_infinite_recursion_under_a_raised_limit_costs_its_cell_only(tmp_path):
    """ch59: an answer that raised the recursion limit (the rules allow ``sys.setrecursionlimit``) and then
    recursed without end failed the whole notebook: under 10**6 IPython formatted the RecursionError's traceback
    a frame a millisecond, past the cell's limit, and the interrupt did not stop it ("timeout"); under 10**7 the
    kernel died of its memory; a chain of 50,000 errors raised one from another failed it alike. The limit an
    answer sets is capped, and a traceback shows its first and last frames, and a chain its first errors: the
    cell ends with its error at once, and the next cell runs."""
    chain = ("error = None\nfor i in range(50_000):\n    try:\n        raise ValueError(i) from error\n"
             "    except ValueError as e:\n        error = e\nraise error")
    cells = ["import sys\nsys.setrecursionlimit(10**6)\ndef square(x):\n    return square(x)\nsquare(3)",
             "import numpy\nsys.setrecursionlimit(numpy.int64(10**7))\nprint(sys.getrecursionlimit())", chain]
    start = time.monotonic()
    nb, _ = _run_cells(tmp_path, cells, timeout=30)
    assert time.monotonic() - start < 30
    for cell, name in [(nb.cells[0], "RecursionError"), (nb.cells[2], "ValueError")]:
        error = cell.outputs[-1]
        assert error.output_type == "error" and error.ename == name, error
        assert len("".join(error.traceback)) < 50_000
    assert 10_000 <= int(nb.cells[1].outputs[0].text) < 10**7  # (an honest deep recursion keeps its 10,000)


@needs_bwrap
def test_an_endless_recursion_through_c_under_a_raised_limit_is_a_recursion_error_not_a_crash(tmp_path):
    """ch59: a function that calls itself through C (a key function given to `sorted`) recursed on the C stack,
    which 8 MB held for about 4,000 calls: under a limit an answer raised to 10,000 (an honest deep recursion's) the
    sandboxed kernel crashed, and the notebook failed as "kernel died", every exercise of it. The kernel's stack
    now holds as many calls as the highest limit an answer may set."""
    from autograder.preprocessors import TimedExecute

    folder = tmp_path / "submission"
    folder.mkdir()
    cells = ["import sys\nsys.setrecursionlimit(10**6)\ndef f(x):\n    return sorted([x], key=f)\nf(1)",
             "print('next')"]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells], metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    execute = TimedExecute(timeout=60)
    execute.kernel_manager_class = sandbox.SandboxedKernelManager
    execute.preprocess(nb, {"metadata": {"path": str(folder)}})
    error = nb.cells[0].outputs[-1]
    assert error.output_type == "error" and error.ename == "RecursionError", error
    assert nb.cells[1].outputs[0].text == "next\n"


def test_an_output_s_metadata_and_each_empty_output_count_against_the_cap(tmp_path):
    """The cap on what a cell prints counted an output's text and data, not its metadata, and nothing for
    an empty output: an answer's ``display({"text/plain": ""}, raw=True, metadata={"m": "x" * 1_900_000})``
    300 times took the grading worker to 1.1 GB (ch38, 2026-12-06; the answer rules allow ``display``),
    and ``display({}, raw=True)`` in a loop kept 122,455 outputs in it. Both now meet the cap, and the
    error that grades the cell still comes through."""
    cells = ["for _ in range(150):\n    display({'text/plain': ''}, raw=True, metadata={'m': 'x' * 1_000_000})\n"
             "raise ValueError('graded')",
             "for _ in range(10_500):\n    display({}, raw=True)",  # (past the cap's 10,000 at 100 each)
             "print('next')"]
    # (the grader reads 10,500 messages after the second cell's reply; 20,000 took more than 60 s at load 10, stop 65)
    nb, held = _retained_while(tmp_path, cells, timeout=120, max_cell_output=1_000_000, iopub_timeout=600)
    outputs = nb.cells[0].outputs
    assert sum(len(str(o.get("metadata", ""))) for o in outputs) <= 1_100_000
    assert outputs[-1].output_type == "error" and outputs[-1].evalue == "graded", outputs[-1]
    assert len(nb.cells[1].outputs) <= 10_001 and "output truncated" in nb.cells[1].outputs[-1].text
    assert nb.cells[2].outputs[0].text == "next\n"
    assert held < 30 * 2**20, held  # 150 MB or more before the fix


def test_an_update_of_a_display_meets_the_cap_as_an_output_does(tmp_path):
    """An update of a display (``display(..., display_id=..., update=True)``) replaces its output's data
    in place, which nbclient does past the cap on a cell's output: 200 small displays, each updated to a
    megabyte of text, held 200 MB in the grading worker (ch38, 2026-12-06). Updates now meet the cap; one
    that fits still shows."""
    cells = ["for i in range(200):\n    display({'text/plain': ''}, raw=True, display_id=f'd{i}')\n"
             "for i in range(200):\n    display({'text/plain': str(i) * 1_000_000}, raw=True, display_id=f'd{i}', "
             "update=True)",
             "display({'text/plain': 'old'}, raw=True, display_id='shown')\n"
             "display({'text/plain': 'new'}, raw=True, display_id='shown', update=True)\nNone"]
    nb, retained = _retained_while(tmp_path, cells, timeout=120, max_cell_output=3_000_000)
    held = sum(len(str(o.get("data", ""))) for o in nb.cells[0].outputs)
    assert held <= 3_100_000, held
    assert [o["data"]["text/plain"] for o in nb.cells[1].outputs] == ["new"], nb.cells[1].outputs
    assert retained < 30 * 2**20, retained  # 200 MB before the fix

def test_a_message_too_large_is_cut_by_the_kernel_and_its_cell_says_so(tmp_path):
    """A red team raised ``ValueError("x" * 200_000_000)``: the error came through whole and took the grading
    worker to 1.7 GB. The kernel cuts the text of every message it sends to an eighth of ``max_message_bytes``
    in characters (a quarter of that for each field); the cell shows where it was cut, and the next cells
    run as before.
    (Until 2026-12-03 zmq dropped such a message as it arrived and closed the connection, and a grader
    reading another message of it in that moment died in libzmq: "Assertion failed: !_more
    (src/fq.cpp:80)", two runs of this test in twelve beside a busy neighbour. The drop stays, for a cell
    that undoes the kernel's cut.)"""
    cells = ["raise ValueError('x' * 3_000_000)", "print('after the error')",
             "print('y' * 3_000_000)", "print('after the print')", "raise ValueError('small')"]
    start = time.monotonic()
    nb, execute = _run_cells(tmp_path, cells, timeout=60, max_message_bytes=1_000_000)
    assert time.monotonic() - start < 30
    error = [o for o in nb.cells[0].outputs if o.output_type == "error"]
    assert [o.ename for o in error] == ["ValueError"], nb.cells[0].outputs
    assert error[0].evalue.startswith("x" * 1000) and len(error[0].evalue) < 32_000, len(error[0].evalue)
    assert "the kernel cut this to 31250 of its 3000000 characters" in error[0].evalue
    assert nb.cells[1].outputs[0].text == "after the error\n"
    printed = "".join(o.get("text", "") for o in nb.cells[2].outputs)
    assert printed.startswith("y" * 1000) and "the kernel cut this to 31250 of its" in printed, printed[-300:]
    assert len(printed) < 32_000, len(printed)
    assert nb.cells[3].outputs[0].text == "after the print\n"
    assert nb.cells[4].outputs[-1].evalue == "small"
    assert execute.too_large == [] and execute.interrupted == []


def test_status_names_a_cell_whose_message_was_dropped_and_grades_it_once():
    answer = {"success": True, "score": 0.0, "cells": {}, "too_large_cells": ["double"], "interrupted_cells": []}
    assert "double sent a message (an output, an error) over the autograder's size limit" in \
        grading._outcome(answer, 120, [])["detail"]
    assert not grading._ran_out_of_time(answer, 120)  # (no "graded again alone")


def test_the_cells_interrupted_are_those_the_grader_interrupted_not_an_error_named_so(tmp_path):
    """A student's own ``CellTimeoutError`` read as a time-out (a red team's, 2026-12-03): the grader keeps
    the cells it interrupted itself."""
    cells = ["class CellTimeoutError(Exception):\n    pass\nraise CellTimeoutError('fake')", "import time\ntime.sleep(30)",
             "print('next')"]
    nb, execute = _run_cells(tmp_path, cells, timeout=2)
    assert execute.interrupted == ["cell 2"] and execute.too_large == []
    assert nb.cells[2].outputs[0].text == "next\n"


SPINNERS = r"""
import os, time
start = time.monotonic()
for _ in range(3):  # a DataLoader's workers, say: each spins a core if it can
    if os.fork() == 0:
        while time.monotonic() - start < 2:
            sum(range(10_000))
        os._exit(0)
for _ in range(3):
    os.wait()
used = os.times()
print("cpu per second of wall:", round((used.children_user + used.children_system) / (time.monotonic() - start), 2))
"""


class _OneCpu(sandbox.SandboxedKernelManager):
    limits = sandbox.Limits(cpus=1.0)


@needs_bwrap
def test_what_a_kernel_starts_shares_its_quota_of_the_cores(tmp_path):
    """Beside another notebook a kernel gets its share of the cores (a cgroup's CPU quota): three
    processes spinning use no more than the one CPU it was given, not a core each."""
    if not _can_cap("cpu") or (os.cpu_count() or 1) < 2:
        pytest.skip("this machine lets the grader make no cpu cgroup, or has one core")
    caps = _Caps(_OneCpu)
    nb, died = _run_sandboxed(tmp_path, SPINNERS, caps.manager)
    assert died is None, died
    assert caps.seen["cpu.cfs_quota_us" if "cpu.cfs_quota_us" in caps.seen else "cpu.max"].split()[0] == "100000"
    assert caps.seen["kernel in it"], "the kernel did not start in the cpu cgroup"
    text = nb.cells[0].outputs[0]["text"]
    # (a busy machine only lowers it; a quiet 2-core one gives about 1.9 without the quota)
    assert float(text.split(":")[1]) <= 1.2, text
    assert caps.left() == [], "the sandbox's cgroups were left behind"


def test_the_cpu_share_is_the_pools_threads_per_worker(monkeypatch):
    monkeypatch.setattr(os, "cpu_count", lambda: 8)
    assert sandbox.cpu_share({"OMP_NUM_THREADS": "2"}) == 2.0   # 4 workers on 8 cores
    assert sandbox.cpu_share({"OMP_NUM_THREADS": "8"}) is None  # all of them: nothing to cap
    assert sandbox.cpu_share({}) is None and sandbox.cpu_share({"OMP_NUM_THREADS": "x"}) is None


SHM_FILLER = r"""
import os
import pathlib
written = 0
try:
    for i in range(400):
        with open(f"/dev/shm/fill{i}", "wb") as f:
            f.write(b"x" * 2**20)
        written += 1
except OSError as error:
    print("stopped:", type(error).__name__)
print("written MB:", written)
"""


class _LittleMemory(sandbox.SandboxedKernelManager):
    limits = sandbox.Limits(memory_total_bytes=256 * 2**20)


@needs_bwrap
def test_the_sandbox_memory_limit_counts_its_files_in_dev_and_all_its_processes(tmp_path):
    """bwrap's /dev is a file system in memory as large as half the machine's, which no limit on a
    process counts (a red team wrote 1.2 GB to /dev/shm past the 512 MB limit on writes, 2026-12-01):
    the sandbox's memory cgroup does, for all its processes together. Past it the write fails or the
    kernel is killed; either way the memory is not held."""
    if not _can_cap("memory"):
        pytest.skip("this machine lets the grader make no memory cgroup")
    caps = _Caps(_LittleMemory)
    nb, died = _run_sandboxed(tmp_path, SHM_FILLER, caps.manager)
    if died is None:  # else the kernel was killed: what it wrote went with it
        text = "".join(o.get("text", "") for o in nb.cells[0].outputs)
        assert int(text.split("written MB:")[1]) < 256, text
    assert caps.left() == [], "the sandbox's cgroups were left behind"


class _PoolShare(sandbox.SandboxedKernelManager):
    """A kernel manager with the default limits (6 GB of memory), as the grading workers start kernels."""


@needs_bwrap
def test_the_memory_share_the_pool_gives_its_workers_holds_their_kernels_and_answers_processes(tmp_path, monkeypatch):
    """The pool gives each worker's sandboxes a share of the memory there is (``AUTOGRADER_SANDBOX_MEMORY``): with a
    fixed 6 GB each, two workers could hold 24 GB of sandboxes on a 23 GB grader (ch53). The kernel's cgroup and the
    answers' process's hold to that share, not to 6 GB."""
    if not _can_cap("memory"):
        pytest.skip("this machine lets the grader make no memory cgroup")
    from autograder.recheck import Host

    monkeypatch.setenv("AUTOGRADER_SANDBOX_MEMORY", str(256 * 2**20))
    caps = _Caps(_PoolShare)
    nb, died = _run_sandboxed(tmp_path, SHM_FILLER, caps.manager)
    if died is None:  # else the kernel was killed: what it wrote went with it
        text = "".join(o.get("text", "") for o in nb.cells[0].outputs)
        assert int(text.split("written MB:")[1]) < 256, text
    assert caps.left() == [], "the sandbox's cgroups were left behind"
    host = Host([], sandbox=True)
    try:
        folder = host.cap.folders["memory"]
        limit = next((folder / name).read_text().strip() for name in ("memory.limit_in_bytes", "memory.max")
                     if (folder / name).exists())
        assert int(limit) == 256 * 2**20, limit
    finally:
        host.close()


def test_the_sandboxes_of_workers_side_by_side_fit_in_the_memory_there_is():
    """Each worker may hold two sandboxes with answers at once (the answers' process and its companion) besides its
    own gigabyte; all of them fit in what is available, and with plenty each sandbox keeps the 6 GB it had."""
    gb = 2**30
    for workers, available in ((2, 23 * gb), (2, 16 * gb), (3, 23 * gb), (4, 64 * gb), (8, 128 * gb)):
        share = sandbox.memory_share(workers, available)
        assert workers * (2 * share + gb) <= available, (workers, available, share)
    assert sandbox.memory_share(1, 64 * gb) == sandbox.memory_share(2, 64 * gb) == 6 * gb
    assert sandbox.memory_share(16, 8 * gb) >= sandbox.MIN_SANDBOX_BYTES  # (autograde says to use fewer workers)


def test_the_pool_gives_each_worker_its_sandboxes_share_of_the_memory_and_says_when_it_is_too_little(
        tmp_path, monkeypatch, capsys):
    from types import SimpleNamespace

    from autograder import pool

    seen = []

    class Recorded:  # a worker that grades nothing: what the pool gave it is what matters
        def __init__(self, config, env, log_path):
            seen.append(env)
            self.alive = True

        def run(self, job, limit):
            return dict(success=True, job=job)

        def close(self):
            pass

    monkeypatch.setattr(pool, "Worker", Recorded)
    monkeypatch.delenv("AUTOGRADER_SANDBOX_MEMORY", raising=False)
    gb = 2**30
    for workers, available in ((2, 23 * gb), (8, 8 * gb)):
        seen.clear()
        monkeypatch.setattr(psutil, "virtual_memory", lambda: SimpleNamespace(available=available))
        pool.run_jobs([dict(student=str(n)) for n in range(workers)], {}, workers, 10, lambda answer: None, tmp_path)
        share = int(seen[0]["AUTOGRADER_SANDBOX_MEMORY"])
        fits = workers * (2 * share + gb) <= available
        said = capsys.readouterr().err
        assert fits == ("fewer --workers" not in said), (workers, share, said)
        assert share < 6 * gb and fits == (workers == 2), (workers, share)


DEV_FILLER = FILLER.replace('print(fill("/tmp", "t"), fill("/submission", "s"))',
                            'print(fill("/dev/shm", "m"), fill("/dev", "d"))')


@needs_bwrap
def test_dev_and_dev_shm_hold_no_more_than_tmp_without_a_memory_cgroup(tmp_path, monkeypatch):
    """Where the grader may make no cgroup (not root, no delegation), nothing but the file systems' own
    sizes bounds what a sandbox keeps in memory: bwrap's /dev, and /dev/shm in it, were half the machine's
    (12 GB of a 23 GB grader, ch43), shared with the notebooks graded beside it. /dev/shm is as large as
    /tmp, and /dev read-only; its devices still work."""
    monkeypatch.setattr(sandbox, "_cgroup_root", lambda controller: None)
    code = DEV_FILLER + 'open("/dev/null", "w").write("x"); print("devices work")\n'
    nb, died = _run_sandboxed(tmp_path, code)
    assert died is None, died
    text = "".join(o.get("text", "") for o in nb.cells[0].outputs)
    shm, dev = eval(text.splitlines()[0].replace(") (", "), ("))  # noqa: S307 (our own probe's two tuples)
    assert shm[0] <= 8 and shm[1] == "OSError", text
    assert dev[0] == 0 and dev[1] == "OSError", text
    assert "devices work" in text, text


def test_the_folder_watch_counts_files_deeper_than_the_limit_on_a_path(tmp_path):
    """A file whose whole path is longer than the system allows could not be looked at by that path,
    and went uncounted; the watch reads each folder by its descriptor."""
    deep = os.open(tmp_path, os.O_RDONLY)
    try:
        for _ in range(40):  # 40 folders of 200 characters: a path of 8,000 characters, past PATH_MAX
            os.mkdir("d" * 200, dir_fd=deep)
            inner = os.open("d" * 200, os.O_RDONLY, dir_fd=deep)
            os.close(deep)
            deep = inner
        fd = os.open("big", os.O_WRONLY | os.O_CREAT, 0o600, dir_fd=deep)
        os.write(fd, b"x" * 3_000_000)
        os.close(fd)
    finally:
        os.close(deep)
    watch = sandbox.FolderWatch(tmp_path, 2_000_000, pid=2**22 + 12345, every=3600)
    try:
        assert watch._size() >= 3_000_000
    finally:
        watch.stop()
    import shutil
    shutil.rmtree(tmp_path, ignore_errors=True)


def _folder_chain(top, levels):
    """``levels`` folders, each in the last: past Python's recursion limit, and past PATH_MAX."""
    fd = os.open(top, os.O_RDONLY)
    try:
        for _ in range(levels):
            os.mkdir("a", dir_fd=fd)
            inner = os.open("a", os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = inner
    finally:
        os.close(fd)


def test_a_chain_of_folders_trips_the_disk_watch_and_is_removed(tmp_path):
    # 1,200 nested folders made the watch's walk raise RecursionError and its thread die, and the cleanups
    # raise, which left `autograde` waiting for good (a red team's, 2026-12-04)
    top = tmp_path / "kernel"
    top.mkdir()
    _folder_chain(top, 3000)
    sleeper = subprocess.Popen(["sleep", "60"], start_new_session=True)
    watch = sandbox.FolderWatch(top, 512 * 2**20, sleeper.pid, every=0.05)
    try:
        assert sleeper.wait(timeout=30) == -9 and watch.tripped
    finally:
        watch.stop()
        if sleeper.poll() is None:
            sleeper.kill()
    sandbox.remove_tree(top)
    assert not os.path.lexists(top)
    sandbox.remove_tree(top)  # nothing there: no error either


def test_empty_folders_and_files_count_against_the_disk_watch(tmp_path):
    for i in range(50):
        (tmp_path / f"d{i}").mkdir()
    watch = sandbox.FolderWatch(tmp_path, 2_000_000, pid=2**22 + 12345, every=3600)
    try:
        assert watch._size() == 50 * sandbox.ENTRY_BYTES
    finally:
        watch.stop()


def test_the_pool_removes_the_cgroups_of_a_worker_it_killed(monkeypatch):
    # a worker killed at the notebook's time limit never ran ProcessCap.close(): every such notebook left two
    # empty cgroups behind (a red team's, 2026-12-04); its sandboxes' cgroups carry its mark, and the pool
    # removes them with it
    mark = f"test-{os.getpid()}-{time.monotonic_ns()}"
    monkeypatch.setenv("AUTOGRADER_WORKER", mark)
    cap = sandbox.ProcessCap(sandbox.Limits(cpus=1.0))  # pids, memory and cpu, where this machine allows
    if not cap.folders:
        pytest.skip("this machine lets the grader make no cgroups (not root, no delegation)")
    assert all(f.name.startswith(f"course-sandbox-{mark}-") for f in cap.folders.values())
    sleeper = subprocess.Popen([*cap.prefix(), "sleep", "60"])
    try:
        time.sleep(0.3)
        sandbox.remove_cgroups(mark)  # what Worker.kill does, the worker gone
        assert sleeper.wait(timeout=10) == -9
        assert not any(f.exists() for f in cap.folders.values())
    finally:
        if sleeper.poll() is None:
            sleeper.kill()
        cap.close()


def test_the_cgroups_of_a_grader_that_is_gone_are_removed_at_the_next_run(monkeypatch):
    """A grader killed with its whole process group (``kill -9``) removes none of its sandboxes' cgroups: two of
    the day before were found under /sys/fs/cgroup (2026-12-07). The next run's sweep (``pool.run_jobs``, as
    for the graders' folders in /tmp) kills what is left in those of graders that are gone, made longer ago than
    it waits (ten minutes; none here), and removes them; a running grader's stay."""
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # a pid that no longer runs
    caps = {}
    for grader in (gone.pid, os.getpid()):
        monkeypatch.setenv("AUTOGRADER_WORKER", f"{grader}-{time.monotonic_ns() % 10**12:012d}")
        caps[grader] = sandbox.ProcessCap(sandbox.Limits(cpus=1.0))
    if not caps[gone.pid].folders:
        pytest.skip("this machine lets the grader make no cgroups (not root, no delegation)")
    left = subprocess.Popen([*caps[gone.pid].prefix(), "sleep", "60"], start_new_session=True)
    try:
        time.sleep(0.3)
        sandbox.remove_stale_cgroups(older_than=0)
        assert left.wait(timeout=10) == -9  # what was left in them
        assert not any(f.exists() for f in caps[gone.pid].folders.values())
        assert all(f.is_dir() for f in caps[os.getpid()].folders.values())
        sandbox.remove_stale_cgroups(older_than=600)  # (ten minutes: none of this one's is as old)
        assert all(f.is_dir() for f in caps[os.getpid()].folders.values())
    finally:
        if left.poll() is None:
            left.kill()
        for cap in caps.values():
            cap.close()


def test_a_cleanup_that_raises_does_not_leave_the_batch_waiting(monkeypatch, tmp_path):
    # a worker's cleanup raised RecursionError (a kernel's chain of folders in its scratch), the slot's thread
    # died before it said it was done, and `autograde` waited for good, holding the lock (a red team's, 2026-12-04)
    import threading

    from autograder import pool

    class Breaks:
        def __init__(self, config, env, log_path):
            pass

        alive = True

        def run(self, job, limit):
            return dict(success=True, job=job)

        def close(self):
            raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(pool, "Worker", Breaks)
    answers = []
    batch = threading.Thread(target=pool.run_jobs, daemon=True,
                             args=([{"n": 1}, {"n": 2}, {"n": 3}], {}, 2, 60, answers.append, tmp_path))
    batch.start()
    batch.join(timeout=30)
    assert not batch.is_alive(), "run_jobs is still waiting"
    assert sorted(a["job"]["n"] for a in answers if not a.get("started")) == [1, 2, 3]


COURSE_PROBE = '''
import os
import pathlib
def probe():
    return [os.path.exists(p) for p in ("/course/course", "/course/course/attention.py", "/course/course/checks")]
'''


@needs_bwrap
@pytest.mark.parametrize("lesson", ["01_tokenization", "02_cross_attention", "03_self_attention", "04_lstm",
                                    "05_nanogpt", "06_finetuning"])
def test_only_the_answers_process_of_the_exercises_given_the_course_models_has_the_course_package(lesson):
    """No reference of the course's is on the answers' process's file system, so no trick of an answer's
    (rt22's freed memory, which passed the audit hook) can load one there; the exercises of lessons 04-06
    that get models of the course's classes (``MODEL_TESTS``) are re-checked in a second process, which has
    the package to unpickle them."""
    from autograder.recheck import COURSE_OBJECTS, MODEL_TESTS, Host, Remote

    host = Host([COURSE_PROBE], sandbox=True, lesson=lesson)
    try:
        assert Remote(host, "probe")() == [False] * 3
        if lesson in COURSE_OBJECTS:
            assert Remote(host.companion([COURSE_PROBE]), "probe")() == [True] * 3
    finally:
        host.close()
    assert sorted(COURSE_OBJECTS) == sorted(MODEL_TESTS) == ["04_lstm", "05_nanogpt", "06_finetuning"]


@needs_bwrap
def test_every_solution_passes_the_sandboxed_recheck_one_process_moving_between_lessons():
    """The sandboxed answers' processes, without the course package and (for the exercises that get the
    course's models) with it: the solutions get full marks in each lesson, the processes taken from lesson to
    lesson (03's class check gets the course's helpers as their source, its configuration as a dataclass of
    the answers' process's own)."""
    from autograder.notebooks import solution_path
    from autograder.recheck import Host, recheck
    from course.checks.exercises import BY_TEST

    host = Host([], sandbox=True, lesson="01_tokenization")
    try:
        for lesson in ["01_tokenization", "03_self_attention", "05_nanogpt", "02_cross_attention", "04_lstm",
                       "06_finetuning"]:
            tests = [t for t in BY_TEST if BY_TEST[t].lesson == lesson]
            assert tests and recheck(solution_path(lesson), lesson, tests + [t + "-form" for t in tests],
                                     sandbox=True, host=host) == {}, lesson
            assert not host.course and (host._companion is not None) == (lesson != "01_tokenization" and
                                                                          lesson != "03_self_attention")
            assert host._companion is None or host._companion.course
    finally:
        host.close()


@needs_bwrap
def test_a_course_package_installed_among_pythons_packages_is_hidden_too(monkeypatch, tmp_path):
    """With ``pip install .`` (not ``-e``) the course's package lies among Python's, which every sandbox
    shows read-only: where the course is left out, an empty folder takes its place."""
    from pathlib import Path

    root = str(Path(course.__file__).resolve().parent.parent)
    dirs = sandbox._python_dirs()
    monkeypatch.setattr(sandbox, "_python_dirs", lambda: dirs + [Path(root)])
    assert sandbox._installed_course() == [os.path.realpath(os.path.dirname(course.__file__))]
    script = f"import os; print(sorted(os.listdir({os.path.dirname(course.__file__)!r})))"
    seen = {}
    for with_course in (False, True):
        argv = sandbox.bwrap_argv(sandbox.require_cached(), tmp_path, None, course=with_course)
        seen[with_course] = subprocess.run(argv + [sys.executable, "-c", script], capture_output=True, text=True,
                                           timeout=120).stdout.strip()
    assert seen[False] == "[]" and "attention.py" in seen[True], seen


@needs_bwrap
def test_a_kernel_killed_for_its_memory_is_named_so(tmp_path, monkeypatch):
    """A notebook that went past the sandbox's memory was told "the Python kernel died while running the notebook
    (os._exit, a crash, or out of memory)"; its memory cgroup counts the kill, and the student is told it was the
    memory, and how much there was. The answers' process too. A kernel that dies otherwise is not told so."""
    if not _can_cap("memory"):
        pytest.skip("this machine lets the grader make no memory cgroup")
    from autograder.recheck import Host, HostBroke, Remote

    sandbox.SandboxedKernelManager.out_of_memory = []
    _, died = _run_sandboxed(tmp_path, "import os\nos._exit(3)", _LittleMemory)
    assert died is not None and sandbox.SandboxedKernelManager.out_of_memory == []
    (tmp_path / "again").mkdir()
    _, died = _run_sandboxed(tmp_path / "again", "x = b'x' * 2**30", _LittleMemory)
    assert died is not None and sandbox.SandboxedKernelManager.out_of_memory == [256 * 2**20]
    answer = {"success": False, "log": "DeadKernelError: Kernel died", "out_of_memory": [256 * 2**20]}
    assert grading._outcome(answer, 120, [])["detail"].startswith(
        "the Python kernel was killed for using more than the 0.2 GB of memory the grader gives a notebook")
    monkeypatch.setenv("AUTOGRADER_SANDBOX_MEMORY", str(256 * 2**20))
    host = Host([], sandbox=True)
    try:
        host.request({"op": "load", "cells": ["def merge(ids, pair, new_id):\n    x = b'x' * 2**30\n    return ids\n"]})
        with pytest.raises(HostBroke, match="the answers' process was killed for using more than the 0.2 GB"):
            Remote(host, "merge")([1, 2], (1, 2), 3)
    finally:
        host.close()


# run in a process whose controlling terminal is a pseudo-terminal, as `autograde` run in a terminal is: what the
# grader's terminal allows, and what a sandboxed kernel's cell and the answers' process can do to it
TERMINAL_PROBE = r'''
import json, os, sys
import nbformat
from nbclient import NotebookClient
from autograder import sandbox
from autograder.recheck import Host

probe = "import os\ntry:\n    os.close(os.open('/dev/tty', os.O_RDWR))\n    print('opened')\nexcept OSError as e:\n    print('refused', e.errno)"
os.close(os.open("/dev/tty", os.O_RDWR))  # (the probe's own terminal: it has one)
folder = sys.argv[1]
nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(probe)], metadata={
    "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
NotebookClient(nb, kernel_manager_class=sandbox.SandboxedKernelManager, timeout=60,
               resources={"metadata": {"path": folder}}).execute()
host = Host([], sandbox=True)
try:
    host.request({"op": "load", "cells": []})
    answers = os.getsid(host.process.pid) != os.getsid(0)
finally:
    host.close()
print(json.dumps({"kernel": nb.cells[0].outputs[0]["text"].strip(), "answers_own_session": answers}))
'''


@needs_bwrap
def test_a_sandboxed_kernel_and_the_answers_process_have_no_terminal_to_write_into(tmp_path):
    """Run in a terminal, the grader's processes share it; a cell that opened /dev/tty could push keys into the
    instructor's shell (TIOCSTI, which Linux still allows where ``dev.tty.legacy_tiocsti`` is 1) or print a
    forged status line. The kernel and the answers' process start in sessions of their own (jupyter_client's
    launch, ``Host``'s ``start_new_session``), so they have no terminal: nothing else held this (ch57)."""
    import fcntl
    import termios

    main, secondary = os.openpty()

    def take_terminal():  # the child: a session of its own whose controlling terminal is the pseudo-terminal
        os.setsid()
        fcntl.ioctl(secondary, termios.TIOCSCTTY, 0)

    (tmp_path / "submission").mkdir()
    try:
        done = subprocess.run([sys.executable, "-c", TERMINAL_PROBE, str(tmp_path / "submission")],
                              preexec_fn=take_terminal, stdin=secondary, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=300, cwd=pathlib.Path(course.__file__).parent.parent,
                              env=dict(os.environ, PYTHONPATH=str(pathlib.Path(course.__file__).parent.parent)))
    finally:
        os.close(main)
        os.close(secondary)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    said = json.loads(done.stdout.decode().strip().splitlines()[-1])
    assert said["kernel"].startswith("refused"), said
    assert said["answers_own_session"], said
