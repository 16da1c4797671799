"""One error type for bad user input, with the what / where / how-to-fix contract.

Every validation in the toolkit raises :class:`InputError`; the command line turns it into one
message on stderr and exit status 2. Validators that can find several problems collect them all
and raise once (``InputError.collect``), so the user fixes a file in one pass.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["InputError", "Interrupted", "Problem"]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input.

    Parameters
    ----------
    where : str
        The input that is wrong: a file with row and column, a command-line option, a field.
    what : str
        What is wrong with it.
    fix : str
        How to put it right.

    """

    where: str
    what: str
    fix: str

    def __str__(self) -> str:
        return f"{self.where}: {self.what} ({self.fix})"


class InputError(ValueError):
    """Bad input from the user: one or more :class:`Problem`."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        if not problems:
            raise ValueError("InputError needs at least one problem")
        self.problems = tuple(problems)
        if len(self.problems) == 1:
            message = str(self.problems[0])
        else:
            lines = "\n".join(f"  - {p}" for p in self.problems)
            message = f"{len(self.problems)} problems in the input:\n{lines}"
        super().__init__(message)

    def __reduce__(self) -> tuple[type[InputError], tuple[tuple[Problem, ...]]]:
        # rebuilt from its problems when it crosses a process boundary
        return (InputError, (self.problems,))

    @classmethod
    def single(cls, where: str, what: str, fix: str) -> InputError:
        """Build the error for one problem."""
        return cls([Problem(where, what, fix)])


class Interrupted(BaseException):  # noqa: N818 - a signal, like KeyboardInterrupt
    """The process was told to stop (SIGTERM); ``status`` is the exit status to use (128 + signal).

    A ``BaseException`` like :class:`KeyboardInterrupt`, so no ``except Exception`` swallows it and
    every ``finally`` (the staging folder's clean-up) still runs.
    """

    def __init__(self, status: int) -> None:
        super().__init__(f"terminated (exit status {status})")
        self.status = status
