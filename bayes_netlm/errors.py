"""One error type for bad user input, with the what / where / how-to-fix contract.

Every validation in the toolkit raises :class:`InputError`; the command line turns it into one
message on stderr and exit status 2. Validators that can find several problems collect them all
and raise once (``InputError.collect``), so the user fixes a file in one pass.

:class:`Interrupted` is the other way a command ends early: SIGINT or SIGTERM, turned into an
exception by :func:`stoppable` so that clean-up runs and the command exits 130 / 143 quietly.
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Self

__all__ = ["InputError", "Interrupted", "Problem", "reported", "stoppable", "system_refusal"]


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
        return (type(self), (self.problems,))

    @classmethod
    def single(cls, where: str, what: str, fix: str) -> Self:
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


_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
_stopping: list[int] = []


def _terminated(signum: int, frame: object) -> None:
    """SIGINT / SIGTERM: raise :class:`Interrupted` (exit status 128 + signal number).

    Python runs the handler wherever the main thread is; if that place swallows exceptions (a
    garbage-collection callback, a ``__del__``), SIGALRM raises it again a second later, until it
    reaches :func:`main`.
    """
    if signum != signal.SIGALRM:
        _stopping.append(128 + signum)
    if _stopping:
        signal.setitimer(signal.ITIMER_REAL, 1.0)
        raise Interrupted(_stopping[0])


@contextmanager
def stoppable() -> Iterator[None]:
    """Turn SIGINT and SIGTERM into :class:`Interrupted` while a command runs.

    Any exception that ends the command once a stop signal has come is that interruption: code
    the signal interrupted may turn :class:`Interrupted` into its own error (an import stopped
    halfway ended as JAX's ImportError, with a traceback and exit status 1).
    """
    signals = (*_STOP_SIGNALS, signal.SIGALRM)
    previous = {sig: signal.signal(sig, _terminated) for sig in signals}
    hook, sys.unraisablehook = sys.unraisablehook, _quiet_unraisable
    try:
        yield
    except Interrupted:
        raise
    except BaseException as error:
        if _stopping:
            raise Interrupted(_stopping[0]) from error
        raise
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        _stopping.clear()
        sys.unraisablehook = hook
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _quiet_unraisable(unraisable: Any) -> None:
    """An :class:`Interrupted` swallowed by a callback is raised again; do not print it."""
    if not isinstance(unraisable.exc_value, Interrupted):
        sys.__unraisablehook__(unraisable)


def system_refusal(error: OSError) -> str:
    """One line for an ``OSError``: the system refused a file or a resource, not the user's data."""
    if error.filename:
        return (
            f"{error.filename}: {error.strerror or error} "
            "(check the path, its permissions and free space)"
        )
    return (
        f"a connection or system resource failed: {error} "
        "(check the network, the Dask scheduler and free space, then run again)"
    )


@contextmanager
def reported(program: str) -> Iterator[None]:
    """For a script's work: bad input ends it with one line on stderr and exit status 2.

    An :class:`InputError` or a refused file (``OSError``) is printed as the command line prints
    it, ``PROGRAM: error: ...``, instead of a traceback with exit status 1.
    """
    try:
        yield
    except InputError as error:
        print(f"{program}: error: {error}", file=sys.stderr)
        raise SystemExit(2) from None
    except OSError as error:
        print(f"{program}: error: {system_refusal(error)}", file=sys.stderr)
        raise SystemExit(2) from None
