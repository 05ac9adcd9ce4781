"""``collect``: a class's hand-ins (a folder, or a .zip as an LMS exports it) into ``submitted/``.

How an entry becomes (student, lesson), the rules the README states:

1. Paths are read relative to the folder or the zip's root. If *every* notebook lies under one same
   top folder and at least two levels below it (``submissions/alice/L.ipynb``), that top folder is a
   wrapper and is dropped, and collect says so; but not when the top folder is the name of a student
   already collected (``alice/attempt 1/L.ipynb`` is alice's late hand-in, and ``bob/alice/L.ipynb`` is
   bob's, never alice's). ``--wrapper`` and ``--no-wrapper`` decide it instead. Entries refused anyway
   (rule 6) do not count, and a Windows zip's ``\\`` reads as ``/`` in every name.
2. The student is the first folder of what remains: ``alice/L.ipynb``, ``alice/any/folders/L.ipynb``
   both belong to ``alice``. A notebook with no folder above it belongs to nobody and is not taken, but
   for Canvas's flat download, ``<name>_<user id>_<submission id>_L.ipynb`` (``<name>_LATE_...``, and
   ``L-1.ipynb`` for a resubmission): the student ``<name>_<user id>``, the same for every lesson.
3. The student id is that folder's name made safe: accents dropped where that leaves ASCII (``José`` →
   ``Jose``), a name with letters that have no ASCII form written in punycode as written, marks kept
   (``王伟`` → ``xn--cpqu10g``, ``Łukasz`` → ``xn--ukasz-d7a``, ``Йован`` is not ``Иован``: each name its
   own id), cut at 100 characters with a short hash of the whole, every run of characters other than letters, digits and
   ``_.@+-`` turned into one ``_`` (``Ana Lima`` → ``Ana_Lima``), and no ``_.+-@`` at the start (a
   spreadsheet would read ``+1+2`` or ``-bob`` as a formula). Two folders that give the same id,
   ignoring case, are both refused; an id that differs only in case from a student already collected
   (``Alice`` in a later download, after ``alice``) is that student's, and collect says so.
4. The lesson is the file's name without ``.ipynb``, matched ignoring case and a copy suffix that
   browsers and LMSs add (``01_Tokenization (1).ipynb`` → ``01_tokenization``), and Jupyter's and
   Colab's copy names (``01_tokenization-Copy1.ipynb``, ``Copy of 01_tokenization.ipynb``).
5. One student with two notebooks for one lesson: neither is taken (which one is the hand-in?), also
   when one of them is refused by rule 6 (a final version too big beside an old draft).
6. Never followed or taken: symbolic links (in a folder or stored in a zip), zip entries with an
   absolute path or ``..``, entries over 50 MB unpacked, zip entries that cannot be read (a bad
   checksum, encrypted, an unknown compression, a name marked UTF-8 that is not, a newer zip version):
   each is listed, the others are taken. A zip whose directory cannot be read stops with one line.
   Only the notebooks taken are read, one at a time, each written before the next is read: a class
   zip's videos and datasets are never unpacked.
7. Litter is ignored: macOS's ``__MACOSX/…/._*`` files, ``.DS_Store``, and Jupyter's checkpoint copy
   (``.ipynb_checkpoints/L-checkpoint.ipynb``) when its student's ``L.ipynb`` is there too (alone, it
   is listed: it may be the only copy of the work).

Every file entry that is not taken is listed with its reason: printed, kept in ``collect.json``, and
shown by ``status`` and the CSV as ``not collected``. A row stays until its student's lesson is
collected from a folder of the same name, or a later collect of the same source reads the same entry
again (then it is taken, or listed anew): a new download saved at the same path lists what it holds,
and leaves the rest. With ``--lesson L`` only L's notebooks are looked at: another lesson's are left
for its own collect (counted in a note; their rows from an earlier collect stay), and entries that
name no lesson are listed.
"""
from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import re
import shutil
import stat
import struct
import sys
import tempfile
import time
import unicodedata
import zipfile
import zlib
from dataclasses import asdict, dataclass
from pathlib import Path, PurePosixPath
from typing import Callable

from autograder.records import read_json, write_at_once, write_json

MAX_MEMBER = 50 * 2**20
# entries not taken that collect prints at most (a zip of 100,000 stray files printed 100,000 lines, ch53); every
# one is kept in collect.json, counted by ``status`` and listed by ``export``
SAID_SKIPPED = 100
NOT_COLLECTED = "not collected"
# what browsers, LMSs, Jupyter ("File > Make a copy": L-Copy1) and Colab ("Copy of L") add to a name
# (one upon another too: a Jupyter copy downloaded twice is `L-Copy1 (1)`, ch59)
COPY_SUFFIX = re.compile(r"(?:\s*\(\d+\)|\s+-\s*copy|\s+copy|-copy\d+)+$", re.IGNORECASE)
COPY_PREFIX = re.compile(r"^(copy of\s+)+", re.IGNORECASE)


@dataclass
class Entry:
    path: str                                  # as found in the source (relative)
    read: Callable[[], bytes] | None = None    # its bytes, read only when it is taken (one at a time)
    problem: str = ""                          # why it cannot be taken, decided while listing


READ_ERRORS = (zipfile.BadZipFile, RuntimeError, NotImplementedError, EOFError, OSError, zlib.error, ValueError)


@dataclass
class Skipped:
    source: str
    entry: str
    student: str
    lesson: str
    reason: str
    folder: str = ""  # the student's folder as named in the source (two names can give one id)


# control characters, format characters (bidirectional overrides, zero-width), surrogates, private use,
# line and paragraph separators: what a terminal or a spreadsheet acts on instead of showing
HIDDEN_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Zl", "Zp"}


