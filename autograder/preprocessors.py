"""Preprocessors that nbgrader runs for the autograder (named in ``nbgrader_config.py``).

``TimedExecute`` is nbgrader's ``Execute`` (same configuration) that keeps how long the notebook took
to run, so the autograder can report its own overhead apart from the students' code. Its kernel runs
``HIDE_HIDDEN_TESTS`` first (it matters for a lesson of the instructor's own: the course's lessons have
no hidden tests in the kernel): a cell that holds hidden tests keeps its lines out of ``linecache``, where
every stack that Python prints or formats finds a frame's source line (a traceback, a warning's
``stacklevel``, logging's ``stack_info``, ``Logger.findCaller``). An answer called by a hidden test then
finds the test's file and line number, never its text: a red team read the calling line from
``findCaller``'s stack text and printed it backwards, past the feedback's filter (2026-12-01).

``LimitOutputSize`` (autograde, after nbgrader's ``LimitOutput``): nbgrader caps the number of stream
lines, but one line can be a gigabyte, and rich outputs are not capped at all. Every text output is cut
to ``max_chars`` characters and oversized images are dropped, so the autograded notebook, the
gradebook and the feedback stay small whatever a student prints.

``HideHiddenTestTracebacks`` (feedback, before ``ClearHiddenTests``): nbgrader removes the hidden
tests' source from the feedback but keeps their tracebacks, and an IPython traceback quotes the
failing lines (and the self-checks' own). In a test cell, each error is reduced to its name and
message (``DelegatesToReference: merge delegates to ...``): the student learns why, not how.

``WithoutHiddenTests`` (autograde, after ``OnlyAnswers``, before execution): the course's lessons'
hidden tests are taken out of the notebook the student's kernel runs; the grader runs them
(``autograder.recheck``).

``ScoreFromErrorsOnly`` (autograde, after execution, before ``SaveAutoGrades``): nbgrader gives a test
cell 0 when it printed anything to stderr, and reads a number it displayed as partial credit. Here a
test cell's score depends on one thing only, whether it raised: stderr text (a warning, a print to
``sys.stderr``) becomes stdout text, and a displayed value becomes a plain display. So a correct
answer that warns keeps its points, and ``sys.displayhook("1.0")`` forges nothing.

``ProtectStudentText`` (feedback, before ``ClearHiddenTests``): nbgrader's ``ClearHiddenTests`` fails
on any cell that mentions its markers without being a test cell, so a student's note saying
"BEGIN HIDDEN TESTS" would crash feedback. Outside test cells the markers are defused (a no-break
space), and any output line that quotes a line of the hidden tests (printed from ``In``, from the
caller's source, in an exception message) is replaced by a notice.

``SanitizeStudentHTML`` (autograde, last): the autograded notebook is what the formgrader shows the
instructor, inside JupyterLab's own origin, and what feedback is made from. A student's markdown answer
(``<img onerror=...>``, ``<script>``), a raw cell, or an output (HTML, JavaScript, SVG) would run there
with the instructor's session, and could call the server's API to change grades. nbconvert's
``SanitizeHTML`` escapes the HTML of answer cells and raw cells, cleans HTML outputs and drops
JavaScript, SVG and widget outputs and the saved widget state; the lesson's own prose, from the release,
is left as written.
"""
from __future__ import annotations

import queue
import threading
import time
from pathlib import Path
from typing import Callable

import nbformat
import zmq
from nbconvert.preprocessors import Preprocessor
from nbconvert.preprocessors.sanitize import SanitizeHTML
from nbclient.exceptions import CellTimeoutError
from nbclient.util import run_sync
from nbgrader.preprocessors import Execute
from traitlets import Any, Bool, Integer, List, Unicode

from autograder.clock import WALL_FACTOR, Clock

HIDDEN_BEGIN = "### BEGIN HIDDEN TESTS"
HIDDEN_END = "### END HIDDEN TESTS"
MARKERS = ("BEGIN HIDDEN TESTS", "END HIDDEN TESTS", "BEGIN SOLUTION", "END SOLUTION")
QUOTED = "[a line of the hidden tests was here: removed by the autograder]"
TRUNCATED = "\n... output truncated by the autograder ({} characters in all) ..."
TOO_LARGE = "\n... a message of this cell over {:,} bytes (an output, an error) was dropped by the autograder ...\n"


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + TRUNCATED.format(len(text))


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


