"""Writing outputs: atomic, and never touching what osteo-stats did not write itself.

Files are written to a temporary sibling and renamed into place. A whole output directory is
assembled in a scratch sibling and swapped in only when every file is complete, so a failed run
leaves neither partial nor stale files.

One rule decides whether a directory may be written (:func:`check_output_dir`), for every
command:

- every output directory carries :data:`MANIFEST_NAME`, listing the files the command wrote with
  their SHA-256 and the command line; an existing directory is replaced only when it is empty or
  holds exactly such files, unchanged. Anything the user added (a file, an empty folder, a named
  pipe, a link), or a file edited since, is never removed;
- the current directory, the input data, and any directory containing them, are never outputs;
- a symbolic link is never written through (the swap would replace the link, or worse, its
  target's contents), nor one at a folder the command makes below ``--out`` (``OUT/dmc``);
- names and paths stay within the file system's NAME_MAX and PATH_MAX, counting the hidden
  names written beside the target, checked before any system call sees the path;
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
import errno
import fcntl
import hashlib
import json
import os
import re
import shutil
import stat
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path, PurePosixPath

from osteo_stats.errors import OutputRefused
from osteo_stats.load.issues import safe_text
from osteo_stats.userfiles import MAX_MANIFEST_BYTES, read_user_file

__all__ = [
    "MANIFEST_NAME",
    "atomic_output_dir",
    "atomic_output_file",
    "atomic_write_bytes",
    "atomic_write_text",
    "check_output_dir",
    "check_output_file",
    "check_output_path",
    "output_sha256",
    "read_manifest",
    "shown_path",
]

#: Written into every output directory: what osteo-stats wrote there, so only that is replaced.
MANIFEST_NAME = "osteo-stats-manifest.json"

_HINT = "choose a new or empty directory with --out"
_SCRATCH = ".osteo-stats.{name}.{pid}."
_LEFTOVER = re.compile(r"^\.osteo-stats\.(?P<name>.+)\.(?P<pid>\d+)\.(?:[^.]+\.tmp|old)$")
#: What tempfile adds to a prefix: 8 random characters, then our ".tmp" suffix.
_TEMP_TAIL = len("XXXXXXXX.tmp")
#: Room kept for the files inside an output folder, in bytes of path below it, with the temporary
#: name each is written under first (".<name>.XXXXXXXX.tmp"): the longest osteo-stats writes is
#: 35 bytes (PROMIS_dmc-open_<cut-off>_tlfs.rtf), 49 with that name; kept well above.
_CONTENT_RESERVE = 100
#: Where a file system does not say (os.pathconf fails): the Linux values.
_NAME_MAX, _PATH_MAX = 255, 4096


def shown_path(path: str | Path) -> str:
    """A path for a message: control, format and odd space characters escaped (``\\x1b``).

    A newline or ESC in a folder name would otherwise break or drive the user's terminal.
    """
    return safe_text(str(path), limit=sys.maxsize)


def _short(name: str | Path, width: int = 40) -> str:
    """An over-long name or path for a message: its start and its end."""
    shown = shown_path(name)
    return shown if len(shown) <= width else f"{shown[: width // 2]}…{shown[-width // 4 :]}"


def _fs_limits(path: Path) -> tuple[int, int]:
    """NAME_MAX and PATH_MAX (bytes) of the file system that holds, or will hold, ``path``."""
    for ancestor in (path, *path.parents):
        try:
            return os.pathconf(ancestor, "PC_NAME_MAX"), os.pathconf(ancestor, "PC_PATH_MAX")
        except (OSError, ValueError):
            continue
    return _NAME_MAX, _PATH_MAX


def _check_path_limits(
    target: Path, last_extra: int, beside: str, content: int, hint: str = _HINT
) -> Path:
    """Refuse ``target`` if it, or a name osteo-stats writes for it, is over the system's limits.

    ``last_extra`` is how many bytes the longest hidden name written beside ``target`` adds to
    its name (``beside`` shows that name); ``content`` is the room kept below it for its files.
    Checked by bytes (NAME_MAX and PATH_MAX count bytes), before any system call sees the path:
    an over-long name is otherwise an ``OSError`` wherever it is first touched. Returns the
    absolute path.
    """
    absolute = Path(os.path.abspath(target))
    name_max, path_max = _fs_limits(absolute)
    shown = _short(target, 160)
    for part in absolute.parts[1:-1]:
        size = len(os.fsencode(part))
        if size > name_max:
            raise OutputRefused(
                f"{shown}: the folder name '{_short(part)}' is {size} bytes, over this file "
                f"system's limit of {name_max} bytes for a name (NAME_MAX); {hint}."
            )
    size = len(os.fsencode(absolute.name))
    if size + last_extra > name_max:
        raise OutputRefused(
            f"{shown}: the name '{_short(absolute.name)}' is {size} bytes; osteo-stats writes "
            f"it first under a hidden name {last_extra} bytes longer ({beside}), so it may be "
            f"at most {name_max - last_extra} bytes on this file system (NAME_MAX "
            f"{name_max}); {hint}."
        )
    # PATH_MAX counts the terminating NUL; the deepest path is a file in the hidden scratch.
    size = len(os.fsencode(str(absolute)))
    allowed = path_max - 1 - last_extra - content
    if size > allowed:
        raise OutputRefused(
            f"{shown}: the path is {size} bytes (as a full path); with the hidden "
            f"name written beside it ({beside}) and room for the files inside, it may be at "
            f"most {max(allowed, 0)} bytes on this file system (PATH_MAX {path_max}); {hint}."
        )
    return absolute


def _check_dir_limits(target: Path) -> Path:
    # The widest PID (Linux allows up to 2**22, 7 digits), so the limit does not vary by run.
    extra = len(_SCRATCH.format(name="", pid=2**22)) + _TEMP_TAIL
    beside = _SCRATCH.format(name="<name>", pid="<pid>") + "XXXXXXXX.tmp"
    hint = "choose a shorter or less deeply nested --out"
    return _check_path_limits(target, extra, beside, _CONTENT_RESERVE, hint)


def _make_dirs(path: Path) -> None:
    """``mkdir -p`` without recursion (``Path.mkdir(parents=True)`` recurses once a level and
    fails past about 1,000 levels, which the file system allows)."""
    missing = []
    for folder in (path, *path.parents):
        if folder.is_dir():
            break
        missing.append(folder)
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):
            folder.mkdir()


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see either the old file or the new one."""
    path = Path(path)
    _make_dirs(path.parent)
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


