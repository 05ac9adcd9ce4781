"""``python -c SCRIPT ARGS...`` for scripts that begin by importing torch and the answers' process
(``autograder.answer_host``), without paying for those imports each time.

A test that runs an answer in a real answers' process needs a process of its own per case: the answers'
process changes itself for good (guards on classes and enums, torch's attributes). Started as
``python -c`` each case spent about 3 s of CPU importing torch (10 cases: a 30 s test on a quiet machine,
90 s at load 10, stop 65). Here one server process imports torch and ``answer_host`` once, and each case
is a ``fork`` of it that has run nothing else: the same state a fresh ``python -c`` reaches after its first
two lines, which every script given here must be (``import ..., torch`` and ``from autograder import
answer_host``; ``run`` refuses one that does not start so). The script runs as ``__main__``, with
``sys.argv`` as ``python -c`` sets it, its stdout and stderr captured, its exit status as a process's.
"""
import atexit
import json
import os
import selectors
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

SERVER = r"""
import json, os, sys, tempfile, traceback
import torch, torch.nn
from autograder import answer_host


def child(code, argv, out, err, main, _exit=os._exit, _dup2=os.dup2, _sys=sys, _traceback=traceback):
    _dup2(os.open(os.devnull, os.O_RDONLY), 0)  # (the server's stdin holds the next requests)
    _dup2(out, 1)
    _dup2(err, 2)
    for name in [name for name in main if not name.startswith("__")]:  # the server's own names go
        del main[name]
    _sys.argv = ["-c", *argv]
    status = 0
    try:
        exec(code, main)
    except SystemExit as stop:
        status = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    except BaseException:
        _traceback.print_exc()
        status = 1
    try:
        _sys.stdout.flush()
        _sys.stderr.flush()
    finally:
        _exit(status)


for line in sys.stdin:
    request = json.loads(line)
    code = compile(request["script"], "<string>", "exec")
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            child(code, request["argv"], out.fileno(), err.fileno(), sys.modules["__main__"].__dict__)
        _, status = os.waitpid(pid, 0)
        out.seek(0)
        err.seek(0)
        reply = {"stdout": out.read().decode(errors="replace"), "stderr": err.read().decode(errors="replace"),
                 "returncode": os.waitstatus_to_exitcode(status)}
    sys.stdout.write(json.dumps(reply) + "\n")
    sys.stdout.flush()
"""

_server: list[subprocess.Popen] = []


def _started() -> subprocess.Popen:
    if _server and _server[0].poll() is None:
        return _server[0]
    _server.clear()
    server = subprocess.Popen([sys.executable, "-c", SERVER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True, cwd=REPO)
    _server.append(server)
    return server


def _stop():
    for server in _server:
        server.kill()
        server.wait()
    _server.clear()


atexit.register(_stop)


def run(script: str, *argv: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """What ``subprocess.run([python, "-c", script, *argv], capture_output=True, text=True, cwd=REPO)`` gives,
    for a script whose first lines import torch and ``autograder.answer_host``."""
    first = script.split("\n", 2)[:2]
    assert first[0].startswith("import ") and " torch" in first[0] and first[1] == "from autograder import answer_host", (
        "fresh_python.run is for scripts that begin by importing torch and answer_host", first)
    server = _started()
    server.stdin.write(json.dumps({"script": script, "argv": list(argv)}) + "\n")
    server.stdin.flush()
    with selectors.DefaultSelector() as selector:
        selector.register(server.stdout, selectors.EVENT_READ)
        if not selector.select(timeout):
            _stop()  # a case that never ends takes its server with it; the next case starts another
            raise subprocess.TimeoutExpired(["python", "-c", script, *argv], timeout)
    line = server.stdout.readline()
    if not line:
        _stop()
        raise RuntimeError("the fresh_python server died")
    reply = json.loads(line)
    return subprocess.CompletedProcess(["python", "-c", script, *argv], reply["returncode"], reply["stdout"],
                                       reply["stderr"])
