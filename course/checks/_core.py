"""The machinery behind every self-check: run a student's function and the reference on the same
cases, describe the first difference in words, and name the common mistake it looks like.

A lesson's checks (``course/checks/<topic>.py``) only list cases and mistakes; the wording lives here
so that every check in the course speaks the same way.
"""
from __future__ import annotations

import collections
import contextlib
import copy
import functools
import linecache
import math
import os
import re
import reprlib
import signal
import sys
import threading
import types
import warnings
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Sequence

import torch


class CheckFailed(AssertionError):
    """Raised by a self-check: which case failed, how, and (when known) which common mistake it is.

    ``mistake`` is the short name of the recognised mistake (None when the answer matches none of them)
    and ``credit`` the fraction of the points such an answer deserves (0 unless the mistake is a small
    one, such as a wrong dtype). In JupyterLab the failure shows as a short box (``_render_traceback_``
    is IPython's hook for exceptions that draw themselves) instead of a traceback through the checks'
    internals; ``str(error)`` is the same text, which nbgrader's feedback shows.
    """

    def __init__(self, message: str, *, mistake: str | None = None, credit: float = 0.0):
        super().__init__(message)
        self.mistake = mistake
        self.credit = credit

    def _render_traceback_(self) -> list[str]:
        lines = str(self).splitlines() or [""]
        title, body = lines[0], [line.strip() for line in lines[1:]]
        rule = "─" * 78
        out = [f"\x1b[1;31m✗ {title}\x1b[0m", rule]
        for line in body:
            out += [f"  {piece}" for piece in _wrap(line, 76)]
        out.append(rule)
        return out


def answer_of(student: Any) -> Any:
    """The student's own function behind the wrappers around it: ``functools.wraps``'s ``__wrapped__``,
    which decorators such as ``@torch.no_grad()`` set, and which the checks' own wrappers set (the
    check of ``generate_greedy`` watches the model through one). Without it the rules read torch's
    source file, or nothing, for the answer's cell. A function compiled by ``@torch.jit.script`` is the
    function it was compiled from (torch keeps it as ``_torchdynamo_inline``), so that the rules read its
    cell and say that the autograder refuses torch.jit (rt47: an honest scripted padding_mask was told
    only that a ScriptFunction "cannot be checked as your own code")."""
    import inspect
    if isinstance(student, torch.jit.ScriptFunction) \
            and isinstance(getattr(student, "_torchdynamo_inline", None), types.FunctionType):
        student = student._torchdynamo_inline
    try:
        return inspect.unwrap(student)
    except ValueError:  # a cycle of __wrapped__
        return student


def refusal(student: Any, name: str) -> CheckFailed | None:
    """The failure to raise when the autograder would not run this answer at all, else None.

    The autograder reads each answer cell before running it and refuses one that could reach the
    grading machinery (``autograder.answers``: ``exec``, ``type(...)`` used as a class, assigning
    ``torch.equal``, reading a name that only a cell other than the answer cells defines, ...); its
    tests then score 0. So that an answer the check passes does not lose its points that way, the
    check reads the same cell, the one where ``student`` was defined in the notebook, with the same
    rules and the lesson's names as the autograder knows them (``lesson_names.json``, written when
    the lessons are built), but the tests' names. Which other cells are answer cells it learns from
    the kernel's history (IPython's ``In``): those that define an exercise's function or class.
    Outside IPython it cannot tell, and leaves that rule out. Functions defined elsewhere (a module,
    ``exec``) are not read.
    """
    student = answer_of(student)
    if isinstance(student, type):
        student = next((v for v in vars(student).values() if isinstance(v, types.FunctionType)), None)
    code = getattr(student, "__code__", None)
    if code is None or getattr(student, "__module__", None) != "__main__":
        return None
    source = _typed_cell("".join(linecache.getlines(code.co_filename)), code.co_filename, student.__name__)
    if not source.strip():
        return None
    try:
        from autograder.answers import Lesson, answer_names, placed, problems, top_level_names
    except ImportError:  # the course without its autograder: nothing to match
        return None
    names = student.__globals__
    # the course's modules the notebook imported (``ref``, ``checks``), as the autograder counts them
    # from the lesson's imports; not functions that happen to be bound (lesson 03 binds the course's
    # ``causal_mask`` in place of the student's while it checks the class that calls it)
    course_names = frozenset(k for k, v in names.items() if isinstance(v, types.ModuleType)
                             and v.__name__.split(".")[0] in ("course", "autograder", "nbgrader"))
    record = _lesson_record(name, getattr(student, "__qualname__", "").split(".")[0])
    history = _kernel_history()
    others = None  # the names the other answer cells bind (None: not known)
    if record is None:
        lesson, bound = Lesson(frozenset(), course_names), frozenset()
    else:
        exercises = set(record["answers"])
        answer_cells = [cell for cell in history if top_level_names(cell) & exercises]
        lesson = Lesson(frozenset(record["names"]), course_names | frozenset(record["course_names"]),
                        defined=frozenset(record["defined"]) if history else None,
                        imports=frozenset(record.get("imports", ())), phrases=frozenset(record.get("phrases", ())))
        bound = answer_names(answer_cells + [source])
        if history:  # (a cell that answers this exercise too is an earlier run of this one)
            mine = top_level_names(source) & exercises
            others = answer_names([cell for cell in answer_cells if not top_level_names(cell) & mine])
    # (the names that cells other than the answer cells bind: a name read from nowhere that one of them
    # binds is a helper in a cell the student added, and the message says so, as the autograder's does)
    added = set().union(*(top_level_names(cell) for cell in history if cell not in answer_cells)) \
        if history and record is not None else set()
    reasons = placed(problems(source, lesson, bound, others), added)
    if reasons and record is not None and (whole := _whole_answer(source, names)) is not None:
        # the cell is one part of an answer cell split in JupyterLab: the autograder reads the parts joined
        bound = answer_names(answer_cells + [whole])
        if history:
            mine = top_level_names(whole) & exercises
            others = answer_names([cell for cell in answer_cells if not top_level_names(cell) & mine])
        reasons = placed(problems(whole, lesson, bound, others), added)
    if reasons and record is not None and history and (parts := _saved_answer_parts(names, source)):
        # a helper alone in one part of another answer cell split in JupyterLab (_pairs above count_pairs, read
        # by bpe_word), which the kernel's history holds as a cell of its own: an answer cell to the autograder,
        # which graded full marks, where the check said "only a cell you added defines" it (rt50, 2026-12-07)
        answer_cells = [cell for cell in history if top_level_names(cell) & exercises or _plain(cell) in parts]
        added = set().union(*(top_level_names(cell) for cell in history if cell not in answer_cells))
        mine_source = whole if whole is not None else source
        bound = answer_names(answer_cells + [mine_source])
        mine = top_level_names(mine_source) & exercises
        own_parts = {part for part in parts if whole is not None and part and part in _plain(whole)}
        others = answer_names([cell for cell in answer_cells
                               if not top_level_names(cell) & mine and _plain(cell) not in own_parts])
        reasons = placed(problems(mine_source, lesson, bound, others), added)
    outside = _outside_answer_cells(source, names, getattr(student, "__qualname__", "").split(".")[0],
                                    page=bool(reasons)) if record is not None else None
    if outside is not None:
        return CheckFailed(f"{name}: the autograder will not grade this answer, so its tests would score 0\n"
                           f"`{outside}` is defined in a cell you added, not in an answer cell, as the notebook was last "
                           f"saved, and the autograder runs only the answer cells (the exercise's own, which said `YOUR "
                           f"CODE HERE`, does not define it, or still raises NotImplementedError).\n"
                           f"Put this code in the answer cell, in place of its `raise NotImplementedError()`, and "
                           f"delete the cell you added (if you have just done so, save the notebook and run this "
                           f"cell again).", mistake="answer refused")
    if not reasons:
        return None
    return CheckFailed(f"{name}: the autograder will not run this answer, so its tests would score 0\n"
                       f"the cell " + "; it ".join(reasons) + ".\n"
                       f"Rewrite it with plain Python, torch and the lesson's names (the README's "
                       f"\"Only the answers run\" lists what is refused).", mistake="answer refused")


@functools.lru_cache(maxsize=1)
def _lesson_records() -> dict[str, dict[str, list[str]]]:
    import json
    from pathlib import Path

    path = Path(__file__).with_name("lesson_names.json")
    return json.loads(path.read_text()) if path.is_file() else {}


def _lesson_record(*names: str) -> dict[str, list[str]] | None:
    """The lesson whose answer cells define one of ``names`` (the exercise's function or class)."""
    return next((record for name in names for record in _lesson_records().values()
                 if name in record["answers"]), None)


def _whole_answer(source: str, names: dict) -> str | None:
    """The answer cell that ``source`` is one part of, its parts joined as the autograder grades them
    (``autograder.answers.answer_cells_by_id``), when the notebook's saved file holds that cell split in
    parts; else None. JupyterLab's *Split Cell* gives every part the cell's metadata, and the autograder
    joins the parts, but the kernel's history holds each part as a cell of its own: an honest
    scaled_dot_product_attention split below its helper ``_apply_mask`` was told in the notebook that a cell
    the student added defines the helper, and scored full marks in the grade (rt47, 2026-12-06). The file is
    the one the kernel was started for (``__session__``, which JupyterLab's kernel holds; VS Code's
    ``__vsc_ipynb_file__``; else ``_unnamed_cells``), read only when a check would fail: a file not saved since
    the split holds no such part, and the check says what it said before."""
    cells = _saved_cells(names, source)
    if cells is None:
        return None
    plain = _plain
    try:
        from autograder.answers import answer_cells_by_id
        part = plain(source)
        for grade_id, whole in answer_cells_by_id(_nodes(cells)).items():
            parts = [c for c in cells if c.get("cell_type") == "code"
                     and (c.get("metadata", {}).get("nbgrader") or {}).get("grade_id") == grade_id]
            if whole.get("cell_type") == "code" and len(parts) > 1 and plain(whole.get("source")) != part \
                    and any(plain(c.get("source")) == part for c in parts) and part in plain(whole.get("source")):
                return "".join(whole.source) if isinstance(whole.source, list) else whole.source
    except Exception:  # (no autograder beside the course, a file not JSON: nothing to join)
        return None
    return None


def _plain(text) -> str | None:
    """A cell's source as one str, its line ends made \\n, stripped (None if it is not text)."""
    text = "".join(text) if isinstance(text, list) else text
    return text.replace("\r\n", "\n").replace("\r", "\n").strip() if isinstance(text, str) else None


def _saved_cells(names: dict, source: str | None = None, page: bool = True) -> list | None:
    """The cells of the notebook's saved file, the one the kernel was started for (``__session__``, which
    JupyterLab's kernel holds; VS Code's ``__vsc_ipynb_file__``); where neither is known, the notebook that
    holds the cell ``source`` (``_unnamed_cells``); None where no such file is known or read."""
    from pathlib import Path

    path = names.get("__session__") or names.get("__vsc_ipynb_file__")
    if not isinstance(path, str) or not path.endswith(".ipynb"):
        return _unnamed_cells(source, page)
    try:
        file = Path(path) if Path(path).is_file() else Path(Path(path).name)
        if not file.is_file() or file.stat().st_size > 50_000_000:
            return None
        return _cells_of(file.read_text(encoding="utf-8"))
    except Exception:  # (a file not JSON: nothing saved to read)
        return None


def _cells_of(text) -> list | None:
    """The cells of a notebook's JSON (``text``, or the dict it holds), plain dicts, each source one str:
    read with ``json`` alone, since every check reads the saved file (``_outside_answer_cells``) and importing
    nbformat takes a second or more (jsonschema's grammars): the autograder's functions get ``_nodes``."""
    import json

    data = json.loads(text) if isinstance(text, str) else text
    cells = data.get("cells") if isinstance(data, dict) else None
    if not isinstance(cells, list):
        return None
    read = []
    for cell in cells:
        if isinstance(cell, dict):
            cell = dict(cell)
            if isinstance(cell.get("source"), list):
                cell["source"] = "".join(line for line in cell["source"] if isinstance(line, str))
            read.append(cell)
    return read


