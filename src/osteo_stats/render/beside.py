"""Run one function in a second process while the caller goes on (issue 13, speed).

A report's TLF files (RTF with the figures rasterised, CSV, SVG, the ARD, the derived datasets)
take seconds that do not depend on the PDF, so they are written beside WeasyPrint's layout, on
the second core. The process is forked: it starts at once with everything the caller has built
(nothing is pickled on the way in, only the function's return value on the way back) and its
output is byte for byte what the caller would have written.

The rules that keep a report atomic (:func:`osteo_stats.outputs.atomic_output_dir`):

- :meth:`Beside.result` returns the function's value or raises its exception in the caller
  (the same type and message), so a failure there fails the report.
- Leaving the ``with`` block by an exception (an error in the caller, Ctrl-C) stops the process
  and waits for it, so nothing is written into the scratch directory after it is removed. The
  process ignores SIGINT: Ctrl-C reaches the caller, which stops it.
- No fork where it is unsafe: without the ``fork`` start method (Windows, and macOS where it is
  not the default) or once polars is imported (a forked child cannot use the thread pool a
  parent started: Polars, "Multiprocessing"), the function runs in the caller instead, when
  :meth:`Beside.result` is called. The report code imports polars (through rtflite) only inside
  the function, so the CLI forks.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
from collections.abc import Callable
from types import TracebackType
from typing import Any, Generic, TypeVar

T = TypeVar("T")

#: Modules whose native thread pools do not survive a fork (checked in the parent).
FORK_UNSAFE = ("polars",)


def _can_fork() -> bool:
    if "fork" not in multiprocessing.get_all_start_methods():
        return False
    if sys.platform == "darwin":  # fork is unsafe with the system frameworks there
        return False
    return not any(name in sys.modules for name in FORK_UNSAFE)


def _run(function: Callable[[], Any], connection: Any) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        value = function()
    except BaseException as exc:  # noqa: BLE001 - everything goes back to the caller
        try:
            connection.send(("error", exc))
        except Exception:  # noqa: BLE001 - an exception that does not pickle
            connection.send(("error", RuntimeError(f"{type(exc).__name__}: {exc}")))
    else:
        connection.send(("value", value))
    finally:
        connection.close()
        # At once: no flush of stdio buffers a thread of the parent (the CLI's progress line)
        # may have held locked at the fork, no exit handlers of the parent's.
        os._exit(0)


class Beside(Generic[T]):
    """``function`` running in a forked process (or, where that is unsafe, deferred)."""

    def __init__(self, function: Callable[[], T], what: str) -> None:
        self._function = function
        self._what = what
        self._process: Any = None
        self._done = False
        if _can_fork():
            context = multiprocessing.get_context("fork")
            self._connection, child = context.Pipe(duplex=False)
            self._process = context.Process(target=_run, args=(function, child), daemon=True)
            self._process.start()
            child.close()

    @property
    def forked(self) -> bool:
        return self._process is not None

    def result(self) -> T:
        """The function's value (waiting for it), or its exception raised here."""
        if self._done:
            raise RuntimeError(f"the result of {self._what} was already taken")
        self._done = True
        if self._process is None:
            return self._function()
        try:
            status, value = self._connection.recv()
        except EOFError:
            self._process.join()
            raise RuntimeError(
                f"{self._what} stopped without a result (exit code {self._process.exitcode})"
            ) from None
        finally:
            self._connection.close()
        self._process.join()
        if status == "error":
            raise value
        return value

    def stop(self) -> None:
        """Stop the process if it still runs, and wait for it to end."""
        self._done = True
        if self._process is not None and self._process.is_alive():
            self._process.terminate()
        if self._process is not None:
            self._process.join()
            self._connection.close()

    def __enter__(self) -> Beside[T]:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