def shown(text: str) -> str:
    """``text`` with every character of ``HIDDEN_CATEGORIES`` written as an escape (``\\x1b``,
    ``\\u202e``): a name a student chose, printed to the instructor's terminal, could otherwise erase
    the line above and print a forged one, or reorder its own line."""
    return "".join(c if unicodedata.category(c) not in HIDDEN_CATEGORIES else
                   (f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}") for c in text)


# A name printed to the instructor (stderr, `status`) keeps its first and last characters past this many: a zip's
# entry may be named with 65,535 (ch59's 60,000 spaces), a line no terminal or spreadsheet shows (a reason that
# quotes names keeps three times as many).
SHOWN_NAME = 300


def clipped(text: str, most: int = SHOWN_NAME) -> str:
    """``text``, or where longer than ``most`` its start and end with the count of what was left out between."""
    if len(text) <= most:
        return text
    head, tail = most * 2 // 3, most // 3
    return f"{text[:head]}[… {len(text) - head - tail:,} characters …]{text[-tail:]}"


def student_id(folder: str, fold_case: bool = True) -> str:
    """A safe student id from a folder name (rule 3). ``fold_case=False``: the id as made before
    2026-12-02, the case of a non-Latin name kept (to find a student collected then)."""
    name = unicodedata.normalize("NFC", folder)  # one name, however its accents were encoded
    plain = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    if not plain.isascii():
        # letters with no ASCII form: 王伟, Иван, Łukasz. Punycode of the name as written, its marks kept:
        # dropping them would make Йован and Иован, ばるか and はるか one student
        # case folded first: ids are compared ignoring case, and the case of Ł or И lives inside the
        # punycode (`Paweł Król` and `PAWEŁ KRÓL` were two students; a red team's, 2026-12-02)
        plain = "xn--" + (name.casefold() if fold_case else name).encode("punycode").decode("ascii")
    # not starting with + - @ (nor =, already gone): a spreadsheet reads such a cell as a formula
    ident = re.sub(r"[^A-Za-z0-9_.@+-]+", "_", plain).lstrip("_.+-@").rstrip("_.")
    if len(ident) > 100:  # cut, with a hash of the whole: two long names that differ late stay two ids
        ident = ident[:91].rstrip("_.") + "-" + hashlib.sha256((ident.lower() if fold_case else ident).encode()).hexdigest()[:8]
    return ident


# A file name no file system keeps (255 bytes) names no lesson: a zip entry's name may hold 65,535, and
# COPY_SUFFIX's search over a run of spaces takes the square of its length: three entries named
# `alice/L` + 60,000 spaces + `x.ipynb` held collect (and its lock) for 4 minutes 42 s (ch59).
MAX_FILE_NAME = 255


def lesson_of(filename: str, lessons: set[str]) -> str | None:
    if len(filename) > MAX_FILE_NAME:
        return None
    stem = filename[:-len(".ipynb")] if filename.lower().endswith(".ipynb") else None
    if stem is None:
        return None
    stem = COPY_PREFIX.sub("", COPY_SUFFIX.sub("", stem).strip()).strip()
    return next((name for name in lessons if name.lower() == stem.lower()), None)


def _lesson_at_end(filename: str, lessons: set[str]) -> str | None:
    """The lesson a flat file's name ends with, after a separator (Brightspace's ``<ids> - <name> - <date> -
    L.ipynb``, Blackboard's ``<assignment>_<user>_attempt_<time>_L.ipynb``): only to list it under that lesson."""
    stem = filename[:-len(".ipynb")] if filename.lower().endswith(".ipynb") else None
    if stem is None or len(filename) > MAX_FILE_NAME:
        return None
    stem = COPY_SUFFIX.sub("", stem).strip().lower()
    return next((name for name in sorted(lessons, key=len, reverse=True) if stem.endswith(name.lower())
                 and (len(stem) == len(name) or not stem[-len(name) - 1].isalnum())), None)


UNREADABLE_ZIP = (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, UnicodeDecodeError, OSError,
                  EOFError, ValueError, struct.error)


def _open_zip(source: Path, scratch: Path) -> tuple[zipfile.ZipFile, dict[int, str]]:
    """The zip opened, and what is wrong with which entry (by its place in the zip's directory). Python
    refuses a whole zip for one entry flagged UTF-8 whose name is not, or one that asks for a newer zip
    version: those are opened from a copy (in ``scratch``) with that entry marked, and listed. A zip
    that cannot be read at all is one line, no traceback."""
    try:
        return zipfile.ZipFile(source), {}
    except (UnicodeDecodeError, NotImplementedError):
        pass
    except UNREADABLE_ZIP as error:
        raise SystemExit(_unreadable(source, error))
    try:
        copy, problems = _readable_copy(source, scratch)
        return zipfile.ZipFile(copy), problems
    except (*UNREADABLE_ZIP, AttributeError, IndexError) as error:  # (and zipfile's private helpers changed)
        raise SystemExit(_unreadable(source, error))


def _unreadable(source: Path, error: Exception) -> str:
    return shown(f"{source}: cannot be read as a zip ({type(error).__name__}: {error}); download it again, "
                 f"or unpack it with another tool and collect the folder")


def _readable_copy(source: Path, scratch: Path) -> tuple[Path, dict[int, str]]:
    """A copy of the zip whose directory Python reads: a name flagged UTF-8 that is not (an old Windows
    tool's Latin-1) loses the flag, an entry that asks for a newer zip version asks for 2.0; both are
    returned as problems, so they are listed and never unpacked."""
    copy = scratch / "readable.zip"
    shutil.copyfile(source, copy)
    problems = {}
    with open(copy, "r+b") as f:
        end = zipfile._EndRecData(f)
        if not end:
            raise zipfile.BadZipFile("no end of central directory")
        size, offset = end[zipfile._ECD_SIZE], end[zipfile._ECD_OFFSET]
        start = end[zipfile._ECD_LOCATION] - size  # where the directory lies (data may be prepended)
        if end[zipfile._ECD_SIGNATURE] == zipfile.stringEndArchive64:
            start -= zipfile.sizeEndCentDir64 + zipfile.sizeEndCentDir64Locator
        at, index = start, 0
        while at < start + size:
            f.seek(at)
            head = struct.unpack(zipfile.structCentralDir, f.read(zipfile.sizeCentralDir))
            if head[0] != zipfile.stringCentralDir:
                raise zipfile.BadZipFile("damaged central directory")
            flags, version, name = head[5], head[3], f.read(head[12])
            if flags & 0x800 and not _is_utf8(name):
                problems[index] = "its name is not valid UTF-8, although the zip says so: rename it, zip again"
                f.seek(at + 8)
                f.write(struct.pack("<H", flags & ~0x800))
            if version > zipfile.MAX_EXTRACT_VERSION:
                problems[index] = (f"needs zip version {version / 10:.1f} to unpack, newer than this tool "
                                   f"reads: unpack it with another tool and collect the folder")
                f.seek(at + 6)
                f.write(bytes([20]))
            at += zipfile.sizeCentralDir + head[12] + head[13] + head[14]
            index += 1
    return copy, problems


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def _list_zip(source: Path, stack: contextlib.ExitStack) -> list[Entry]:
    """The zip's entries, read from it while ``stack`` stays open."""
    scratch = Path(stack.enter_context(tempfile.TemporaryDirectory()))
    archive, problems = _open_zip(source, scratch)
    return _zip_entries(stack.enter_context(archive), problems)


def _zip_entries(archive: zipfile.ZipFile, problems: dict[int, str]) -> list[Entry]:
    entries = []
    for index, info in enumerate(archive.infolist()):
        # a Windows tool's backslashes made '/' for every entry, refused or not: the wrapper rule
        # and the student of a refused entry read its path as they read the others'
        name = _zip_name(info).replace("\\", "/")
        if info.is_dir():
            if info.file_size:  # (a name ending in '/' that holds data: a tool's oddity, or a hand-in hidden so)
                entries.append(Entry(name, None, f"a folder's name ('{name}', ending in '/') that holds "
                                                 f"{info.file_size:,} bytes: not taken"))
            continue
        parts = PurePosixPath(name).parts
        if index in problems:
            entries.append(Entry(name, None, problems[index]))
        elif name.startswith("/") or re.match(r"^[A-Za-z]:", name) or ".." in parts:
            entries.append(Entry(name, None, "unsafe path (absolute, or with '..'): refused"))
        elif stat.S_ISLNK(info.external_attr >> 16):
            entries.append(Entry(name, None, "a symbolic link: not followed"))
        elif info.file_size > MAX_MEMBER:
            entries.append(Entry(name, None, f"{info.file_size:,} bytes unpacked (limit {MAX_MEMBER:,})"))
        else:
            # read when taken, not now: a class zip's videos and datasets never sit in memory together
            entries.append(Entry("/".join(parts), lambda info=info: _read_member(archive, info)))
    return entries


def _zip_name(info: zipfile.ZipInfo) -> str:
    """An entry's name. A name not marked UTF-8 is read by Python as the old DOS code page 437, but macOS's
    Finder (Compress) and older Info-ZIP write UTF-8 without the mark: 'José/L.ipynb' read as 'Jos├⌐/L.ipynb',
    a student of another id than the one the LMS's own zip gave (ch60). Such a name whose bytes are UTF-8 is read
    as UTF-8 (bytes of another code page are seldom valid UTF-8); any other is left as Python reads it."""
    if info.flag_bits & 0x800 or info.filename.isascii():
        return info.filename
    try:
        return info.filename.encode("cp437").decode("utf-8")
    except UnicodeError:
        return info.filename


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """An entry's bytes, never more than its directory says it holds. ``archive.read`` asks zlib for up
    to 2 GB at once before it cuts the data to that size: an entry that says it holds 1,000 bytes, and
    unpacks to gigabytes of zeros (a 3 MB zip), took collect to 2.1 GB of memory before its bad checksum
    was found (ch35, 2026-12-06). Read in pieces of the size it states, it costs no more than that."""
    with archive.open(info) as member:
        return member.read(info.file_size + 1)


def _list_folder(source: Path) -> list[Entry]:
    entries = []

    def unreadable(error: OSError) -> None:  # os.walk would skip it without a word
        if Path(error.filename) == source:
            raise SystemExit(shown(f"{source}: cannot be read ({type(error).__name__}: {error.strerror})"))
        rel = _shown_path(Path(error.filename).relative_to(source).as_posix())
        # listed as '<folder>/', so that a student's own folder is that student's row
        entries.append(Entry(rel + "/", None, f"a folder that could not be read ({type(error).__name__}: "
                                              f"{error.strerror}): nothing in it was collected"))

    for folder, dirs, files in _walk(source, unreadable):
        here = Path(folder)
        for name in sorted(dirs):
            if (here / name).is_symlink():
                entries.append(Entry(_shown_path((here / name).relative_to(source).as_posix()), None,
                                     "a symbolic link: not followed"))
        dirs[:] = sorted(d for d in dirs if not (here / d).is_symlink())
        for name in sorted(files):
            path = here / name
            rel = path.relative_to(source).as_posix()
            shown_as = _shown_path(rel)  # (read by its own name, rel)
            info = path.lstat()
            if stat.S_ISLNK(info.st_mode):
                entries.append(Entry(shown_as, None, "a symbolic link: not followed"))
            elif not stat.S_ISREG(info.st_mode):
                entries.append(Entry(shown_as, None, "not a plain file"))
            elif info.st_size > MAX_MEMBER:
                entries.append(Entry(shown_as, None, f"{info.st_size:,} bytes (limit {MAX_MEMBER:,})"))
            else:
                entries.append(Entry(shown_as, lambda rel=rel: _read_file(source, rel)))
    return entries


def _escaped(part: str) -> bool:
    return any("\udc80" <= c <= "\udcff" for c in part)


def _shown_path(rel: str) -> str:
    """A folder source's path as collect names it: a part whose bytes are not UTF-8 (a Windows zip unpacked by a
    tool that writes its names' bytes as they are, 'Jos\\x82', which Python holds as 'Jos\\udc82') is read in the
    DOS code page that such a zip means, as the zip itself is read: 'José', the student 'Jose', not
    'xn--jos-xi8p', and a status row that prints no escaped byte (ch60)."""
    if not _escaped(rel):
        return rel
    return "/".join(os.fsencode(part).decode("cp437") if _escaped(part) else part for part in rel.split("/"))


PATH_BYTES = 4096  # the longest path Linux looks a file up by (PATH_MAX)


def _walk(top: Path, onerror: Callable[[OSError], None]):
    """``os.walk(top, onerror=onerror, followlinks=False)``'s folders, files and names of folders, top-down (what the
    caller leaves in the list of folders is walked next), without recursion: a student's folder holding a chain of
    10,000 nested folders raised RecursionError out of ``os.walk``, and collect stopped with a traceback, nobody
    collected (ch53). A folder that holds a path past the system's limit is one that cannot be read (``onerror``)."""
    stack = [os.fspath(top)]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as listing:
                found = list(listing)
        except OSError as error:
            onerror(error)
            continue
        if any(len(os.fsencode(entry.path)) >= PATH_BYTES for entry in found):  # (what is in it cannot be looked at)
            onerror(OSError(errno.ENAMETOOLONG, os.strerror(errno.ENAMETOOLONG), folder))
            continue
        dirs, files = [], []
        for entry in found:
            try:
                is_dir = entry.is_dir()  # (a link to a folder among the folders, as os.walk has it: never entered)
            except OSError:
                is_dir = False
            (dirs if is_dir else files).append(entry.name)
        yield folder, dirs, files
        stack.extend(os.path.join(folder, name) for name in reversed(dirs)
                     if not os.path.islink(os.path.join(folder, name)))


def _read_file(source: Path, rel: str) -> bytes:
    """The file ``rel`` of the folder ``source``, opened without following a link swapped in since it was
    listed, its own name or any folder's on the way (a student folder made a link to the instructor's
    solutions/01_tokenization was followed, and the solution filed as that student's hand-in, ch51), nor
    waiting on a named pipe swapped in (an open for reading waits for a writer: collect hung for good, ch51);
    no more than the limit read."""
    *folders, name = rel.split("/")
    fd = os.open(source, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for part in folders:
            try:
                inner = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fd)
            except OSError as error:
                if error.errno in (errno.ELOOP, errno.ENOTDIR):
                    raise ValueError(f"the folder {part!r} on its path is not a plain folder now (a symbolic "
                                     f"link put there since it was listed): not followed") from None
                raise
            os.close(fd)
            fd = inner
        folder, fd = fd, None
        try:
            fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=folder)
        finally:
            os.close(folder)
    except BaseException:
        if fd is not None:
            os.close(fd)
        raise
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise ValueError("not a plain file now (a named pipe or a device put there since it was listed)")
    os.set_blocking(fd, True)
    with os.fdopen(fd, "rb") as f:
        data = f.read(MAX_MEMBER + 1)
    if len(data) > MAX_MEMBER:
        raise ValueError(f"over {MAX_MEMBER:,} bytes now")
    return data


