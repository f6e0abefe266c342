"""Run one function in a second process while the caller goes on (issue 13, speed).

A report's PDF layout (WeasyPrint) takes most of its run time and needs nothing but the HTML, so
it runs in a second process, on the second core, while the command writes the RTF, CSV, SVG,
ARD and derived datasets. The process is forked when the command starts: it imports WeasyPrint
(``prepare``) while the command loads, validates and builds the TLFs, then waits for the HTML
(:meth:`Beside.send`). Only the input and the value cross between the processes (pickled); the
process writes no file.

The rules that keep a report atomic (:func:`osteo_stats.outputs.atomic_output_dir`):

- :meth:`Beside.result` returns the function's value or raises its exception in the caller
  (the same type and message), so a failure there fails the report.
- Leaving the ``with`` block by an exception (an error in the caller, Ctrl-C), or the object
  being dropped, stops the process and waits for it. The process ignores SIGINT: Ctrl-C
  reaches the caller, which stops it. If the caller dies, the process reads the end of its
  input and ends.
- Without the ``fork`` start method (Windows; macOS, where it is unsafe) the function runs in
  the caller, when :meth:`Beside.result` is called.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import weakref
from collections.abc import Callable
from types import TracebackType
from typing import Any, Generic, TypeVar

T = TypeVar("T")

_NOTHING = object()


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods() and sys.platform != "darwin"


def _send(connection: Any, outcome: tuple[str, Any]) -> None:
    try:
        connection.send(outcome)
    except Exception:  # noqa: BLE001 - a value or exception that does not pickle
        exc = outcome[1]
        connection.send(("error", RuntimeError(f"{type(exc).__name__}: {exc}")))


def _child(
    function: Callable[[Any], Any],
    prepare: Callable[[], None] | None,
    connection: Any,
    callers_end: Any,
) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    callers_end.close()  # so that the caller's death is an end of input here
    try:
        unprepared: BaseException | None = None
        try:
            if prepare is not None:
                prepare()
        except BaseException as exc:  # noqa: BLE001 - said when the input arrives
            unprepared = exc
        try:
            value = connection.recv()
        except (EOFError, OSError):  # the caller stopped or died: nothing to do
            return
        if unprepared is not None:
            _send(connection, ("error", unprepared))
            return
        try:
            outcome = ("value", function(value))
        except BaseException as exc:  # noqa: BLE001 - everything goes back to the caller
            outcome = ("error", exc)
        _send(connection, outcome)
    finally:
        connection.close()
        # At once: no flush of stdio buffers a thread of the caller may have held locked at the
        # fork, no exit handlers of the caller's.
        os._exit(0)


def _stop(process: Any, connection: Any) -> None:
    if process.is_alive():
        process.terminate()
    process.join()
    connection.close()


class Beside(Generic[T]):
    """``function(value)`` in a forked process; ``value`` is given later by :meth:`send`."""

    def __init__(
        self,
        function: Callable[[Any], T],
        what: str,
        *,
        prepare: Callable[[], None] | None = None,
    ) -> None:
        self._function = function
        self._what = what
        self._value: Any = _NOTHING
        self._process: Any = None
        self._taken = False
        if can_fork():
            context = multiprocessing.get_context("fork")
            self._connection, child = context.Pipe()
            self._process = context.Process(
                target=_child, args=(function, prepare, child, self._connection), daemon=True
            )
            self._process.start()
            child.close()
            self._finalizer = weakref.finalize(self, _stop, self._process, self._connection)

    @property
    def forked(self) -> bool:
        return self._process is not None

    def send(self, value: Any) -> None:
        """Start ``function(value)``."""
        if self._value is not _NOTHING:
            raise RuntimeError(f"{self._what} was already given its input")
        self._value = value
        if self._process is not None:
            self._connection.send(value)

    def result(self) -> T:
        """The function's value (waiting for it), or its exception raised here."""
        if self._value is _NOTHING:
            raise RuntimeError(f"{self._what} was given no input")
        if self._taken:
            raise RuntimeError(f"the result of {self._what} was already taken")
        self._taken = True
        if self._process is None:
            return self._function(self._value)
        try:
            status, value = self._connection.recv()
        except EOFError:
            self._process.join()
            raise RuntimeError(
                f"{self._what} stopped without a result (exit code {self._process.exitcode})"
            ) from None
        finally:
            self._process.join(timeout=5)  # it ends by itself once it has sent
            self._finalizer()
        if status == "error":
            raise value
        return value

    def stop(self) -> None:
        """Stop the process if it still runs, and wait for it to end."""
        if self._process is not None:
            self._finalizer()

    def __enter__(self) -> Beside[T]:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
