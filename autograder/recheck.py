"""The second grading of an answer, out of the student's reach: the checks run in the grader's process,
the answers in another one, and only data crosses between them.

nbgrader grades a notebook by running its test cells in the kernel that ran the answers, so a test
there shares its interpreter with the student's code. After nbgrader, ``recheck`` grades each value
test again this way, and runs its hidden tests, which never reach that kernel:

1. a fresh process (``autograder/answer_host.py``; in the sandbox when grading is sandboxed) runs
   only the answer cells of the graded notebook, after the import statements of the lesson's own
   cells — no other lesson cell, no test cell, no cell the student added. An answer works from its
   arguments, its own cell and the lesson's imports. That process has no course package, so that no
   reference lies there for an answer to reach by any trick; the few exercises that get models of the
   course's classes are re-checked in a second one that has it (``MODEL_TESTS``, ``Host.companion``);
2. here, in the grader, ``course.checks`` runs the exercise's self-check — the same one the test cell
   runs — on a stand-in for the student's function: calling it sends the arguments to the answer
   process and brings the result back with ``torch.load(weights_only=True)``, which rebuilds tensors,
   numbers, strings and plain containers and nothing else. The reference values, the comparison and
   the verdict are computed in this process, which never ran a line of the student's code.
   Gradients cross too: the stand-in's output is tied into autograd here, and its backward asks the
   answer process for the gradient of its own output.

   A function of the grader's passed as an argument (a batch source, a schedule) stays here: the
   answer gets a stand-in that sends its arguments back as data, and this process runs it. A module
   argument crosses as a copy and comes back as its weights, so a loop that trains it in place does
   so here too.

3. the test cell's hidden tests run here too, on the same stand-ins, and only here: the notebook that
   nbgrader runs in the student's kernel has them taken out (``autograder.preprocessors.
   WithoutHiddenTests``), so no student code shares an interpreter with a line of them. They compute
   their expected values here (from the course's reference and PyTorch), and work from their own data
   (the corpus, a random tensor), not from the lesson's variables. An ``assert_own_work`` line is left
   out here (``graders_code``): the answer is a stand-in, and the rules did that work before it ran.

A test cell that passed in the notebook but fails here scores 0, and ``status`` says why. The re-check
can only take points away: it runs the checks of ``course.checks.exercises`` for the exercises listed in
``RECHECKED`` and their hidden tests, and the visible code of the form tests (the type, shape and dtype
of a result) here, on the same stand-ins.
"""
from __future__ import annotations

import ast
import builtins
import collections
import contextlib
import functools
import importlib
import io
import json
import os
import pickle
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import traceback
import types
from pathlib import Path

import torch

from autograder.answer_host import (PLAIN_CONTAINERS, PLAIN_LEAVES, TENSOR_DTYPES, TENSOR_MARK,  # (as sent)
                                   IGNORED_STATUS, _tensors)  # the same walk on both sides
from autograder.clock import Clock

HOST = Path(__file__).resolve().parent / "answer_host.py"
WALK = Path(__file__).resolve().parent.parent / "course" / "checks" / "mask_walk.py"  # (loaded by it)
CLOCK = Path(__file__).resolve().parent / "clock.py"  # (and this)
# The value tests whose checks only call the answer with data and look at what it returns (and at
# its gradient). Each runs the exercise's self-check against the answer in another process. Modules
# cross as copies: gpt_forward's check asks whether the answer calls the model by giving it one whose
# own forward raises, which works the same on a copy. A model's submodules named in SERVED stay here:
# the copy gets a stand-in that calls the grader's, so a check's spy on them (a forward hook) sees
# every call the answer makes through them, out of the answer's reach: generate_greedy's check sees
# the LSTM read the prompt once, then one token a step.
SERVED = {"generate_greedy": ("lstm",)}
RECHECKED = frozenset({
    "test-char-encode-decode", "test-count-pairs", "test-merge", "test-bpe-word",
    "test-cross-attention", "test-sdpa", "test-padding-mask",
    "test-causal-mask", "test-heads", "test-causal-self-attention", "test-attention-dropout",
    "test-lstm-cell", "test-shift-batch", "test-sequence-loss", "test-lr-schedule", "test-train-loop",
    "test-generate-greedy",
    "test-bigram-forward", "test-causal-average", "test-block-forward", "test-gpt-forward",
    "test-top-k", "test-top-p", "test-lm-loss", "test-collate", "test-greedy-decode",
})
# Modules the answer process imports as soon as it has started, while nbgrader runs the notebook, for
# the lessons whose checks send it models of theirs (a Hugging Face GPT-2: 2-4 s of import); the
# grading worker imports them too, for its own copies.
PRELOAD = {"06_finetuning": ("transformers.models.gpt2.modeling_gpt2",),
           # the first optimizer torch builds imports torch._dynamo (1.4 s): train_loop's check builds six
           "04_lstm": ("torch._dynamo",)}
# The value tests whose hidden tests run here, in the grader, on the same stand-ins, and never in the
# student's kernel: ``autograder.preprocessors.WithoutHiddenTests`` takes them out of the notebook that
# nbgrader runs, so no student code shares an interpreter with them, or can read, patch or wrap them.
HIDDEN_HERE = RECHECKED
# The form tests ("-form": the type, shape and dtype of the answer's result), all of them, run their
# visible code here, in the grader, on the same stand-ins.
# The class answers, and the course's functions their test cells bind in place of the student's (sent
# to the answers' process as their source: ``bind_request``).
CLASSES = {"CausalSelfAttention": {"module": "course.attention", "names": ["causal_mask", "split_heads", "merge_heads"]}}
# The exercises whose checks and tests send the answer models of the course's classes (lesson 04's CharLSTM,
# 05's blocks and GPT, 06's checks' GPT-2), by lesson: unpickling them imports the course's modules (and
# lesson 06's, transformers) into the answers' process. These exercises are re-checked in a second answers'
# process of their own (``Host.companion``), whose sandbox has the course package, read-only. The answers'
# process of every other exercise has none on its file system and refuses to import it, so nothing of the
# course's is in its memory but the source of CLASSES' functions once their check runs: an answer that
# corrupts memory (rt22's freed buffers, 2026-12-05) finds no reference to call there, whatever it reaches.
MODEL_TESTS = {"04_lstm": frozenset({"test-generate-greedy", "test-train-loop"}),
               "05_nanogpt": frozenset({"test-block-forward", "test-gpt-forward"}),
               "06_finetuning": frozenset({"test-greedy-decode"})}
COURSE_OBJECTS = frozenset(MODEL_TESTS)


def _sends_models(lesson: str, test: str) -> bool:
    """Whether ``test`` (a test's id, or its form test's) sends the answer models of the course's classes."""
    return test.removesuffix("-form") in MODEL_TESTS.get(lesson, ())
# What may come back besides tensors, numbers, strings, None and plain lists, tuples and dicts.
SAFE_TYPES = [collections.Counter, collections.OrderedDict]
CALL_SECONDS = 120   # per call of the answer (the notebook's default cell limit)
START_SECONDS = 120  # for the answer process to start (import torch) on a busy machine


class RecheckUnavailable(RuntimeError):
    """The answer process could not start: a fault of the grading machine, graded as a grading error."""


class HostBroke(BaseException):
    """The answer process died, stalled or answered something that is not a frame of data. (Not an
    ``Exception``: the checks report what a student's function raised, and this is not that.)
    ``plain``: the message without anything the answers' process chose (what it sent, counts of it),
    which is what a hidden test's failure says: an answer that has seen the hidden test's inputs could
    spell them in what it sends (a red team's forged numpy dtype "M8[D/12717221]", whose digits numpy's
    error repeated, 2026-12-03)."""

    def __init__(self, message: str, plain: str | None = None):
        super().__init__(message)
        self.plain = plain if plain is not None else message