def _is_junk(path: str) -> bool:
    """macOS's AppleDouble files (``__MACOSX/…/._L.ipynb``, a zip's copy of a file's Finder data, never its
    contents) and folder litter. Anything else in a folder called ``__MACOSX`` is read like any entry: a
    student's ``kim/__MACOSX/L.ipynb`` was dropped without a word (rt22, 2026-12-05)."""
    parts = path.split("/")
    return "__MACOSX" in parts and parts[-1].startswith("._") or parts[-1] in (".DS_Store", "Thumbs.db")


CHECKPOINTS = ".ipynb_checkpoints"  # Jupyter's autosaved copies: L-checkpoint.ipynb, beside L.ipynb


def _checkpoint_lesson(parts: list[str], lessons: set[str]) -> str | None:
    """The lesson of a Jupyter checkpoint copy (``.ipynb_checkpoints/L-checkpoint.ipynb``), else None."""
    if CHECKPOINTS not in parts[:-1] or not parts[-1].lower().endswith("-checkpoint.ipynb"):
        return None
    return lesson_of(parts[-1][:-len("-checkpoint.ipynb")] + ".ipynb", lessons)


def wrapper_of(entries: list[Entry], known: set[str] = frozenset(), wrapper: bool | None = None) -> str | None:
    """The top folder that rule 1 drops (None: none). ``known``: the ids of students already collected,
    lower case; ``wrapper``: True or False to decide it instead of the rule."""
    # an entry refused already (unsafe, a link, too big) is no evidence of the layout: one '../L.ipynb'
    # must not make the whole class one student
    notebooks = [e.path.split("/") for e in entries
                 if not e.problem and not _is_junk(e.path) and e.path.lower().endswith(".ipynb")]
    tops = {p[0] for p in notebooks}
    if wrapper is False or (wrapper is None and len(tops) != 1):
        return None
    if wrapper is True:
        return _asked_wrapper(notebooks)
    (top,) = tops
    if all(len(p) >= 3 or _canvas_in_folder(p) for p in notebooks):
        if student_id(top).lower() not in known and student_id(top, fold_case=False).lower() not in known:
            return top
    return None


