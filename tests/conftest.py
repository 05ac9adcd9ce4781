"""Suite-wide pytest hooks."""

# The files that take longest (seconds in one quiet run on two pytest-xdist workers, 2026-12-01) go to
# the workers first, so that the short files fill in at the end and the two workers finish together.
# pytest-xdist's own order (files with more tests first) left the wheel's 160 s running alone at the
# end: 13 min 5 s of wall time for 12 min 14 s of work per worker; in this order, 12 min 15 s.
# tests/test_wheel.py (158 s) has since left the list: tests/test_browser.py runs the released lessons
# from the wheel, and test_wheel.py runs them only when the browser test cannot. Both files in one
# process, 2026-12-01, load 2 to 5 from another job: 424 s before (test_wheel.py 130 s of it), 310 s
# and 344 s after (test_wheel.py 3 to 8 s, test_browser.py 305 to 336 s).
LONGEST_FIRST = [
    "tests/test_autograder_class.py",  # 343 s: a class of submissions, graded and regraded
    "tests/test_browser.py",           # 333 s: every lesson in JupyterLab from the wheel, and the formgrader
    "tests/test_pipeline.py",          # 280 s: every solution and unchanged lesson autograded
    "tests/test_recheck.py",           # 134 s
]


def _rank(nodeid: str) -> int:
    """The longest files, then the notebooks under nbval (10-50 s each), then the rest (seconds)."""
    path = nodeid.split("::")[0]
    if path in LONGEST_FIRST:
        return LONGEST_FIRST.index(path)
    return len(LONGEST_FIRST) + (not path.endswith(".ipynb"))


def pytest_collection_modifyitems(session, config, items):
    """Run the longest files first (a stable sort: within a file, and within each rank, order is kept).
    tools/test.sh passes --no-loadscope-reorder, so pytest-xdist hands out whole files in this order."""
    items.sort(key=lambda item: _rank(item.nodeid))