class Host:
    """The answer process: started on the answer cells' sources, then called by name."""

    def __init__(self, cells: list[str], sandbox: bool, timeout: float = CALL_SECONDS, cell_seconds: int = 20,
                 preload: tuple[str, ...] = (), lesson: str = "", exercise_seconds: float | None = None,
                 course: bool = False):
        """Starts the process and returns at once; the first request waits until it is ready
        (``RecheckUnavailable`` if it never is). ``cells``: the answers it runs first (``[]``: none
        until a ``load``, so it can be started before they are known). ``preload``: modules it imports
        before anything else (``PRELOAD``). ``lesson``: whose answers it holds (a ``load`` may say
        another): PyTorch's own versions of that lesson's exercises refuse to run there. ``timeout``: the
        limit of a call; ``exercise_seconds`` (``timeout`` if not given): of all the calls an exercise's
        checks and hidden tests make (``exercise``). ``course``: whether it may load the course's modules, to
        unpickle the models the grader sends (sandboxed, only then is the package there): the ``companion``'s."""
        self.timeout, self.sandbox, self.cell_seconds, self.preload = timeout, sandbox, cell_seconds, preload
        self.exercise_seconds = timeout if exercise_seconds is None else exercise_seconds
        self.lesson = lesson
        self.course = course
        self._companion = None  # the answers' process of the exercises that get the course's models
        self.stopped_cells: list[str] = []  # the grade ids of the answer cells last stopped at their time limit
        self._waiting = False  # for a reply (the answer may call the grader's functions meanwhile)
        self._exercise = None  # the current exercise's limit, ``(mark, seconds, named)`` (``exercise``)
        self.folder = Path(tempfile.mkdtemp(prefix="recheck-"))
        self._start(cells)

    def _start(self, cells: list[str]) -> None:
        self.cells = cells
        self.cell_errors = []  # the cells that raised as they ran: ``[(index, class name, message)]``
        (self.folder / "answers.json").write_text(json.dumps(cells), encoding="utf-8")
        shutil.copy(HOST, self.folder / "answer_host.py")
        shutil.copy(WALK, self.folder / "mask_walk.py")
        shutil.copy(CLOCK, self.folder / "clock.py")  # (the answer cells' limit counts their own time)
        # (and the grading worker's mark, so that killing the worker kills this process too, unsandboxed)
        env = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "LC_ALL", "TZ", "AUTOGRADER_WORKER")}
        env.update(OMP_NUM_THREADS="1", COURSE_FAST="1", PYTHONDONTWRITEBYTECODE="1")
        if self.sandbox:
            from autograder import sandbox as box

            # no folder of sockets: it talks through its standard streams; what it writes stays in memory
            # its one thread (OMP_NUM_THREADS=1 above), and the memory share the pool gives each sandbox
            self.memory = box.memory_limit()
            self.cap = box.ProcessCap(box.Limits(cpus=1.0, memory_total_bytes=self.memory))
            argv = box.bwrap_argv(box.require_cached(), self.folder, None, cap=self.cap, course=self.course)
            argv += [sys.executable, "/submission/answer_host.py", "/submission/answers.json", str(self.cell_seconds),
                     ",".join(self.preload), self.lesson, "course" if self.course else "none"]
            env = box.sandbox_env(env)
            cwd = None
        else:
            argv = [sys.executable, str(self.folder / "answer_host.py"), str(self.folder / "answers.json"),
                    str(self.cell_seconds), ",".join(self.preload), self.lesson, "course" if self.course else "none"]
            env.update(PYTHONPATH=str(HOST.parent.parent), HOME=str(self.folder))
            cwd = self.folder
        with open(self.folder / "stderr.txt", "wb") as stderr:  # what the answers print: read only below
            self.process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr,
                                            env=env, cwd=cwd, start_new_session=True)
        # its limits count its own time, not the time it waited for a CPU on a busy machine (``clock``); one
        # clock for the processes of a restart too, so that a limit begun before a restart still holds after it
        if getattr(self, "clock", None) is None:
            self.clock = Clock(self.process.pid, cpus=1.0 if self.sandbox else None)  # (its CPU limit)
        else:
            self.clock.watch(self.process.pid)
        self.ready = False  # waited for at the first request: the process starts while the caller works

    def _wait_ready(self) -> None:
        try:  # before any answer runs, the process says it started; if not, the grader is at fault
            ready = self._reply([(self.clock.mark(), START_SECONDS, START_SECONDS)])
            if ready.get("value") != "ready":
                raise HostBroke("its first message was not 'ready'")
        except HostBroke as broke:
            self._stop()
            said = (self.folder / "stderr.txt").read_bytes()[-600:].decode("utf-8", "replace").strip()
            raise RecheckUnavailable(f"the re-check's answer process did not start ({broke}): {said}") from None
        # then it runs the answer cells it was started on (each within cell_seconds), which no call's
        # limit pays for: on a busy machine a restart's imports alone can take longer than a call may
        load = self._load_seconds(self.cells)
        loaded = self._reply([(self.clock.mark(), load, load)])
        if loaded.get("value") != "loaded":
            self._stop()
            raise HostBroke("the answers' process sent something else than 'loaded'")
        self.cell_errors = _cell_errors(loaded)
        self.ready = True

    def _load_seconds(self, cells: list[str]) -> float:
        """How long running ``cells`` may take: each has ``cell_seconds`` before it is interrupted."""
        return START_SECONDS + self.cell_seconds * len(cells)

    def restart(self, cells: list[str]) -> None:
        """A fresh answer process on ``cells`` (after one broke). The next request waits for it: a
        process that broke while running the cells breaks that request (``HostBroke``)."""
        self._stop()
        self._start(cells)

    def request(self, message: dict, callbacks: list | None = None) -> dict:
        """Send ``message`` and return the reply. While it is on its way, the answer may call the
        grader's functions ``callbacks`` (its arguments held ``("__callback__", n)`` for them): each
        call runs here, on the data it sent, and its result goes back. The time limit holds for the
        whole request, the callbacks included; a ``load`` has the cells' own limits instead."""
        self.send(message)
        return self.answer(callbacks)

    def send(self, message: dict) -> None:
        """The first half of ``request``: send ``message``; ``answer`` waits for its reply (meanwhile the
        grader may send another process its own request)."""
        if not self.ready:
            self._wait_ready()
        if self._waiting:  # a function of the grader's called the answer: one at a time
            raise RuntimeError("the answer cannot be called from inside a function it was given")
        limit = self._load_seconds(message["cells"]) if message.get("op") == "load" else self.timeout
        limits = [(self.clock.mark(), limit, limit)]
        if self._exercise is not None and message.get("op") != "load":
            limits.append(self._exercise)  # the exercise's time, all calls together
        self._send(message)
        self._waiting, self._sent = True, limits

    def answer(self, callbacks: list | None = None) -> dict:
        """The second half of ``request``: the reply to what ``send`` sent."""
        try:
            while True:
                reply = self._reply(self._sent)
                if "callback" not in reply:
                    return reply
                self._send(_run_callback(callbacks or [], reply))
        finally:
            self._waiting = False

    @contextlib.contextmanager
    def exercise(self, seconds: float | None = None):
        """All the calls made inside share one limit, ``exercise_seconds`` (a test cell's in the notebook),
        or ``seconds`` (what is left of it): an answer that takes a second a call cannot make an exercise's
        hundreds of calls last hours. The time starts once the process has started and run the answer
        cells (after a restart, too)."""
        if not self.ready:
            self._wait_ready()
        self._exercise = (self.clock.mark(), max(self.exercise_seconds if seconds is None else seconds, 0.0),
                          self.exercise_seconds)
        try:
            yield
        finally:
            self._exercise = None

    def _send(self, message: dict) -> None:
        buffer = io.BytesIO()
        _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(message)  # the answers' process trusts it
        data = buffer.getvalue()
        try:
            self.process.stdin.write(struct.pack(">Q", len(data)) + data)
            self.process.stdin.flush()
        except (BrokenPipeError, OSError) as error:
            raise HostBroke(f"the answers' process ended ({error})", "the answers' process ended") from None

    def _reply(self, limits: list[tuple]) -> dict:
        """The next frame, before any of ``limits`` is past: ``(mark, seconds, named)`` each, ``seconds`` on the
        process's clock from ``mark`` (``Clock.mark``), ``named`` the limit a message names."""
        (size,) = struct.unpack(">Q", self._read(8, limits))
        if size > FRAME_BYTES:
            raise HostBroke("the answers' process sent more than 512 MB")
        data = memoryview(self._read(size, limits))
        try:
            if data[:1] == b"P":  # plain Python data, read without any class (``_read_plain``)
                reply = _read_plain(data[1:])
            elif data[:1] == b"T":
                _count_storages(data[1:])  # before torch's loader, a pure-Python one, rebuilds any of them
                with torch.serialization.safe_globals(SAFE_TYPES):
                    reply = torch.load(io.BytesIO(data[1:]), weights_only=True)
            else:
                raise pickle.UnpicklingError(f"a frame of unknown kind {bytes(data[:1])!r}")
        except Exception as error:  # torch's message is a page long, with terminal colours: say what it met
            raise HostBroke(f"the answers' process sent back something that is not plain data "
                            f"({_load_error(error)})", NOT_DATA) from None
        if not isinstance(reply, dict) or not isinstance(reply.get("ok"), bool):
            raise HostBroke("the answers' process sent back something that is not a reply")
        try:
            distinct, unfolded = _nodes(reply, {})
            if unfolded - distinct > UNFOLDED_EXTRA:
                # a tuple nested 24 deep, the same one twice at each level: torch's loader rebuilds the shared
                # parts once (1.4 kB sent), and a check's message wrote out 2^24 of them in the grader, outside
                # the sandbox (a red team's, 1.5 GB and a minute, 2026-12-03); the answers' process sends copies
                raise HostBroke(f"the answers' process sent back data that repeats its own parts "
                                f"({unfolded:.3g} values once written out, from {distinct:,})",
                                "the answers' process sent back data that repeats its own parts")
            laid_out = _unfolded_bytes(reply)
            reply = _numpy_scalars(reply)
        except Exception as error:
            # a forged number (``("__numpy__", "i1", 10**100)``) or a list nested thousands deep (RecursionError):
            # not data the answers' process sends; a red team's forged replies ended as grading errors (2026-12-03)
            raise HostBroke(f"the answers' process sent back something that is not plain data "
                            f"({type(error).__name__}: {error})"[:300], NOT_DATA) from None
        if laid_out > FRAME_BYTES:
            # a view whose elements overlap (``expand``: stride 0) is small to send and huge once a check
            # copies it, here, outside the sandbox (a red team's 100 kB reply took 2 GB, 2026-12-02); the
            # answers' process sends copies, so such a view means it was tampered with
            raise HostBroke("the answers' process sent tensors of more than 512 MB once laid out")
        return reply

    def _read(self, size: int, limits: list[tuple]) -> bytes:
        import select

        out = bytearray()
        poll = select.poll()  # (no file descriptor of its own, unlike epoll: this runs twice a call)
        poll.register(self.process.stdout, select.POLLIN)
        while len(out) < size:
            if not poll.poll(min(self.clock.left(mark, seconds) for mark, seconds, _ in limits) * 1000):
                passed = [named for mark, seconds, named in limits if self.clock.past(mark, seconds)]
                if not passed:
                    continue  # the time it waited for a CPU is not its own: it goes on
                self._stop()
                raise HostBroke(f"the answer ran past {passed[0]:.0f} s")
            chunk = os.read(self.process.stdout.fileno(), size - len(out))
            if not chunk:
                cap = getattr(self, "cap", None)
                if cap is not None and cap.oom_kills():  # its memory cgroup counted the kill
                    raise HostBroke(f"the answers' process was killed for using more than the "
                                    f"{self.memory / 2**30:.1f} GB of memory it may use")
                with contextlib.suppress(subprocess.TimeoutExpired):
                    if self.process.wait(5) == IGNORED_STATUS:  # (the answer cells' limit: answer_host)
                        raise HostBroke(f"an answer cell ran past its time limit ({self.cell_seconds} s for the "
                                        f"answer cells) and did not stop when interrupted")
                raise HostBroke("the answers' process ended")
            out += chunk
        return bytes(out)

    def _stop(self) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, 9)
        self.process.wait()
        if getattr(self, "cap", None) is not None:
            self.cap.close()
        for stream in (self.process.stdin, self.process.stdout):
            with contextlib.suppress(OSError):
                stream.close()

    def companion(self, cells: list[str], preload: tuple[str, ...] | None = None) -> "Host":
        """The answers' process, started on ``cells`` the first time, of the exercises that get models of the
        course's classes (``MODEL_TESTS``): this one's settings, and the course package. ``preload``: modules
        it imports first (``PRELOAD`` of the lesson by default)."""
        if self._companion is None:
            self._companion = Host(cells, self.sandbox, self.timeout, self.cell_seconds,
                                   PRELOAD.get(self.lesson, ()) if preload is None else preload, self.lesson,
                                   self.exercise_seconds, course=True)
        return self._companion

    def close(self) -> None:
        from autograder.sandbox import remove_tree
        if self._companion is not None:
            self._companion.close()
            self._companion = None
        self._stop()
        remove_tree(self.folder)


# The dtypes numpy holds too: a plain tensor of one of them crosses as a numpy array (``_Pickler``).
NUMPY_TENSOR_DTYPES = frozenset({torch.bool, torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64,
                                 torch.float16, torch.float32, torch.float64, torch.complex64, torch.complex128})


class _Pickler(pickle.Pickler):
    """The requests' pickler. A plain tensor (laid out in one block, no gradient, no attributes) crosses as
    the numpy array it views, rebuilt by ``torch.tensor`` into a tensor of its own: pickle's own way saves
    and loads each tensor's storage with ``torch.save`` and ``torch.load``, a third of lesson 04's re-check
    (340 calls, 226 of the grader's functions called back, 2026-12-04). Anything else pickles as before."""

    def reducer_override(self, obj):
        if (type(obj) is torch.Tensor and obj.dtype in NUMPY_TENSOR_DTYPES and obj.layout is torch.strided
                and obj.device.type == "cpu" and not obj.requires_grad and obj.is_contiguous()
                and not obj.is_conj() and not obj.is_neg() and not obj.__dict__):
            return torch.tensor, (obj.numpy(),)
        return NotImplemented