def _canvas_in_folder(parts: list[str]) -> bool:
    """Whether a notebook is one of Canvas's flat download unpacked into a folder and zipped again
    (``submissions/<name>_<user id>_<submission id>_L.ipynb``): that folder is a wrapper, not a student."""
    return len(parts) == 2 and (CANVAS.fullmatch(parts[1]) is not None
                                or MOODLE.fullmatch(parts[1]) is not None and parts[1].lower().endswith(".ipynb"))


# Canvas's "Download Submissions": one flat zip, each file ``<name>_<user id>_<submission id>_<file>``
# (``<name>_LATE_...`` when late; ``<name>`` is the student's sortable name in lower case, no spaces), and a
# resubmitted file's name gets ``-1``, ``-2`` before its extension. Listed, never taken, until stop 61 (ch38).
CANVAS = re.compile(r"(?P<name>[^_/]+?)(?:_late)?_(?P<user>\d+)_\d+_(?P<file>.+?)(?:-\d+)?(?P<ext>\.ipynb)",
                    re.IGNORECASE)


# Moodle's "Download all submissions": a folder ``<full name>_<participant id>_assignsubmission_file_/<file>``
# per student (``onlinetext`` for a text answer), or with folders turned off, flat files
# ``<full name>_<participant id>_assignsubmission_file_<file>``. The participant id is the assignment's own
# (Moodle numbers each assignment's students afresh): the student is the full name, the same for every
# lesson's download, except under blind marking, where every name is "Participant" and the number is all
# there is (ch60: each lesson filed a student under another id, 'Jane_Doe_4711_assignsubmission_file'); and
# two students of one name (two participant ids) keep their numbers, never one student's two notebooks.
MOODLE = re.compile(r"(?P<name>[^/]+?)_(?P<id>\d+)_assignsubmission_[a-z]+_(?P<file>[^/]*)")