def _nodes(cells: list) -> list:
    """``cells`` (``_cells_of``) as nbformat's nodes, which the autograder's functions read (nbformat imported
    here, on the rare paths that need them)."""
    import nbformat

    return [nbformat.from_dict(cell) for cell in cells]


def _outside_answer_cells(source: str, names: dict, defined: str, page: bool = False) -> str | None:
    """``defined`` (the exercise's function or class) where the notebook's saved file holds the cell ``source``
    that defines it only as a cell the student added (no nbgrader metadata) and none of its answer cells defines
    it (the exercise's own still raises NotImplementedError): the autograder runs the answer cells alone, and
    graded an honest padding_mask written in a new cell below its template 0 where the check passed (rt54);
    else None. Colab's page is asked only where the check fails anyway (``page``; ``_unnamed_cells``)."""
    import ast

    cells = _saved_cells(names, source, page)
    part = _plain(source)
    if not cells or not part or not defined:
        return None
    mine = [c for c in cells if c.get("cell_type") == "code" and _plain(c.get("source")) == part]
    if not mine or any((c.get("metadata") or {}).get("nbgrader") for c in mine):
        return None

    def defines(text) -> bool:
        text = _plain(text) or ""
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return False
        return "NotImplementedError" not in text and any(
            isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name == defined
            for node in tree.body)
    try:
        from autograder.answers import answer_cells_by_id
        answers = answer_cells_by_id(_nodes(cells)).values()
    except Exception:  # (no autograder beside the course, cells it cannot read: nothing to tell)
        return None
    if not defines(part) or any(cell.get("cell_type") == "code" and defines(cell.get("source")) for cell in answers):
        return None
    return defined


def _unnamed_cells(source: str | None, page: bool = True) -> list | None:
    """The cells of the notebook that holds the cell ``source`` as one of its code cells, where the kernel names
    no file (``jupyter nbconvert --execute`` without ``JPY_SESSION_NAME``, classic Notebook, Colab): the one
    Colab's page holds (``get_ipynb``), else the newest of the notebooks in the kernel's working folder, where
    Jupyter starts a notebook's kernel; None where none holds it. Without it, an honest answer cell split in
    parts there was told that "a cell you added defines" its helper, and graded full marks (rt54)."""
    from pathlib import Path

    part = _plain(source)
    if not part:
        return None
    holds = lambda cells: any(c.get("cell_type") == "code" and _plain(c.get("source")) == part for c in cells)
    if page and "google.colab" in sys.modules:
        try:
            from google.colab import _message
            cells = _cells_of(_message.blocking_request("get_ipynb", request="", timeout_sec=5)["ipynb"])
            if cells and holds(cells):
                return cells
        except Exception:  # (not Colab's page, no answer in time: nothing to read)
            pass
    try:
        files = sorted((f for f in Path.cwd().glob("*.ipynb") if f.is_file()),
                       key=lambda f: f.stat().st_mtime, reverse=True)[:20]
    except OSError:
        return None
    for file in files:
        try:
            if file.stat().st_size > 50_000_000:
                continue
            cells = _cells_of(file.read_text(encoding="utf-8"))
        except Exception:  # (a file not JSON, gone since: not this notebook)
            continue
        if cells and holds(cells):
            return cells
    return None


def _saved_answer_parts(names: dict, source: str | None = None) -> set[str]:
    """The sources (``_plain``) of the parts of the answer cells that the saved file holds split in parts
    (JupyterLab's *Split Cell* gives every part the cell's metadata; the autograder joins them): a part that
    defines only a helper is an answer cell to the autograder, not a cell the student added. ``source``: the
    answer's cell, which finds the file where the kernel names none (``_saved_cells``)."""
    cells = _saved_cells(names, source)
    if not cells:
        return set()
    try:
        from autograder.answers import join_split_answers
        split = set(join_split_answers(_nodes(cells))[1])
    except Exception:  # (no autograder beside the course: nothing to join)
        return set()
    return {_plain(c.get("source")) for c in cells if c.get("cell_type") == "code"
            and (c.get("metadata", {}).get("nbgrader") or {}).get("grade_id") in split} - {None}


def _typed_cell(source: str, filename: str, name: str) -> str:
    """The answer's cell as the student typed it, which the autograder reads, where IPython changed it before
    running it: a `%time` line runs as ``get_ipython().run_line_magic(...)``, which the check read and told
    "the cell uses `get_ipython`", and under `%%time` atop the cell its code has no source at all (its file is
    ``<timed exec>``), so the check passed an answer that the autograder refused as holding a magic (rt52).
    Found in IPython's raw history beside the cell it ran; ``source`` itself when none differs."""
    try:
        from IPython import get_ipython
    except ImportError:
        return source
    manager = getattr(get_ipython(), "history_manager", None)
    pairs = list(zip(getattr(manager, "input_hist_parsed", []), getattr(manager, "input_hist_raw", [])))[::-1]
    if filename in ("<timed exec>", "<timed eval>"):  # `%%time` atop the cell: the newest such cell defining it
        return next((raw for parsed, raw in pairs if raw.lstrip().startswith("%%time")
                     and re.search(rf"^\s*(async\s+)?(def|class)\s+{re.escape(name)}\b", raw, re.M)), source)
    if "get_ipython()" not in source:
        return source
    return next((raw for parsed, raw in pairs if parsed.rstrip() == source.rstrip()), source)