# Run by the kernel before the notebook (``IPKernelApp.exec_lines``, no history): IPython puts each cell's
# source in linecache under the cell's file name; for a cell with hidden tests, blank lines instead.
HIDE_HIDDEN_TESTS = """
def _hide_hidden_tests():
    import linecache
    from IPython.core.compilerop import CachingCompiler
    cache = CachingCompiler.cache
    def hiding(self, *args, **kwargs):  # whatever IPython's signature: it must never break a cell
        name = cache(self, *args, **kwargs)
        try:
            text = " ".join(str(a) for a in list(args) + list(kwargs.values()))
            if "BEGIN HIDDEN TESTS" in text and name in linecache.cache:
                size, _, lines, _ = linecache.cache[name]
                linecache.cache[name] = (size, None, ["\\n"] * len(lines), name)
        except Exception:
            pass
        return name
    hiding.__name__, hiding.__qualname__ = cache.__name__, cache.__qualname__
    CachingCompiler.cache = hiding
_hide_hidden_tests()
del _hide_hidden_tests
"""


# Run by the kernel before the notebook too: an answer may raise the recursion limit (the rules allow
# ``sys.setrecursionlimit``) to at most ``MAX_RECURSION`` (which ``sandbox.Limits.stack_bytes`` holds
# through C too), and a traceback shows its first and last ``keep``
# frames. IPython formats about a thousand frames a second:
# an infinite recursion under a limit of 100,000 took 223 s to show its RecursionError, past the cell's limit,
# in formatting that the interrupt did not stop (the notebook failed as "timeout"), and under 10**7 took the
# kernel past its memory ("kernel died"): a bug in one exercise cost every exercise of the notebook (ch59).
# IPython's own summary of the traceback says how many similar frames it skips. So does a chain of errors
# each raised ``from`` the one before: 50,000 of them failed the notebook alike; one shows its first ``keep``.
MAX_RECURSION = 20_000
BOUNDED_RECURSION = """
def _bounded_recursion(most, keep):
    import operator, sys
    from IPython import get_ipython
    set_limit = sys.setrecursionlimit
    def setrecursionlimit(limit):  # (any integer: numpy's too)
        return set_limit(min(operator.index(limit), most))
    sys.setrecursionlimit = setrecursionlimit
    formatter = get_ipython().InteractiveTB
    structured = formatter.structured_traceback
    def trim(tb):
        frames = []
        while tb is not None:
            frames.append(tb)
            tb = tb.tb_next
        if len(frames) > 2 * keep:
            frames[keep - 1].tb_next = frames[-keep]
    def shortened(etype, evalue, etb=None, *args, **kwargs):
        try:  # whatever IPython's signature: it must never break a cell
            trim(etb)
            error = evalue
            for _ in range(keep):  # (a chain may loop)
                if not isinstance(error, BaseException):
                    break
                trim(error.__traceback__)
                error = error.__cause__ or (None if error.__suppress_context__ else error.__context__)
            if isinstance(error, BaseException):
                error.__cause__ = error.__context__ = None
        except Exception:
            pass
        return structured(etype, evalue, etb, *args, **kwargs)
    formatter.structured_traceback = shortened
_bounded_recursion(%d, 50)
del _bounded_recursion
""" % MAX_RECURSION


# Run by the kernel before the notebook too: every message it sends has its text cut to ``{limit}``
# characters (what is printed, an error's message and traceback, a display's text), so that an honest
# notebook never sends one over ``max_message_bytes``. Those zmq drops, and libzmq then closes the
# connection; if the grader is reading a message of that connection in that moment, libzmq aborts the
# whole grading process ("Assertion failed: !_more (src/fq.cpp:80)": a test's print of 3 MB, beside
# busy neighbours, 2026-12-03). A cell that undoes this and sends more still meets the drop.
CAP_MESSAGES = """
def _cap_messages(limit):
    from IPython import get_ipython
    session = get_ipython().kernel.session
    send = session.send
    def cut(value, keep):
        if isinstance(value, str) and len(value) > keep:
            return value[:keep] + "\\n... the kernel cut this to %%d of its %%d characters (the autograder's limit) ...\\n" %% (keep, len(value))
        return value
    def size(value):
        if isinstance(value, str):
            return len(value)
        if isinstance(value, (list, tuple)):
            return sum(size(v) for v in value)
        if isinstance(value, dict):
            return sum(size(v) for v in value.values())
        return 0
    def capped(content):
        if not isinstance(content, dict) or size(content) <= limit:
            return content
        content = dict(content)
        for key in ("text", "evalue"):
            content[key] = cut(content.get(key), limit // 4)
        if isinstance(content.get("traceback"), list):
            lines = content["traceback"]
            content["traceback"] = [cut(str(line), limit // (4 * len(lines))) for line in lines]
        if isinstance(content.get("data"), dict):
            data = content["data"]
            content["data"] = {mime: cut(value, limit // (4 * len(data))) for mime, value in data.items()}
        return content
    def capped_send(stream, msg_or_type, content=None, *args, **kwargs):
        try:
            if isinstance(msg_or_type, dict) and "content" in msg_or_type:
                msg_or_type = dict(msg_or_type, content=capped(msg_or_type["content"]))
            else:
                content = capped(content)
        except Exception:
            pass
        return send(stream, msg_or_type, content, *args, **kwargs)
    session.send = capped_send
_cap_messages(%d)
del _cap_messages
"""


