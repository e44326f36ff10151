"""The scenario loader's errors: `InputError`s that name the file and the key."""

from __future__ import annotations

import os

from ..errors import InputError


def one_line(text: str) -> str:
    """`text` with every run of whitespace (newlines included) made one space."""
    return " ".join(str(text).split())


class ScenarioError(InputError):
    """A scenario file that cannot be used. ``str(err)`` is one line:
    ``FILE: KEY: problem; allowed: ...`` (the ``; allowed`` part when there is a rule).
    Fields: `file`, `key`, `problem`, `allowed` (and `value`, when there is one)."""

    def __init__(
        self,
        file: str | os.PathLike,
        key: str,
        problem: str,
        allowed: str = "",
        value: object = None,
    ):
        self.problem = one_line(problem)
        message = f"{key}: {self.problem}"
        if one_line(allowed):
            message += f"; allowed: {one_line(allowed)}"
        super().__init__(message, key=key, allowed=one_line(allowed), value=value, file=str(file))

    def __reduce__(self):  # so it crosses to and from worker processes whole
        return type(self), (self.file, self.key, self.problem, self.allowed, self.value)


class GraphFileError(InputError):
    """A graph file that cannot be read: `file` is the graph file's name, the message
    names the line at fault."""

    def __init__(self, file: str, problem: str):
        super().__init__(problem, file=file, allowed=GRAPH_ALLOWED)

    def __reduce__(self):
        return type(self), (self.file, self.message)


GRAPH_ALLOWED = (
    "GraphML with a node attribute kind (state, district, school), or a CSV edge list "
    "(docs/formats.md)"
)