def _moodle_student(match: re.Match, clashes: frozenset[str]) -> str:
    numbered = match["name"].strip().lower() == "participant" or student_id(match["name"]).lower() in clashes
    return f"{match['name']}_{match['id']}" if numbered else match["name"]


def _moodle_clashes(entries: list[Entry], strip_top: str | None) -> frozenset[str]:
    """The ids (lower case) of the full names that Moodle's folders or files give with two participant ids."""
    ids: dict[str, set[str]] = {}
    for entry in entries:
        parts = entry.path.split("/")
        parts = parts[1:] if strip_top is not None and parts[0] == strip_top and len(parts) > 1 else parts
        moodle = MOODLE.fullmatch(parts[0])
        if moodle:
            ids.setdefault(student_id(moodle["name"]).lower(), set()).add(moodle["id"])
    return frozenset(name for name, numbers in ids.items() if len(numbers) > 1)


def _student_parts(path: str, strip_top: str | None, clashes: frozenset[str] = frozenset()) -> list[str]:
    """The parts of an entry's path from the student's folder down (rule 1: the wrapper dropped); a Canvas
    file with no folder above it as ``<name>_<user id>/<file>`` (rule 2); Moodle's folder or flat file as
    ``<full name>/<file>``."""
    parts = path.split("/")
    parts = parts[1:] if strip_top is not None and parts[0] == strip_top and len(parts) > 1 else parts
    canvas = CANVAS.fullmatch(parts[0]) if len(parts) == 1 else None
    if canvas:
        return [f"{canvas['name']}_{canvas['user']}", canvas["file"] + canvas["ext"]]
    moodle = MOODLE.fullmatch(parts[0])
    if moodle and (len(parts) >= 2) == (moodle["file"] == ""):
        who = _moodle_student(moodle, clashes)
        return [who, *parts[1:]] if len(parts) >= 2 else [who, moodle["file"]]
    return parts


def _folder(path: str, strip_top: str | None, clashes: frozenset[str] = frozenset()) -> str:
    """The student's folder as named in the source ("" when the entry lies in none)."""
    parts = _student_parts(path, strip_top, clashes)
    return unicodedata.normalize("NFC", parts[0]) if len(parts) >= 2 else ""


def _asked_wrapper(notebooks: list[list[str]]) -> str | None:
    """The top folder ``--wrapper`` names; refused, saying why, where it cannot be one (a notebook
    outside it, or in it with no student's folder between): ignoring the flag files the class as one
    student named like the wrapper."""
    if not notebooks:
        return None
    tops = sorted({p[0] for p in notebooks if len(p) >= 2})
    top = max(tops, key=lambda t: sum(p[0] == t for p in notebooks)) if tops else None
    astray = ["/".join(p) for p in notebooks if p[0] != top or (len(p) < 3 and not _canvas_in_folder(p))]
    if astray:
        raise SystemExit(shown(
            f"--wrapper: the notebooks do not all lie in one top folder, each in a student's folder below "
            f"it{f' ({top!r} holds most)' if top else ''}: {', '.join(map(repr, astray[:5]))}"
            f"{f' and {len(astray) - 5} more' if len(astray) > 5 else ''} "
            f"{'does' if len(astray) == 1 else 'do'} not; nothing collected. "
            f"Remove what does not belong, or collect without --wrapper"))
    return top