MIN_OUTPUT_SIZE = 100  # characters each output counts against a cell's cap, however little it holds


def _size(value) -> int:
    """The characters of the strings in ``value`` (a message's text, data or metadata), and one for each
    other item, walked without recursion (JSON nests as deep as its reader allows)."""
    total, left = 0, [value]
    while left:
        item = left.pop()
        if isinstance(item, str):
            total += len(item)
        elif isinstance(item, dict):
            left.extend(item.keys())
            left.extend(item.values())
        elif isinstance(item, (list, tuple)):
            left.extend(item)
        elif item is not None:
            total += 1
    return total


OUTPUT_STILL_ARRIVING = "OutputStillArriving"  # in the log when a cell's output outlasted iopub_timeout


class TimedExecute(Execute):
    """nbgrader's Execute, timed, and with what a cell prints capped as it comes: the outputs are held in
    this process while the notebook runs, and a cell that printed a megabyte every 20 ms took the grading
    worker to 1.4 GB (a red team's, 2026-12-02) before ``LimitOutputSize`` could cut anything. Errors are
    always kept: they are what grades a test cell."""
    last_seconds: float | None = None  # the latest run in this process, kernel start to shutdown
    # Work for this process to do while the kernel runs (the worker's imports for the re-check), in a
    # thread that ends before the notebook's run does. Only then: CPython 3.11's ``ast`` keeps its
    # recursion depth per process, not per thread, and an import that parses source (transformers does)
    # beside the answer rules' ``ast.parse`` failed the latter with "AST constructor recursion depth
    # mismatch" (lesson 06's solution, graded in CI, 2026-12-02).
    beside: Callable[[], None] | None = None
    extra_arguments = List(Unicode(), default_value=[f"--IPKernelApp.exec_lines={HIDE_HIDDEN_TESTS}",
                                                     f"--IPKernelApp.exec_lines={BOUNDED_RECURSION}"]).tag(config=True)
    max_cell_output = Integer(1_000_000, help="characters a cell's outputs may hold while it runs (errors "
                              "aside); what it prints beyond them is dropped").tag(config=True)

    max_message_bytes = Integer(16_000_000, help="largest message part the kernel may send (an output, an "
                                "error, a reply); zmq drops a larger one before this process reads it").tag(config=True)
    # nbgrader fails the notebook when a cell's last outputs arrive more than this after its reply (nbclient's
    # default, 4 s): a cell that printed 100 MB at load 6 took longer, once in three gradings (a red team's,
    # 2026-12-03), and the student got "failed: timeout" for a notebook that had run to the end.
    iopub_timeout = Integer(60, help="seconds a cell's remaining outputs may take to arrive after its reply").tag(config=True)
    # What this process did to the latest notebook's cells (grade id, or "cell N"): the cells it interrupted
    # at the time limit, and those a message of which it dropped for its size. Read by the worker: the
    # notebook's outputs are the student's code's to forge (an error named ``CellTimeoutError``).
    interrupted: list[str] = []
    too_large: list[str] = []

    def preprocess(self, nb, resources=None, km=None):
        start = time.perf_counter()
        if not any("_cap_messages" in argument for argument in self.extra_arguments):
            # characters, which JSON and UTF-8 may write in up to 6 bytes each (an emoji 4, "\\u0000" 6): an
            # eighth of the bytes zmq allows
            self.extra_arguments = [*self.extra_arguments,
                                    f"--IPKernelApp.exec_lines={CAP_MESSAGES % (self.max_message_bytes // 8)}"]
        self._printed: dict[int, int] = {}
        TimedExecute.interrupted, TimedExecute.too_large = [], []
        helper = threading.Thread(target=TimedExecute.beside, daemon=True) if TimedExecute.beside else None
        if helper is not None:
            helper.start()
        try:
            return super().preprocess(nb, resources, km=km)
        finally:
            TimedExecute.last_seconds = time.perf_counter() - start
            self._monitors = []  # (closed with the client's context, when nbclient stopped its channels)
            if helper is not None:
                helper.join()

    # A message over ``max_message_bytes`` (``raise ValueError("x" * 200_000_000)``: ~7.5 bytes of this
    # process per character once decoded, a red team's, 2026-12-03) is refused by zmq as it arrives, and zmq
    # then closes that connection for good. The monitors see it: the socket connects again, and the cell
    # ends now (its reply may be the message lost) with an error saying why, not at the time limit.
    async def async_start_new_kernel_client(self):
        make = self.km.client

        def client(**kwargs):
            kc = make(**kwargs)
            kc.context.setsockopt(zmq.MAXMSGSIZE, self.max_message_bytes)  # for the sockets it makes next
            return kc

        self.km.client = client
        self._cell_dropped, self._cell, self._raise_on_iopub = False, None, self.raise_on_iopub_timeout
        self._iopub = self.iopub_timeout
        kc = await super().async_start_new_kernel_client()
        self._monitors = []
        for channel in (kc.shell_channel, kc.iopub_channel):
            watched = channel.socket.get_monitor_socket(zmq.EVENT_DISCONNECTED)
            self._monitors.append((channel.socket, zmq.Socket.shadow(watched.underlying), watched))
        receive = kc.shell_channel.get_msg

        async def get_msg(timeout=None):  # in steps of a second, so that a dropped reply is seen
            end = None if timeout is None else time.monotonic() + timeout
            while True:
                step = 1.0 if end is None else max(0.0, min(1.0, end - time.monotonic()))
                try:
                    msg = await receive(timeout=step)
                except queue.Empty:
                    if self._dropped() or (end is not None and time.monotonic() >= end) or self._own_time_past():
                        raise
                    continue
                self._dropped()
                return msg

        kc.shell_channel.get_msg = get_msg
        return kc

    start_new_kernel_client = run_sync(async_start_new_kernel_client)  # (nbconvert calls the sync names)

    def _dropped(self) -> bool:
        """Whether a message of the running cell was dropped for its size; reconnects what it closed."""
        for socket, monitor, watched in getattr(self, "_monitors", []):
            if watched.closed or socket.closed:  # (the client's context is gone: the shadow's socket with it)
                continue
            if monitor.poll(0):
                monitor.recv_multipart()
                url = socket.getsockopt_string(zmq.LAST_ENDPOINT)
                socket.disconnect(url)
                socket.connect(url)
                self._cell_dropped = True
                self.raise_on_iopub_timeout = False  # its "idle" may be lost too: the cell ends all the same
        return self._cell_dropped

    # A cell's limit counts the kernel's own time, not what it waited for a CPU on a busy machine
    # (``autograder.clock``): nbclient's wall-clock limit is WALL_FACTOR times the cell's, and the cell is
    # interrupted once the kernel's clock passes the cell's own.
    def _get_timeout(self, cell):
        self._own_limit = super()._get_timeout(cell)
        return None if self._own_limit is None else self._own_limit * WALL_FACTOR

    def _own_time_past(self) -> bool:
        mark, clock = getattr(self, "_cell_mark", None), getattr(self, "_clock", None)
        return bool(mark and clock and self._own_limit) and clock.past(mark, self._own_limit)

    async def async_execute_cell(self, cell, cell_index, execution_count=None, store_history=True):
        self._cell_dropped, self._cell_index = False, cell_index
        pid = getattr(getattr(self.km, "provisioner", None), "pid", None)
        if getattr(self, "_clock", None) is None or self._clock.pid != pid:  # (a restarted kernel's is new)
            self._clock = Clock(pid, cpus=getattr(getattr(self.km, "_cap", None), "cpus", None))
        self._cell_mark = self._clock.mark()
        self.raise_on_iopub_timeout, self.iopub_timeout = self._raise_on_iopub, self._iopub
        self._cell = (cell.metadata.get("nbgrader") or {}).get("grade_id") or f"cell {cell_index + 1}"
        try:
            cell = await super().async_execute_cell(cell, cell_index, execution_count, store_history)
        except CellTimeoutError as error:  # nbclient's words are the same for both: say which it was
            if "Timeout waiting for IOPub output" in str(error) and self._cell not in TimedExecute.interrupted:
                raise CellTimeoutError(f"{OUTPUT_STILL_ARRIVING}: {self._cell} had ended, but its output was still "
                                       f"arriving {self.iopub_timeout} s later") from None
            raise
        finally:
            self._cell_mark = None
        if self._dropped():
            TimedExecute.too_large.append(self._cell)
        if self._dropped() and not any(o.get("ename") == "OutputTooLarge" for o in cell.outputs):
            cell.outputs.append(nbformat.v4.new_output("stream", name="stdout", text=TOO_LARGE.format(
                self.max_message_bytes)))
        return cell

    execute_cell = run_sync(async_execute_cell)

    async def _async_handle_timeout(self, timeout, cell=None):
        if self._dropped():  # no reply is coming: it was the message dropped
            return {"content": {"status": "error", "ename": "OutputTooLarge", "evalue": TOO_LARGE.format(
                self.max_message_bytes).strip(" .\n"), "traceback": ["OutputTooLarge: the cell's error or output "
                                                                      "was too large to read"]}}
        if cell is not None:
            TimedExecute.interrupted.append(self._cell)
            self.iopub_timeout = min(self.iopub_timeout, 4)  # interrupted: a cell that goes on is ended soon
        return await super()._async_handle_timeout(getattr(self, "_own_limit", None) or timeout, cell)

    def _update_display_id(self, display_id, msg):
        # An update of a display replaces its outputs' data and metadata in place, past ``output`` below: 200
        # small displays each updated to 500,000 characters held 100 MB beside a cap of 3 MB (ch38). It
        # counts against the running cell's cap as an output would, and past it is dropped.
        if display_id in self._display_id_map:
            content = msg.get("content") or {}
            size = max(_size(content.get("data")) + _size(content.get("metadata")), MIN_OUTPUT_SIZE)
            index = getattr(self, "_cell_index", None)
            printed = self._printed.get(index, 0)
            self._printed[index] = printed + size
            if size > self.max_cell_output - printed:
                return None
        return super()._update_display_id(display_id, msg)

    def output(self, outs, msg, display_id, cell_index):
        if msg["msg_type"] == "error":
            return super().output(outs, msg, display_id, cell_index)
        content = msg.get("content") or {}
        text = str(content.get("text", ""))
        # its metadata too, and each output at least MIN_OUTPUT_SIZE: an answer's display({...}, raw=True,
        # metadata={"m": "x" * 1_900_000}) 300 times took the worker to 1.1 GB past the cap, which counted
        # the text and data alone, and display({}, raw=True) in a loop kept 122,455 empty outputs (ch38)
        size = max(_size(text) + _size(content.get("data")) + _size(content.get("metadata")), MIN_OUTPUT_SIZE)
        printed = self._printed.get(cell_index, 0)
        self._printed[cell_index] = printed + size
        left = self.max_cell_output - printed
        if size <= left:
            return super().output(outs, msg, display_id, cell_index)
        out = None
        if left > 0 and msg["msg_type"] == "stream":  # the kernel sends what was printed in batches: keep what fits
            out = super().output(outs, {**msg, "content": {**content, "text": text[:left]}}, display_id, cell_index)
        if left >= 0:  # once: say so where the output stops
            outs.append(nbformat.v4.new_output("stream", name="stdout", text=TRUNCATED.format(
                f"over {self.max_cell_output:,}")))
        return out


