"""Writing outputs: atomic, and never touching what osteo-stats did not write itself.

Files are written to a temporary sibling and renamed into place. A whole output directory is
assembled in a scratch sibling and swapped in only when every file is complete, so a failed run
leaves neither partial nor stale files.

One rule decides whether a directory may be written (:func:`check_output_dir`), for every
command:

- every output directory carries :data:`MANIFEST_NAME`, listing the files the command wrote with
  their SHA-256 and the command line; an existing directory is replaced only when it is empty or
  holds exactly such files, unchanged. A file the user added, or edited since, is never removed;
- the current directory, the input data, and any directory containing them, are never outputs;
- a symbolic link is never written through (the swap would replace the link, or worse, its
  target's contents);
- a record (a committee report) is not replaced unless the caller asks (``replace=True``,
  the CLI's ``--force``).

A single output file (``validate --issues FILE``) follows the same rule with a manifest of its
own beside it, ``FILE.osteo-stats-manifest.json`` (:func:`atomic_output_file`): an existing file
is replaced only when that manifest lists it, unchanged; the file is never a link and never
inside the input data.

Interrupted and concurrent runs: scratch and set-aside directories carry the writer's PID in
their names. The swap happens under an exclusive lock on the parent directory, after the rule is
checked again, and the next run restores or removes what a killed run left behind.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from osteo_stats.errors import OutputRefused
from osteo_stats.userfiles import MAX_MANIFEST_BYTES, read_user_file

__all__ = [
    "MANIFEST_NAME",
    "atomic_output_dir",
    "atomic_output_file",
    "atomic_write_bytes",
    "atomic_write_text",
    "check_output_dir",
    "check_output_file",
    "read_manifest",
]

#: Written into every output directory: what osteo-stats wrote there, so only that is replaced.
MANIFEST_NAME = "osteo-stats-manifest.json"

_HINT = "choose a new or empty directory with --out"
_SCRATCH = ".osteo-stats.{name}.{pid}."
_LEFTOVER = re.compile(r"^\.osteo-stats\.(?P<name>.+)\.(?P<pid>\d+)\.(?:[^.]+\.tmp|old)$")


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see either the old file or the new one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        # mkstemp creates 0600; an output is an ordinary file for the user and their team.
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def atomic_write_text(path: str | Path, text: str) -> None:
    """UTF-8 text version of :func:`atomic_write_bytes` (always ``\\n`` line endings)."""
    atomic_write_bytes(path, text.encode("utf-8"))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _listed(files: list[str], limit: int = 5) -> str:
    shown = ", ".join(files[:limit])
    return shown + (f" and {len(files) - limit} more" if len(files) > limit else "")


def _read_manifest(directory: Path) -> dict | None:
    return _read_manifest_file(directory / MANIFEST_NAME)


def read_manifest(directory: str | Path) -> dict | None:
    """The manifest osteo-stats wrote in ``directory`` (``written_by``, ``command``, ``files``),
    or None when there is none or it is not one; :class:`~osteo_stats.userfiles.UserFileError`
    when it is not a regular file of bounded size."""
    return _read_manifest(Path(directory))


def _read_manifest_file(path: Path) -> dict | None:
    """The manifest at ``path``; None when there is none or it is not one of ours.

    Raises
    ------
    UserFileError
        ``path`` is a pipe, a device (or a link to one), larger than
        :data:`~osteo_stats.userfiles.MAX_MANIFEST_BYTES`, or unreadable: it is named, never
        read without bound or taken silently for "no manifest".
    """
    if not os.path.lexists(path):
        return None
    data = read_user_file(path, "an osteo-stats manifest", MAX_MANIFEST_BYTES)
    try:
        manifest = json.loads(data.decode("utf-8"))
    except (ValueError, RecursionError):
        return None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        return None
    return manifest


def _contains(outer: Path, inner: Path) -> bool:
    return outer == inner or outer in inner.parents


def check_output_dir(
    target: str | Path,
    *,
    replace: bool = True,
    keep_out: Mapping[Path, str] | None = None,
) -> None:
    """Raise :class:`OutputRefused` unless osteo-stats may write the directory ``target``.

    Parameters
    ----------
    target
        The output directory; it need not exist.
    replace
        Whether an earlier osteo-stats output in ``target`` may be replaced. ``False`` keeps it
        as a record (committee reports without ``--force``).
    keep_out
        Directories ``target`` must neither be nor contain, with what they are (for the
        message): the input data, say. The current directory is always kept out.
    """
    target = Path(target)
    if target.is_symlink():
        raise OutputRefused(
            f"{target}: is a symbolic link (to {os.readlink(target)}); osteo-stats never writes "
            f"through a link, because replacing it would lose the link or its target; {_HINT}."
        )
    resolved = target.resolve()
    protected = {Path.cwd().resolve(): "the current directory"}
    protected.update({Path(path).resolve(): what for path, what in (keep_out or {}).items()})
    for path, what in protected.items():
        if _contains(resolved, path):
            relation = "is" if resolved == path else "contains"
            raise OutputRefused(
                f"{target}: {relation} {what} ({path}); an output directory is replaced as a "
                f"whole, so it can never be {what} or a folder above it; {_HINT}."
            )
    blocking = next((p for p in resolved.parents if p.exists() and not p.is_dir()), None)
    if blocking is not None:
        raise OutputRefused(f"{target}: {blocking} is a file, not a directory; {_HINT}.")
    _recover_interrupted(resolved)
    _check_contents(target, resolved, replace)


def _check_contents(target: Path, resolved: Path, replace: bool) -> None:
    if not resolved.exists():
        return
    if not resolved.is_dir():
        raise OutputRefused(f"{target}: exists and is not a directory; {_HINT}.")
    present = sorted(
        path.relative_to(resolved).as_posix()
        for path in resolved.rglob("*")
        if path.is_file() or path.is_symlink()
    )
    if not present and not any(resolved.iterdir()):
        return
    manifest = _read_manifest(resolved)
    if manifest is None:
        raise OutputRefused(
            f"{target}: is not empty and was not written by osteo-stats (no valid "
            f"{MANIFEST_NAME}); osteo-stats replaces only what it wrote itself; {_HINT}."
        )
    written = manifest["files"]
    foreign = [name for name in present if name != MANIFEST_NAME and name not in written]
    if foreign:
        raise OutputRefused(
            f"{target}: holds {_listed(foreign)}, not written by osteo-stats; replacing the "
            f"directory would delete them. Move them out, or {_HINT}."
        )
    changed = [
        name
        for name in present
        if name in written
        and (resolved / name).is_file()
        and _sha256(resolved / name) != written[name]
    ]
    if changed:
        raise OutputRefused(
            f"{target}: {_listed(changed)} changed since osteo-stats wrote it; replacing the "
            f"directory would lose the edit. Move the edited files out, or {_HINT}."
        )
    if not replace:
        command = " ".join(manifest.get("command") or []) or "osteo-stats"
        raise OutputRefused(
            f"{target}: already holds an output of `{command}`, kept as a record. Use --force to "
            "replace it, or choose another --out."
        )


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _recover_interrupted(target: Path) -> None:
    """Restore or remove what a killed run writing ``target`` left beside it.

    A set-aside previous output (``.old``) whose writer is dead comes back if ``target`` is
    missing (the kill came between the two renames of the swap), else it is removed; a dead
    writer's scratch directory is removed. Live writers' directories are left alone.
    """
    if target.parent.is_dir():
        with _locked(target.parent):
            _sweep_leftovers(target)


def _sweep_leftovers(target: Path) -> None:
    for entry in sorted(target.parent.iterdir()):
        match = _LEFTOVER.match(entry.name)
        if not match or match["name"] != target.name or not entry.is_dir():
            continue
        if entry.is_symlink() or _pid_alive(int(match["pid"])):
            continue
        if entry.name.endswith(".old") and not target.exists():
            os.replace(entry, target)
        else:
            shutil.rmtree(entry, ignore_errors=True)


@contextlib.contextmanager
def _locked(directory: Path) -> Iterator[None]:
    """An exclusive advisory lock on ``directory`` (held by one osteo-stats swap at a time)."""
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _write_manifest(scratch: Path, command: Sequence[str]) -> None:
    files = {
        path.relative_to(scratch).as_posix(): _sha256(path)
        for path in sorted(scratch.rglob("*"))
        if path.is_file()
    }
    manifest = {"written_by": "osteo-stats", "command": list(command), "files": files}
    (scratch / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


def _disk_error(target: Path, exc: OSError) -> OutputRefused:
    reason = exc.strerror or str(exc)
    return OutputRefused(
        f"{target}: could not write the output ({reason}); nothing was written. Free space or "
        "choose a writable --out."
    )


@contextlib.contextmanager
def atomic_output_dir(
    target: str | Path,
    *,
    command: Sequence[str] = (),
    replace: bool = True,
    keep_out: Mapping[Path, str] | None = None,
) -> Iterator[Path]:
    """Yield a scratch directory that becomes ``target`` only if the block completes.

    ``target`` must pass :func:`check_output_dir` (with ``replace`` and ``keep_out``), both
    before the block and again, under the lock, at the swap: a run that started while another
    was writing cannot replace what that one wrote unless ``replace`` allows it. On success
    :data:`MANIFEST_NAME` is added, recording ``command``. On any exception the scratch
    directory is removed and ``target`` is left as it was; an ``OSError`` (a full or
    read-only disk) becomes :class:`OutputRefused` with the reason.
    """
    target = Path(target)
    check_output_dir(target, replace=replace, keep_out=keep_out)
    target = target.resolve()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        scratch = Path(
            tempfile.mkdtemp(
                prefix=_SCRATCH.format(name=target.name, pid=os.getpid()),
                suffix=".tmp",
                dir=target.parent,
            )
        )
    except OSError as exc:
        raise _disk_error(target, exc) from exc
    try:
        yield scratch
        _write_manifest(scratch, command)
        # mkdtemp creates 0700; outputs are ordinary folders for the user and their team.
        os.chmod(scratch, 0o777 & ~_umask())
        with _locked(target.parent):
            # Checked again under the lock: another run may have written target meanwhile.
            _sweep_leftovers(target)
            _check_contents(target, target, replace)
            _swap(scratch, target)
    except OSError as exc:
        shutil.rmtree(scratch, ignore_errors=True)
        raise _disk_error(target, exc) from exc
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise


def _swap(scratch: Path, target: Path) -> None:
    if not target.exists():
        os.replace(scratch, target)
        return
    aside = target.with_name(f"{_SCRATCH.format(name=target.name, pid=os.getpid())}old")
    os.replace(target, aside)
    try:
        os.replace(scratch, target)
    except BaseException:
        os.replace(aside, target)
        raise
    shutil.rmtree(aside, ignore_errors=True)


def _file_manifest(target: Path) -> Path:
    return target.with_name(f"{target.name}.{MANIFEST_NAME}")


def check_output_file(target: str | Path, *, keep_out: Mapping[Path, str] | None = None) -> None:
    """Raise :class:`OutputRefused` unless osteo-stats may write the single file ``target``.

    The directory rule, for one file: never through a link, never inside ``keep_out`` (the input
    data), and an existing file only if its manifest (``<name>.osteo-stats-manifest.json``
    beside it) lists it with its current SHA-256.
    """
    target = Path(target)
    hint = "choose a new file name"
    if target.is_symlink():
        raise OutputRefused(
            f"{target}: is a symbolic link (to {os.readlink(target)}); osteo-stats never writes "
            f"through a link; {hint}."
        )
    resolved = target.resolve()
    for path, what in (keep_out or {}).items():
        if _contains(Path(path).resolve(), resolved):
            raise OutputRefused(
                f"{target}: is inside {what} ({path}), which osteo-stats never changes; {hint}."
            )
    if not target.exists():
        return
    if not target.is_file():
        raise OutputRefused(f"{target}: exists and is not a file; {hint}.")
    manifest = _read_manifest_file(_file_manifest(target))
    if manifest is None or target.name not in manifest["files"]:
        raise OutputRefused(
            f"{target}: exists and was not written by osteo-stats (no valid "
            f"{_file_manifest(target).name} beside it); osteo-stats replaces only what it wrote "
            f"itself; {hint}."
        )
    if _sha256(target) != manifest["files"][target.name]:
        raise OutputRefused(
            f"{target}: changed since osteo-stats wrote it; replacing it would lose the edit. "
            f"Move it, or {hint}."
        )


def atomic_output_file(
    target: str | Path,
    data: bytes,
    *,
    command: Sequence[str] = (),
    keep_out: Mapping[Path, str] | None = None,
) -> None:
    """Write ``data`` to the single file ``target`` under :func:`check_output_file`'s rule.

    The file is written atomically, then its manifest; a run killed between the two leaves a
    file its manifest does not match, which the next run refuses to replace (never the reverse).
    """
    target = Path(target)
    check_output_file(target, keep_out=keep_out)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with _locked(target.parent):
            check_output_file(target, keep_out=keep_out)  # again: another run may have written it
            atomic_write_bytes(target, data)
            manifest = {
                "written_by": "osteo-stats",
                "command": list(command),
                "files": {target.name: hashlib.sha256(data).hexdigest()},
            }
            atomic_write_text(_file_manifest(target), json.dumps(manifest, indent=2) + "\n")
    except OSError as exc:
        raise _disk_error(target, exc) from exc