def plan(entries: list[Entry], lessons: set[str], only: str | None = None, strip_top: str | None = None,
         known: dict[str, str] | None = None, clashes: frozenset[str] = frozenset()
         ) -> tuple[dict[tuple[str, str], Entry], list[tuple[Entry, str, str, str]], dict[str, list[str]]]:
    """Which entries are taken as (student, lesson), which are not (entry, student, lesson, why), and the
    notebooks of each other lesson, left for that lesson's collect (``only`` given).
    ``strip_top``: the wrapper folder to drop (``wrapper_of``); ``clashes``: Moodle's full names that keep their
    participant ids (``_moodle_clashes``); ``known``: the students already
    collected, lower-case id → id: an id that differs only in case is that student (``Alice`` is
    ``alice``, as within one source), never a second one."""
    known = known or {}
    # a checkpoint copy beside its student's notebook for the lesson is Jupyter's litter, dropped; alone,
    # it is listed (it may be the only copy of the work: the instructor decides)
    parted = [(e, _student_parts(e.path, strip_top, clashes)) for e in entries if not _is_junk(e.path)]
    handed = {(student_id(p[0]).lower(), lesson_of(p[-1], lessons))
              for _, p in parted if len(p) >= 2 and CHECKPOINTS not in p}
    entries = [e for e, p in parted if len(p) < 2 or _checkpoint_lesson(p, lessons) is None
               or (student_id(p[0]).lower(), _checkpoint_lesson(p, lessons)) not in handed]
    others: dict[str, list[str]] = {}
    taken: dict[tuple[str, str], list[Entry]] = {}
    refused: list[tuple[Entry, str, str, str]] = []
    folders: dict[str, set[str]] = {}  # student id (lower case) → the folder names that gave it
    early: dict[tuple[str, str], list[Entry]] = {}  # refused while read (too big, a link): still hand-ins
    for entry in entries:
        parts = _student_parts(entry.path, strip_top, clashes)
        raw = parts[0] if len(parts) >= 2 else ""
        who = student_id(raw) if raw else ""
        # (a student collected before ids folded case keeps the folder they were filed under)
        who = known.get(who.lower()) or known.get(student_id(raw, fold_case=False).lower(), who) if raw else who
        name = lesson_of(parts[-1], lessons) if parts else None
        if only is not None and name is not None and name != only:
            others.setdefault(name, []).append(entry.path)  # another lesson's: left for its own collect
            continue
        if entry.problem:
            refused.append((entry, who, name or "", entry.problem))
            if who and name:  # still one of the student's notebooks for the lesson (rule 5)
                early.setdefault((who, name), []).append(entry)
        elif not parts[-1].lower().endswith(".ipynb"):
            refused.append((entry, who, "", _not_a_notebook(parts[-1])))
        elif not raw:
            refused.append((entry, "", name or _lesson_at_end(parts[-1], lessons) or "",
                            "no student folder above it (expected <student>/<lesson>.ipynb)"))
        elif not who:
            refused.append((entry, "", name or "", f"the folder name {raw!r} gives no usable student id"))
        elif name is None and _checkpoint_lesson(parts, lessons):
            refused.append((entry, who, _checkpoint_lesson(parts, lessons),
                            f"Jupyter's autosaved checkpoint copy, and no {_checkpoint_lesson(parts, lessons)}.ipynb "
                            f"beside it: the notebook itself was not handed in (if this copy is the work, "
                            f"file it by hand as {_checkpoint_lesson(parts, lessons)}.ipynb)"))
        elif name is None:
            refused.append(_named_otherwise(entry, parts, who, lessons))
        else:
            folders.setdefault(who.lower(), set()).add(unicodedata.normalize("NFC", raw))  # (José, however encoded)
            taken.setdefault((who, name), []).append(entry)
    chosen = {}
    for (who, name), found in taken.items():
        if len(folders[who.lower()]) > 1:
            ids = sorted({w for w, _ in taken if w.lower() == who.lower()})  # ('CaseA', 'casea': one id, ch59)
            one = f"id {ids[0]!r}" if len(ids) == 1 else f"ids {' and '.join(map(repr, ids))}, which are one (ids ignore case)"
            why = (f"the folders {', '.join(sorted(clipped(repr(f)) for f in folders[who.lower()]))} all give the "
                   f"student {one}: rename one")
        elif len(found) + len(early.get((who, name), [])) > 1:
            # a refused final version beside a draft: the draft is not the hand-in either
            every = early.get((who, name), []) + found
            why = f"{len(every)} notebooks for {name} from {who}: {', '.join(clipped(e.path) for e in every)}; keep one"
            if len({e.path for e in every}) < len(every):  # (one name twice: 'keep one' of two equal paths, ch59)
                why += " (the zip holds one name more than once: remove all but one of its entries)"
            if len({unicodedata.normalize("NFC", e.path) for e in every}) < len({e.path for e in every}):
                # (two paths that print alike: 'keep one' of two identical lines told the instructor nothing, ch58)
                why += (" (some of these paths are one name written twice, its accents as letters of their own and "
                        "as separate marks, as macOS writes them: they print alike)")
        else:
            chosen[(who, name)] = found[0]
            continue
        refused += [(e, who, name, why) for e in found]
    return chosen, refused, others


# archives a class's download may hold (a zip per student, as some LMSs give): never unpacked by collect
ARCHIVES = (".zip", ".tar", ".tar.gz", ".tgz", ".rar", ".7z", ".gz", ".bz2", ".xz")


def _not_a_notebook(filename: str) -> str:
    """Why a file that is no notebook is not taken: an archive inside the source says to unpack it (a zip of
    zips, one per student, was only 'not a notebook (.ipynb)', ch61)."""
    if filename.lower().endswith(ARCHIVES):
        return ("an archive inside the source, not unpacked: unpack it where it lies (a student's zip into a folder "
                "named after the student) and collect again")
    return "not a notebook (.ipynb)"