class LimitOutputSize(Preprocessor):
    enabled = Bool(True)  # nbconvert preprocessors are off unless enabled
    max_chars = Integer(20_000, help="longest text kept per output (stream, text/*, error message)").tag(config=True)
    max_data_bytes = Integer(2_000_000, help="largest non-text output (e.g. an image) kept").tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code":
            return cell, resources
        for output in cell.get("outputs", []):
            if output.output_type == "stream":
                output.text = _cut(_text(output.text), self.max_chars)
            elif output.output_type == "error":
                output.evalue = _cut(str(output.evalue), self.max_chars)
                output.traceback = [_cut(str(line), self.max_chars) for line in output.traceback]
            elif "data" in output:
                for mime, value in list(output.data.items()):
                    text = _text(value) if not isinstance(value, dict) else None
                    if text is None:
                        continue
                    if mime.startswith("text/") or mime.endswith("json"):
                        output.data[mime] = _cut(text, self.max_chars)
                    elif len(text) > self.max_data_bytes:
                        del output.data[mime]
                        output.data.setdefault("text/plain", f"[{mime} output of {len(text):,} bytes removed "
                                                             f"by the autograder]")
        return cell, resources


class HideHiddenTestTracebacks(Preprocessor):
    enabled = Bool(True)
    def preprocess_cell(self, cell, resources, index):
        test = _is_test(cell)  # its hidden tests, or the checks' internals, which a traceback would show
        if cell.cell_type == "code":
            for output in cell.get("outputs", []):
                if output.output_type == "error" and output.get("ename") == "AnswerRefused":
                    output.traceback = [f"AnswerRefused: {output.evalue}"]  # the reason is the message
                elif test and output.output_type == "error":
                    message = f"{output.ename}: {output.evalue}" if str(output.evalue).strip() else output.ename
                    if output.ename == "AssertionError" and not str(output.evalue).strip():
                        message += " (a test failed)"
                    output.traceback = [message, "(traceback hidden by the autograder: run the cell in your "
                                                 "notebook to see it)"]
        return cell, resources


