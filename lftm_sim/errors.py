"""Bad input, told apart from bugs.

`InputError` is the one exception type for input a user can fix (a flag, a scenario or
sweep file, a keyword): it carries the file, the key and what is allowed as fields, so no
caller has to find the key by matching message text. The CLI turns exactly this type into
one line on stderr and exit status 2; any other exception is a bug and shows its traceback.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any


class InputError(ValueError):
    """Input the user can fix: names the file, the key and what is allowed.

    `str(err)` is the one-line message (prefixed with the file, where there is one)."""

    def __init__(
        self,
        message: str,
        *,
        key: str | None = None,
        allowed: str | None = None,
        value: Any = None,
        file: str | None = None,
    ):
        super().__init__(message)
        self.message = " ".join(str(message).split())  # always one line
        self.key, self.allowed, self.value, self.file = key, allowed, value, file

    def __str__(self) -> str:
        return f"{self.file}: {self.message}" if self.file else self.message

    def in_file(self, file: str, key: str | None = None) -> InputError:
        """The same error, located in `file` (and under `key`, when given)."""
        err = InputError(
            self.message, key=key or self.key, allowed=self.allowed, value=self.value, file=file
        )
        return err


def suggest(name: str, allowed: Iterable[str]) -> str:
    """' (did you mean 'x'?)' for the nearest allowed name, or '' when none is close."""
    close = difflib.get_close_matches(str(name), list(allowed), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def unknown(what: str, name: Any, allowed: Iterable[str]) -> InputError:
    """The one error for a name that is not one of `allowed`: "unknown WHAT 'x' (did you
    mean 'y'?)", with the key and what is allowed as fields."""
    allowed = list(allowed)
    return InputError(
        f"unknown {what} {name!r}{suggest(name, allowed)}",
        key=str(name),
        allowed=", ".join(allowed),
        value=name,
    )