def _cell_errors(reply: dict) -> list[tuple[int, str, str]]:
    """The answer cells that raised as the answers' process ran them, as its reply to a load says."""
    errors = reply.get("cell_errors")
    if not isinstance(errors, list):
        return []
    return [(e[0], e[1][:80], e[2][:300]) for e in errors[:50] if isinstance(e, list) and len(e) == 3
            and type(e[0]) is int and type(e[1]) is str and type(e[2]) is str]


def _defined_names(source: str) -> set[str]:
    """The names a cell's top level defines (``def``, ``class``, an assignment)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set(re.findall(r"^(?:def|class)\s+(\w+)", source, re.M))
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
    return names


def _cell_failure(cells: list[str], errors: list[tuple[int, str, str]], names: list[str]) -> str | None:
    """What to say first when the answer cell that defines one of ``names`` raised as it ran."""
    for index, kind, message in errors:
        if 0 <= index < len(cells) and _defined_names(cells[index]) & set(names):
            line = " ".join(message.split())[:200]
            return (f"running your answer cell raised {kind}: {line} — an answer may use only its arguments, "
                    f"its own cell and the lesson's imports (a default value, a decorator and the cell's top "
                    f"level run when the cell does)")
    return None


def bind_request(name: str) -> dict:
    """The ``bind`` request for the class answer ``name``: its helpers' names and their source, with that of
    the module's private functions they call (``_shape``, for an error's message), read here."""
    import inspect
    import types

    module = importlib.import_module(CLASSES[name]["module"])
    names, wanted = list(CLASSES[name]["names"]), list(CLASSES[name]["names"])
    while wanted:
        code = getattr(module, wanted.pop()).__code__
        for used in code.co_names:
            if used not in names and isinstance(getattr(module, used, None), types.FunctionType) \
                    and getattr(module, used).__module__ == module.__name__:
                names.append(used)
                wanted.append(used)
    source = "\n\n".join(inspect.getsource(getattr(module, n)) for n in reversed(names))
    return {"op": "bind", "names": list(CLASSES[name]["names"]), "source": source}


def _config(value):
    """A configuration of the course's (a dataclass of ``course``'s: ``AttentionConfig``) as
    ``("__config__", class name, {field: value}, frozen, {property: value})``: the answers' process may have no
    course package to unpickle it from (``COURSE_OBJECTS``), and makes a dataclass of that name and fields
    instead, whose properties give the values sent while its fields are the ones sent (``_derived``)."""
    import dataclasses

    if isinstance(value, type) or not dataclasses.is_dataclass(value) \
            or not type(value).__module__.startswith("course."):
        return None
    fields = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    return ("__config__", type(value).__name__, fields, type(value).__dataclass_params__.frozen, _derived(value))


def _derived(value) -> dict:
    """The values of a configuration's public properties (``TrainConfig.final_lr``, ``decay_iters``:
    computed from its fields), as plain numbers and strings. The class made in the answers' process has
    the fields only, so an honest ``lr_at_step`` that read ``cfg.final_lr`` passed in the notebook and lost
    both its points there with an AttributeError (rt26, 2026-12-05); the values are sent, not the code."""
    derived = {}
    for klass in type(value).__mro__:
        for name, attr in vars(klass).items():
            if isinstance(attr, property) and not name.startswith("_") and name not in derived:
                try:
                    got = getattr(value, name)
                except Exception:  # (a property that cannot be read on this one: left out, as if absent)
                    continue
                if type(got) in (int, float, bool, str, type(None)):
                    derived[name] = got
    return derived


def _replace(value, new: dict):
    if isinstance(value, torch.Tensor):
        return new.get(id(value), value)
    if isinstance(value, list):
        return [_replace(v, new) for v in value]
    if isinstance(value, tuple):
        return tuple(_replace(v, new) for v in value)
    if isinstance(value, dict):
        return {k: _replace(v, new) for k, v in value.items()}
    return value


class _Link(torch.autograd.Function):
    """Ties the answer's outputs (computed in the other process) to its inputs here; backward asks
    the answer process for the gradients."""

    @staticmethod
    def forward(ctx, host, n_inputs, *tensors):
        ctx.host, ctx.n_inputs = host, n_inputs
        return tuple(t.clone() for t in tensors[n_inputs:])

    @staticmethod
    def backward(ctx, *grad_outputs):
        reply = ctx.host.request({"op": "grad", "grad_outputs": list(grad_outputs)})
        if not reply["ok"]:
            # (the check says "computing the gradient raised RuntimeError: ..." itself: not twice)
            error = RuntimeError(reply["message"] if reply["error"] == "RuntimeError"
                                 else f"{reply['error']}: {reply['message']}")
            # the answer's own words, which a hidden test's failure must not quote: an answer's backward
            # raised the hidden test's inputs, and the feedback showed them (a red team's, 2026-12-02)
            error.from_answers = True
            raise error
        grads = reply["value"]
        if not isinstance(grads, list) or len(grads) != ctx.n_inputs or \
                any(g is not None and not isinstance(g, torch.Tensor) for g in grads):
            raise HostBroke("the answers' process sent back something that is not a gradient")
        return (None, None, *grads, *[None] * (len(grad_outputs)))


def _run_callback(callbacks: list, request: dict) -> dict:
    """The reply to the answer's call of the grader's function number ``request["callback"]``."""
    number, args, kwargs = request.get("callback"), request.get("args"), request.get("kwargs")
    if not (type(number) is int and 0 <= number < len(callbacks) and type(args) is list and type(kwargs) is dict
            and all(type(k) is str for k in kwargs)):
        return {"ok": False, "error": "RuntimeError", "message": "that function cannot be called now"}
    try:
        return {"ok": True, "value": callbacks[number](*args, **kwargs)}
    except Exception as error:
        return {"ok": False, "error": type(error).__name__, "message": str(error)[:2000]}


# The answers whose exercise is to change an argument in place: a training loop trains its model. No
# other call's changes come back here: a hidden test computes its expected value from its own arguments
# after the call, and an answer that emptied them (``ranks.clear()``) or zeroed the model it was given
# would have made the test expect its own wrong result (a red team's, 2026-12-02). The test cell's check
# in the notebook sees such a change where it matters (``run_check(..., unchanged=True)``).
MUTATES = frozenset({"train_loop"})
# The answers whose visible check fails a call that changes its arguments (``run_check(..., unchanged=True)``):
# here the change does not come back either, so the re-check fails the call itself, in its own exercise's checks
# and hidden tests (``Remote.unchanged``). Before, an answer that did ``logits[...] = -inf`` on its input kept
# its point while its test cell said "changes its input" (the lead's, 2026-12-06).
UNCHANGED = frozenset({"char_encode", "char_decode", "count_pairs", "merge", "bpe_word",
                       "cross_attention", "scaled_dot_product_attention", "padding_mask", "split_heads", "merge_heads",
                       "lstm_cell", "shift_batch", "sequence_loss", "generate_greedy",
                       "bigram_forward", "causal_average", "block_forward", "gpt_forward",
                       "greedy_decode", "top_k_filter", "top_p_filter", "lm_loss", "collate"})


# The answers whose visible check fails a result that is an argument itself (``run_check(..., fresh=True)``, and
# merge's "the input list returned"): the grader gets a copy of the result, never the argument, so the
# answers' process says which argument the result was (``answer_host._returned``). Before, a top_k_filter that
# returned its logits where k >= V kept its point (the mistake catalogue's, 2026-12-06).
FRESH = frozenset({"merge", "top_k_filter", "top_p_filter"})


class CallersData(AssertionError):
    """An answer in ``UNCHANGED`` changed an argument it was given, or one in ``FRESH`` returned one: the
    test fails with these words (a hidden test's failure shows them too: they name the argument, not its
    values)."""
    said_by_grader = True  # (``course.checks._core.raised`` shows the words as they are)


# The tolerance of each UNCHANGED answer's check (``run_check``'s ``atol``; its ``rtol`` is 1e-4 in all): a
# change of an argument within it is no change there, nor here. Read from the checks' source in a test.
UNCHANGED_ATOL = {"cross_attention": 1e-4}


def _changed(sent, after, atol: float = 1e-5) -> bool:
    """Whether an argument came back changed: a tensor's values (beyond the check's tolerance), a plain
    list's or dict's contents. ``after`` is what the answers' process sent back for it (None: left as it was)."""
    if after is None:
        return False
    if isinstance(sent, torch.Tensor):
        if not isinstance(after, torch.Tensor) or after.shape != sent.shape or after.dtype != sent.dtype:
            return True
        if sent.is_floating_point() or sent.is_complex():
            return not torch.allclose(after, sent, rtol=1e-4, atol=atol, equal_nan=True)
        return not torch.equal(after, sent)
    if type(sent) in (list, dict):
        try:
            return bool(after != sent)
        except Exception:  # (a comparison of tensors inside: unequal as data)
            return True
    return False


def _check_fresh(name: str, sent: tuple, returned) -> None:
    """Raise ``CallersData`` when the answer's result was its argument ``returned`` (a position), itself."""
    if type(returned) is not int or not 0 <= returned < len(sent):
        return
    what = "list" if isinstance(sent[returned], list) else "dict" if isinstance(sent[returned], dict) else "tensor"
    raise CallersData(
        f"{name} returned its argument {returned + 1} itself{' (or a view of it)' if what == 'tensor' else ''}, "
        f"not a new {what}: whoever then "
        f"changes the result (in place, or the next step) changes the caller's data too. Return a new {what} "
        f"every time, also where nothing needs to change ({'list(ids)' if what == 'list' else 'logits.clone()'}).")


def _check_unchanged(name: str, sent: tuple, after) -> None:
    """Raise ``CallersData`` for the first argument of ``sent`` that the answer's call changed."""
    if not isinstance(after, tuple) or len(after) != len(sent):
        return
    for position, (mine, theirs) in enumerate(zip(sent, after)):
        if _changed(mine, theirs, UNCHANGED_ATOL.get(name, 1e-5)):
            raise CallersData(
                f"{name} changed its argument {position + 1} in place (x -= ..., x[...] = v, a method ending in _, "
                f"list.append or .pop): that changes the caller's data too. Build a new result and leave the "
                f"input as it was (the test cell's check says the same in the notebook).")


def _write_back(args: tuple, after) -> None:
    """Change the caller's arguments as the answer changed its own copies (lists, dicts, tensors of the
    same shape and dtype; a module's weights), for the answers in ``MUTATES``."""
    if not isinstance(after, tuple) or len(after) != len(args):
        return
    for mine, theirs in zip(args, after):
        if type(mine) is list and type(theirs) is list and mine != theirs:
            mine[:] = theirs
        elif type(mine) is dict and type(theirs) is dict and mine != theirs:
            mine.clear()
            mine.update(theirs)
        elif isinstance(mine, torch.Tensor) and isinstance(theirs, torch.Tensor) and not mine.requires_grad \
                and mine.shape == theirs.shape and mine.dtype == theirs.dtype and not torch.equal(mine, theirs):
            mine.copy_(theirs)
        elif isinstance(mine, torch.nn.Module) and type(theirs) is dict and type(theirs.get("__state__")) is list:
            _load_state(mine, theirs["__state__"])


# the default dtypes a call may leave (``_set_modes``)
LEFT_DTYPES = {str(d): d for d in (torch.float16, torch.bfloat16, torch.float32, torch.float64)}


