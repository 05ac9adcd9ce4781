"""Self-checks: call one on your own function, e.g. ``checks.check_merge(merge)``.

Each check runs your function and the course's reference on several random cases. When they differ
it tells you which case, what was expected, what you returned, and, if your answer matches a common
mistake, which one. Passing a self-check is a good sign, not a grade: the autograder has its own tests,
but the checks test the same properties, so an answer that passes here should not lose points there.
"""
from course.checks._core import (CheckFailed, Mistake, describe, difference, failure,  # noqa: F401
                                 recognise, run_check)