def _is_test(cell) -> bool:
    meta = cell.metadata.get("nbgrader") or {}
    return cell.cell_type == "code" and bool(meta.get("grade")) and not meta.get("solution")


class ScoreFromErrorsOnly(Preprocessor):
    enabled = Bool(True)

    def preprocess_cell(self, cell, resources, index):
        if not _is_test(cell):
            return cell, resources
        for output in cell.get("outputs", []):
            if output.output_type == "stream" and output.get("name") == "stderr":
                output.name = "stdout"
            elif output.output_type == "execute_result":
                output.output_type = "display_data"
                output.pop("execution_count", None)
        return cell, resources


def hidden_lines(nb) -> set[str]:
    """The lines of the hidden tests in ``nb`` (stripped, the trivial ones left out)."""
    found = set()
    for cell in nb.cells:
        if not _is_test(cell) or HIDDEN_BEGIN not in cell.source:
            continue
        inside = False
        for line in cell.source.splitlines():
            if HIDDEN_BEGIN in line:
                inside = True
            elif HIDDEN_END in line:
                inside = False
            elif inside and len(line.strip()) >= 12:
                found.add(line.strip())
    return found


def _scrub(text: str, secret: set[str]) -> str:
    if not secret or not text:
        return text
    return "\n".join(QUOTED if any(s in line for s in secret) else line for line in text.split("\n"))