def _set_modes(args: tuple, after, left) -> None:
    """Leave the modules among ``args`` in the modes (``training``) their copies in the answers' process were
    left in, and their parameters as trainable, where the copy has the same modules; and this process's
    grad mode and default dtype as the call left the answers' (``left``). A check that sees whether the
    answer put the caller's model back in its mode (greedy_decode's, generate_greedy's), left it trainable
    or left autograd on (``course.checks._core._call_student``) sees it here as in the notebook; it puts
    them back, and ``_recheck`` does after each exercise's checks."""
    if isinstance(after, tuple) and len(after) == len(args):
        for mine, theirs in zip(args, after):
            if not isinstance(mine, torch.nn.Module) or type(theirs) is not dict:
                continue
            modules, modes = list(mine.modules()), theirs.get("__modes__")
            if type(modes) is list and len(modules) == len(modes) and all(type(m) is bool for m in modes):
                for module, mode in zip(modules, modes):
                    module.training = mode
            parameters, trainable = list(mine.parameters()), theirs.get("__trainable__")
            if type(trainable) is list and len(parameters) == len(trainable) and all(type(f) is bool for f in trainable):
                for parameter, flag in zip(parameters, trainable):
                    parameter.requires_grad_(flag)
    if type(left) is dict:
        if left.get("grad") is False:
            torch.set_grad_enabled(False)
        dtype = LEFT_DTYPES.get(left.get("dtype"))
        if dtype is not None:
            torch.set_default_dtype(dtype)


def _put_back() -> None:
    """This process's grad mode and default dtype as an exercise's checks found them (``_set_modes``)."""
    torch.set_grad_enabled(True)
    torch.set_default_dtype(torch.float32)


def _load_state(module: torch.nn.Module, state: list) -> None:
    """Give ``module`` the weights its copy in the answer process ended with (a loop trains in place);
    a state of another shape (the answer rebuilt the model) is left alone, so the module stays as it was."""
    own = list(module.state_dict().values())
    if len(own) != len(state) or any(not isinstance(t, torch.Tensor) or t.shape != o.shape or t.dtype != o.dtype
                                     for o, t in zip(own, state)):
        return
    with torch.no_grad():
        for o, t in zip(own, state):
            o.copy_(t)


class StudentError(Exception):
    """What the student's function raised, rebuilt here by name and message."""


def _error_class(name: str, base: str = "Exception") -> type:
    """A stand-in exception class of the student's error's name (only builtin ones keep their type, so
    a check that recognises ``IndexError`` still does). A class of the answer's own derives from the
    builtin classes ``base`` names, comma-separated, that its class derived from (``class
    UnknownCharacter(ValueError)``: a check that expects ``ValueError`` catches it, as in the notebook; and
    ``class UnknownCharacter(KeyError, ValueError)``, ``"KeyError,ValueError"``, is caught as either);
    each must name one of Python's own exceptions, or it is left out."""
    import builtins

    found = getattr(builtins, name, None)
    if isinstance(found, type) and issubclass(found, Exception):
        return found
    parents = []
    for part in base.split(",") if isinstance(base, str) else ():
        parent = getattr(builtins, part.strip(), None)
        if (isinstance(parent, type) and issubclass(parent, Exception) and parent is not Exception
                and parent not in parents):
            parents.append(parent)
    title = name if name.isidentifier() else "Error"
    for bases in ((StudentError, *parents), (StudentError, *parents[:1]), (StudentError,)):
        try:
            return type(title, bases, {})
        except TypeError:  # (bases whose layouts cannot be mixed, or whose order Python cannot linearise)
            continue
    return type(title, (StudentError,), {})


CALLBACK_TYPES = (types.FunctionType, types.MethodType, functools.partial)


# The most numbers one call of a served submodule may be given. It runs here, outside the sandbox's
# limits: a red team's one call with a (3,200,000, 1, n_embd) input took the grading worker to 2.3 GB
# (2026-12-02). An honest generation gives it one prompt, then one token a step.
SERVED_MAX_NUMBERS = 2**20


def _served(module: torch.nn.Module):
    """The grader's submodule as a function of data: its result, detached (a served submodule answers
    inference only: generation, not training)."""
    def call(*args, **kwargs):
        given = sum(t.numel() for t in _tensors([list(args), kwargs], []))
        if given > SERVED_MAX_NUMBERS:
            raise ValueError(f"the model was given {given:,} numbers in one call, more than the "
                             f"{SERVED_MAX_NUMBERS:,} a generation needs: feed it the prompt once, then one token a step")
        with torch.no_grad():
            return module(*args, **kwargs)
    return call


def _look(module: torch.nn.Module) -> dict:
    """What a served child shows besides its calls: its settings (``num_layers``, ``hidden_size``: plain
    numbers and strings) and copies of its own weights, so that an answer may read
    ``model.lstm.num_layers`` or ``model.lstm.weight_hh_l0.dtype`` as it does in the notebook (a red team's
    honest ``generate_greedy`` lost its point on a stand-in that had none, 2026-12-03)."""
    return {"class": type(module).__name__,  # (its errors name the class, as the notebook's would)
            "attrs": {k: v for k, v in vars(module).items()
                      if not k.startswith("_") and type(v) in (int, float, bool, str, type(None))},
            "params": {n: (p.detach().clone(), p.requires_grad) for n, p in module.named_parameters(recurse=False)},
            "buffers": {n: b.detach().clone() for n, b in module.named_buffers(recurse=False)}}


_AS_THEY_ARE = frozenset({*PLAIN_LEAVES, torch.Tensor})  # exactly these: sent as they are


def _encode(value, callbacks: list, serve: tuple[str, ...] = ()):
    """Arguments for the answer process: the stand-ins for its objects become their handles, and this
    process's own functions (a batch source, a schedule: they cannot cross) numbers in ``callbacks``.
    A module with children named in ``serve`` crosses as a copy without them, ``("__served__", copy,
    {name: callback number})``: the answer process puts stand-ins in their place that call these."""
    if type(value) in _AS_THEY_ARE:  # (most of what a check sends: lesson 01's lists of thousands of ids)
        return value
    if isinstance(value, RemoteObject):
        return ("__object__", object.__getattribute__(value, "_oid"))
    if isinstance(value, CALLBACK_TYPES):
        callbacks.append(value)
        return ("__callback__", len(callbacks) - 1)
    config = _config(value)
    if config is not None:
        return config
    if serve and isinstance(value, torch.nn.Module) and all(n in value._modules for n in serve):
        copy = object.__new__(type(value))
        copy.__dict__.update(value.__dict__)  # shares the weights until it is saved; only the children differ
        copy.__dict__["_modules"] = type(value._modules)(
            (n, torch.nn.Identity() if n in serve else m) for n, m in value._modules.items())
        numbers, looks = {}, {}
        for name in serve:
            callbacks.append(_served(value._modules[name]))
            numbers[name] = len(callbacks) - 1
            looks[name] = _look(value._modules[name])
        return ("__served__", copy, numbers, looks)
    if type(value) in (list, tuple):
        return type(value)(_encode(v, callbacks, serve) for v in value)
    if type(value) is dict:
        return {k: _encode(v, callbacks, serve) for k, v in value.items()}
    return value


def _request(host: Host, message: dict, callbacks: list | None = None) -> dict:
    """A request made with this process's grad mode and RNG state; the RNG goes on as the answer's
    call left it (seeded dropout draws the same numbers as in the notebook)."""
    if message["op"] == "call":  # reading an attribute draws nothing and builds no graph
        message.update(grad_enabled=torch.is_grad_enabled(), rng=torch.get_rng_state().numpy().tobytes())
    reply = host.request(message, callbacks)
    if not reply["ok"]:
        name, message = str(reply.get("error")), str(reply.get("message"))
        try:
            error = _error_class(name, str(reply.get("base", "Exception")))(message)
        except Exception:  # (a class that takes other arguments than a message: UnicodeDecodeError)
            error = type(name if name.isidentifier() else "Error", (StudentError,), {})(message)
        error.from_answers = True  # raised over there (by the answer, or by what it called)
        raise error
    if "rng" in message:
        rng = reply.get("rng")  # sent only when the call moved it
        if not (isinstance(rng, torch.Tensor) and rng.dtype == torch.uint8 and rng.numel() == len(message["rng"])):
            rng = torch.frombuffer(bytearray(message["rng"]), dtype=torch.uint8)
        torch.set_rng_state(rng)
    return reply


FRAME_BYTES = 512 * 2**20  # the most a reply may hold, as sent and as its tensors are laid out


# The most values a reply may unfold into beyond those it was sent with: a container sent once but reached
# twice (the same key tuple in the result and in the arguments it changed) counts once as sent, and twice
# written out; a leaf (a number, a string, a tensor) counts each time, as each time costs bytes to send.
UNFOLDED_EXTRA = 2**20


def _nodes(value, sizes: dict) -> tuple[int, int]:
    """Of ``value`` (a reply, as the loader rebuilds it): how many objects it holds, and how many it
    unfolds into, each counted once a way it is reached; every container the loader admits is walked,
    dict keys too. ``sizes``: the unfolded size of each object met so far, by id (so the walk takes one
    step an object, however often it is reached)."""
    if id(value) in sizes:
        return 0, sizes[id(value)]
    if isinstance(value, (list, tuple, set, frozenset)):
        parts = list(value)
    elif isinstance(value, dict):  # (dict's own methods: a rebuilt OrderedDict may carry attributes named keys, values)
        parts = [*dict.keys(value), *dict.values(value)]
    elif isinstance(value, torch.Tensor):
        parts = list(getattr(value, "__dict__", {}).values())  # (a tensor rebuilt with attributes)
    else:
        parts = []
    if not parts:  # a leaf (a number, a string, an empty list): each time it is sent, it is paid for in bytes
        return 1, 1
    sizes[id(value)] = 0  # (a container that holds itself adds nothing more)
    distinct, unfolded = 1, 1
    for part in parts:
        d, u = _nodes(part, sizes)
        distinct, unfolded = distinct + d, unfolded + u
    sizes[id(value)] = unfolded
    return distinct, unfolded


def _unfolded_bytes(value, seen=None) -> int:
    """The bytes of every tensor in ``value`` (a reply: what the loaders admit), each as if laid out in full:
    in every container the loader rebuilds, a Counter, an OrderedDict or a set too, and a dict's keys as well
    as its values. A Counter holding a stride-0 view that requires grad passed as 0 bytes, and the gradient
    check's ``_Link`` cloned it into 2 GB in the grading worker (rt25, 2026-12-05; the answers' process
    leaves a Counter's contents as they are, ``answer_host._detached``)."""
    seen = set() if seen is None else seen
    if id(value) in seen:
        return 0
    seen.add(id(value))
    if isinstance(value, torch.Tensor):
        return value.numel() * value.element_size()
    if isinstance(value, (list, tuple, set, frozenset)):
        return sum(_unfolded_bytes(v, seen) for v in value)
    if isinstance(value, dict):  # (dict's own methods, as in ``_nodes``)
        return sum(_unfolded_bytes(v, seen) for v in [*dict.keys(value), *dict.values(value)])
    return 0