def _named_otherwise(entry: Entry, parts: list[str], who: str, lessons: set[str]) -> tuple[Entry, str, str, str]:
    """A notebook in a student's folder whose name is no lesson's, listed (entry, student, lesson, why): under the
    lesson its name ends with (Google Classroom's copies, `<student name> - L.ipynb`), or the lesson its folder is
    named as (`L/<student>.ipynb`, a folder per lesson), and saying how to file it: such notebooks were listed
    under no lesson, so that `status --lesson L` said 'no submissions for lesson L' (ch61)."""
    stem = Path(parts[-1]).stem
    ends = _lesson_at_end(parts[-1], lessons)
    if ends:
        return (entry, who, ends, f"no lesson named {stem!r}, which ends with {ends!r}: the name holds more than "
                                  f"the lesson's (a copy named after its student?); rename it {ends}.ipynb in the "
                                  f"student's folder and collect again")
    folder = lesson_of(parts[0] + ".ipynb", lessons) if len(parts) == 2 else None
    if folder:
        return (entry, "", folder, f"a folder named as the lesson {folder!r} holding {parts[-1]!r}: collect reads "
                                   f"<student>/<lesson>.ipynb, not <lesson>/<student>.ipynb; put each notebook in a "
                                   f"folder named after its student, as {folder}.ipynb, and collect again")
    return entry, who, "", f"no lesson named {stem!r} (lessons: {', '.join(sorted(lessons))})"


def collect(source: Path, lessons: set[str], submitted: Path, backups: Path, record: Path,
            only: str | None = None, on_skip: Callable[[str], None] | None = None,
            on_replace: Callable[[str, str], None] | None = None, wrapper: bool | None = None,
            on_note: Callable[[str], None] | None = None,
            on_new: Callable[[str, str], None] | None = None) -> list[tuple[str, str]]:
    """Copy the hand-ins in ``source`` into ``submitted/<student>/<lesson>/<lesson>.ipynb`` (see the
    module docstring). Returns the (student, lesson) pairs taken. ``on_replace(student, lesson)`` is
    called before a different earlier submission is replaced (kept in ``backups/``), ``on_new`` before
    one is written where there was none. ``wrapper``:
    whether the one top folder is a wrapper (None: rule 1 decides); ``on_note``: told what it decided."""
    say = on_skip or (lambda message: print(f"not collected: {message}", file=sys.stderr))
    note = on_note or (lambda message: print(message, file=sys.stderr))
    source = Path(source)
    _not_the_graders_copies(source)
    with contextlib.ExitStack() as stack:
        if source.is_file() and zipfile.is_zipfile(source):
            entries = _list_zip(source, stack)
        elif source.is_dir():
            entries = _list_folder(source)
        else:
            raise SystemExit(shown(f"{source}: {_not_a_source(source)}"))
        return _collect(source, entries, lessons, submitted, backups, record, only, say, on_replace, wrapper, note,
                        on_new or (lambda who, name: None))