class ProtectStudentText(Preprocessor):
    enabled = Bool(True)

    def preprocess(self, nb, resources):
        secret = hidden_lines(nb)
        for cell in nb.cells:
            if not (_is_test(cell) and (cell.metadata.get("nbgrader") or {}).get("locked")):
                for marker in MARKERS:
                    cell.source = cell.source.replace(marker, marker.replace(" ", "\u00a0"))
            for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
                if output.output_type == "stream":
                    output.text = _scrub(_text(output.text), secret)
                elif output.output_type == "error":
                    output.evalue = _scrub(str(output.evalue), secret)
                    output.traceback = [_scrub(str(line), secret) for line in output.traceback]
                elif "data" in output:
                    for mime, value in list(output.data.items()):
                        if mime.startswith("text/") and not isinstance(value, dict):
                            output.data[mime] = _scrub(_text(value), secret)
        return nb, resources


class RestoreMetadata(Preprocessor):
    """(autograde, sanitizing, before ``KeepFirstCopy`` and nbgrader's ``OverwriteCells``) Every cell
    whose grade id is one of the lesson's gets the lesson's nbgrader metadata as released, its source
    kept (``autograder.preflight.restore_metadata``; preflight notes what it changed). nbgrader's own
    repair covers a cell's type, ``locked`` and a test's points; an answer cell marked graded with
    points (nbgrader's *Manually graded answer*, one click in its toolbar) failed the whole notebook
    in ``OverwriteCells`` with "No such grade cell", as a grading error (a red team's, 2026-12-04)."""
    enabled = Bool(True)
    source_directory = Unicode("", help="the lessons' nbgrader sources (solutions/)").tag(config=True)
    release_directory = Unicode("", help="the released lessons (lessons/)").tag(config=True)

    def preprocess(self, nb, resources):
        import nbformat

        from autograder.preflight import grade_id_of, nbgrader_metadata, pasted_from_other_lessons, restore_metadata

        name = resources["nbgrader"]["assignment"]
        notebook = resources["nbgrader"]["notebook"]
        lesson = {}
        for folder in (self.source_directory, self.release_directory):  # the release's, where it has one
            path = Path(folder) / name / f"{notebook}.ipynb"
            if folder and path.is_file():
                lesson |= nbgrader_metadata(nbformat.read(path, as_version=4))
        pasted = pasted_from_other_lessons(nb.cells, name, set(lesson))
        for cell in nb.cells:  # (another lesson's cell pasted in: the student's own, which nbgrader refuses, ch61)
            if grade_id_of(cell) in pasted:
                del cell.metadata["nbgrader"]
        restore_metadata(nb.cells, lesson)
        return nb, resources