class _NoClasses(pickle.Unpickler):
    """C's unpickler that builds no object of any class: only the containers and values pickle writes
    without naming a class (Python's "Restricting Globals" with nothing allowed)."""

    def find_class(self, module, name):
        raise pickle.UnpicklingError(f"a plain reply named the class {str(module)[:80]}.{str(name)[:80]}")

    def persistent_load(self, pid):
        raise pickle.UnpicklingError("a plain reply held a persistent id")


def _read_plain(data) -> dict:
    """A ``P`` frame's reply (``answer_host._as_plain``): a pickle of dicts, lists, tuples, strings, bytes,
    numbers, booleans and None only, exactly those types (checked after: pickle's opcodes also make sets,
    bytearrays, and buffers); its tensors are tuples until ``_numpy_scalars``. Much faster than torch's
    loader, which is written in Python."""
    reply = _NoClasses(io.BytesIO(data)).load()
    stack, seen, tensors, values = [reply], set(), 0, 1
    while stack:
        value = stack.pop()
        kind = type(value)
        if kind in PLAIN_LEAVES:
            continue
        if kind not in PLAIN_CONTAINERS:
            raise pickle.UnpicklingError(f"a plain reply held a {kind.__name__}")
        if id(value) not in seen:
            seen.add(id(value))
            if kind is tuple and len(value) == 4 and value[0] == TENSOR_MARK:  # (counted before any walk of the
                tensors += 1  # whole reply: rebuilt, a million of them took 28 s; ``REPLY_TENSORS``)
                if tensors > REPLY_TENSORS:
                    raise pickle.UnpicklingError(f"more than the {REPLY_TENSORS:,} tensors a reply may hold")
            values += 2 * len(value) if kind is dict else len(value)  # (before the walk takes them: ``REPLY_VALUES``)
            if values > REPLY_VALUES:
                raise pickle.UnpicklingError(f"more than the {REPLY_VALUES:,} values a reply may hold")
            stack.extend([*value.keys(), *value.values()] if kind is dict else value)
    return reply


def _load_error(error: Exception) -> str:
    """What torch's loader refused, in a line: the class it met ("numpy._core.multiarray.scalar", a numpy
    scalar the answers' process did not turn into a number), else the first line of its message, without
    the terminal's colour codes."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(error)).strip()
    met = re.search(r"Unsupported global: GLOBAL ([\w.]+)", text)
    if met:
        return f"an object of {met.group(1)}"
    return text.splitlines()[0][:300] if text else type(error).__name__


NOT_DATA = "the answers' process sent back something that is not plain data"


def _numpy_dtypes() -> frozenset:
    """The dtype strings of numpy's number and boolean scalars here (``"<f8"``, ``"|b1"``, …): all that
    ``answer_host._without_numpy_scalars`` sends. Any other string is not handed to ``numpy.dtype``: a
    forged ``"M8[us/0]"`` killed the grading worker with SIGFPE inside numpy (a red team's, 2026-12-03)."""
    import numpy

    kinds = (numpy.bool_, numpy.int8, numpy.int16, numpy.int32, numpy.int64, numpy.uint8, numpy.uint16,
             numpy.uint32, numpy.uint64, numpy.float16, numpy.float32, numpy.float64, numpy.longdouble,
             numpy.complex64, numpy.complex128, numpy.clongdouble)
    return frozenset(numpy.dtype(kind).str for kind in kinds)


NUMPY_DTYPES: frozenset = frozenset()  # filled on first use (numpy is imported only when needed)


# The most tensors one reply may hold. Each costs the grader far more to rebuild than to send: a list of a
# million empty tensors, a 21 MB plain frame, took the grader 28 s and 1.3 GB to read, and 200,000 of them in a
# torch.save frame (39 MB) 23 s and 0.5 GB (rt25, 2026-12-05), all after the call's time limit, which holds for
# the reading only, and outside the sandbox. An honest reply holds a few: a result, a model's state, a gradient.
REPLY_TENSORS = 2**14
# The most values (numbers, strings, None, containers; a tensor is a few) a reply may hold, and the most bytes
# of pickle a ``torch.save`` frame's structure may take (its tensors' bytes are records of their own). The
# walks that check a reply (``_nodes``, ``_unfolded_bytes``, ``_numpy_scalars``) run in Python after the
# call's time limit, outside the sandbox: a 9.6 MB plain frame of ten million None took the grader 21 s, and
# torch's loader, in Python, 1.7 s for a 1 MB frame of a million; a 512 MB frame, many minutes (rt26,
# 2026-12-05; an argument changed into 2,000,000 None and sent back: 14 s of a re-check). An honest reply holds
# a few thousand values (lesson 01: the ids of a passage).
REPLY_VALUES = 2**20
TORCH_PICKLE_BYTES = 2**21


def _count_storages(data) -> None:
    """``ValueError`` if the ``torch.save`` archive ``data`` holds more than ``REPLY_TENSORS`` storages (each
    tensor that owns its memory has one: a record under ``data/``), or a pickle of more than
    ``TORCH_PICKLE_BYTES``, read from the zip's directory alone."""
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        stored = sum(1 for name in archive.namelist() if "/data/" in name)
        structure = sum(info.file_size for info in archive.infolist() if info.filename.endswith(".pkl"))
    if stored > REPLY_TENSORS:
        raise ValueError(f"{stored:,} tensors, more than the {REPLY_TENSORS:,} a reply may hold")
    if structure > TORCH_PICKLE_BYTES:  # (torch's loader, in Python, takes about 2 s a megabyte of it)
        raise ValueError(f"a structure of {structure:,} bytes, more than the {TORCH_PICKLE_BYTES:,} a reply's may take")


def _numpy_scalars(value, made: dict | None = None):
    """The answer's numpy scalars back (``answer_host._without_numpy_scalars``): numbers and booleans; and
    its tensors (``answer_host.TENSOR_MARK``), each once (``made``: by the id of its tuple, with the bytes
    they took, which may not pass 512 MB: a forged reply could name one 100 MB string many times)."""
    global NUMPY_DTYPES
    made = {"bytes": 0} if made is None else made
    if type(value) is tuple and len(value) == 3 and value[0] == "__numpy__" and type(value[1]) is str \
            and type(value[2]) in (bool, int, float, complex):
        import numpy
        NUMPY_DTYPES = NUMPY_DTYPES or _numpy_dtypes()
        if value[1] not in NUMPY_DTYPES:
            return value  # a plain tuple, as sent
        return numpy.dtype(value[1]).type(value[2])
    if type(value) is tuple and len(value) == 4 and type(value[0]) is str and value[0] == TENSOR_MARK:
        if id(value) not in made:
            made["tensors"] = made.get("tensors", 0) + 1
            if made["tensors"] > REPLY_TENSORS:
                raise ValueError(f"more than the {REPLY_TENSORS:,} tensors a reply may hold")
            made[id(value)] = _tensor_of(value, made)
        return made[id(value)]
    if type(value) in (list, tuple):
        return type(value)(_numpy_scalars(v, made) for v in value)
    if type(value) is dict:
        return {_numpy_scalars(k, made): _numpy_scalars(v, made) for k, v in value.items()}
    return value


def _tensor_of(mark: tuple, made: dict) -> torch.Tensor:
    """The tensor of ``(TENSOR_MARK, dtype name, shape, bytes)``; ``ValueError`` if the tuple is not one the
    answers' process writes (``answer_host._as_plain``)."""
    _, dtype, shape, data = mark
    if type(dtype) is not str or dtype not in TENSOR_DTYPES or type(shape) is not tuple or len(shape) > 64 \
            or not all(type(n) is int and 0 <= n <= FRAME_BYTES for n in shape) or type(data) is not bytes:
        raise ValueError("a tensor's description that the answers' process does not write")
    dtype = getattr(torch, dtype)
    numel = 1
    for n in shape:
        numel = min(numel * n, FRAME_BYTES + 1)
    if numel * dtype.itemsize != len(data):
        raise ValueError(f"a tensor of shape {shape} whose data holds {len(data)} bytes")
    made["bytes"] += len(data)
    if made["bytes"] > FRAME_BYTES:
        raise ValueError("tensors of more than 512 MB")
    flat = torch.frombuffer(bytearray(data), dtype=dtype) if data else torch.empty(0, dtype=dtype)
    return flat.reshape(shape)


def _value(host: Host, reply: dict):
    if "handle" in reply:
        if not isinstance(reply["handle"], int):
            raise HostBroke("the answers' process sent back something that is not a handle")
        return RemoteObject(host, reply["handle"])
    return reply.get("value")


class Remote:
    """Stands in for the answer's function or class ``name``: calls cross to the answer process as
    data. A class (``handles=True``) gives back a ``RemoteObject`` for what it builds."""

    def __init__(self, host: Host, name: str, handles: bool = False, serve: tuple[str, ...] = (),
                 cell: int | None = None, unchanged: bool = False, modes: bool = False, fresh: bool = False):
        self.host, self.name, self.__name__, self.handles, self.serve = host, name, name, handles, serve
        self.target = {"name": name} if cell is None else {"name": name, "cell": cell}
        self.unchanged = unchanged  # (a call that changes its arguments fails: ``UNCHANGED``)
        self.modes = modes  # (the modules it is given are left in the modes the answer left them in)
        self.fresh = fresh  # (a call that returns an argument itself fails: ``FRESH``)

    def __call__(self, *args, **kwargs):
        return _call(self.host, self.target, args, kwargs, self.handles, self.serve, self.unchanged, self.modes,
                     self.fresh)

    @staticmethod
    def course_weight_grad(remote: "Remote", position: int, parameter: str) -> torch.Tensor | None:
        """The gradient of the sum of the answer's last result with respect to ``parameter`` of its module
        argument ``position``, taken in the answers' process, where the result's graph is (its copy of the
        module has the grader's weights); None when the result does not require grad. Called on the class
        (``type(fn).course_weight_grad(fn, ...)``), as ``RemoteObject.course_structure``."""
        found = _request(remote.host, {"op": "weight_grad", "arg": position, "parameter": parameter}).get("value")
        if found is not None and not (type(found) is torch.Tensor and found.is_floating_point()):
            raise HostBroke("the answers' process sent back something that is not a gradient", NOT_DATA)
        return found


def _call(host: Host, target: dict, args: tuple, kwargs: dict, handles: bool, serve: tuple[str, ...] = (),
          unchanged: bool = False, modes: bool = False, fresh: bool = False):
    grad = [i for i, a in enumerate(args) if isinstance(a, torch.Tensor) and a.requires_grad]
    plain = tuple(a.detach() if isinstance(a, torch.Tensor) else a for a in args)
    callbacks = []
    reply = _request(host, {"op": "call", **target, "args": _encode(plain, callbacks, serve),
                            "kwargs": _encode(kwargs, callbacks, serve), "grad": grad, "handles": handles,
                            "weights": target.get("name") in MUTATES},  # (its model's weights come back)
                     callbacks)
    if target.get("name") in MUTATES:
        _write_back(args, reply.get("args"))
    elif unchanged and reply.get("ok"):
        _check_unchanged(target.get("name", "the answer"), plain, reply.get("args"))
    if modes and reply.get("ok"):
        _set_modes(args, reply.get("args"), reply.get("left"))
    if fresh and reply.get("ok"):
        _check_fresh(target.get("name", "the answer"), plain, reply.get("returned"))
    value = _value(host, reply)
    outputs = _tensors(value, [])
    linked = reply.get("linked") or []
    if grad and len(linked) == len(outputs) and any(linked):
        keep = [t for t, on in zip(outputs, linked) if on]
        tied = _Link.apply(host, len(grad), *[args[i] for i in grad], *keep)
        value = _replace(value, {id(t): new for t, new in zip(keep, tied)})
    return value


class RemoteObject:
    """Stands in for an object that lives in the answer process (a module the answer's class built,
    its layers, their weights): reading an attribute, calling it and ``repr`` cross over; what comes
    back is data or another stand-in. Nothing here compares equal to anything but itself."""

    def __init__(self, host: Host, oid: int):
        object.__setattr__(self, "_host", host)
        object.__setattr__(self, "_oid", oid)

    def __getattr__(self, attr: str):
        if attr.startswith("__"):
            raise AttributeError(attr)
        host = object.__getattribute__(self, "_host")
        return _value(host, _request(host, {"op": "getattr", "object": object.__getattribute__(self, "_oid"),
                                            "attr": attr}))

    def __call__(self, *args, **kwargs):
        return _call(object.__getattribute__(self, "_host"), {"object": object.__getattribute__(self, "_oid")},
                     args, kwargs, True)

    @staticmethod
    def course_structure(remote) -> dict | None:
        """What a check reads of a module that its outputs cannot show (``answer_host._structure``), as data;
        called on the class (``type(module).course_structure(module)``), so that no attribute of the answer's
        object is shadowed."""
        host = object.__getattribute__(remote, "_host")
        found = _request(host, {"op": "structure", "object": object.__getattribute__(remote, "_oid")}).get("value")
        if found is None:
            return None
        if type(found) is not dict or any(type(found.get(k)) is not list for k in ("parameters", "buffers", "plain")):
            raise HostBroke("the answers' process sent back something that is not a module's structure", NOT_DATA)
        return found

    def __repr__(self) -> str:
        host = object.__getattribute__(self, "_host")
        text = _request(host, {"op": "repr", "object": object.__getattribute__(self, "_oid")}).get("value")
        return text[:300] if isinstance(text, str) else "<an object of the answer>"


def _one_line(message: str, limit: int = 600) -> str:
    """A check's message on one line, at most ``limit`` characters: when cut, its first line (which case)
    and its last ones (what differs, and the mistake's name), without the values between (a red team's
    note: the cut kept the dumps and lost "at position 0: expected float, got float64")."""
    parts = [part.strip() for part in message.splitlines() if part.strip()]
    line = "; ".join(parts)
    if len(line) <= limit or not parts:
        return line
    parts = [parts[0]] + [p for p in parts[1:] if not p.startswith(("expected:", "got:"))]  # the values go first
    line = "; ".join(parts)
    if len(line) <= limit:
        return line
    head = parts[0] if len(parts[0]) <= limit // 3 else parts[0][:limit // 3 - 1] + "…"
    budget, tail = limit - len(head) - 4, []
    for part in reversed(parts[1:]):
        if len(part) + 2 > budget:
            if not tail:
                tail = ["…" + part[-(budget - 1):]] if budget > 1 else []
            break
        tail.insert(0, part)
        budget -= len(part) + 2
    return head + " … " + "; ".join(tail)


def answer_cells(nb) -> list[str]:
    """The sources of the notebook's answer cells (autograded code answers), in order."""
    return [cell.source for cell in _answer_cells(nb)]


def answer_cell_ids(nb) -> list[str | None]:
    """The grade ids of ``answer_cells(nb)``, in the same order."""
    return [(cell.metadata.get("nbgrader") or {}).get("grade_id") for cell in _answer_cells(nb)]


def test_cell_places(nb) -> dict[str, int]:
    """By test cell (grade id), the index in ``[prelude, imports, *answer_cells(nb)]`` of the last cell the
    notebook ran before it: its test sees the answers as that cell left them (answer_host's ``CELL_NAMESPACES``),
    not as a later answer cell that defines a name again left them."""
    places, seen = {}, 0
    answers = {id(cell) for cell in _answer_cells(nb)}
    for cell in nb.cells:
        if id(cell) in answers:
            seen += 1
        elif cell.cell_type == "code" and (cell.metadata.get("nbgrader") or {}).get("grade"):
            places.setdefault((cell.metadata.get("nbgrader") or {}).get("grade_id"), 1 + seen)
    return places


def _answer_cells(nb) -> list:
    return [cell for cell in nb.cells if cell.cell_type == "code"
            and (cell.metadata.get("nbgrader") or {}).get("solution")
            and not (cell.metadata.get("nbgrader") or {}).get("grade")]


def _import_nodes(nb, keep):
    """The top-level import statements (``ast`` nodes) of the code cells whose nbgrader metadata
    (``{}`` for a plain cell) ``keep`` accepts."""
    import ast

    for cell in nb.cells:
        if cell.cell_type != "code" or not keep(cell.metadata.get("nbgrader") or {}):
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        yield from (node for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom)))