# What a file given to collect is when it is no zip Python reads, by how it begins (its "magic" bytes)
OTHER_ARCHIVES = [(b"Rar!\x1a\x07", "a RAR archive"), (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
                  (b"\x1f\x8b", "a gzip file (a .tar.gz?)"), (b"BZh", "a bzip2 file (a .tar.bz2?)"),
                  (b"\xfd7zXZ\x00", "an xz file (a .tar.xz?)")]


def _not_a_source(source: Path) -> str:
    """Why ``source`` cannot be collected, and what to do: every such source was 'neither a folder nor a .zip',
    a zip cut short in its download and a tar renamed .zip alike, and a typo in the path too (ch61)."""
    if not source.exists():
        return "no such file or folder (a typo in the path?)"
    if not source.is_file():
        return "not a folder nor a plain file"
    try:
        with open(source, "rb") as f:
            start = f.read(512)
    except OSError as error:
        return f"cannot be read ({error.strerror})"
    if not start:
        return "an empty file (0 bytes), not a zip: download it again"
    if start.startswith(b"PK"):
        return ("a zip that cannot be read: its directory, at its end, is missing or damaged (cut short while it was "
                "downloaded or copied?): download it again, or unpack it with another tool and collect the folder")
    if start[257:262] == b"ustar":
        return "a tar archive, not a zip: unpack it (tar -xf) and collect the folder"
    kind = next((what for magic, what in OTHER_ARCHIVES if start.startswith(magic)), None)
    if kind:
        return f"{kind}, not a zip: unpack it with a tool for it and collect the folder"
    if source.suffix.lower() == ".ipynb":
        return ("one notebook: collect reads a folder or a .zip of <student>/<lesson>.ipynb; put it in a folder "
                "named after the student, inside another folder, and collect that")
    return "neither a folder nor a .zip of <student>/<lesson>.ipynb"


def _not_the_graders_copies(source: Path) -> None:
    """Refuse a source inside a work folder's ``autograded/`` (beside its gradebook.db): those are the grader's
    copies (the released lesson with the answers put in, outputs, no cell the student added), laid out as
    hand-ins are: collected, each replaced its student's own hand-in, whose grading was forgotten (ch61)."""
    for folder in [source.resolve(), *source.resolve().parents]:
        if folder.name == "autograded" and (folder.parent / "gradebook.db").is_file():
            raise SystemExit(shown(
                f"{source}: lies in {folder}, the autograder's graded copies (the lesson with the answers put in), "
                f"not the students' hand-ins: nothing collected. Collect the students' own files; to bring back a "
                f"hand-in a later one replaced, collect its backup ({folder.parent / 'backups'}/submitted-<time>/)"))


def _collect(source: Path, entries: list[Entry], lessons: set[str], submitted: Path, backups: Path, record: Path,
             only: str | None, say: Callable[[str], None], on_replace: Callable[[str, str], None] | None,
             wrapper: bool | None, note: Callable[[str], None],
             on_new: Callable[[str, str], None]) -> list[tuple[str, str]]:
    read_skipped(record), _read_origins(record)  # (a damaged record stops collect before it files anything)
    known = {p.name.lower(): p.name for p in submitted.iterdir() if p.is_dir()} if submitted.is_dir() else {}
    top = wrapper_of(entries, set(known), wrapper)
    if top is not None and wrapper is None:
        note(shown(f"the folder {top!r} holds every notebook, each in a folder of its own: read as a wrapper "
                   f"around the students' folders (if {top!r} is one student, collect again with --no-wrapper)"))
    clashes = _moodle_clashes(entries, top)
    chosen, refused, others = plan(entries, lessons, only, top, known, clashes)
    for (who, name), entry in sorted(chosen.items()):
        if student_id(_folder(entry.path, top, clashes)) != who:
            note(shown(f"{entry.path}: filed under {who!r}, the student already collected whose id differs "
                       f"only in case (or was made before ids folded case)"))
    if others:
        note(f"other lessons, left for their own collect (neither collected nor listed now): "
             + ", ".join(f"{len(n)} notebook{'s' * (len(n) > 1)} of {name}" for name, n in sorted(others.items())))
    kept_in: list[Path] = []  # this collect's backup folder, made at the first replacement
    collected, taken = [], set()
    # (a student's folder deleted by hand: its id is free again)
    origins = {who: folder for who, folder in _read_origins(record).items() if (submitted / who).is_dir()}
    for (who, name), entry in sorted(chosen.items()):
        folder = _folder(entry.path, top, clashes)
        before = origins.get(who)
        if before is not None and _same_name(before) != _same_name(folder):
            # 'José García' after 'Jose Garcia': one id, but maybe two students. Never filed over the other
            refused.append((entry, who, name, f"the folder {folder!r} gives the id {who!r} of the folder "
                                              f"{before!r} collected before: if they are two students, rename "
                                              f"this folder and collect again; if one, rename it {before!r}"))
            continue
        try:
            data = entry.read()  # one entry in memory at a time
        except READ_ERRORS as error:  # one damaged entry: the others are still taken
            where = " from the zip" if source.is_file() else ""
            refused.append((entry, who, name, f"could not be read{where} ({type(error).__name__}: {error}): "
                                              f"hand it in again"))
            continue
        target = submitted / who / name / f"{name}.ipynb"
        if target.is_symlink():
            target.unlink()
        if target.is_file() and target.read_bytes() != data:
            kept_in = kept_in or [_backup_folder(backups)]
            write_at_once(kept_in[0] / who / f"{name}.ipynb", target.read_bytes())
            if on_replace:
                on_replace(who, name)
        elif not target.is_file():
            on_new(who, name)
        write_at_once(target, data)  # (whole or not at all: a full disk cut a hand-in short, ch61)
        collected.append((who, name))
        taken.add((who, name, folder))
        origins.setdefault(who, folder)
    skipped = [Skipped(str(source.resolve()), e.path, who, name, why, _folder(e.path, top, clashes))
               for e, who, name, why in refused]
    for s in sorted(skipped, key=lambda s: not s.lesson)[:SAID_SKIPPED]:  # a lesson's notebook before a stray file
        say(shown(f"{clipped(s.entry)}: {clipped(s.reason, 3 * SHOWN_NAME)}"))
    if len(skipped) > SAID_SKIPPED:
        note(f"... and {len(skipped) - SAID_SKIPPED:,} more entries not collected, not printed here: `status` "
             f"counts them, `export` lists every one")
    if not collected and not skipped and not others:  # (an empty zip said nothing at all, ch61)
        note(shown(f"nothing collected: {source} holds no files" + (
            " (empty, or folders only)" if not entries else f", only {len(entries)} of macOS's or Jupyter's litter")))
    left = {path for paths in others.values() for path in paths}
    seen = {e.path for e in entries if not _is_junk(e.path) and e.path not in left}
    _record(record, str(source.resolve()), seen, skipped, taken)
    write_json(_origins_path(record), origins)
    return collected


def _origins_path(record: Path) -> Path:
    return record.with_name("students.json")  # beside collect.json: student id → its folder's name


def _read_origins(record: Path) -> dict[str, str]:
    """The folder name each student id was first collected from (ids collected before this record
    existed have none: the next collect writes it)."""
    path = _origins_path(record)
    return read_json(path, {}, dict)


def _same_name(folder: str) -> str:
    """One form of a folder name, whatever its case or its accents' encoding: 'Alice' is 'alice'."""
    return unicodedata.normalize("NFC", folder).casefold()


def _backup_folder(backups: Path) -> Path:
    """A new folder for one collect's replaced hand-ins: two collects within one second (a script, the
    API) must not write the same backup, or the older kept version is lost."""
    backups.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S") + f"-{time.time_ns() % 10**9:09d}"
    for n in range(1000):
        folder = backups / f"submitted-{stamp}{f'-{n}' if n else ''}"
        try:
            folder.mkdir()  # fails if it exists: never shared
            return folder
        except FileExistsError:
            continue
    raise SystemExit(f"could not make a new backup folder in {backups}")


def _record(record: Path, source: str, seen: set[str], skipped: list[Skipped],
            taken: set[tuple[str, str, str]]) -> None:
    """Keep what this collect did not take. A row goes only when its entry is decided again (the same
    entry of the same source, in ``seen``: taken, or listed anew with its reason now) or when its
    student's lesson is taken now (``taken``: student, lesson, folder), from any source, from the same
    folder name: 'Jose Garcia' taken does not answer for 'José García', refused as giving the same id.
    A new download saved at the same path is not the whole class: the rows of the entries it does not
    hold stay."""
    rows = [r for r in read_skipped(record) if r["source"] != source or r["entry"] not in seen]
    rows = [r for r in rows if not any(
        (who, name) == (r["student"], r["lesson"]) and r.get("folder", "") in ("", folder)  # "": an older record
        for who, name, folder in taken)]
    rows += [asdict(s) for s in skipped]
    write_json(record, rows)


def read_skipped(record: Path) -> list[dict]:
    return read_json(record, [], list)
