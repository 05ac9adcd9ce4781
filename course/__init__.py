"""The companion package of the course: reference implementations, data, training and self-checks.

Notebooks import from here so that a fix lands once. Modules, in the order the lessons use them:
``tokenization`` (01), ``attention`` (02-03), ``lstm`` (04), ``gpt`` and ``train`` (05),
``sampling`` and ``finetune`` (06), with ``data``, ``plots`` and ``checks`` throughout.

Importing the package first sets PyTorch's threading for shared machines (``course.threads``): import
``course`` before ``torch``, as the lessons' first cell does.
"""
from course import threads as _threads

__version__ = "0.1.0"

_threads.configure()