def lesson_imports(nb) -> str:
    """The import statements of the lesson's own code cells (not answers, not tests) of modules an
    answer may import itself: what an answer may use because the lesson imported it (``math``, ``F``,
    ``re``...)."""
    import ast

    from autograder.answers import ALLOWED_MODULES

    lines, plots = [], []
    for node in _import_nodes(nb, lambda meta: not meta.get("solution") and not meta.get("grade")):
        if isinstance(node, ast.Import):  # only of the modules an answer may import itself
            names = [a for a in node.names if a.name.split(".")[0] in ALLOWED_MODULES]
            if names:
                lines.append(ast.unparse(ast.Import(names=names)))
            plots += [a.asname for a in node.names if a.name == "matplotlib.pyplot" and a.asname]
        elif node.level == 0 and node.module and node.module.split(".")[0] in ALLOWED_MODULES:
            lines.append(ast.unparse(node))
    stand_ins = [NOTEBOOK_DISPLAY] + ([NO_PLOTS] + [f"{name} = _NoPlots()" for name in dict.fromkeys(plots)]
                                      if plots else [])
    return "\n".join([*dict.fromkeys(lines), *stand_ins]) + "\n"


# What a notebook gives an answer beside the lesson's imports, which the answers' process has not: IPython's
# ``display`` (the rules let an answer call it) shows its objects' text, and a lesson's ``plt``
# (``import matplotlib.pyplot as plt``, for its own plots) draws nothing, for a plot is not graded. An honest
# train_loop that plotted its losses with plt, and a bigram_forward that displayed itself, passed the
# notebook and lost their points to "name 'plt' is not defined", told to import it in the answer cell,
# where matplotlib is refused (rt35, 2026-12-06). No class may derive from ``_NoPlots``: it is made by an answer
# cell as this process sees it, and its ``__getattr__`` would be the attribute hook the rules refuse. An answer
# that read ``_NoPlots`` before binding the name itself (``class Evil(_NoPlots, dict)``, then ``_NoPlots = None``)
# passed the rules, and torch.as_tensor read its instances as a CUDA array interface naming any address (refused
# only because this torch has no CUDA; ch36). Its ``__init_subclass__`` says so where Python calls it, but a base
# before it can skip it (``random.Random``'s calls no super(), ch37): ``answer_host._checked_classes`` refuses
# such a base itself, since it trusts a class made in an answer cell only without a ``__getattr__`` of its own.
NOTEBOOK_DISPLAY = '''
def display(*objs, **kwargs):
    for obj in objs:
        print(repr(obj))
'''
NO_PLOTS = '''
class _NoPlots:
    """matplotlib.pyplot, a figure or an axis where the answers run: every call draws nothing. What an
    answer unpacks comes in matplotlib's numbers: subplots' axes in their grid, plot's one line, hist's,
    errorbar's and stem's three results, pie's two (three with autopct), a bar for each x of bar; anything
    else in two (fig, ax = plt.subplots(), lo, hi = ax.get_ylim())."""
    def __init__(self, shape=(2,)):
        self._shape = tuple(shape)
    def subplots(self, nrows=1, ncols=1, *args, squeeze=True, **kwargs):
        grid = (nrows, ncols) if not squeeze else tuple(n for n in (nrows, ncols) if n != 1)
        return _NoPlots(), (_NoPlots(grid) if grid else _NoPlots())
    def plot(self, *args, **kwargs):
        return [_NoPlots()]
    def hist(self, *args, **kwargs):
        return _NoPlots(), _NoPlots(), _NoPlots()
    def errorbar(self, *args, **kwargs):
        return _NoPlots((3,))
    stem = errorbar
    def pie(self, *args, autopct=None, **kwargs):
        return _NoPlots((2,) if autopct is None else (3,))
    def bar(self, x=(), *args, **kwargs):
        try:
            return _NoPlots((len(x),))
        except TypeError:
            return _NoPlots((1,))
    barh = bar
    @property
    def flat(self):
        size = 1
        for n in self._shape:
            size *= n
        return _NoPlots((size,))
    def ravel(self, *args, **kwargs):
        return self.flat
    flatten = ravel
    def __call__(self, *args, **kwargs):
        return self
    def __getattr__(self, name):
        return self
    def __getitem__(self, key):
        return _NoPlots(self._shape[1:]) if isinstance(key, int) and len(self._shape) > 1 else _NoPlots()
    def __setitem__(self, key, value):
        pass
    def __len__(self):
        return self._shape[0]
    def __iter__(self):
        return iter([self[k] for k in range(self._shape[0])])
    def __enter__(self):
        return self
    def __exit__(self, *exc):
        return False
    def __init_subclass__(cls, **kwargs):
        raise TypeError("a class may not be based on the lesson's plt, which draws nothing where the answers run: "
                        "base your class on object, nn.Module or a plain container")
'''


_HIDDEN = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS.*?^[ \t]*### END HIDDEN TESTS[^\n]*\n?", re.M | re.S)
_HIDDEN_BODY = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS[^\n]*\n(.*?)^[ \t]*### END HIDDEN TESTS", re.M | re.S)


def without_hidden_tests(code: str) -> str:
    """``code`` (a test cell's source) with its hidden tests taken out."""
    return _HIDDEN.sub("", code)


def _own_work_statement(node) -> bool:
    import ast

    if isinstance(node, ast.ImportFrom):
        return node.module == "course.grading" and all(a.name == "assert_own_work" for a in node.names)
    return (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Name) and node.value.func.id == "assert_own_work")


def graders_code(code: str) -> str:
    """A test's code as the grader runs it: without its ``assert_own_work`` lines, which inspect the
    answer's function object, and here the answer is a stand-in. Here the rules did that work instead:
    an answer that names the course's reference was refused before it ran, and the answers' process
    refuses importing the course at all."""
    import ast

    lines = code.split("\n")
    for node in ast.parse(code).body:
        if _own_work_statement(node):
            for number in range(node.lineno - 1, node.end_lineno):
                lines[number] = ""
    return "\n".join(lines)