def output_sha256(path: Path) -> str:
    """SHA-256 of a file osteo-stats wrote, as its manifest records it (read in blocks: an
    output has no size bound)."""
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
    root: str | Path | None = None,
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
    root
        The folder the user named when ``target`` lies below it in folders osteo-stats makes
        (``OUT`` for ``OUT/dmc/<cut-off>``): none of those may be a symbolic link either.
    """
    target = Path(target)
    _check_dir_limits(target)
    try:
        _check_dir(target, replace, keep_out, root)
    except OSError as exc:  # a folder we may not read, say: a message, not a traceback
        raise OutputRefused(
            f"{shown_path(target)}: cannot be checked ({exc.strerror or exc}); nothing was "
            f"written; {_HINT}."
        ) from exc


def check_output_path(target: str | Path, *, root: str | Path | None = None) -> None:
    """The part of :func:`check_output_dir` that needs no contents: the file system's limits on
    names and paths, and no symbolic link at ``target`` or between ``root`` and it.

    For a command that knows its output folder's name only later (a report's cut-off) but
    should refuse an impossible ``--out`` before the slow work.
    """
    target = Path(target)
    _check_dir_limits(target)
    try:
        _check_no_link(target, root)
    except OSError as exc:
        raise OutputRefused(
            f"{shown_path(target)}: cannot be checked ({exc.strerror or exc}); {_HINT}."
        ) from exc


def _check_dir(
    target: Path, replace: bool, keep_out: Mapping[Path, str] | None, root: str | Path | None
) -> None:
    _check_no_link(target, root)
    resolved = target.resolve()
    protected = {Path.cwd().resolve(): "the current directory"}
    protected.update({Path(path).resolve(): what for path, what in (keep_out or {}).items()})
    for path, what in protected.items():
        if _contains(resolved, path):
            relation = "is" if resolved == path else "contains"
            raise OutputRefused(
                f"{shown_path(target)}: {relation} {what} ({shown_path(path)}); an output "
                f"directory is replaced as a whole, so it can never be {what} or a folder above "
                f"it; {_HINT}."
            )
    blocking = next((p for p in resolved.parents if p.exists() and not p.is_dir()), None)
    if blocking is not None:
        raise OutputRefused(
            f"{shown_path(target)}: {shown_path(blocking)} is a file, not a directory; {_HINT}."
        )
    _recover_interrupted(resolved)
    _check_contents(target, resolved, replace)


def _check_no_link(target: Path, root: str | Path | None) -> None:
    """``target``, and each folder between ``root`` and it, must not be a symbolic link."""
    below = [target]
    if root is not None and _contains(Path(os.path.abspath(root)), Path(os.path.abspath(target))):
        top = Path(os.path.abspath(root))
        below += [p for p in Path(os.path.abspath(target)).parents if top in p.parents]
    for path in below:
        if path.is_symlink():
            raise OutputRefused(
                f"{shown_path(path)}: is a symbolic link (to {shown_path(os.readlink(path))}); "
                "osteo-stats never writes through a link, because replacing it would lose the "
                f"link or its target; {_HINT}."
            )


def _kind(path: Path) -> str:
    """What an entry that is not a regular file is, for a message."""
    mode = path.lstat().st_mode
    if stat.S_ISLNK(mode):
        return " (a symbolic link)"
    if stat.S_ISDIR(mode):
        return " (an empty folder)"
    if stat.S_ISFIFO(mode):
        return " (a named pipe)"
    if stat.S_ISSOCK(mode):
        return " (a socket)"
    return "" if stat.S_ISREG(mode) else " (a device)"


def _check_contents(target: Path, resolved: Path, replace: bool) -> None:
    if not resolved.exists():
        return
    if not resolved.is_dir():
        raise OutputRefused(f"{shown_path(target)}: exists and is not a directory; {_HINT}.")
    if not any(resolved.iterdir()):
        return
    manifest = _read_manifest(resolved)
    if manifest is None:
        raise OutputRefused(
            f"{shown_path(target)}: is not empty and was not written by osteo-stats (no valid "
            f"{MANIFEST_NAME}); osteo-stats replaces only what it wrote itself; {_HINT}."
        )
    written = manifest["files"]
    # Folders osteo-stats made hold the files it lists; every other entry is the user's, down
    # to an empty folder or a named pipe, and replacing the directory would delete it.
    folders = {parent.as_posix() for name in written for parent in PurePosixPath(name).parents}
    foreign = []
    for path in sorted(resolved.rglob("*")):
        name = path.relative_to(resolved).as_posix()
        link = path.is_symlink()
        if name in written or name == MANIFEST_NAME:
            if link or not path.is_file():  # ours replaced by a link, a pipe, a folder
                foreign.append(f"{shown_path(name)}{_kind(path)}")
            continue
        if not link and path.is_dir() and (name in folders or any(path.iterdir())):
            continue  # a folder of ours, or a folder of the user's whose contents are listed
        foreign.append(f"{shown_path(name)}{_kind(path)}")
    if foreign:
        raise OutputRefused(
            f"{shown_path(target)}: holds {_listed(foreign)}, not written by osteo-stats; "
            f"replacing the directory would delete them. Move them out, or {_HINT}."
        )
    changed = [
        shown_path(name)
        for name in written
        if (resolved / name).is_file()
        and not (resolved / name).is_symlink()
        and output_sha256(resolved / name) != written[name]
    ]
    if changed:
        raise OutputRefused(
            f"{shown_path(target)}: {_listed(sorted(changed))} changed since osteo-stats wrote "
            f"it; replacing the directory would lose the edit. Move the edited files out, or "
            f"{_HINT}."
        )
    if not replace:
        command = " ".join(manifest.get("command") or []) or "osteo-stats"
        raise OutputRefused(
            f"{shown_path(target)}: already holds an output of `{shown_path(command)}`, kept as "
            "a record. Use --force to replace it, or choose another --out."
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
    # An empty folder is not delivered: every folder of an output holds a file its manifest
    # lists, so that an empty folder found there later is known to be the user's.
    for folder in sorted(scratch.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        if folder.is_dir() and not folder.is_symlink() and not any(folder.iterdir()):
            folder.rmdir()
    files = {
        path.relative_to(scratch).as_posix(): output_sha256(path)
        for path in sorted(scratch.rglob("*"))
        if path.is_file()
    }
    manifest = {"written_by": "osteo-stats", "command": list(command), "files": files}
    (scratch / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


def _disk_error(target: Path, exc: OSError) -> OutputRefused:
    reason = exc.strerror or str(exc)
    if exc.errno == errno.ENAMETOOLONG:  # past the checks of _check_path_limits: say which
        name_max, path_max = _fs_limits(target)
        return OutputRefused(
            f"{shown_path(target)}: could not write the output ({reason}: a name over "
            f"{name_max} bytes (NAME_MAX) or a path over {path_max} (PATH_MAX)); nothing was "
            "written. Choose a shorter --out."
        )
    return OutputRefused(
        f"{shown_path(target)}: could not write the output ({reason}); nothing was written. "
        "Free space or choose a writable --out."
    )


@contextlib.contextmanager
def atomic_output_dir(
    target: str | Path,
    *,
    command: Sequence[str] = (),
    replace: bool = True,
    keep_out: Mapping[Path, str] | None = None,
    root: str | Path | None = None,
) -> Iterator[Path]:
    """Yield a scratch directory that becomes ``target`` only if the block completes.

    ``target`` must pass :func:`check_output_dir` (with ``replace`` and ``keep_out``), both
    before the block and again, under the lock, at the swap: a run that started while another
    was writing cannot replace what that one wrote unless ``replace`` allows it. On success
    :data:`MANIFEST_NAME` is added, recording ``command``. On any exception the scratch
    directory is removed and ``target`` is left as it was; an ``OSError`` (a full or
    read-only disk) becomes :class:`OutputRefused` with the reason. ``root``: as in
    :func:`check_output_dir`.
    """
    given = Path(target)
    check_output_dir(given, replace=replace, keep_out=keep_out, root=root)
    target = given.resolve()
    try:
        _make_dirs(target.parent)
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
            _check_no_link(given, root)
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
    # The longest name written beside it: the manifest's temporary ".<name>.<manifest>.XXX.tmp".
    beside = f".<name>.{MANIFEST_NAME}.XXXXXXXX.tmp"
    _check_path_limits(target, len(beside) - len("<name>"), beside, 0, "choose a shorter name")
    try:
        _check_file(target, keep_out)
    except OSError as exc:
        raise OutputRefused(
            f"{shown_path(target)}: cannot be checked ({exc.strerror or exc}); nothing was "
            "written; choose a new file name."
        ) from exc


def _check_file(target: Path, keep_out: Mapping[Path, str] | None) -> None:
    shown = shown_path(target)
    hint = "choose a new file name"
    if target.is_symlink():
        raise OutputRefused(
            f"{shown}: is a symbolic link (to {shown_path(os.readlink(target))}); osteo-stats "
            f"never writes through a link; {hint}."
        )
    resolved = target.resolve()
    for path, what in (keep_out or {}).items():
        if _contains(Path(path).resolve(), resolved):
            raise OutputRefused(
                f"{shown}: is inside {what} ({shown_path(path)}), which osteo-stats never "
                f"changes; {hint}."
            )
    if not target.exists():
        return
    if not target.is_file():
        raise OutputRefused(f"{shown}: exists and is not a file; {hint}.")
    manifest = _read_manifest_file(_file_manifest(target))
    if manifest is None or target.name not in manifest["files"]:
        raise OutputRefused(
            f"{shown}: exists and was not written by osteo-stats (no valid "
            f"{shown_path(_file_manifest(target).name)} beside it); osteo-stats replaces only "
            f"what it wrote itself; {hint}."
        )
    if output_sha256(target) != manifest["files"][target.name]:
        raise OutputRefused(
            f"{shown}: changed since osteo-stats wrote it; replacing it would lose the edit. "
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
        _make_dirs(target.parent)
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