class KeepFirstCopy(Preprocessor):
    """nbgrader's ``DeduplicateIds`` for autograding: the consecutive parts of a split answer cell are
    joined into one (``autograder.answers.join_split_answers``); then, of the cells that carry one
    grade id (a student copied a cell), the graded one (``autograder.answers.graded_copies``: the first, or
    of an answer held again above its test cell the last copy there) keeps its nbgrader metadata and the
    others lose it, so they run as ordinary cells. nbgrader's own keeps the *last* copy and leaves the others an empty
    metadata dict, which its next check rejects as "an old version of the nbgrader metadata format",
    failing the whole notebook."""
    enabled = Bool(True)

    def preprocess(self, nb, resources):
        from autograder.answers import graded_copies, join_split_answers

        nb.cells, _ = join_split_answers(nb.cells)
        chosen = graded_copies(nb.cells)  # the first copy, or an answer's copy above its test (rt36)
        for index, cell in enumerate(nb.cells):
            grade_id = (cell.metadata.get("nbgrader") or {}).get("grade_id")
            if grade_id is not None and chosen[grade_id] != index:
                del cell.metadata["nbgrader"]
        return nb, resources


class OnlyAnswers(Preprocessor):
    """(autograde, first, before execution) Grade the released lesson with the student's answers in
    it, and nothing else of the submission; an answer that could reach the grading machinery is
    replaced by a cell that says why (``autograder.answers``)."""
    enabled = Bool(True)
    source_directory = Unicode("", help="the lessons' nbgrader sources (solutions/)").tag(config=True)
    release_directory = Unicode("", help="the released lessons (lessons/)").tag(config=True)

    # the rules' view of a lesson's source, by the SHA-256 of its bytes: a worker grades one lesson's
    # notebooks one after another, and reading it took lesson 05 0.2 s a notebook
    lessons: dict = {}

    def preprocess(self, nb, resources):
        import hashlib

        import nbformat

        from autograder.answers import Lesson, rebuild

        name = resources["nbgrader"]["assignment"]
        notebook = resources["nbgrader"]["notebook"]
        release = nbformat.read(Path(self.release_directory) / name / f"{notebook}.ipynb", as_version=4)
        data = (Path(self.source_directory) / name / f"{notebook}.ipynb").read_bytes()
        source = nbformat.reads(data.decode("utf-8"), as_version=4)
        key = hashlib.sha256(data).hexdigest()
        if key not in OnlyAnswers.lessons:
            OnlyAnswers.lessons = {key: Lesson.from_notebook(source)}  # (one lesson at a time)
        graded, _ = rebuild(nb, release, OnlyAnswers.lessons[key], source)
        nb.cells, nb.metadata = graded.cells, graded.metadata
        return nb, resources


class WithoutHiddenTests(Preprocessor):
    """(autograde, after ``OnlyAnswers``, before execution) Take the hidden tests out of the test cells
    whose hidden tests the grader runs itself (``autograder.recheck.HIDDEN_HERE``, every test of the
    course's lessons): the student's kernel never holds a line of them, so no answer can read, patch or
    wrap them, nor print them into the feedback. A lesson the re-check does not know (an instructor's
    own) keeps nbgrader's way: its hidden tests run in the kernel."""
    enabled = Bool(True)

    def preprocess(self, nb, resources):
        from autograder.notebooks import course_lesson

        lesson = resources["nbgrader"]["assignment"]
        if not course_lesson(lesson):
            return nb, resources
        from autograder.recheck import HIDDEN_HERE, without_hidden_tests
        from course.checks.exercises import BY_TEST

        for cell in nb.cells:
            test = (cell.metadata.get("nbgrader") or {}).get("grade_id")
            if _is_test(cell) and test in HIDDEN_HERE and test in BY_TEST and BY_TEST[test].lesson == lesson:
                cell.source = without_hidden_tests(cell.source)
        return nb, resources


# What an HTML output may keep in those pages: plain tags (the lessons' token rows, tables), a few
# attributes, and inline styles of colour, box and text only. No script, handler or link other than
# http(s)/mailto passes (bleach), and no style that places a box over the page (position, transforms, sizes):
# an output may colour its own text, not cover a score or a test. The default of nbconvert's sanitizer
# escaped every <div> and <span>, so each lesson's own token rows read as a wall of tags in every
# student's feedback (a red team's, 2026-12-04).
OUTPUT_TAGS = sorted({"a", "abbr", "b", "br", "code", "div", "em", "i", "li", "ol", "p", "pre", "small", "span",
                      "strong", "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul"})
OUTPUT_ATTRIBUTES = {"*": ["title", "style"], "a": ["href"], "div": ["class"], "span": ["class"]}
OUTPUT_STYLES = ["background-color", "border", "border-radius", "color", "display", "font-family",
                 "font-size", "font-style", "font-weight", "line-height", "margin", "padding", "text-align",
                 "vertical-align", "white-space"]