def hidden_tests(source) -> dict[str, str]:
    """``{test id: code}`` for each test cell of the instructor's notebook ``source`` that has hidden
    tests: its hidden tests, after the functions and classes its visible code defines (the hidden tests
    may use them: lesson 04's ``slow_greedy``)."""
    import ast

    found = {}
    for cell in source.cells:
        meta = cell.metadata.get("nbgrader") or {}
        if cell.cell_type != "code" or not meta.get("grade") or meta.get("solution"):
            continue
        hidden = "".join(_HIDDEN_BODY.findall(cell.source))
        if not hidden.strip():
            continue
        visible = without_hidden_tests(cell.source)
        definitions = [ast.get_source_segment(visible, node) for node in ast.parse(visible).body
                       if isinstance(node, (ast.FunctionDef, ast.ClassDef))]
        found[meta["grade_id"]] = "\n\n".join([*definitions, hidden])
    return found


def form_tests(source) -> dict[str, str]:
    """``{test id: visible code}`` of the form tests of the instructor's notebook ``source``."""
    return {meta["grade_id"]: graders_code(_HIDDEN.sub("", cell.source)) for cell in source.cells
            if cell.cell_type == "code" and (meta := cell.metadata.get("nbgrader") or {}).get("grade")
            and str(meta.get("grade_id", "")).endswith("-form")}


def _free_names(code: str) -> set[str]:
    import ast

    return {node.id for node in ast.walk(ast.parse(code)) if isinstance(node, ast.Name)}


def form_namespace(source, codes: list[str]) -> dict:
    """What the form tests' code reads besides the answers: the import statements of the instructor's
    lesson (``source``, its plain cells) that bind a name the code uses, run here."""
    import ast

    used = set().union(*(_free_names(code) for code in codes)) if codes else set()
    lines = [ast.unparse(node) for node in _import_nodes(source, lambda meta: not meta)  # plain cells only
             if {(a.asname or a.name).split(".")[0] for a in node.names} & used]
    namespace = {"__name__": "__recheck__"}
    exec("\n".join(dict.fromkeys(lines)), namespace)
    return namespace


_CASE_VALUES = (str, int, float, bool, torch.dtype, torch.Size, torch.Tensor, tuple, list)  # (the grader's own)
_CASE_NODES = (ast.JoinedStr, ast.FormattedValue, ast.Constant, ast.Name, ast.Load, ast.Attribute, ast.Call)
_CASE_CALLS = {"len": len, "tuple": tuple}


def _bindings(tree: ast.AST) -> dict[str, list[tuple[int, ast.AST | None]]]:
    """Each name the hidden tests bind: (line, the expression its value comes from) for every binding
    (None where it is not an expression: an import, a def, an except's name)."""
    found: dict[str, list] = collections.defaultdict(list)
    for node in ast.walk(tree):
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.NamedExpr)):
            pairs = [(t, node.value) for t in (node.targets if isinstance(node, ast.Assign) else [node.target])]
        elif isinstance(node, (ast.For, ast.comprehension)):
            pairs = [(node.target, node.iter)]
        elif isinstance(node, ast.withitem) and node.optional_vars is not None:
            pairs = [(node.optional_vars, node.context_expr)]
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            pairs = [(ast.Name((a.asname or a.name).split(".")[0]), None) for a in node.names]
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.ExceptHandler)) and getattr(node, "name", None):
            pairs = [(ast.Name(node.name), None)]
        else:
            continue
        line = getattr(node, "lineno", None) or getattr(pairs[0][1], "lineno", 0)
        for target, value in pairs:
            for name in (n for n in ast.walk(target) if isinstance(n, ast.Name)):
                found[name.id].append((line, value))
    return found


def _graders_names(bound: dict, answers: set[str]) -> set[str]:
    """The names the hidden tests bind only from values the grader made: no answer's result, nor
    anything made from one, reaches them."""
    theirs = set(answers)
    while True:
        more = {name for name, where in bound.items() if name not in theirs and any(
            value is None or {n.id for n in ast.walk(value) if isinstance(n, ast.Name)} & theirs for _, value in where)}
        if not more:
            return set(bound) - theirs
        theirs |= more


def _next_assert(tree: ast.Module, line: int) -> tuple[ast.stmt, ast.Assert] | None:
    """The innermost statement of the hidden tests on ``line``, and the assert that runs next from it: itself,
    or the first after it in its block, or (out of a ``with``, ``if`` or ``try``, not a loop) in the block
    around it. None where there is none."""
    chain, body = [], tree.body
    while body:
        here = next((s for s in body if s.lineno <= line <= (s.end_lineno or s.lineno)), None)
        if here is None:
            break
        chain.append((here, body[body.index(here) + 1:]))
        blocks = [getattr(here, field, None) or [] for field in ("body", "orelse", "finalbody")]
        body = next((b for b in blocks if b and b[0].lineno <= line <= (b[-1].end_lineno or b[-1].lineno)), None)
    if not chain:
        return None
    statement = chain[-1][0]
    for depth in range(len(chain) - 1, -1, -1):
        here, rest = chain[depth]
        check = next((s for s in ([here] if depth == len(chain) - 1 else []) + rest if isinstance(s, ast.Assert)), None)
        if check is not None:
            return statement, check
        if depth and not isinstance(chain[depth - 1][0], (ast.With, ast.If, ast.Try)):
            return None  # (after a loop's body comes its next round, not the next assert)
    return None


def _case_part(message: ast.expr) -> ast.expr | None:
    """The ``hidden test (CASE): `` an assert's message starts with, as an expression of its own: the rest
    of the message (which may read the answer's result) is not evaluated. None where it has none."""
    if isinstance(message, ast.Constant):
        return message if isinstance(message.value, str) else None
    if not isinstance(message, ast.JoinedStr):
        return None
    for at, part in enumerate(message.values):
        if isinstance(part, ast.Constant) and "): " in part.value:
            head = ast.Constant(part.value[:part.value.index("): ") + 3])
            return ast.JoinedStr([*message.values[:at], head])
    return None


def hidden_case(code: str, test: str, error: BaseException, namespace: dict, answers: set[str]) -> str | None:
    """The case a hidden test was on when the answer raised, in the hidden test's own words: the CASE of
    the ``hidden test (CASE): ...`` message of the assert on the line that raised, or else of the assert
    that runs next (``_next_assert``). Had the answer returned a wrong value there instead, that assert would
    have said the same: the message may read only names the grader bound, before that line, from values
    that no answer's result reached (and of those, only their shapes, lengths and plain values). None
    where there is no such message."""
    filename = f"<hidden tests of {test}>"
    lines = [line for frame, line in traceback.walk_tb(error.__traceback__) if frame.f_code.co_filename == filename]
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return None
    found = _next_assert(tree, lines[-1]) if lines else None
    if found is None or found[1].msg is None:
        return None
    statement, check = found
    said = _case_part(check.msg)
    if said is None:
        return None
    parts = list(ast.walk(said))
    if not all(isinstance(n, _CASE_NODES) for n in parts) \
            or any(isinstance(n, ast.Attribute) and n.attr not in ("shape", "dtype", "ndim") for n in parts) \
            or any(isinstance(n, ast.Call) and not (isinstance(n.func, ast.Name) and n.func.id in _CASE_CALLS
                                                    and not n.keywords) for n in parts):
        return None  # a call, an index, another attribute: not evaluated here
    bound = _bindings(tree)
    names = {n.id for n in parts if isinstance(n, ast.Name)} - set(_CASE_CALLS)
    if not names <= _graders_names(bound, answers) \
            or any(line >= statement.lineno for name in names for line, _ in bound[name]):
        return None  # the answer's, or bound on or after the line that raised (the last round's value)
    values = {name: namespace.get(name) for name in names}
    if not all(isinstance(v, _CASE_VALUES) for v in values.values()):
        return None
    try:
        expression = ast.fix_missing_locations(ast.Expression(said))
        message = eval(compile(expression, filename, "eval"), {"__builtins__": dict(_CASE_CALLS)}, values)
    except Exception:
        return None
    head = "hidden test ("
    if not isinstance(message, str) or not message.startswith(head) or "): " not in message:
        return None
    return message[len(head):message.index("): ")]


# Python's own exceptions that are no Exception: an answer's comes back as a StudentError of that name
BASE_EXCEPTIONS = frozenset(name for name, value in vars(builtins).items() if isinstance(value, type)
                            and issubclass(value, BaseException) and not issubclass(value, Exception))


def _failure(error: Exception, hidden: bool, case: str | None = None) -> str:
    """Why a test fails here, from what its check or hidden tests raised. A hidden test's message starts
    with "hidden test" (its asserts say what failed; ``autograder.grading`` says where it ran); ``case``
    is the hidden test's own words for the case it was on (``hidden_case``)."""
    from autograder.grading import HIDDEN_FAILURE

    answers = getattr(error, "from_answers", False)
    if hidden and isinstance(error, AssertionError) and not answers:
        message = str(error) or "a hidden test failed"
        return message if message.startswith(HIDDEN_FAILURE) else f"{HIDDEN_FAILURE}: {message}"
    why = f"{type(error).__name__}: {error}"
    if hidden and answers:
        # not the message: the answer wrote it, and could have written the hidden test's inputs into it
        # for the feedback to show (a red team's, 2026-12-02); the visible check shows its messages
        # nor the name of a class of its own (its names could spell the inputs too): Python's own are named
        # (and Python's own that are no Exception, KeyboardInterrupt and SystemExit, whose stand-ins are a StudentError)
        name = type(error).__name__
        if isinstance(error, StudentError) and name not in BASE_EXCEPTIONS:
            name = "an exception of a class of its own"
        where = f" ({case})" if case else ""
        return f"{HIDDEN_FAILURE}{where}: the answer raised {name} (run the test cell's check in the notebook, " \
               f"and try your function on inputs of your own, to see where)"
    if hidden:
        # nor the grader's own errors word for word: a comparison that broadcasts (or runs out of memory)
        # quotes the sizes of the answer's tensors, and the answer chose them after it had seen the hidden
        # inputs (a red team read a hidden input out of "tensor a (148828)", 2026-12-03)
        return f"{HIDDEN_FAILURE}: {type(error).__name__} while comparing your result with the expected one " \
               f"(run the test cell's check in the notebook, and try your function on inputs of your own, to see where)"
    return why


def _lesson_answer_names(lesson: str) -> list[str]:
    """The names the answers of ``lesson`` define (its value tests' checks name them)."""
    from course.checks.exercises import EXERCISES

    return list(dict.fromkeys(name for e in EXERCISES if e.lesson == lesson for _, _, name in e.checks))


def _answer_names(lesson: str, test: str) -> list[str]:
    """The names the answer of ``test``'s exercise defines (from the exercise's value test)."""
    from course.checks.exercises import BY_TEST, EXERCISES

    exercise = BY_TEST[test].answer
    return [name for e in EXERCISES if e.lesson == lesson and e.answer == exercise for _, _, name in e.checks]


RECHECK_SEED = 0  # the RNG's seed at the start of every test graded here, whatever ran before


# The most memory the grader's own work on one notebook may add to what its process holds. What the answers
# send is checked one reply at a time (``FRAME_BYTES``, ``UNFOLDED_EXTRA``), but a test that compares two
# replies can broadcast them to the product of their sizes: (N, 1) against (1, N) asked for 11 bytes x N²
# (a red team's, 2026-12-03: 1.9 GB from two 48 kB replies; N = 45,000 would fill a 24 GB machine).
GRADER_EXTRA_BYTES = 4 << 30


