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

import hashlib
import json
import os
import tempfile
import time
from pathlib import Path

SCHEMA = 1


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class StatusBook:
    def __init__(self, path: Path):
        self.path = path
        self.entries: dict[str, dict] = {}
        if path.is_file():
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("schema") != SCHEMA:
                raise ValueError(f"{path} has schema {data.get('schema')!r}, expected {SCHEMA}; "
                                 f"move it away and run autograde again")
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
        self.path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps({"schema": SCHEMA, "entries": self.entries}, indent=1, sort_keys=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".status-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, self.path)

    def students(self) -> set[str]:
        return {e["student"] for e in self.entries.values()}
