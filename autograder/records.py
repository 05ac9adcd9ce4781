"""The autograder's own record of every grading attempt, next to nbgrader's gradebook.

nbgrader's gradebook holds scores but not *why* a notebook has none, and it keeps an old score when a
new attempt fails. ``status.json`` holds, per (student, lesson), the outcome of the last attempt: the
state (``grading`` while it runs, then ``graded`` or ``failed``), the named reason of a failure, notes,
and the hashes of the submitted file and of the lesson's tests it was graded against. ``status`` and
``export`` trust a gradebook score only when this record says it belongs to the current file.

Only the process that runs ``autograde`` writes it (workers report back to it); every write replaces
the file atomically, so a reader never sees half a record.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import time
from pathlib import Path

SCHEMA = 1


def write_json(path: Path, value, sort_keys: bool = False) -> None:
    """Write ``value`` as JSON, replacing ``path`` at once: a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(value, f, indent=1, sort_keys=sort_keys)
        os.replace(tmp, path)
    except BaseException:  # (a full disk: the old file stays whole, and no half-written copy beside it)
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_at_once(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path``, replacing it at once: a full disk or a Ctrl-C midway leaves the old file
    (or none), never a truncated one. A hand-in cut short by a full disk was filed as the student's, and
    graded "malformed notebook: invalid JSON" (ch61)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}-{os.getpid()}-{time.time_ns()}.part")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # (the mode a plain write gives, umask applied)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException as error:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(error, OSError) and not error.filename:  # (a write names no file: say which)
            raise OSError(error.errno, error.strerror, str(path)) from error
        raise


# What moving a damaged record away costs, by its name: the autograder's own files, which it always replaces
# whole (``write_json``); a disk error, a hand edit or a sync tool can still leave one unreadable (ch61)
RECORDS = {
    "status.json": "every submission then shows 'never graded', and the next `autograde` grades it again",
    "collect.json": "the entries that earlier collects did not take are no longer listed; collect their zips "
                    "or folders again to list them",
    "students.json": "the next `collect` writes it again (the folder each student id was first collected from)",
    "manual.json": "the manual gradings it kept of replaced hand-ins are lost (the gradebook backups in backups/ "
                   "still hold them)",
}


def read_json(path: Path, default, kind: type):
    """The autograder's record at ``path`` (``default`` when there is none), or one line saying it is damaged
    and how to go on: a truncated status.json stopped `status`, `autograde` and `collect` with a traceback
    into json (ch61)."""
    if not path.is_file():
        return default
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, RecursionError) as error:  # (not JSON, not UTF-8)
        problem = f"{type(error).__name__}: {str(error)[:200]}"
    else:
        if isinstance(data, kind):
            return data
        problem = f"a JSON {type(data).__name__}, not the {kind.__name__} it holds"
    raise SystemExit(damaged(path, problem))


def damaged(path: Path, problem: str) -> str:
    return (f"{path} is damaged ({problem}). It is the autograder's own record; move it away (mv {path} "
            f"{path}.damaged) and run the command again: {RECORDS.get(path.name, 'it starts afresh')}")


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class StatusBook:
    def __init__(self, path: Path):
        self.path = path
        self.entries: dict[str, dict] = {}
        if path.is_file():
            data = read_json(path, {}, dict)
            if data.get("schema") != SCHEMA:
                raise SystemExit(damaged(path, f"schema {data.get('schema')!r}, expected {SCHEMA}"))
            if not isinstance(data.get("entries"), dict) or not all(
                    isinstance(e, dict) and {"student", "lesson"} <= e.keys() for e in data["entries"].values()):
                raise SystemExit(damaged(path, "its entries are not those it writes"))
            self.entries = data["entries"]

    @staticmethod
    def key(student: str, lesson: str) -> str:
        return f"{student}/{lesson}"

    def get(self, student: str, lesson: str) -> dict | None:
        return self.entries.get(self.key(student, lesson))

    def put(self, student: str, lesson: str, **fields) -> dict:
        entry = dict(fields, student=student, lesson=lesson, updated=time.strftime("%Y-%m-%d %H:%M:%S"))
        self.entries[self.key(student, lesson)] = entry
        self.save()
        return entry

    def save(self) -> None:
        write_json(self.path, {"schema": SCHEMA, "entries": self.entries}, sort_keys=True)

    def students(self) -> set[str]:
        return {e["student"] for e in self.entries.values()}


class ManualRecord:
    """A person's grading of files that a later hand-in replaced, by (student, lesson, file, tests):
    when that very file is collected and graded again, ``autograde`` puts the grading back. One JSON
    file, ``Paths.manual_record``; an entry leaves it when it has been put back."""

    def __init__(self, path: Path):
        self.path = path
        self.entries: dict[str, dict] = read_json(path, {}, dict)

    @staticmethod
    def key(student: str, lesson: str, submission: str, tests: str) -> str:
        return f"{student}/{lesson}/{submission}/{tests}"

    def get(self, student: str, lesson: str, submission: str, tests: str) -> dict | None:
        return self.entries.get(self.key(student, lesson, submission, tests))

    def put(self, student: str, lesson: str, submission: str, tests: str, manual: dict) -> None:
        self.entries[self.key(student, lesson, submission, tests)] = manual
        self._save()

    def remove(self, student: str, lesson: str, submission: str, tests: str) -> None:
        if self.entries.pop(self.key(student, lesson, submission, tests), None) is not None:
            self._save()

    def _save(self) -> None:
        write_json(self.path, self.entries, sort_keys=True)