class SanitizeStudentHTML(SanitizeHTML):
    enabled = Bool(True)
    tags = List(Unicode(), default_value=OUTPUT_TAGS).tag(config=True)
    attributes = Any(default_value=OUTPUT_ATTRIBUTES).tag(config=True)
    styles = List(Unicode(), default_value=OUTPUT_STYLES).tag(config=True)

    def preprocess(self, nb, resources):
        # the widgets' saved state: rendered by JavaScript in the page (and widgets do nothing there)
        nb.metadata.pop("widgets", None)
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, cell_index):
        if cell.cell_type == "markdown" and not (cell.metadata.get("nbgrader") or {}).get("solution"):
            return cell, resources  # the lesson's own prose: the release's cell, not the student's
        if cell.cell_type == "markdown":
            cell.source = safe_markdown(cell.source)
            return cell, resources
        cell, resources = super().preprocess_cell(cell, resources, cell_index)
        # a markdown output (an answer's class with `_repr_markdown_`) is markdown: the sanitizer above
        # escapes its HTML, not its own syntax, and `![x](http://...)` made an image that the formgrader
        # fetched as the page opened (ch35, 2026-12-06). It becomes what a markdown answer becomes.
        for output in cell.get("outputs", []):
            if "metadata" in output:
                output["metadata"] = _plain_output_metadata(output["metadata"])
            data = output.get("data") or {}
            if "text/markdown" in data:
                text = data["text/markdown"]
                data["text/markdown"] = safe_markdown("".join(text) if isinstance(text, list) else str(text))
        return cell, resources


def _plain_output_metadata(metadata) -> dict:
    """An output's metadata as nbconvert's pages may read it: an image's numeric width and height, nothing
    else. Its templates write ``width`` and ``height`` into the ``<img>`` tag without quotes, and take the
    image's address from ``filenames``: an answer's ``display(..., raw=True, metadata=...)`` (or a
    ``_repr_png_`` returning its metadata) made ``width="1 onerror=..."`` a script in the formgrader's page
    and the feedback, and ``filenames`` a remote image fetched as the page opened (ch38, 2026-12-06)."""
    kept = {}
    for mime, value in (metadata or {}).items() if isinstance(metadata, dict) else ():
        if mime.startswith("image/") and isinstance(value, dict):
            sizes = {key: value[key] for key in ("width", "height") if type(value.get(key)) in (int, float)}
            if sizes:
                kept[mime] = sizes
    return kept


# What a student's markdown answer may become in the formgrader's and the feedback's pages: its HTML
# escaped (SanitizeHTML) was not enough, since markdown makes links of its own, and
# `[notes](javascript:...)` was a live link there (a red team's, 2026-12-02).
ANSWER_TAGS = {"a", "abbr", "b", "blockquote", "br", "code", "del", "div", "em", "h1", "h2", "h3", "h4", "h5",
               "h6", "hr", "i", "li", "ol", "p", "pre", "span", "strong", "sub", "sup", "table", "tbody", "td", "th",
               "thead", "tr", "ul"}  # (no img: an image's address is fetched when the page opens)
ANSWER_ATTRIBUTES = {"a": ["href", "title"], "div": ["class"], "span": ["class"]}  # (the class: code's colours)
ANSWER_PROTOCOLS = {"http", "https", "mailto"}
# The most tags a markdown answer's HTML may hold and still be shown as HTML (an honest answer has a few
# dozen): the HTML sanitizer's time grows with the square of how deeply tags nest, and a 200 kB answer of
# `<div>` 40,000 times held its notebook's grading 95 s in the batch's own worker (a megabyte: past the
# notebook's time limit, twice; ch35, 2026-12-06). Past it, the answer is shown as the text it is.
MAX_ANSWER_TAGS = 2_000


def safe_markdown(source: str) -> str:
    """A student's markdown as the HTML it renders to, with only plain tags and links of plain schemes:
    what a page renders from it has no script, no handler and no ``javascript:``/``data:`` link. The
    formulas stay text for MathJax; the page's markdown renderer passes the HTML through."""
    import html as html_text

    import bleach
    from nbconvert.filters.markdown import markdown2html

    try:
        rendered = markdown2html(source)
    except Exception:  # (an image pasted into the cell, which this renderer cannot embed): the text as it is
        rendered = None
    if rendered is None or rendered.count("<") > 2 * MAX_ANSWER_TAGS:  # (an opening and a closing tag each)
        return "\n<pre>" + html_text.escape(source) + "</pre>\n"
    html = bleach.clean(rendered, tags=ANSWER_TAGS, attributes=ANSWER_ATTRIBUTES, protocols=ANSWER_PROTOCOLS,
                        strip=False)
    # (a blank line around it: the page's markdown renderer takes the whole as one HTML block)
    return "\n" + html.strip() + "\n"