def _data_bytes() -> int:
    """The private writable memory this process has mapped (``VmData``: what ``RLIMIT_DATA`` limits)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmData:"):
                return int(line.split()[1]) * 1024
    raise OSError("no VmData in /proc/self/status")


@contextlib.contextmanager
def memory_cap(extra: int = GRADER_EXTRA_BYTES):
    """While the block runs, ``RLIMIT_DATA``'s soft limit is what this process holds now plus ``extra``:
    an allocation past it fails (torch's allocator raises a ``RuntimeError``, Python a ``MemoryError``),
    and the test that made it fails, instead of the machine running out of memory. (Without
    ``/proc``, or with a tighter limit already set, the block runs as it is.)"""
    try:
        import resource
        soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
        cap = _data_bytes() + extra
    except (ImportError, OSError, ValueError):
        yield
        return
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    if soft != resource.RLIM_INFINITY and soft <= cap:
        yield
        return
    resource.setrlimit(resource.RLIMIT_DATA, (cap, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_DATA, (soft, hard))


def recheck(notebook, lesson: str, tests: list[str], sandbox: bool, host: Host | None = None,
            source=None) -> dict[str, str]:
    """Grade again, out of the answers' process, the ``tests`` of ``lesson`` that are ``RECHECKED``
    and its form tests; ``{test id: why it fails}`` for each that fails. ``notebook`` is the graded
    notebook and ``source`` the instructor's (paths or notebook nodes; ``source`` defaults to the
    course's solution). ``host``: an answer process to load the answers into (else one is started).
    The grader's memory is capped meanwhile (``memory_cap``)."""
    with memory_cap():
        return _recheck(notebook, lesson, tests, sandbox, host, source)


def _recheck(notebook, lesson: str, tests: list[str], sandbox: bool, host: Host | None, source) -> dict[str, str]:
    import nbformat

    from course.checks._core import CheckFailed
    from course.checks.exercises import BY_TEST, PRELUDE, PRELUDES

    wanted = [BY_TEST[t] for t in tests if t in RECHECKED and t in BY_TEST and BY_TEST[t].checks
              and BY_TEST[t].lesson == lesson]
    if source is None:
        from autograder.notebooks import solution_path
        source = solution_path(lesson)
    source = nbformat.read(source, as_version=4) if isinstance(source, (str, Path)) else source
    forms = {t: code for t, code in form_tests(source).items() if t in tests and t in BY_TEST
             and BY_TEST[t].lesson == lesson and _answer_names(lesson, t)}
    hidden = {t: code for t, code in hidden_tests(source).items()
              if t in HIDDEN_HERE and any(e.test == t for e in wanted)}
    if not wanted and not forms:
        return {}
    nb = nbformat.read(notebook, as_version=4) if isinstance(notebook, (str, Path)) else notebook
    cells = [PRELUDES.get(lesson, PRELUDE), lesson_imports(nb), *answer_cells(nb)]
    ids = [None, None, *answer_cell_ids(nb)]  # (each cell's grade id, for what the status says)
    places = test_cell_places(nb)  # (each test graded on the answers as the notebook ran it)
    own = host is None
    if own:
        host = Host(cells, sandbox=sandbox, lesson=lesson)
    host.lesson = lesson  # (for a restart too, and for the companion it starts)
    started_models = host._companion is None
    models = host.companion(cells) if lesson in COURSE_OBJECTS else None

    def host_of(test: str) -> Host:  # the exercises that get the course's models, in the process that has it
        return models if models is not None and _sends_models(lesson, test) else host
    failed, broke_answers, bound, shared, cell_errors = {}, {}, False, None, []
    # An answer's call leaves this process's RNG as the answer left it (seeded dropout), so an answer could
    # set it to anything (every draw 0.0): each test starts from the same seed, and the worker's own state
    # comes back after this notebook. A red team's answer turned a classmate's 8/8 into 7/8 (2026-12-03)
    worker_rng = torch.get_rng_state()
    try:
        if own and not host.ready:
            host._wait_ready()  # (it runs the cells: what they raised is known before any test)
        if models is not None:
            models.lesson = lesson
        # the processes not started on these cells load them, side by side (the cells' imports take a while)
        loading = [h for h, load in ((host, not own), (models, models is not None and not started_models)) if load]
        broken = {}
        for on in loading:
            try:
                on.send({"op": "load", "cells": cells, "lesson": lesson})
            except HostBroke as broke:
                broken[on] = broke
        for on in loading:  # (every reply read, so that none is taken later for another request's)
            if on not in broken:
                try:
                    loaded = on.answer()
                    on.cell_errors = _cell_errors(loaded)
                except HostBroke as broke:
                    broken[on] = broke
        if host in broken:  # the answer cells themselves broke it: nothing can be re-checked
            return {exercise.test: str(broken[host]) for exercise in wanted}
        if models in broken:
            failed.update({t: str(broken[models]) for t in [*forms, *(e.test for e in wanted)]
                           if _sends_models(lesson, t)})
        cell_errors = list(host.cell_errors)  # as they first ran, before any test's inputs reached them
        # an answer cell stopped at its time limit here: the status says so (it ran in the notebook)
        host.stopped_cells = [ids[i] for i, kind, _ in cell_errors if kind == "CellInterrupted"
                              and 0 <= i < len(ids) and ids[i] is not None]
        # In three rounds, so that nothing the answers say once they have seen a hidden test's inputs is
        # shown: the form tests, then every check, then the hidden tests, whose failures do not quote the
        # answers (``_failure``). An answer that kept the hidden inputs of one exercise (in a default
        # argument) raised them in another's form test, and the feedback showed them (a red team's,
        # 2026-12-02). Each exercise's checks and hidden tests share one test cell's time.
        if forms or hidden:  # what the form tests' and hidden tests' code reads besides the answers
            shared = form_namespace(source, [*forms.values(), *hidden.values()])
        for test, code in forms.items():  # the form tests' own code, the answers' names standing for the answers
            if test in failed:
                continue
            on = host_of(test)
            namespace = dict(shared, **{name: Remote(on, name, cell=places.get(test))
                                        for name in _answer_names(lesson, test)})
            torch.manual_seed(RECHECK_SEED)
            try:
                with on.exercise(), contextlib.redirect_stdout(io.StringIO()):
                    exec(compile(code, f"<{test}>", "exec"), namespace)
            except AssertionError as failure:
                failed[test] = _one_line(str(failure) or "an assertion of the form test failed")
            except HostBroke as broke:
                failed[test] = broke_answers[BY_TEST[test].answer] = str(broke)
                on.restart(cells)
            except Exception as error:
                failed[test] = _one_line(f"{type(error).__name__}: {error}")
        # the class's tests last: they bind the course's helpers in place of the student's, as the test
        # cells do (checks.reference_helpers), so a mistake there costs those exercises only
        ordered = sorted(wanted, key=lambda e: any(n in CLASSES for _, _, n in e.checks))
        spent = {}  # seconds each exercise's checks took, which its hidden tests may not take again
        for exercise in ordered:
            if exercise.answer in broke_answers:  # it stalled or died once: not a second time
                failed[exercise.test] = broke_answers[exercise.answer]
                continue
            if exercise.test in failed:  # (its process could not load the answers)
                continue
            on = host_of(exercise.test)
            started = on.clock.read()
            torch.manual_seed(RECHECK_SEED)
            try:
                with on.exercise():
                    for module, check, name in exercise.checks:
                        fn = getattr(importlib.import_module(f"course.checks.{module}"), check)
                        if name in CLASSES:
                            on.request(bind_request(name))
                            bound = True
                        with contextlib.redirect_stdout(io.StringIO()):
                            fn(Remote(on, name, handles=name in CLASSES, serve=SERVED.get(name, ()),
                                      cell=places.get(exercise.test), unchanged=name in UNCHANGED,
                                      fresh=name in FRESH, modes=True))  # (the check's own models: modes come back)
            except CheckFailed as failure:
                failed[exercise.test] = _one_line(str(failure))
            except HostBroke as broke:
                failed[exercise.test] = broke_answers[exercise.answer] = str(broke)
                on.restart(cells)
                bound = bound and on is not host
            except Exception as error:  # what the answer raised or sent back
                failed[exercise.test] = _one_line(_failure(error, False))
            finally:
                _put_back()  # (what an answer left behind costs its own exercise only)
            spent[exercise.test] = on.clock.read() - started
        if any(e.test in hidden and e.test not in failed for e in ordered) and bound:
            try:
                host.request({"op": "load", "cells": cells, "lesson": lesson})  # the student's own helpers again
            except HostBroke as broke:  # the answer cells broke it, run a second time: no hidden test can run
                failed.update({e.test: broke.plain for e in ordered if e.test in hidden and e.test not in failed})
                host.restart(cells)
            bound = False
        for exercise in ordered:  # the test cell's hidden tests, which never ran in the kernel
            if exercise.test not in hidden or exercise.test in failed:
                continue
            torch.manual_seed(RECHECK_SEED)
            on = host_of(exercise.test)
            namespace = {}
            try:
                with on.exercise(seconds=on.exercise_seconds - spent.get(exercise.test, 0.0)):
                    for name in {n for _, _, n in exercise.checks if n in CLASSES}:
                        on.request(bind_request(name))
                    its_own = {n for _, _, n in exercise.checks}  # (another exercise's answer called here:
                    namespace = dict(shared, **{name: Remote(on, name, handles=name in CLASSES,  # not its mistake)
                                                             serve=SERVED.get(name, ()),
                                                             cell=places.get(exercise.test),
                                                             unchanged=name in UNCHANGED and name in its_own,
                                                             fresh=name in FRESH and name in its_own)
                                                for name in _lesson_answer_names(lesson)})
                    with contextlib.redirect_stdout(io.StringIO()):
                        code = compile(hidden[exercise.test], f"<hidden tests of {exercise.test}>", "exec")
                        exec(code, namespace)
            except CheckFailed as failure:
                failed[exercise.test] = _one_line(str(failure))
            except HostBroke as broke:  # (without what the answer sent: it has seen the hidden inputs)
                failed[exercise.test] = broke.plain
                on.restart(cells)
            except Exception as error:  # a hidden test's assert, or what the answer raised or sent back
                case = hidden_case(hidden[exercise.test], exercise.test, error, namespace,
                                   set(_lesson_answer_names(lesson))) if getattr(error, "from_answers", False) else None
                failed[exercise.test] = _one_line(_failure(error, True, case))
    except HostBroke as broke:  # anywhere else (a restart that cannot run the cells): a failure, not the grader's
        failed.update({t: broke.plain for t in [*forms, *(e.test for e in wanted)] if t not in failed})
    finally:
        torch.set_rng_state(worker_rng)
        if own:
            host.close()
    for test in failed:  # the answer's name is missing because its cell raised as it ran: say the cell's error
        names = _answer_names(lesson, test)
        said = _cell_failure(cells, cell_errors, names)
        if said is not None and any(f"name '{name}' is not defined" in failed[test] for name in names):
            failed[test] = said
    return failed

