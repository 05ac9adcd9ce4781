"""Preprocessors that nbgrader runs for the autograder (named in ``nbgrader_config.py``).

``TimedExecute`` is nbgrader's ``Execute`` (same configuration) that keeps how long the notebook took
to run, so the autograder can report its own overhead apart from the students' code.

``LimitOutputSize`` (autograde, after nbgrader's ``LimitOutput``): nbgrader caps the number of stream
lines, but one line can be a gigabyte, and rich outputs are not capped at all. Every text output is cut
to ``max_chars`` characters and oversized images are dropped, so the autograded notebook, the
gradebook and the feedback stay small whatever a student prints.

``HideHiddenTestTracebacks`` (feedback, before ``ClearHiddenTests``): nbgrader removes the hidden
tests' source from the feedback but keeps their tracebacks, and an IPython traceback quotes the
failing lines. In a test cell that contains hidden tests, each error is reduced to its name and
message (``DelegatesToReference: merge delegates to ...``): the student learns why, not how.
"""
from __future__ import annotations

import time

from nbconvert.preprocessors import Preprocessor
from nbgrader.preprocessors import Execute
from traitlets import Bool, Integer

HIDDEN_BEGIN = "### BEGIN HIDDEN TESTS"
TRUNCATED = "\n... output truncated by the autograder ({} characters in all) ..."


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + TRUNCATED.format(len(text))


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


class TimedExecute(Execute):
    last_seconds: float | None = None  # the latest run in this process, kernel start to shutdown

    def preprocess(self, nb, resources=None, km=None):
        start = time.perf_counter()
        try:
            return super().preprocess(nb, resources, km=km)
        finally:
            TimedExecute.last_seconds = time.perf_counter() - start


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
        meta = cell.metadata.get("nbgrader") or {}
        if cell.cell_type == "code" and meta.get("grade") and HIDDEN_BEGIN in cell.source:
            for output in cell.get("outputs", []):
                if output.output_type == "error":
                    message = f"{output.ename}: {output.evalue}" if str(output.evalue).strip() else output.ename
                    if output.ename == "AssertionError" and not str(output.evalue).strip():
                        message += " (a test failed)"
                    output.traceback = [message, "(traceback hidden: this cell contains hidden tests)"]
        return cell, resources