def _kernel_history() -> list[str]:
    """The source of every cell this IPython kernel ran, oldest first (empty outside IPython)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return []
    shell = get_ipython()
    manager = getattr(shell, "history_manager", None)
    return [cell for cell in getattr(manager, "input_hist_parsed", []) if cell] if manager else []


def _read_as_the_cell_runs(tree, defined: str) -> set[str]:
    """The names a cell reads as it runs, until it has defined ``defined`` (what runs after cannot keep it
    from being defined: a try-out ``print(merge(ids, ...))``): its top level, its classes' bodies, and its
    functions' default values and decorators, not what they read when called (annotations stay text in the
    re-check)."""
    import ast

    found = set()

    def visit(node):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            for part in [*getattr(node, "decorator_list", []), *node.args.defaults, *node.args.kw_defaults]:
                if part is not None:
                    visit(part)
            return
        if isinstance(node, (ast.AnnAssign, ast.arg)):  # (the annotation is not run)
            for part in (getattr(node, "value", None), getattr(node, "target", None)):
                if part is not None:
                    visit(part)
            return
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            found.add(node.id)
        for child in ast.iter_child_nodes(node):
            visit(child)

    for statement in tree.body:
        visit(statement)
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and statement.name == defined:
            break
    return found


def reads_notebook_data(student: Any, name: str) -> CheckFailed | None:
    """The failure to raise when the answer reads a variable of the notebook instead of its arguments.

    The autograder grades each value test a second time with only the answer cells and the lesson's
    imports in a process of their own (``autograder.recheck``), where the lesson's variables (``text``,
    ``stoi``, ``sentence``...) do not exist. An answer whose function reads one passes here and scores
    0 there, so the check says so first. Read: the global names the function's code loads whose value
    in the notebook is data (not a module, function, class or other callable) and which the function's
    own cell does not bind."""
    student = answer_of(student)
    functions = [v for v in vars(student).values() if isinstance(v, types.FunctionType)] \
        if isinstance(student, type) else [student]
    if not functions or not all(isinstance(f, types.FunctionType) and f.__module__ == "__main__" for f in functions):
        return None
    source = "".join(linecache.getlines(functions[0].__code__.co_filename))
    found = _reads_notebook_data(student, name, functions, source)
    if found is not None and (whole := _whole_answer(source, functions[0].__globals__)) is not None:
        found = _reads_notebook_data(student, name, functions, whole)  # (a part of a split answer cell)
    return found


def _reads_notebook_data(student: Any, name: str, functions: list, source: str) -> CheckFailed | None:
    """``reads_notebook_data`` for the functions of the answer cell ``source``."""
    import ast
    import dis

    from course.grading import _code_objects

    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    if not source.strip():
        return None
    own = {"__name__"}  # (the answers' process runs the cells as __main__ too: a script's guard reads it there)
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            own.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            own.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            own |= {(a.asname or a.name.split(".")[0]) for a in node.names}
    read = {instruction.argval for f in functions for code in _code_objects(f.__code__)
            for instruction in dis.get_instructions(code) if instruction.opname in ("LOAD_GLOBAL", "LOAD_NAME")}
    names = functions[0].__globals__

    def is_data(n):
        return n in names and not callable(names[n]) and not isinstance(names[n], types.ModuleType)

    early = sorted(n for n in _read_as_the_cell_runs(tree, getattr(student, '__name__', '')) - own
                   - _bound_by_answer_cells(student, before=True) if is_data(n))
    absent = _not_in_the_answers_process(names, read - own - _bound_by_answer_cells(student)
                                         | _read_as_the_cell_runs(tree, getattr(student, '__name__', ''))
                                         - own - _bound_by_answer_cells(student, before=True))
    if absent:
        listed = ", ".join(f"`{n}` ({what})" for n, what in absent)
        return CheckFailed(f"{name}: your cell reads {listed}\nThe autograder grades each answer again with only "
                           f"the answer cells and the lesson's imports of the modules an answer may import, "
                           f"where {'it does' if len(absent) == 1 else 'they do'} not exist: a line that reads "
                           f"{'it' if len(absent) == 1 else 'them'} fails there, and this test scores 0. "
                           f"{NOT_IN_ANSWERS}", mistake="reads notebook data")
    if early:  # (a default value: ``def collate(docs, pad_id=pad_id)``; the def itself fails in the re-check)
        listed = ", ".join(f"`{n}`" for n in early)
        return CheckFailed(f"{name}: your cell reads {listed} as it runs (in a default value, a decorator or at its "
                           f"top level), defined elsewhere in the notebook\nThe autograder runs the answer cells "
                           f"alone, where {listed} do{'es' if len(early) == 1 else ''} not exist: there this cell "
                           f"fails, {name} is not defined, and this test would score 0. Write the value itself, "
                           f"or pass it in as an argument.", mistake="reads notebook data")
    data = sorted(n for n in read - own - _bound_by_answer_cells(student) if is_data(n))
    if not data:
        return None
    listed = ", ".join(f"`{n}`" for n in data)
    found = CheckFailed(f"{name}: your function reads {listed}, defined elsewhere in the notebook, not passed in\n"
                        f"The autograder grades each answer again with only the answer cells and the lesson's "
                        f"imports, where {listed} do{'es' if len(data) == 1 else ''} not exist, and this test "
                        f"would score 0 there. Work from the arguments, or define what you need in this cell.",
                        mistake="reads notebook data")
    found.data = (names, data)  # (run_check tries the answer without them, as the autograder will)
    return found


@contextlib.contextmanager
def _without_names(names: dict, hidden: Sequence[str]):
    """The notebook's globals ``names`` without ``hidden`` for a while (the answers' process, where they do not
    exist), put back after."""
    saved = {n: names.pop(n) for n in hidden if n in names}
    try:
        yield
    finally:
        names.update(saved)


def _mistake_without_notebook_data(found: CheckFailed, rerun: Callable[[], None]) -> CheckFailed:
    """What to say of an answer whose function reads data of the notebook (``found``): the mistake the check
    names when it runs the answer without that data, as the autograder's answers' process will (``rerun``),
    with the read added; else ``found``. An answer that reads a name it meant to bind itself (``logits =
    model.forward_with_state(idx)`` and ``state`` read later, a lesson's variable of that name) was told
    only "reads `state`", not the mistake the re-check grades it by (the pair used as the logits)."""
    names, hidden = found.data
    try:
        with _without_names(names, hidden):
            rerun()
    except CheckFailed as failed:
        missing = any(f"'{n}' is not defined" in str(failed) for n in hidden)
        if failed.mistake not in (None, "not implemented", "reads notebook data") and not missing:
            read = str(found).splitlines()[0].split(": ", 1)[-1]
            return CheckFailed(f"{failed}\n  also:     {read}: the autograder runs the answer cells alone, where "
                               f"{'it does' if len(hidden) == 1 else 'they do'} not exist.",
                               mistake=failed.mistake, credit=failed.credit)
    return found


# What to do instead of plotting or displaying in an answer (rt34, 2026-12-06: an honest count_pairs that closed
# the lesson's matplotlib figures, plt.close("all"), passed every check in the notebook and lost both its points
# in the re-check, told to "define or import" plt, which the rules refuse)
NOT_IN_ANSWERS = ("Plot, display or time things in a cell of your own (only the answer cells are graded), "
                  "or leave the line out.")


def _not_in_the_answers_process(names: dict, read: set[str]) -> list[tuple[str, str]]:
    """The names of ``read`` that the notebook has and the autograder's answers' process does not: a module an
    answer may not import (``plt``, matplotlib's, which the lesson imports for its plots), a function or class
    of one (IPython's ``display``, which the kernel puts among the builtins), each with what it is. Empty when
    the autograder's rules are not installed (a student's copy of the course: nothing to match)."""
    import builtins

    try:
        from autograder.answers import ALLOWED_MODULES
    except ImportError:
        return []
    found = []
    for n in sorted(read):
        value = names[n] if n in names else vars(builtins).get(n)
        if isinstance(value, types.ModuleType):
            where = value.__name__
        elif callable(value) and _imported(value):
            where = value.__module__
        else:
            continue
        root = where.split(".")[0]
        if root in ALLOWED_MODULES or root in ("builtins", "_sitebuiltins", "course", "autograder"):
            continue  # (the course's own names are the rules' to refuse, with their own message)
        if n in ANSWERS_PROCESS_GIVES and where.startswith(ANSWERS_PROCESS_GIVES[n]):
            continue  # (stand-ins there: the lesson's plt draws nothing, display prints; rt35)
        found.append((n, LESSON_ONLY_NAMES.get(n, f"from {where}")))
    return found


def _imported(value: Any) -> bool:
    """A function or class that came from a module, not one a cell of the notebook defined."""
    where = getattr(value, "__module__", None)
    return isinstance(where, str) and where != "__main__"


def _bound_by_answer_cells(student: Any, before: bool = False) -> set[str]:
    """The names the lesson's answer cells bind at their top level, as the kernel ran them (IPython's history;
    none outside IPython): the answers' process runs every answer cell, so a function may read a constant of
    another answer cell's (``INF = float("inf")`` beside ``merge``, read by ``bpe_word``). With ``before``, only
    the cells that come before the student's own in the lesson: the answers' process runs them in the notebook's
    order, so a cell's top level, a default value (``def bpe_word(word, ranks, inf=INF)``) or a decorator may
    read their names, but not those of a cell further down."""
    record = _lesson_record(getattr(student, "__name__", ""), getattr(student, "__qualname__", "").split(".")[0])
    if record is None:
        return set()
    exercises = set(record["answers"])
    cells = [_top_level_bindings(cell) for cell in _kernel_history()]
    cells = [names for names in cells if names & exercises]
    if before:
        place = {n: i for i, names in enumerate(record.get("answer_cells", ())) for n in names}
        mine = place.get(getattr(student, "__name__", ""), place.get(getattr(student, "__qualname__", "")))
        if mine is None:
            return set()
        cells = [names for names in cells if max(place.get(n, -1) for n in names) < mine]
    return set().union(*cells)


def _top_level_bindings(source: str) -> set[str]:
    """The names a cell binds at its top level (assignments, loops, imports, defs and classes; not inside a
    function or class), without the autograder, which the grading kernel's sandbox does not hold."""
    import ast
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return set()
    found, todo = set(), list(tree.body)
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found.add(node.name)
            continue
        if isinstance(node, (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found |= {a.asname or a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            found.add(node.id)
        todo += list(ast.iter_child_nodes(node))
    return found


def _wrap(line: str, width: int) -> list[str]:
    import textwrap
    return textwrap.wrap(line, width, subsequent_indent="    ", break_long_words=False,
                         break_on_hyphens=False) or [""]


@dataclass
class Mistake:
    """A common wrong version of an exercise.

    ``name`` is short ("softmax before cross-entropy"), ``hint`` one or two sentences on what went wrong
    and how to fix it. The mistake is recognised when the student's output equals ``wrong(*args)`` on
    the same arguments (and differs from the right answer), or, when ``error`` is given, when the
    student's function raises an exception whose ``"Type: message"`` contains that text (on a case
    for which ``on(*args)`` is true, when ``on`` is given: an empty list, say). With ``same_error``, it
    is recognised when the student's function raises and ``wrong(*args)`` raises the very same error
    (type and message) on the same case: a mistake that a library refuses before there is any output,
    such as F.embedding's arguments swapped. With ``shows``, a wrong version's match counts only when
    ``shows(output)`` is true of the student's output too: what the values cannot tell apart (two
    tensors of a result that share their memory, or not).
    """
    name: str
    hint: str
    wrong: Callable[..., Any] | None = None
    error: str | None = None
    credit: float = 0.0
    on: Callable[..., bool] | None = None
    same_error: bool = False
    shows: Callable[[Any], bool] | None = None


def failure(where: str, problem: str, mistake: Mistake | None = None, **details: Any) -> CheckFailed:
    """The exception a check raises: ``where`` (which function, which case), the difference in words,
    optional ``expected=``/``got=`` descriptions, and the recognised mistake's name and hint."""
    lines = [where]
    for key, value in details.items():
        lines.append(f"{key + ':':10}{value}")
    lines.append(problem)
    if mistake is not None:
        lines.append(f"Mistake — {mistake.name}: {mistake.hint}")
    return CheckFailed("\n  ".join(lines), mistake=None if mistake is None else mistake.name,
                       credit=0.0 if mistake is None else mistake.credit)


def recognise(mistakes: Sequence[Mistake], args: Sequence[Any], expected: Any, got: Any,
              atol: float = 1e-5, rtol: float = 1e-4,
              others: Sequence[tuple[Sequence[Any], Callable[[], Any]]] = ()) -> Mistake | None:
    """The first mistake whose wrong version gives ``got`` on ``args`` (and not ``expected``), and
    gives the student's output on every other case too: ``others`` holds ``(args, student_output)``
    pairs, the output computed on demand. A wrong version that only happens to agree on one case is
    not named: a wrong hint is worse than none."""
    for mistake in mistakes:
        if mistake.wrong is None or mistake.shows is not None and not _shows(mistake, got):
            continue
        try:
            wrong = mistake.wrong(*copy.deepcopy(tuple(args)))
        except Exception:
            continue
        # versions of one mistake (e.g. which of two tied tokens is dropped) share a name: any may agree
        family = [m for m in mistakes if m.name == mistake.name and m.wrong is not None]
        if difference(expected, wrong, atol, rtol) is not None and difference(wrong, got, atol, rtol) is None \
                and all(_agrees(family, other, output, atol, rtol) for other, output in others):
            return mistake
    return None


def two_at_once(singles: Sequence[tuple[Mistake, str, Callable[..., Any]]],
                wrong: Callable[[Sequence[Any], dict], Any], apart: Sequence[set[str]] = ()) -> list[Mistake]:
    """Two of an exercise's common mistakes in one answer (a class writes them: no scaling AND the softmax over
    the queries, say): for each pair of ``singles``, ``(mistake, knob, value)`` whose knobs differ, a Mistake
    named after both, whose wrong version is ``wrong(args, knobs)`` with both knobs set, each to
    ``value(*args)``; not two knobs that ``apart`` holds together (where ``wrong`` cannot set both). List them
    after the single mistakes, so that an answer with one of them is named by it alone (wa37)."""
    pairs = []
    for i, (a, knob_a, value_a) in enumerate(singles):
        for b, knob_b, value_b in singles[i + 1:]:
            if knob_a == knob_b or any({knob_a, knob_b} <= set(knobs) for knobs in apart):
                continue
            pairs.append(Mistake(f"{a.name} and {b.name}", f"two mistakes at once. {a.name[0].upper()}{a.name[1:]}: "
                                 f"{a.hint} And {b.name}: {b.hint}",
                                 lambda *args, ka=knob_a, va=value_a, kb=knob_b, vb=value_b:
                                 wrong(args, {ka: va(*args), kb: vb(*args)})))
    return pairs


def first_named(mistakes: Sequence[Mistake]) -> dict[str, Mistake]:
    """Each name of ``mistakes`` and the first mistake of that name (its hint)."""
    return {m.name: m for m in reversed(mistakes)}


def _shows(mistake: Mistake, got: Any) -> bool:
    try:
        return bool(mistake.shows(got))
    except Exception:
        return False


def _agrees(family: Sequence[Mistake], args: Sequence[Any], output: Callable[[], Any], atol: float,
            rtol: float) -> bool:
    wrongs = []
    for mistake in family:
        try:
            wrongs.append(mistake.wrong(*copy.deepcopy(tuple(args))))
        except Exception:
            pass
    if not wrongs:
        return True  # no version of the mistake runs here: this case says nothing either way
    try:
        got = output()
    except Exception:
        return True  # the student's function fails here for its own reasons: no evidence either way
    return any(difference(wrong, got, atol, rtol) is None for wrong in wrongs)


def recognise_error(mistakes: Sequence[Mistake], error: BaseException, args: Sequence[Any] = (),
                    others: Sequence[tuple[Sequence[Any], Callable[[], Any]]] = ()) -> Mistake | None:
    """The mistake of ``mistakes`` that ``error`` shows (see ``Mistake``), else, for a name that is not
    defined, ``missing_name``'s. A ``same_error`` mistake must also behave as the student's function does
    on the ``others`` (``(args, call)`` pairs, as for ``recognise``): one message can come from two
    mistakes on one case, rarely on all of them."""
    text = f"{type(error).__name__}: {said(error)}"
    return next((m for m in mistakes if (m.error is not None and m.error in text
                                         or m.same_error and _raises_alike(m.wrong, args, error)
                                         and all(_behaves_alike(m.wrong, *other) for other in others))
                 and (m.on is None or m.on(*args))), None) or missing_name(error)


def _behaves_alike(wrong: Callable[..., Any], args: Sequence[Any], call: Callable[[], Any]) -> bool:
    """Whether ``wrong(*args)`` and the student's ``call()`` raise alike or return equal values (a module each: of
    one class, as nn.CrossEntropyLoss(logits, targets) gives where the data pass for its options; the warnings
    of these calls, made only to compare, are not shown)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            with _time_limit(STUDENT_SECONDS):
                got = call()
        except _StillRunning:
            return False
        except Exception as error:
            return _raises_alike(wrong, args, error)
        try:
            wrong_got = wrong(*copy.deepcopy(tuple(args)))
            if isinstance(wrong_got, torch.nn.Module):  # (equal only to itself)
                return type(got) is type(wrong_got)
            return difference(wrong_got, got) is None
        except Exception:
            return False


def _raises_alike(wrong: Callable[..., Any] | None, args: Sequence[Any], error: BaseException) -> bool:
    """Whether ``wrong(*args)`` raises an error of ``error``'s type with its very message."""
    if wrong is None:
        return False
    try:
        wrong(*copy.deepcopy(tuple(args)))
    except Exception as own:
        return type(own) is type(error) and str(own) == str(error)
    return False


# What a name the lessons use comes from, for a student whose answer reads it without it
USUAL_IMPORTS = {"math": "import math", "torch": "import torch", "nn": "from torch import nn",
                 "F": "import torch.nn.functional as F", "np": "import numpy as np", "random": "import random",
                 "re": "import re", "sys": "import sys", "collections": "import collections",
                 "Counter": "from collections import Counter",
                 "defaultdict": "from collections import defaultdict", "dataclass": "from dataclasses import dataclass"}


# What the autograder's answers' process gives an answer in the notebook's place (``recheck.lesson_imports``):
# the lesson's ``plt``, which draws nothing there, and IPython's ``display``, which prints (rt35, 2026-12-06)
ANSWERS_PROCESS_GIVES = {"plt": "matplotlib", "display": "IPython"}

# Names a notebook has that no answer may import (the re-check cannot read the notebook: it names them by name)
LESSON_ONLY_NAMES = {"plt": "matplotlib's pyplot, which the lesson imports for its plots",
                     "display": "IPython's display", "Markdown": "IPython's Markdown", "HTML": "IPython's HTML"}


def missing_name(error: BaseException) -> Mistake | None:
    """The mistake behind a ``NameError`` (a name nothing defines where the function runs, often a
    typo or a missing import), an ``UnboundLocalError`` (a variable read before it is set), tensors of
    two dtypes in one operation, or a device hard-coded to 'cuda'; else None."""
    import re

    if isinstance(error, UnboundLocalError) or "referenced before assignment" in str(error) \
            or "where it is not associated with a value" in str(error):
        return Mistake("variable read before it is set",
                       "your function reads one of its variables on a path where nothing has been assigned to "
                       "it yet (an assignment inside an `if` or a loop that did not run, or a name assigned "
                       "later in the function): give it a value before the loop or the `if`.")
    text = str(error)
    floats = r"(?:c10::)?(?:Double|Float|Half|BFloat16|double|float|half)\b"
    if isinstance(error, RuntimeError) and re.search(rf"{floats},? (?:but found |!= |and ){floats}", text):
        return Mistake("dtypes mixed", "two tensors of different dtypes met in one operation, usually a float64 one "
                       "(numpy's default: np.ones, np.tril, torch.from_numpy of them, torch.tensor of Python "
                       "floats with dtype=torch.float64) and the float32 input: build your tensors with torch, "
                       "in the input's dtype (torch.ones(..., dtype=x.dtype), or .to(x.dtype)).")
    if "CUDA" in text and ("not compiled" in text or "no NVIDIA driver" in text or "not available" in text):
        return Mistake("device hard-coded", "your function puts a tensor on 'cuda', which this machine does not "
                       "have: make new tensors on the input's device, torch.arange(T, device=idx.device), "
                       "never a fixed 'cuda'.")
    if not isinstance(error, NameError):
        return None
    found = re.search(r"name '(\w+)' is not defined", text)
    if found is None:
        return None
    name = found.group(1)
    if name in LESSON_ONLY_NAMES:
        return Mistake("name not defined", f"your function reads `{name}` ({LESSON_ONLY_NAMES[name]}), which the "
                       f"autograder does not give the answers: it grades them with only the answer cells and the "
                       f"lesson's imports of the modules an answer may import. {NOT_IN_ANSWERS}")
    fix = (f"add `{USUAL_IMPORTS[name]}` at the top of the answer cell" if name in USUAL_IMPORTS else
           "check its spelling against where it is defined, and define or import it in the answer cell itself "
           "(a helper defined in another cell counts only once that cell has run)")
    return Mistake("name not defined", f"your function reads `{name}`, which nothing defines where it runs: {fix}.")


def _own_frames(error: BaseException) -> tuple[list, bool]:
    """The frames of ``error``'s traceback outside the course package, the autograder and the libraries
    (the student's own code), and whether the innermost frame of all is one of them (the student's own
    line raised it, not a library called from it)."""
    import traceback
    package = os.path.dirname(os.path.dirname(__file__))
    library = tuple(os.path.realpath(p) + os.sep for p in
                    (package, os.path.join(os.path.dirname(package), "autograder"), sys.prefix, sys.base_prefix))
    every = traceback.extract_tb(error.__traceback__)
    frames = [f for f in every if not os.path.realpath(f.filename).startswith(library)]
    return frames, bool(every) and bool(frames) and frames[-1] is every[-1]


def where_raised(error: BaseException) -> str:
    """`` (line N: source)`` of the innermost frame outside the course package, the autograder and
    the libraries: where in the student's own code the error happened, when it did. (In the
    autograder's re-check the student's code runs in another process: the error is raised again in
    the grader, so no frame is the student's and nothing is said.)"""
    frames, _ = _own_frames(error)
    if not frames:
        return ""
    frame = frames[-1]
    line = (frame.line or "").strip()
    return f" (in {frame.name}, line {frame.lineno}: {line})" if line else ""


class _ShortRepr(reprlib.Repr):
    """``repr`` within bounds (a few levels, a few items each): what the grader received may share its parts,
    a tuple nested 24 deep that is 2^24 values once written out in full (a red team's, 2026-12-03)."""

    def __init__(self):
        super().__init__()
        self.maxlevel, self.maxlist, self.maxtuple, self.maxset, self.maxfrozenset, self.maxdict = 4, 8, 8, 8, 8, 6
        self.maxstring = self.maxlong = self.maxother = 120
        self.loaded = (collections.OrderedDict, collections.Counter)  # what the grader may receive, with its own repr

    def repr1(self, x, level):
        kind = next((k for k in (dict, list, tuple, set, frozenset) if isinstance(x, k)), None)
        if kind is None or type(x) is kind or (type(x).__repr__ is not kind.__repr__ and type(x) not in self.loaded):
            return super().repr1(x, level)  # (a class with a printout of its own shows it: a namedtuple)
        inner = getattr(self, f"repr_{kind.__name__}")(x, level)  # (an OrderedDict, a Counter, a torch.Size)
        return f"{type(x).__name__}({inner})"

    def repr_int(self, x, level):
        try:
            return super().repr_int(x, level)
        except ValueError:  # past Python's 4,300 digits for int-to-text (``10 ** 6000``, ch57): its size instead
            return f"<an int of {x.bit_length():,} bits, over 4,300 digits>"


_short_repr = _ShortRepr().repr


def said(error: BaseException) -> str:
    """``str(error)``, or a note where the student's exception class cannot say it: a ``__str__`` of its own that
    raises or returns no string (``return 5``) made the check's own message fail, a TypeError traceback into
    the checks (ch58)."""
    try:
        text = str(error)
        return text if type(text) is str else str.__str__(text)
    except BaseException:
        return f"<the message of {type(error).__name__} could not be written: its __str__ failed>"


def _unsayable(error: BaseException | None) -> bool:
    """Whether ``error`` cannot be written: its class's ``__str__`` raises or returns no string."""
    if error is None:
        return False
    try:
        return type(str(error)) is not str
    except BaseException:
        return True


def raised(error: BaseException) -> str:
    """What the student's function did, for a failure's message: "your function raised ValueError: …";
    but where the grader's stand-in could not receive its result (``NotData``, from the answers' process
    in the re-check), the answers' process says what it returned."""
    if type(error).__name__ == "NotData" and getattr(error, "from_answers", False):
        return str(error)
    if getattr(type(error), "said_by_grader", False):  # (the re-check's own words about the call: CallersData)
        return str(error)
    return f"your function raised {type(error).__name__}: {said(error)}{where_raised(error)}"


def describe(x: Any, values: bool = False) -> str:
    """A short description of a value: type, and for tensors shape and dtype (and, with ``values``,
    the first few entries)."""
    if isinstance(x, torch.Tensor):
        text = f"tensor of shape {tuple(x.shape)} and dtype {x.dtype}"
        if values:
            flat = x.detach().reshape(-1)[:6].tolist()
            shown = ", ".join(f"{v:.4g}" if isinstance(v, float) else repr(v) for v in flat)
            text += f": [{shown}{', …' if x.numel() > 6 else ''}]"
        return text
    if isinstance(x, (list, tuple)):
        head = ", ".join(describe(v, values) if isinstance(v, torch.Tensor) else _short_repr(v) for v in list(x)[:8])
        more = ", …" if len(x) > 8 else ""
        left, right = ("(", ")") if isinstance(x, tuple) else ("[", "]")
        return f"{type(x).__name__} of length {len(x)}: {left}{head}{more}{right}"
    if isinstance(x, dict):
        items = list(x.items())[:6]
        more = ", …" if len(x) > 6 else ""
        shown = ", ".join(f"{_short_repr(k)}: {describe(v, values) if isinstance(v, torch.Tensor) else _short_repr(v)}"
                          for k, v in items)
        return f"{type(x).__name__} of {len(x)} entries: {{{shown}{more}}}"
    text = _short_repr(x)
    if "\n" in text:  # a module or another object with a long printout: its type says enough
        return f"a {type(x).__name__}"
    return f"{type(x).__name__} {text[:120] + '…' if len(text) > 120 else text}"


def difference(expected: Any, got: Any, atol: float = 1e-5, rtol: float = 1e-4) -> str | None:
    """None when ``got`` equals ``expected``; otherwise a sentence saying how they differ.

    Types are checked strictly (a list is not a tuple, a tensor must be a real ``torch.Tensor`` of the
    same dtype), so an object that only pretends to be equal never passes. A value too deep to compare
    (a list that holds itself, lists nested 300,000 deep) differs, and the sentence says why: the
    comparison of a result with a second call's had ended the check with a bare RecursionError (ch57).
    """
    try:
        return _difference(expected, got, atol, rtol)
    except RecursionError:
        return (f"expected {describe(expected)}, got {describe(got)}, nested too deeply to compare (a list or "
                f"dict that holds itself, or lists inside lists thousands of levels deep): return the plain "
                f"values the exercise asks for")


def _difference(expected: Any, got: Any, atol: float, rtol: float) -> str | None:
    if isinstance(expected, torch.Tensor):
        if isinstance(got, torch.Tensor) and type(got) is not torch.Tensor:  # (said as "got tensor ...", ch60)
            return (f"expected a torch.Tensor, got a {type(got).__name__[:60]}, a subclass of it "
                    f"(shape {tuple(got.shape)}, dtype {got.dtype}): return a plain tensor, as torch's operations "
                    f"make it, or turn it back with .as_subclass(torch.Tensor)")
        if type(got) is not torch.Tensor:
            return f"expected a torch.Tensor, got {describe(got)}"
        if got.shape != expected.shape:
            return f"expected shape {tuple(expected.shape)}, got shape {tuple(got.shape)}"
        if got.dtype != expected.dtype:
            return f"expected dtype {expected.dtype}, got dtype {got.dtype}"
        if got.device != expected.device:  # (torch's comparisons raise on two devices)
            return (f"expected a tensor on the {expected.device.type} device, got one on the {got.device.type} device"
                    + (": a meta tensor has a shape and a dtype but no values" if got.device.type == "meta" else ""))
        if got.device.type == "meta":  # (two of them, a result and the same call's again: no values to compare)
            return None
        if expected.dtype == torch.bool or not expected.is_floating_point():
            if not torch.equal(got, expected):
                wrong = (got != expected).nonzero()[0].tolist()
                return (f"values differ: first at index {tuple(wrong)}, expected "
                        f"{expected[tuple(wrong)].item()}, got {got[tuple(wrong)].item()}")
            return None
        if not torch.allclose(got, expected, atol=atol, rtol=rtol, equal_nan=True):
            diff = (got.double() - expected.double()).abs()
            # equal entries (including -inf == -inf and nan/nan) are no difference at all
            same = (got == expected) | (got.isnan() & expected.isnan())
            diff = torch.nan_to_num(diff.masked_fill(same, 0.0), nan=float("inf"))
            worst = divmod_index(int(diff.argmax()), tuple(expected.shape))
            largest = diff.max().item()
            if largest > 1e300:  # an infinity (or NaN) on one side only: no "difference" worth a number
                return (f"values differ at index {worst}: expected {expected[worst].item():.6g}, got "
                        f"{got[worst].item():.6g}")
            return (f"values differ: max abs difference {largest:.3g} at index {worst} "
                    f"(expected {expected[worst].item():.6g}, got {got[worst].item():.6g})")
        return None
    if type(got) is not type(expected) and not (_is_int(expected) and _is_int(got)):
        return f"expected {describe(expected)}, got {describe(got)}"
    if isinstance(expected, (list, tuple)):
        if len(got) != len(expected):
            return f"expected length {len(expected)}, got length {len(got)} (expected {describe(expected)}, got {describe(got)})"
        for i, (e, g) in enumerate(zip(expected, got)):
            d = _difference(e, g, atol, rtol)
            if d is not None:
                return f"at position {i}: {d}"
        return None
    if isinstance(expected, dict):
        missing = [k for k in expected if k not in got]
        extra = [k for k in got if k not in expected]
        if missing or extra:
            parts = []
            if missing:
                parts.append(f"missing keys {_short_repr(missing[:5])}")
            if extra:
                parts.append(f"unexpected keys {_short_repr(extra[:5])}")
            return ", ".join(parts)
        keys = {k: k for k in expected}
        odd = [k for k in got if type(k) is not type(keys[k]) and not (_is_int(k) and _is_int(keys[k]))]
        if odd:  # (a namedtuple's ``Pair(a, b)`` is equal to ``(a, b)``, but the grader cannot receive it)
            own, kind = type(odd[0]).__name__, type(keys[odd[0]]).__name__
            what = f"{own}, a {kind} subclass" if isinstance(odd[0], type(keys[odd[0]])) else own
            return f"keys are {what}: return plain {kind}s as keys, like {_short_repr(keys[odd[0]])}"
        for k in expected:
            d = _difference(expected[k], got[k], atol, rtol)
            if d is not None:
                return f"at key {_short_repr(k)}: {d}"
        return None
    if isinstance(expected, float):
        # (written so that a NaN is far from everything but a NaN: ``abs(nan - x) > tol`` is False)
        same = got == expected or (math.isnan(got) and math.isnan(expected))
        if not same and (math.isinf(expected) or not abs(got - expected) <= atol + rtol * abs(expected)):
            return f"expected {expected!r}, got {got!r}"
        return None
    if not _plain_equal(expected, got):
        return f"expected {describe(expected)}, got {describe(got)}"
    return None


def divmod_index(flat: int, shape: tuple[int, ...]) -> tuple[int, ...]:
    """The multi-dimensional index of a flat position in a tensor of ``shape``."""
    index = []
    for size in reversed(shape):
        flat, rest = divmod(flat, size)
        index.append(rest)
    return tuple(reversed(index))


def _is_int(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _plain_equal(expected: Any, got: Any) -> bool:
    # Types were already checked; ask the trusted value, so a student's __eq__ is never consulted.
    try:
        return bool(expected == got)
    except Exception:
        return False


def _show_args(args: Sequence[Any]) -> str:
    return ", ".join(describe(a) for a in args)


# A case is small: an answer that has not returned after this long is stuck (a loop whose index never
# moves on). Without a limit the check cell would only spin, saying nothing.
STUDENT_SECONDS = 60


class _StillRunning(BaseException):
    """The alarm of ``_time_limit`` (a BaseException: an answer's ``except Exception`` cannot swallow it)."""


@contextlib.contextmanager
def _time_limit(seconds: int):
    """Raise ``_StillRunning`` in the block after ``seconds`` (SIGALRM), where that is safe: the main
    thread, no other alarm set, and not in the grader's process (``autograder.recheck`` loaded: there
    the answer runs in a process of its own, with a limit of its own, and an alarm in the middle of
    that exchange would break it)."""
    if (not hasattr(signal, "SIGALRM") or threading.current_thread() is not threading.main_thread()
            or "autograder.recheck" in sys.modules):
        yield
        return
    pending = signal.alarm(0)
    if pending:  # someone else's alarm: leave it be
        signal.alarm(pending)
        yield
        return

    def stop(signum, frame):
        raise _StillRunning()

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


ENDLESS = Mistake("endless loop", "your function never returned on this small case: a loop that never "
                  "ends, or one far too long for it. Check that each pass moves on in every branch (`i += 1` in "
                  "the else branch too, `i += 2` after a merge) and that the loop's condition can become false; "
                  "a loop over range(10 ** 9), or a recursion that calls itself twice at every step, does not end "
                  "in time either: the right answer returns at once here.")


def _call(student: Callable[..., Any], args: Sequence[Any]) -> Any:
    return student(*copy.deepcopy(tuple(args)))


def run_check(name: str, student: Callable[..., Any], reference: Callable[..., Any],
              cases: Iterable[Sequence[Any]], mistakes: Sequence[Mistake] = (),
              atol: float = 1e-5, rtol: float = 1e-4, quiet: bool = False, unchanged: bool = False,
              after: Callable[[Sequence[Any]], tuple[str, Mistake | None] | None] | None = None,
              unrepeatable: Mistake | None = None, fresh: bool = False) -> None:
    """Compare ``student(*case)`` with ``reference(*case)`` on every case.

    Each function gets its own deep copy of the arguments, so a student function that changes its
    input in place cannot change what the reference sees (``unchanged=True`` makes changing it a
    failure). On the first failing case raises ``CheckFailed`` saying which case, what was expected
    and what came back, and, when the student's output equals a known wrong version, which mistake.
    ``after(case)``, called once a case's output is right, may return ``(problem, mistake)`` for
    what the output cannot show (how the function got there: which calls it made). A wrong result that
    a second call on the same case does not repeat is named ``unrepeatable`` (``NOT_REPEATABLE`` when
    None: what randomness in the function usually comes from, for this exercise). Besides calling
    the student's function, the check reads only the notebook cell that defined it, with the
    autograder's answer rules (``refusal``).
    """
    for problem in (refusal, reads_notebook_data):
        found = problem(student, name.split(":")[0].split(" ")[0])
        if found is not None and getattr(found, "data", None) is not None:
            found = _mistake_without_notebook_data(found, lambda: run_check(
                name, student, reference, cases, mistakes, atol, rtol, True, unchanged, after, unrepeatable, fresh))
        if found is not None:
            raise found
    cases = list(cases)
    for number, case in enumerate(cases, 1):
        referenced = copy.deepcopy(tuple(case))  # (what the reference does to its own copy is no mistake)
        expected = reference(*referenced)
        where = f"{name}: case {number} of {len(cases)}, arguments ({_show_args(case)})"
        given = copy.deepcopy(tuple(case))
        others = [(other, functools.partial(_call, student, other)) for other in cases if other is not case]
        got = _own_copy(_call_student(name, where, student, given, case, mistakes, others, expected=describe(expected, True)))
        problem = difference(expected, got, atol, rtol)
        if problem is not None and problem.startswith("expected "):
            details = {}  # the whole value has the wrong type: the problem line already says both
        else:
            details = {"expected": describe(expected, True), "got": describe(got, True)}
        if problem is None and unchanged:
            for position, (before, now) in enumerate(zip(case, given)):
                if not isinstance(before, (torch.Tensor, list, tuple, dict, str, int, float)):
                    continue  # a module or a model: a copy is never "equal", and its data is not the input
                if difference(before, now, atol, rtol) is not None:
                    mistake = Mistake("changes its input", "your function changed its argument in place; "
                                      "build a new result and leave the input as it was.")
                    raise failure(where, f"argument {position + 1} was changed: it is now {describe(now)}",
                                  mistake)
        if problem is None and fresh and isinstance(got, torch.Tensor) and got.numel():
            for position, arg in enumerate(given):
                if isinstance(arg, torch.Tensor) and arg.numel() \
                        and arg.untyped_storage().data_ptr() == got.untyped_storage().data_ptr():
                    raise failure(where, f"your result is argument {position + 1} itself (or a view of it), "
                                  f"not a new tensor", INPUT_RETURNED)
        if problem is None and after is not None:
            found = after(case)
            if found is not None:
                raise failure(where, *found)
        if problem is None:
            continue
        from course.checks.diagnose import diagnose  # (it builds on this module)
        mistake = recognise(mistakes, case, expected, got, atol, rtol, others) \
            or _tuple_and_named(mistakes, case, expected, got, atol, rtol, others) \
            or _numpy_and_more(mistakes, case, expected, got, atol, rtol, others) \
            or _kept_from_earlier(student, case, got, atol, rtol) \
            or _shape_of_return(expected, got, atol, rtol) \
            or _not_repeatable(student, reference, case, got, atol, rtol, unrepeatable) \
            or diagnose(expected, got, case, atol, rtol)
        changed = _changed_in_place(referenced, given, atol, rtol)
        if changed:  # (a wrong result that came with it: the same operation did both, table -= ... say)
            details["also"] = (f"your function changed argument {changed[0] + 1} in place (x -= ..., x[...] = v, "
                               f"a method ending in _): that changes the caller's tensor too; compute a new one")
        raise failure(where, problem, mistake, **details)
    if not quiet:
        print(f"✓ {name}: all {len(cases)} cases match the reference.")


def _tuple_and_named(mistakes: Sequence[Mistake], case: Sequence[Any], expected: Any, got: Any, atol: float,
                     rtol: float, others: Sequence[tuple[Sequence[Any], Callable[[], Any]]]) -> Mistake | None:
    """A tuple where a list belongs, whose items are one of ``mistakes``'s wrong results (``return tuple(out)``
    of a merge that also merges overlapping pairs): both named, not the tuple alone, or nothing."""
    if type(expected) is not list or type(got) is not tuple:
        return None
    listed = lambda output: list(output) if type(output) is tuple else output  # noqa: E731
    found = recognise(mistakes, case, expected, list(got), atol, rtol,
                      [(args, lambda output=output: listed(output())) for args, output in others])
    if found is None:
        return None
    return Mistake(f"a tuple instead of a list and {found.name}", f"two mistakes at once. A tuple instead of a "
                   f"list: return a list (build it with [] and append, or list(...) of it). And {found.name}: "
                   f"{found.hint}")


def _as_tensor_like(expected: torch.Tensor, got: Any) -> torch.Tensor | None:
    """A numpy array ``got`` as a tensor of ``expected``'s dtype (what ``torch.from_numpy(...)`` of it would have
    given, cast), or None for anything else."""
    if type(got).__module__ != "numpy" or type(got).__name__ != "ndarray" or got.dtype.hasobject:
        return None
    try:
        return torch.from_numpy(got.copy()).to(expected.dtype)
    except (TypeError, RuntimeError, ValueError):
        return None


def _numpy_and_more(mistakes: Sequence[Mistake], case: Sequence[Any], expected: Any, got: Any, atol: float,
                    rtol: float, others: Sequence[tuple[Sequence[Any], Callable[[], Any]]]) -> Mistake | None:
    """A numpy array where a tensor belongs, whose values are wrong too (``np.tril(..., k=-1)``): the array and
    the mistake of ``mistakes`` its values show both named, or the array named with word that its values are
    wrong as well; None when the array alone is wrong (``_shape_of_return`` names it) or it is no array."""
    if not isinstance(expected, torch.Tensor):
        return None
    as_tensor = _as_tensor_like(expected, got)
    if as_tensor is None or as_tensor.shape != expected.shape or difference(expected, as_tensor, atol, rtol) is None:
        return None
    array = _shape_of_return(expected, got, atol, rtol)
    read = lambda output: _as_tensor_like(expected, output)  # noqa: E731  (None for what is no array: not alike)
    found = recognise(mistakes, case, expected, as_tensor, atol, rtol,
                      [(args, lambda output=output: read(output())) for args, output in others])
    if found is not None:
        return Mistake(f"a numpy array instead of a tensor and {found.name}", f"two mistakes at once. A numpy array "
                       f"instead of a tensor: {array.hint} And {found.name}: {found.hint}")
    return Mistake(array.name, f"{array.hint} And that is not the only mistake: read as a tensor, the values are "
                   f"wrong too, {difference(expected, as_tensor, atol, rtol)}.")


def _changed_in_place(referenced: Sequence[Any], given: Sequence[Any], atol: float, rtol: float) -> list[int]:
    """The positions of the tensor arguments that the student's call changed and the reference's did not (each
    had its own copy of the case: ``referenced`` the reference's, ``given`` the student's)."""
    return [position for position, (before, now) in enumerate(zip(referenced, given))
            if isinstance(before, torch.Tensor) and isinstance(now, torch.Tensor) and before.shape == now.shape
            and difference(before, now, atol, rtol) is not None]


def form_call(name: str, student: Callable[..., Any], args: Sequence[Any], mistakes: Sequence[Mistake] = (),
              copy_args: bool = True) -> Any:
    """``student(*args)`` for a form test (``…-form`` cells: the type, shape and dtype of a result), its
    result; when the call raises, a ``CheckFailed`` that says so, where in the student's code, and which
    mistake of ``mistakes`` the error shows, as ``run_check`` does, not the library's bare traceback.
    Every form cell calls the answer through it. The student gets copies of ``args`` unless
    ``copy_args`` is False (for a test of what the answer does to its own arguments: ``merge``'s
    form test checks that it returns a new list, not the one it was given)."""
    # an answer the autograder will not run scores 0 in this cell too: say so here, as the values cell does
    # (rt52: the form cell below a refused answer passed, and its point was lost in the grade)
    refused = refusal(student, name)
    if refused is not None:
        raise refused
    where = f"{name}: the form test's call, arguments ({_show_args(args)})"
    given = copy.deepcopy(tuple(args)) if copy_args else tuple(args)
    return _call_student(name, where, student, given, args, mistakes)


STOPS_THE_PROGRAM = Mistake(
    "stops the whole program", "sys.exit(), exit() and KeyboardInterrupt end the whole program (in a notebook, the "
    "cell and the check that called your function), not the function: for a bad input raise an exception the "
    "caller can catch, ValueError(...), and otherwise return the result. (If you stopped the kernel yourself, "
    "run the cell again.)")


def _call_student(name: str, where: str, student: Callable[..., Any], given: tuple, case: Sequence[Any],
                  mistakes: Sequence[Mistake], others: Sequence[tuple[Sequence[Any], Callable[[], Any]]] = (),
                  **details: Any) -> Any:
    """``student(*given)`` within ``STUDENT_SECONDS``; what it raised, as a ``CheckFailed`` in words (at
    ``where``, with the mistake of ``mistakes`` the error shows on ``case`` and ``others``), not a traceback."""
    grad_before = torch.is_grad_enabled()
    dtype_before = torch.get_default_dtype()
    trainable = [_trainable(arg) for arg in given]
    left_off = False
    try:
        with _time_limit(STUDENT_SECONDS):
            result = student(*given)
    except _StillRunning as stop:
        at = where_raised(stop).replace(" (in ", " (stopped in ", 1)
        raise failure(where, f"your function did not return within {STUDENT_SECONDS} s{at}", ENDLESS) from None
    except (SystemExit, KeyboardInterrupt) as error:  # (no Exception: as a notebook shows it, a bare "SystemExit: 0")
        raise failure(where, raised(error), STOPS_THE_PROGRAM, **details) from None
    except Exception as error:  # the student's error, reported in words
        if _unsayable(error):  # (its message is what the mistakes are told by: nothing to recognise)
            raise failure(where, raised(error), **details) from None
        if unfilled(error):
            raise CheckFailed(f"{name}: not implemented yet\n  replace `raise NotImplementedError()` "
                              f"with your code, then run this cell again.", mistake="not implemented") from None
        if getattr(type(error), "said_by_grader", False):  # (the re-check's words already name the mistake)
            raise failure(where, raised(error), None, **details) from None
        raise failure(where, raised(error), recognise_error(mistakes, error, case, others) or _shadowed(error)
                      or _torch_on_a_number(error) or _module_list_called(error) or _forward_missing(error)
                      or common_error(error),
                      **details) from None
    finally:
        if grad_before and not torch.is_grad_enabled():  # put back for the cells after (and the check)
            torch.set_grad_enabled(True)
            left_off = True
        dtype_after = torch.get_default_dtype()
        if dtype_after != dtype_before:
            torch.set_default_dtype(dtype_before)
    if dtype_after != dtype_before:
        raise failure(where, f"the default dtype was {str(dtype_after).replace('torch.', '')} when your function "
                      f"returned, for every cell after it", DEFAULT_DTYPE_CHANGED)
    if left_off:
        raise failure(where, "autograd was switched off when your function returned, for every cell after it",
                      GRAD_LEFT_OFF)
    for position, (before, arg) in enumerate(zip(trainable, given)):
        if before is not None and _trainable(arg) != before:
            raise failure(where, f"argument {position + 1}, a model, has fewer trainable parameters after the call "
                          f"({sum(_trainable(arg))} of {len(before)} require grad, {sum(before)} before)", MODEL_FROZEN)
    return result


def unfilled(error: BaseException) -> bool:
    """Whether ``error`` is the template's own ``raise NotImplementedError()`` (no message), not one that a
    library raised inside the answer: calling an ``nn.ModuleList`` (it has no forward) raises a
    NotImplementedError with a message, from torch's own code."""
    if type(error) is not NotImplementedError or str(error):
        return False
    frame = error.__traceback__
    while frame is not None and frame.tb_next is not None:
        frame = frame.tb_next
    return frame is None or not os.path.abspath(frame.tb_frame.f_code.co_filename).startswith(
        os.path.dirname(os.path.abspath(torch.__file__)) + os.sep)


def _module_list_called(error: BaseException) -> Mistake | None:
    """An ``nn.ModuleList`` (or ``ModuleDict``) called like a module: it holds modules and has no forward."""
    import re
    found = re.fullmatch(r'Module \[(ModuleList|ModuleDict)\] is missing the required "forward" function', str(error)) \
        if type(error) is NotImplementedError else None
    if found is None:
        return None
    return Mistake(f"{found.group(1)} called", f"a {found.group(1)} is a container of modules, not a module to call: "
                   f"call each module in turn, for block in blocks: x = block(x).")


def _forward_missing(error: BaseException) -> Mistake | None:
    """A class of the answer's called with no ``forward`` of its own: the answer cell split in JupyterLab inside the
    class, the part from ``def forward`` run alone as a plain function (IPython strips a cell's leading indent, so it
    ran without an error), was told only torch's words, while the autograder, which joins the parts, gave full marks
    (rt51)."""
    import re
    found = re.fullmatch(r'Module \[(\w+)\] is missing the required "forward" function', str(error)) \
        if type(error) is NotImplementedError else None
    if found is None or found.group(1) in ("ModuleList", "ModuleDict"):
        return None
    return Mistake("no forward method", f"your class {found.group(1)} has no method forward, which calling a module "
                   f"runs: define def forward(self, x): inside the class, indented under it. If you split its answer "
                   f"cell, the part from def forward ran on its own, as a plain function outside the class: merge "
                   f"the parts again (select both cells, Shift+M) and run the cell.")


def _line_reads(error: BaseException, name: str) -> bool:
    """Whether a line of ``error``'s traceback reads ``name`` (``torch.all``); True when no line's source is
    known: nothing says otherwise."""
    import linecache
    import re
    lines = []
    tb = error.__traceback__
    while tb is not None:
        lines.append(linecache.getline(tb.tb_frame.f_code.co_filename, tb.tb_lineno))
        tb = tb.tb_next
    pattern = re.compile(rf"(?<![\w.]){re.escape(name)}\b")
    return not any(lines) or any(pattern.search(line) for line in lines)


def _shadowed(error: BaseException) -> Mistake | None:
    """A module's name taken by a variable (``B, T, F = logits.shape`` then ``F.cross_entropy``): the
    AttributeError names a plain value's type and an attribute that F, torch or math have."""
    import re
    import torch.nn.functional as functional
    found = re.fullmatch(r"'(int|float|str|bool|tuple|list|dict|NoneType|Tensor|Size)' object has no attribute "
                         r"'(\w+)'", str(error)) if type(error) is AttributeError else None
    if found is None:
        return None
    kind, attribute = found.groups()
    module = next((name for name, m in (("F", functional), ("torch", torch), ("math", math))
                   if hasattr(m, attribute)), None)
    if module is None or not _line_reads(error, f"{module}.{attribute}"):
        return None
    return Mistake("a name taken by a variable", f"`{module}.{attribute}` found {'an' if kind[0] in 'aeiou' else 'a'} {kind}, not the module: a "
                   f"variable of yours is called {module} (for example `B, T, {module} = x.shape`), and it hides "
                   f"the module inside your function. Give the variable another name (V, C).")


def _torch_on_a_number(error: BaseException) -> Mistake | None:
    """``torch.sqrt(d_k)`` on a Python number: torch's functions take tensors (``math.sqrt`` takes numbers); an
    embedding of a number (``wpe(T)``), whose ids are a tensor such as ``torch.arange(T)``."""
    import re
    found = re.match(r"(\w+)\(\): argument '(\w+)' \(position (\d)\) must be Tensor, not (int|float)$", str(error)) \
        if type(error) is TypeError else None
    if found is None:
        return None
    function, argument, position, kind = found.groups()
    if function == "embedding" and argument == "indices":  # wpe(T), F.embedding(T, table): a size, not ids
        return Mistake("an embedding of a number", f"an embedding looks up a tensor of ids, and this {kind} is a "
                       f"plain Python number (a size such as T): for the positions 0..T-1, pass torch.arange(T), "
                       f"as in wpe(torch.arange(T)).")
    if position != "1":
        return None
    instead = f"math.{function}(...)" if hasattr(math, function) else "a tensor (torch.tensor(x)) or Python's own arithmetic"
    return Mistake(f"torch.{function} of a number", f"torch.{function} takes a tensor, and this {kind} is a plain "
                   f"Python number (a size such as K.shape[-1] is an int): use {instead}"
                   f"{', or d_k ** 0.5' if function == 'sqrt' else ''}.")


# The errors every kind of answer runs into, named when nothing more particular is (wa35, 2026-12-06): the
# kind of error and how to find its cause; the line it came from is already in the message.
SHAPES_DO_NOT_FIT = Mistake(
    "shapes do not fit", "the tensors on the line above have shapes that this operation cannot combine: "
    "print their .shape just before that line and compare them with the shapes the exercise states (a "
    "transpose missing or extra, (B, T, C) where (B * T, C) is wanted, a size taken from the wrong variable).")
IDS_AND_FLOATS = Mistake(
    "ids and floats mixed", "the line above mixes integer tensors (ids, torch.arange(n), torch.tensor of Python "
    "ints: int64) with float ones, or gives floats where ids are wanted: products and weights want floats "
    "(.float(), or torch.arange(n, dtype=torch.float32)); F.cross_entropy's targets and embedding lookups want "
    "int64 ids (.long()).")
_COMMON_ERRORS = (  # (error type, text in its message or None, the mistake)
    (RuntimeError, "view size is not compatible", Mistake(
        ".view of a non-contiguous tensor", "after transpose, permute or .T a tensor's memory is no longer in row "
        "order, and .view cannot regroup it: use .reshape(...) there (or .contiguous().view(...)).")),
    (RuntimeError, "shapes cannot be multiplied", SHAPES_DO_NOT_FIT),
    (RuntimeError, "must match the size of tensor", SHAPES_DO_NOT_FIT),
    (RuntimeError, "is invalid for input of size", SHAPES_DO_NOT_FIT),
    (RuntimeError, "size mismatch", SHAPES_DO_NOT_FIT),
    (RuntimeError, "Expected size", SHAPES_DO_NOT_FIT),
    (RuntimeError, "to have the same dtype", IDS_AND_FLOATS),
    (RuntimeError, "expected scalar type Long", IDS_AND_FLOATS),
    (RuntimeError, "expected target dtype to be Long", IDS_AND_FLOATS),
    (RuntimeError, "not implemented for 'Long'", IDS_AND_FLOATS),
    (RuntimeError, "to have one of the following scalar types: Long", IDS_AND_FLOATS),
    (RuntimeError, "can't allocate memory", Mistake(
        "a tensor far too large", "the line above asks for more memory than the machine has: a tensor with far too "
        "many elements (a size such as 10 ** 10, V * V * T, or a shape from the wrong variable). The inputs here are "
        "small, and so is every tensor the exercise needs: check the sizes you build it from.")),
    (MemoryError, None, Mistake(
        "out of memory", "your function used up the machine's memory: a list or tensor that grows without end (a "
        "loop that keeps appending), or one built from a huge size. The inputs here are small, and so is every "
        "value the exercise needs.")),
    (RecursionError, None, Mistake(
        "calls itself without end", "your function calls itself (or two functions call each other) again and "
        "again until Python gives up: a call of the function where you meant another one (a library's, or a helper "
        "of yours), or a recursion with no case that returns without calling itself. Call the function you meant.")),
    (IndexError, "Dimension out of range", Mistake(
        "dimension out of range", "the line above names a dimension that the tensor does not have (dim=2 of a "
        "2-d tensor, say): check that tensor's .shape there, and count from the end (dim=-1 is the last) where "
        "the number of dimensions may vary.")),
    (IndexError, "indexing tensors could not be broadcast together", Mistake(
        "index tensors that do not line up", "the line above indexes a tensor with several index tensors at once "
        "(x[rows, cols, ids]): torch pairs them up element by element, so their shapes must broadcast together, "
        "and (B,), (T,) and (B, T) do not. Make the first a column, torch.arange(B)[:, None] with "
        "torch.arange(T) and the (B, T) ids, or pick with x.gather(-1, ids.unsqueeze(-1)).")),
    (IndexError, None, Mistake(
        "index out of range", "the line above reads past the end of a list or tensor: an index of len(x) or more "
        "(the last is len(x) - 1), i + 1 at the last position, or [0] of something empty (this case's arguments "
        "are above: an empty or one-element input must work too). Check the loop's range and that line's indices.")),
    (KeyError, None, Mistake(
        "key not in the dict", "the line above looks up a key that the dict does not have: a character or id "
        "missing from the vocabulary, a key of another type (an int for a str, a list for a tuple), or a name "
        "spelled otherwise. Look the key up only where it is there (`if key in d`, or d.get(key, default)).")),
    (ZeroDivisionError, None, Mistake(
        "division by zero", "the line above divides by 0: a count or a length that is 0 for this case (an empty "
        "input, a mean over nothing): handle that case first, or divide only by a count that cannot be 0.")),
)
NOT_ITERABLE = Mistake(
    "a number looped over", "the line above loops over (or unpacks, or hands to list, zip or sum) a single number: "
    "loop over range(n) for 0..n-1, or over the list itself, not over its length or one of its ids.")
NONE_USED = Mistake(
    "None used as a value", "a value on the line above is None: a helper of yours without a `return` (it gives "
    "None), or the result of a method that changes its object and returns None (list.append, list.sort, "
    "dict.update): return the value from the helper, and use the object itself after such a method.")
OWN_ASSERT = Mistake(
    "your own assert failed", "an assert of yours stopped your function on this case (its arguments are above): "
    "its condition does not hold here. Either the function handles this case wrongly, or the condition asks more "
    "than the exercise (an empty input, a batch of 1 and T = 1 are all valid): fix the one that is wrong.")


def common_error(error: BaseException) -> Mistake | None:
    """The mistake of the common kind that ``error`` is (a shape or dtype mismatch, an index past the end, a key
    not there, a number looped over, a division by 0, a recursion without end, a tensor too large, an assert of
    the student's own), for an error that no exercise's own mistake names."""
    text = str(error)
    for kind, words, mistake in _COMMON_ERRORS:
        if isinstance(error, kind) and (words is None or words in text):
            return mistake
    if type(error) is TypeError and text.startswith(("'int' object is not iterable", "'float' object is not iterable",
                                                     "cannot unpack non-iterable int", "cannot unpack non-iterable float")):
        return NOT_ITERABLE
    if type(error) is TypeError and "'NoneType'" in text or type(error) is AttributeError \
            and text.startswith("'NoneType' object has no attribute"):
        return NONE_USED
    if type(error) is AssertionError and _own_frames(error)[1]:
        return OWN_ASSERT
    return None


def _trainable(value: Any) -> tuple[bool, ...] | None:
    """Which of a model's parameters require grad (None for anything that is not a module)."""
    if isinstance(value, torch.nn.Module):
        return tuple(p.requires_grad for p in value.parameters())
    return None


INPUT_RETURNED = Mistake(
    "the input returned", "where nothing needs to change you returned the caller's tensor itself (return logits): "
    "a caller that then changes the result in place (out /= temperature, another filter applied in place) "
    "changes its own logits too. Return a new tensor: logits.clone().")
GRAD_LEFT_OFF = Mistake(
    "autograd left switched off", "torch.set_grad_enabled(False) (or torch.no_grad() called without `with`) "
    "stays in force after your function returns, and every later cell that trains fails far from here: "
    "write `with torch.no_grad():` around the loop, which switches autograd back on when the block ends.")
MODEL_FROZEN = Mistake(
    "the model frozen", "model.requires_grad_(False) (or p.requires_grad = False) changes the caller's model "
    "for good: training it later changes nothing. To compute without gradients, write `with torch.no_grad():` "
    "and leave the model's parameters as they came.")


DEFAULT_DTYPE_CHANGED = Mistake(
    "default dtype changed", "torch.set_default_dtype(...) stays in force after your function returns: every "
    "later cell then makes float64 tensors, which the course's float32 models and tensors refuse to mix with "
    "(\"expected ... Float but found Double\"). Take the line out; to compute in float64, call .double() on "
    "your own tensors.")


def default_dtype_back(name: str) -> None:
    """An earlier cell left the default dtype at something other than float32: the check puts it back, and
    says so, rather than fail inside the course's reference with a dtype error."""
    if torch.get_default_dtype() != torch.float32:
        was = str(torch.get_default_dtype()).replace("torch.", "")
        torch.set_default_dtype(torch.float32)
        print(f"note ({name}): the default dtype was {was} in this kernel (an earlier cell called "
              f"torch.set_default_dtype); the check set it back to float32.")


def guard_checks(namespace: dict) -> None:
    """Wraps each ``check_*`` function of a checks module (``guard_checks(globals())`` at its end) so that
    it starts from float32 as the default dtype, whatever an earlier cell left (``default_dtype_back``):
    its cases are built before the student's function runs; and so that a SystemExit or KeyboardInterrupt
    the answer raised where the check called it directly (not through ``_call_student``) is told in words,
    not as a notebook's bare "SystemExit: 0", and an error of the answer's that cannot be written (its
    ``__str__`` returns no string) is said so, not as a TypeError from inside the check (ch58)."""
    for name, check in list(namespace.items()):
        if name.startswith("check_") and callable(check) and getattr(check, "__module__", None) == namespace["__name__"]:
            @functools.wraps(check)
            def guarded(*args, _check=check, _name=name, **kwargs):
                default_dtype_back(_name.removeprefix("check_"))
                try:
                    return _check(*args, **kwargs)
                except (SystemExit, KeyboardInterrupt) as error:  # (from the answer, wherever the check called it)
                    raise failure(_name.removeprefix("check_"), raised(error), STOPS_THE_PROGRAM) from None
                except Exception as error:  # (the check's own words failed on the answer's error: say it plainly)
                    if not isinstance(error, CheckFailed) and _unsayable(error.__context__):
                        raise failure(_name.removeprefix("check_"), raised(error.__context__)) from None
                    raise
            namespace[name] = guarded


def grad_back_on(name: str) -> None:
    """Autograd switched off in this kernel by an earlier cell: the check switches it back on, and says so,
    rather than blame this exercise's answer for it. Called where a check needs gradients (a gradient check,
    a training loop), never inside a check's own ``torch.no_grad()``."""
    if not torch.is_grad_enabled():
        torch.set_grad_enabled(True)
        print(f"note ({name}): autograd was switched off in this kernel by an earlier cell "
              f"(torch.set_grad_enabled(False)); the check switched it back on.")


def _own_copy(value: Any) -> Any:
    """A result as it was when the call returned: a list the function keeps (a mutable default) and
    changes at its next call must not change what the failure shows, or what it is compared with."""
    if isinstance(value, (list, dict, set)):
        try:
            return copy.deepcopy(value)
        except Exception:
            return value
    return value


KEPT_FROM_EARLIER = Mistake(
    "results kept from an earlier call", "your result holds what earlier calls left behind: a default value "
    "such as `ids=[]` or `counts={}` is created ONCE, when the function is defined, and every call adds to the same "
    "one (so does a list or dict kept outside the function). Create it inside the function (`ids = []`), or "
    "write `def f(..., ids=None)` and `if ids is None: ids = []`.")


def _kept_from_earlier(student: Callable[..., Any], case: Sequence[Any], got: Any, atol: float,
                       rtol: float) -> Mistake | None:
    """``KEPT_FROM_EARLIER`` when the student's function has a mutable default argument, or when calling it
    again on the same case gives a result that holds this one and more (a list that starts with it and goes
    on, a dict with all its keys and more): state kept between calls, not randomness."""
    function = answer_of(student)
    defaults = [*(getattr(function, "__defaults__", None) or ()),
                *(getattr(function, "__kwdefaults__", None) or {}).values()]
    mutable = any(type(d) in (list, dict, set, bytearray) or isinstance(d, collections.Counter) for d in defaults)
    if not isinstance(got, (list, dict)) and not mutable:
        return None
    try:
        with _time_limit(STUDENT_SECONDS):
            again = _call(student, case)
    except (Exception, _StillRunning):
        return None
    if difference(got, again, atol, rtol) is None:
        return None
    if mutable:
        return KEPT_FROM_EARLIER
    if isinstance(got, list) and isinstance(again, list) and len(again) > len(got) \
            and difference(got, again[:len(got)], atol, rtol) is None:
        return KEPT_FROM_EARLIER
    if isinstance(got, dict) and isinstance(again, dict) and len(again) >= len(got) and set(got) <= set(again):
        return KEPT_FROM_EARLIER
    return None


NOT_REPEATABLE = Mistake("a different result on every call", "called again with the same arguments, your function "
                        "returned something else, and the reference does not: a result must depend on the arguments "
                        "alone. Look for random numbers drawn inside the function (torch.randint, torch.rand, "
                        "random.…) where the exercise hands you the values to use, or for torch.empty, whose "
                        "memory holds whatever was there before: start from torch.zeros or torch.ones.")


def _not_repeatable(student: Callable[..., Any], reference: Callable[..., Any], case: Sequence[Any], got: Any,
                    atol: float, rtol: float, mistake: Mistake | None = None) -> Mistake | None:
    """``mistake`` (``NOT_REPEATABLE`` by default) when a second call of the student's function on the same
    case gives another result while two calls of the reference agree (a reference that samples says
    nothing here)."""
    if difference(got, got, atol, rtol) is not None:
        return None  # a value that differs from itself (a numpy array, a generator) says nothing here
    try:
        for _ in range(3):  # (memory left uninitialised can hold the same bytes twice: three tries)
            filled = list(_filled_like(got))  # memory that torch.empty may hand out next, written with ones
            del filled
            with _time_limit(STUDENT_SECONDS):
                again = _call(student, case)
            if difference(got, again, atol, rtol) is not None:
                break
        else:
            return None
        if difference(_call(reference, case), _call(reference, case), atol, rtol) is not None:
            return None
    except (Exception, _StillRunning):  # a second call that fails, or runs too long, says nothing certain
        return None
    return mistake or NOT_REPEATABLE


def _filled_like(value: Any, limit: int = 1 << 20):
    """Tensors of ``value``'s tensors' shapes and dtypes, filled with ones, eight of each (up to ``limit``
    elements in all): freed together, they leave memory that an allocation of their size soon after is
    likely to get, which a function reading ``torch.empty`` uninitialised then shows."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, torch.Tensor) and item.layout == torch.strided:
            limit -= 8 * item.numel()
            if limit < 0:
                return
            yield from (torch.ones(item.shape, dtype=item.dtype) for _ in range(8))
        elif isinstance(item, (list, tuple)):
            stack.extend(item[:64])
        elif isinstance(item, dict):
            stack.extend(list(item.values())[:64])


def _kind_name(value: Any) -> str:
    return "tensor" if isinstance(value, torch.Tensor) else type(value).__name__


def wrapped_or_written(expected: Any, got: Any, same: Callable[[Any, Any], bool]) -> Mistake | None:
    """The right value inside a tuple or list of one (``return x,``), or a string where something else belongs
    (``str(x)``): at the top of a result (``_shape_of_return``), or inside one (``diagnose``: train_loop's losses
    at the key of the dict its check builds, stop 65)."""
    if isinstance(got, (tuple, list)) and len(got) == 1 and same(expected, got[0]):
        return Mistake(f"result wrapped in a {type(got).__name__}", f"the {_kind_name(expected)} inside is right, but "
                       f"you returned a {type(got).__name__} of one element around it (a trailing comma, `return x,`, "
                       f"or brackets, `return [x]`): return the value itself, `return x`.")
    if isinstance(got, str) and not isinstance(expected, (str, int, float)):
        return Mistake(f"a string instead of a {_kind_name(expected)}", f"you returned a string (str(...), an "
                       f"f-string, repr, or the text print would show), not the {_kind_name(expected)} itself: "
                       f"return the value as you computed it.")
    return None


def _shape_of_return(expected: Any, got: Any, atol: float, rtol: float) -> Mistake | None:
    """The mistake in how the answer hands its result back, when that is what is wrong: nothing
    returned, or the right tensor returned together with other values."""
    if got is None and expected is not None:
        return Mistake("nothing returned", "your function returned None: it never returns its result. "
                       "End it with `return <result>` (print(...) only shows a value, it does not return it; an in-place method such as "
                       "list.append, dict.update or a tensor's add_ returns None too, so don't return "
                       "what it gives).")
    if isinstance(got, (tuple, list)) and len(got) > 1 and isinstance(expected, (tuple, list)) \
            and difference(expected, got[0], atol, rtol) is None:
        return Mistake("extra values returned", f"you returned {len(got)} values and the first is the right result, "
                       f"itself a {type(expected).__name__}: return it alone (`return a, b`, not `return (a, b), None`).")
    found = wrapped_or_written(expected, got, lambda a, b: difference(a, b, atol, rtol) is None)
    if found is not None:
        return found
    if isinstance(expected, dict) and isinstance(got, (type({}.items()), type({}.keys()), type({}.values()))):
        return Mistake("a view of a dict returned", f"{type(got).__name__} is a view into the dict (what .items(), "
                       f".keys() or .values() give), not a dict: return the dict itself.")
    if isinstance(expected, dict) and isinstance(got, list) and expected and _plain_equal(list(expected.values()), got):
        return Mistake("the dict's values only", "you returned the dict's values as a list: return the dict itself, "
                       "its keys with their values.")
    if type(expected) in (str, float, bool) and type(got).__module__ == "numpy" and type(got) is not type(expected) \
            and hasattr(got, "item") and difference(expected, got.item(), atol, rtol) is None:
        kind = type(expected).__name__
        return Mistake(f"numpy {kind} instead of {kind}", f"you returned a numpy {type(got).__name__} (what an "
                       f"element of a numpy array, or a numpy function on one, gives), not a plain Python {kind}: "
                       f"its value is right, but build the result with Python itself, or turn it back with "
                       f"{kind}(...) or .item().")
    if isinstance(expected, torch.Tensor) and type(got).__module__ == "numpy" and type(got).__name__ == "ndarray":
        return Mistake("numpy array instead of tensor", "your function returned a numpy array: return a torch "
                       "tensor, computed with torch's own operations (torch.tril, torch.arange, @) or turned back "
                       "with torch.from_numpy(...) (numpy works in float64 where torch uses float32: keep the "
                       "inputs' dtype).")
    if isinstance(got, types.GeneratorType):
        return Mistake("a generator returned", f"(... for ... in ...) in round brackets is a generator, made "
                       f"lazily and used up once, not a {type(expected).__name__}: build the result with "
                       f"[... for ... in ...], or \"\".join(...) for a string.")
    if isinstance(got, dict) and isinstance(expected, dict) and any(
            isinstance(k, torch.Tensor) or isinstance(k, tuple) and any(isinstance(i, torch.Tensor) for i in k)
            for k in got):
        return Mistake("tensors as dict keys", "your keys hold tensors, and a tensor is hashed by its identity, not "
                       "its value: two equal pairs of tensors are two different keys, each counted once. Use Python "
                       "ints: walk over a list (ids.tolist()), or build the key as (int(a), int(b)).")
    if isinstance(got, (map, filter, zip, enumerate, reversed)) and not isinstance(expected, type(got)):
        kind = type(got).__name__
        return Mistake("an iterator returned", f"{kind}(...) gives an iterator, made lazily and used up once, "
                       f"not a {type(expected).__name__}: build the result itself, list({kind}(...)) (or "
                       f"[... for ... in ...]).")
    if isinstance(expected, tuple) and isinstance(got, tuple) and len(got) == len(expected) > 1:
        tensors = [g for g in got if isinstance(g, torch.Tensor) and g.layout == torch.strided and g.numel()]
        # the very same memory, element for element (y = x, or x.view(...)): two windows of one tensor
        # (chunk[:, :-1], chunk[:, 1:]) start apart and are a sound way to build them
        same = [(a, b) for i, a in enumerate(tensors) for b in tensors[i + 1:]
                if a.data_ptr() == b.data_ptr() and a.shape == b.shape and a.stride() == b.stride()]
        if same:
            return Mistake("results share memory", "two of the tensors you returned are one tensor (y = x makes y "
                           "another name for x, not a copy), so writing into one changed the other too: build "
                           "each from the data on its own, or start from x.clone().")
    if isinstance(expected, tuple) and isinstance(got, torch.Tensor) and any(
            isinstance(e, torch.Tensor) and difference(e, got, atol, rtol) is None for e in expected):
        return Mistake(f"one value instead of {len(expected)}", f"the tensor you returned is right, but the "
                       f"exercise returns a tuple of {len(expected)} values: return all of them, in the "
                       f"order it gives.")
    if isinstance(expected, torch.Tensor) and isinstance(got, (tuple, list)) and len(got) > 1:
        for position, value in enumerate(got):
            if isinstance(value, torch.Tensor) and difference(expected, value, atol, rtol) is None:
                which = ("first", "second", "third")[position] if position < 3 else f"number {position + 1}"
                return Mistake("extra values returned", f"you returned {len(got)} values and the {which} "
                               f"is the right result: return that tensor alone (the exercise asks for "
                               f"one tensor, not a tuple with the attention weights or other values).")
    if type(expected) is list and type(got) is list and len(got) == len(expected):  # (a check's list of calls)
        for position, (e, g) in enumerate(zip(expected, got)):
            if difference(e, g, atol, rtol) is not None:
                inner = _shape_of_return(e, g, atol, rtol) if e is not None and not isinstance(e, (list, dict)) else None
                return None if inner is None else Mistake(f"{inner.name} (at position {position})", inner.hint,
                                                          credit=inner.credit)
    return None


# Two mistakes of a greedy loop, lesson 04's and lesson 06's alike
DIMENSION_TOO_MANY = Mistake("a dimension too many", "argmax(dim=-1, keepdim=True) is already the (B, 1) column; "
                             "adding a dimension to it as well (next_id[:, None], unsqueeze) makes it (B, 1, 1): do "
                             "one or the other.", error="same number of dimensions: got 2 and 3")
MAX_PAIR = Mistake(".max() gives values and indices", "x.max(dim=-1) returns the pair (values, indices): the ids "
                   "are its .indices (keepdim=True keeps the column), or use x.argmax(dim=-1, keepdim=True).",
                   error="return_types.max")

INPUT_IN_PLACE = Mistake("changes its input in place", "x -= ..., x += ..., x[...] = v or a method ending in _ "
                         "(sub_, masked_fill_) on an ARGUMENT changes the caller's tensor, and autograd refuses it on "
                         "one that needs a gradient: compute a new tensor, x = x - ..., and leave the argument as it was.")
IN_PLACE = Mistake("changed in place", "an in-place operation (x *= s, x += y, x[...] = v, a method ending in _ "
                   "such as masked_fill_) changed a tensor that autograd still needs for the backward pass, so "
                   "the function cannot be trained: write it out of place, x = x * s, x = x.masked_fill(...).")


def check_gradient(name: str, student: Callable[..., Any], reference: Callable[..., Any], args: Sequence[Any],
                   wrt: int | Sequence[int], pick: Callable[[Any], Any] = lambda out: out, atol: float = 1e-5,
                   rtol: float = 1e-4, in_place: Mistake = IN_PLACE, mistakes: Sequence[Mistake] = ()) -> None:
    """The student's result must stay connected to argument ``wrt`` (a float tensor; or to each of
    several, given as a sequence of positions: one call and one backward pass for all of them) and give
    the reference's gradient: a loss cut off from the graph (``.item()``, ``.detach()``,
    ``torch.no_grad()``, a new tensor built from its values) cannot train anything. ``pick`` selects the
    scalar, or the tensor to sum, from the result. ``in_place``: the mistake named when autograd refuses
    an in-place change. ``mistakes``: wrong versions (a part detached) named when their gradient is the
    student's."""
    grad_back_on(name)
    where = f"{name}: the gradient, arguments ({_show_args(args)})"
    positions = [wrt] if isinstance(wrt, int) else list(wrt)
    def gradients(fn):
        given = list(copy.deepcopy(tuple(args)))
        for i in positions:
            given[i] = given[i].detach().clone().requires_grad_()
        result = fn(*given)
        # which of the tensors it returns autograd reaches (one flag for a tensor, one each for a tuple's)
        attached.append([t.requires_grad for t in (result if isinstance(result, (tuple, list)) else (result,))
                         if isinstance(t, torch.Tensor)])
        out = pick(result)
        out = out if out.dim() == 0 else out.sum()
        # backward, not torch.autograd.grad, which a forward through torch.utils.checkpoint with
        # use_reentrant=True (the default of checkpoint(f, x)) refuses with a RuntimeError (rt46); the leaves
        # are fresh copies, and the modules among the arguments too
        out.backward()
        return [given[i].grad for i in positions]

    grads, attached = [], []
    for fn in (reference, student):
        try:
            found = list(gradients(fn))
        except RuntimeError as error:
            if "does not require grad" not in str(error):
                raise failure(where, f"computing the gradient raised RuntimeError: {error}",
                              INPUT_IN_PLACE if "leaf Variable" in str(error) and "in-place" in str(error)
                              else in_place if "inplace" in str(error) else None) from None
            found = [None] * len(positions)
        grads.append(found)
    # a tensor of the result that autograd does not reach where the reference's it does (lstm_cell's h returned
    # .detach()ed: the right values, a gradient through c alone; wa35's leftover, named at stop 65)
    cut = [k for k, (want, has) in enumerate(zip(*attached[:2])) if want and not has] \
        if len(attached) >= 2 and len(attached[0]) == len(attached[1]) > 1 else []
    for i, expected, got in zip(positions, *grads):
        if got is None:
            raise failure(where, f"your result does not depend on argument {i + 1} through autograd",
                          Mistake("cut off from the graph", "the value is right but autograd cannot reach the "
                                  "input through it: don't use torch.no_grad(), .detach(), .item() or "
                                  "torch.tensor(...) on the way; keep it a tensor computed from the input.",
                                  credit=0.5))
        problem = difference(expected, got, atol, rtol)
        if problem is not None and bool((got == 1).all()):  # only an identity term (a residual x + ...) is left
            raise failure(where, f"the gradient with respect to argument {i + 1} differs: {problem}",
                          Mistake("cut off from the graph", "the value is right, but autograd reaches the input "
                                  "only through the plain `x + ...` (a gradient of exactly 1 everywhere): the rest "
                                  "was computed under torch.no_grad(), detached, or written in with an in-place "
                                  "add_ there. Compute it normally, x = x + sublayer(...).", credit=0.5))
        if problem is not None:
            named = None
            for mistake in mistakes:
                try:
                    wrong = gradients(mistake.wrong)[positions.index(i)]
                except Exception:
                    continue
                if wrong is not None and difference(wrong, got, atol, rtol) is None:
                    named = mistake
                    break
            if named is None and cut:
                which = ("first", "second", "third", "fourth")[cut[0]] if cut[0] < 4 else f"number {cut[0] + 1}"
                named = Mistake("cut off from the graph", f"the values are right, but the {which} tensor you return "
                                f"carries no gradient (its requires_grad is False, the reference's True): a .detach(), "
                                f".data, torch.no_grad() or torch.tensor(...) on its way cut it off from the inputs. "
                                f"Compute it from them normally, so that autograd reaches through it.", credit=0.5)
            raise failure(where, f"the gradient with respect to argument {i + 1} differs: {problem}", named)
