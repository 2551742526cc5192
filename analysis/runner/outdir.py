"""The output folder: which folders the runner may replace, the marker of its builds, the lock,
and what a killed build left beside the folder."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from .. import __version__
from .. import params as _params
from .. import paths as _paths
from .errors import OutputRefused, shown_path

if TYPE_CHECKING:
    from .plan import Plan

#: Written into every report the runner builds: what built it, and every file it wrote.
MARKER_NAME = ".dstc-report.json"
BUILT_BY = "python -m analysis report"
#: The longest name the runner derives from an output folder's name: ``.NAME.building-XXXXXXXX``.
DERIVED_NAME_EXTRA_BYTES = len("..building-") + 8


def _protected_folders(data_dir: Path | str | None) -> dict[Path, str]:
    """Folders a report may never be written into (nor be): the project's own files."""
    folders = {
        Path(data_dir) if data_dir is not None else _paths.DATA_DIR: "the data folder",
        _paths.NOTEBOOKS_DIR: "the notebooks folder",
    }
    folders.update({_paths.REPO_ROOT / name: f"{name}/" for name in ("data", "notebooks", "analysis", "tests", ".git")})
    return {p.resolve(): what for p, what in folders.items()}


def read_marker(folder: Path) -> dict | None:
    """The marker of a report this runner built in ``folder``, or None."""
    try:
        marker = json.loads((folder / MARKER_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(marker, dict) or marker.get("built_by") != BUILT_BY or not isinstance(marker.get("files"), list):
        return None
    return marker


def _iter_files(folder: Path) -> Iterable[str]:
    """Every file (and symbolic link, and special file) under ``folder``, as relative paths, lazily."""
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        for name in sorted(files) + [d for d in dirs if os.path.islink(os.path.join(root, d))]:
            yield Path(os.path.relpath(os.path.join(root, name), folder)).as_posix()


def files_in(folder: Path) -> list[str]:
    return sorted(_iter_files(folder))


def _empty_folders(folder: Path) -> Iterable[str]:
    """Every folder under ``folder`` that holds nothing at all, as relative paths ending in ``/``, lazily."""
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        if root != os.fspath(folder) and not dirs and not files:
            yield Path(os.path.relpath(root, folder)).as_posix() + "/"


def foreign_content(folder: Path) -> str | None:
    """Why ``folder`` is not the runner's to replace, or None when it is empty or a report it built.

    A report it built holds :data:`MARKER_NAME` and no file the marker does not list (a reader's
    notes dropped into a report folder are not deleted either). A folder counts as content: a
    folder of empty folders is not empty, and a report holding a folder it did not write is not
    the runner's to replace.
    """
    marker = read_marker(folder)
    if marker is None:  # the first entry is enough to refuse (and the folder may be huge)
        with os.scandir(folder) as entries:
            first = min((e.name + ("/" if e.is_dir(follow_symlinks=False) else "") for e in entries), default=None)
        return (
            None
            if first is None
            else f"it holds {_params.shown_value(first, 50)} and no {MARKER_NAME} marker of a report"
        )
    extra = sorted(set(files_in(folder)) - set(marker["files"]) - {MARKER_NAME}) + sorted(_empty_folders(folder))
    if extra:
        more = f" and {len(extra) - 1} more" if len(extra) > 1 else ""
        return f"it holds {_params.shown_value(extra[0], 50)}{more}, which the report there did not write"
    return None


def _name_max(path: Path) -> int:
    try:
        return os.pathconf(path, "PC_NAME_MAX")
    except (OSError, ValueError):
        return 255


def check_out_dir(out: Path | str, data_dir: Path | str | None = None) -> Path:
    """The output folder, absolute, if the runner may build into it; else a one-line OutputRefused.

    Refused: an empty path; a file, device or other non-folder; a symbolic link; ``/``, the home
    folder, the repository itself; anything inside ``data/``, ``notebooks/``, ``analysis/``,
    ``tests/``, ``.git`` or inside another report; a folder holding files this runner did not
    write (:func:`foreign_content`); a name too long for the file system; a destination the
    process cannot write to.
    """
    text = os.fspath(out)
    if not text.strip():
        raise OutputRefused("--out must name a folder, got an empty path; e.g. --out reports/my-run")
    if "\0" in text:
        raise OutputRefused("--out must not contain a NUL character")
    shown = _params.shown_value(text, 200)
    absolute = Path(os.path.abspath(text))
    if absolute.is_symlink():
        raise OutputRefused(
            f"--out {shown} is a symbolic link; give a real folder (the runner replaces the folder, "
            "which would replace the link)"
        )
    try:
        target = absolute.resolve()
    except (OSError, RuntimeError) as err:
        raise OutputRefused(f"--out {shown}: cannot be resolved ({err})") from None
    existing = target
    while not os.path.lexists(existing):
        existing = existing.parent
    name_max = _name_max(existing if existing.is_dir() else existing.parent)
    for part in target.parts[1:-1]:
        if len(part.encode()) > name_max:
            raise OutputRefused(
                f"--out {shown}: a folder name of {len(part.encode())} bytes is too long for the file system "
                f"(at most {name_max}); choose a shorter path"
            )
    if len(target.name.encode()) + DERIVED_NAME_EXTRA_BYTES > name_max:
        raise OutputRefused(
            f"--out {shown}: the folder name is {len(target.name.encode())} bytes, too long for the file system "
            f"(at most {name_max - DERIVED_NAME_EXTRA_BYTES} here); choose a shorter name"
        )
    if len(os.fsencode(target)) + 200 > 4096:
        raise OutputRefused(f"--out {shown}: the path is too long for the file system; choose a shorter path")
    for folder, what in (
        (Path("/"), "the file system root"),
        (Path.home().resolve(), "your home folder"),
        (_paths.REPO_ROOT.resolve(), "the repository itself"),
    ):
        if target == folder:
            raise OutputRefused(f"--out {shown} is {what}; choose a folder of its own, e.g. reports/my-run")
    for folder, what in _protected_folders(data_dir).items():
        if target == folder or folder in target.parents:
            raise OutputRefused(
                f"--out {shown} is inside {what}, which holds the project's own files; "
                "choose a folder of its own, e.g. reports/my-run"
            )
    for parent in target.parents:
        if read_marker(parent) is not None:
            raise OutputRefused(f"--out {shown} is inside the report {shown_path(parent)}; choose a folder outside it")
    if os.path.lexists(target):
        mode = os.lstat(target).st_mode
        if not stat.S_ISDIR(mode):
            kind = "a file" if stat.S_ISREG(mode) else "a device or other special file"
            raise OutputRefused(f"--out {shown} is {kind}, not a folder; the runner never replaces it")
        problem = foreign_content(target)
        if problem:
            raise OutputRefused(
                f"--out {shown} is a folder the runner did not make ({problem}); "
                "choose a new or empty folder, or move its files away yourself"
            )
    elif not existing.is_dir():
        raise OutputRefused(f"--out {shown}: {shown_path(existing)} is a file, not a folder")
    writable = target.parent if target.parent.exists() else existing
    if not os.access(writable, os.W_OK | os.X_OK):
        raise OutputRefused(
            f"--out {shown}: cannot write in {shown_path(writable)} (no permission, or a read-only "
            "file system); choose a folder you can write to"
        )
    return target


def marker_json(plan: Plan, files: Iterable[str]) -> str:
    """The marker a build writes: what built it, for which scenario, and every file it wrote (no timestamps)."""
    marker = {
        "built_by": BUILT_BY,
        "report_version": __version__,
        "scenario": plan.scenario.name,
        "files": sorted(set(files) - {MARKER_NAME}),
    }
    return json.dumps(marker, indent=1, ensure_ascii=False) + "\n"


def write_marker(folder: Path, plan: Plan) -> None:
    (folder / MARKER_NAME).write_text(marker_json(plan, files_in(folder)), encoding="utf-8")


#: What a lock file of this runner holds after its holder's pid.
LOCK_TEXT = f" {BUILT_BY}\n"


class OutputLock:
    """One build per output folder at a time: an ``flock`` on ``.<name>.lock`` beside the folder.

    The operating system releases the lock when the process ends, however it ends, so a crashed
    build never leaves the folder locked. A second build is refused at once with the holder's pid.

    The lock file is the runner's own: it is created with ``O_EXCL`` and opened with
    ``O_NOFOLLOW``, so a symbolic link or any other file at that name is refused, never followed,
    truncated or removed. A lock file a killed build left (it holds a pid and :data:`LOCK_TEXT`, or
    nothing) is taken over. The file is removed on release if it is still the one locked; a build
    that opened it just before checks, once it holds the lock, that the file it locked is still
    the one at that path.
    """

    def __init__(self, out_dir: Path):
        self.out_dir = out_dir
        self.path = out_dir.parent / f".{out_dir.name}.lock"
        self.fd: int | None = None

    def _refuse_not_ours(self, what: str) -> OutputRefused:
        return OutputRefused(
            f"{shown_path(self.path)} is {what}, not a lock file of this runner; "
            "the runner leaves it as it is: move it away or choose another --out"
        )

    def _open(self) -> tuple[int, bool] | None:
        """``(fd, created)`` for the lock file, or None if it vanished meanwhile (try again)."""
        flags = os.O_RDWR | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
        try:
            return os.open(self.path, flags | os.O_CREAT | os.O_EXCL, 0o644), True
        except FileExistsError:
            pass
        except OSError as err:
            raise OutputRefused(
                f"cannot write in {shown_path(self.path.parent)} ({err.strerror}); choose a folder you can write to"
            ) from None
        try:
            return os.open(self.path, flags | getattr(os, "O_NONBLOCK", 0)), False
        except FileNotFoundError:
            return None
        except OSError as err:
            if err.errno == errno.ELOOP or os.path.islink(self.path):
                raise self._refuse_not_ours("a symbolic link") from None
            raise OutputRefused(f"cannot open {shown_path(self.path)} ({err.strerror})") from None

    def acquire(self) -> OutputLock:
        import fcntl

        while True:
            opened = self._open()
            if opened is None:
                continue
            fd, created = opened
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                os.close(fd)
                raise self._refuse_not_ours("not a regular file")
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as err:
                holder = os.read(fd, 32).decode("ascii", "replace").split(" ")[0].strip()
                os.close(fd)
                if err.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                    raise OutputRefused(f"cannot lock {shown_path(self.path)} ({err.strerror})") from None
                pid = f" (pid {holder})" if holder.isdigit() else ""
                raise OutputRefused(
                    f"another build is writing {shown_path(self.out_dir)}{pid}; wait for it or choose another --out"
                ) from None
            if self._still_at_path(fd):
                break
            os.close(fd)  # the previous holder removed the file as we opened it: lock the new one
        if not created and not _is_lock_text(os.pread(fd, 200, 0)):
            os.close(fd)
            raise self._refuse_not_ours("a file with other content")
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}{LOCK_TEXT}".encode(), 0)
        self.fd = fd
        return self

    def _still_at_path(self, fd: int) -> bool:
        """Whether the file open as ``fd`` is (still) the one at :attr:`path`."""
        try:
            here, held = os.lstat(self.path), os.fstat(fd)
        except FileNotFoundError:
            return False
        return (here.st_dev, here.st_ino) == (held.st_dev, held.st_ino)

    def release(self) -> None:
        if self.fd is None:
            return
        if self._still_at_path(self.fd):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.path)
        os.close(self.fd)
        self.fd = None

    def __enter__(self) -> OutputLock:
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()


def _is_lock_text(content: bytes) -> bool:
    """Whether a file's content is what a lock of this runner holds: nothing, or a pid and :data:`LOCK_TEXT`.

    >>> _is_lock_text(b"123 python -m analysis report\\n"), _is_lock_text(b""), _is_lock_text(b"my notes")
    (True, True, False)
    """
    text = content.decode("ascii", "replace")
    pid, _, rest = text.partition(" ")
    return text == "" or (pid.isdigit() and " " + rest == LOCK_TEXT)


def make_building_folder(out_dir: Path, plan: Plan) -> Path:
    """A new temporary folder for a build of ``out_dir``, beside it, carrying the runner's marker.

    Named ``.<name>.building-XXXXXXXX``; only a folder of that name that carries the marker is
    ever removed by the runner (:func:`recover_leftovers`).
    """
    tmp = Path(tempfile.mkdtemp(dir=out_dir.parent, prefix=f".{out_dir.name}.building-"))
    try:
        tmp.chmod(0o777 & ~_umask())  # mkdtemp makes it private; the report is an ordinary folder
        write_marker(tmp, plan)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return tmp


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _remove_if_ours(folder: Path) -> None:
    """Remove a temporary folder if it carries the runner's marker, or is empty (made, then killed before marking)."""
    if folder.is_symlink() or not folder.is_dir():
        return
    if read_marker(folder) is not None:
        shutil.rmtree(folder, ignore_errors=True)
    else:
        with contextlib.suppress(OSError):
            folder.rmdir()  # only if it holds nothing at all


def recover_leftovers(out_dir: Path) -> None:
    """Tidy what a build of ``out_dir`` killed outright (SIGKILL, power cut) left beside it.

    Called with the folder's lock held, so no other build is using these names: temporary
    folders that carry the runner's marker are removed (and empty ones); an old output moved
    aside and never put back is restored. Anything else of those names is left alone.
    """
    parent, name = out_dir.parent, out_dir.name
    for entry in sorted(parent.iterdir()):
        if entry.name.startswith(f".{name}.building-"):
            _remove_if_ours(entry)
    olds = [
        e for e in sorted(parent.iterdir()) if e.name.startswith(f".{name}.old-") and e.is_dir() and not e.is_symlink()
    ]
    for old in olds:
        if not os.path.lexists(out_dir) and read_marker(old) is not None:
            old.rename(out_dir)
        elif read_marker(old) is not None:
            shutil.rmtree(old, ignore_errors=True)


#: The names a build of ``NAME`` gives its leftovers: ``.NAME.lock``, ``.NAME.building-*``,
#: ``.NAME.old-*`` and ``NAME.failed`` / ``NAME.failed-*``.
_LEFTOVER_NAME = re.compile(r"\.(?P<hidden>.+)\.(?:lock|building-.+|old-.+)|(?P<failed>.+)\.failed(?:-.+)?")


def clean(parent: Path | str) -> list[str]:
    """``make clean``: tidy every build's leftovers in ``parent`` (e.g. ``reports/``), and nothing else.

    For each output folder name found there, with its lock taken (a folder a build is writing
    now is skipped): :func:`recover_leftovers`, then the failed builds kept for inspection
    (``NAME.failed`` and ``NAME.failed-XXXXXXXX``, if they carry the marker) are removed. The
    lock files taken are removed on release. Reports, and anything the runner did not make, are
    left alone.

    Returns
    -------
    list of str
        The names removed or put back, for the log.
    """
    parent = Path(parent)
    if not parent.is_dir():
        return []
    before = set(os.listdir(parent))
    names = {m.group("hidden") or m.group("failed") for m in map(_LEFTOVER_NAME.fullmatch, before) if m}
    for name in sorted(names):
        out_dir = parent / name
        try:
            lock = OutputLock(out_dir).acquire()
        except OutputRefused:
            continue  # a build is writing it, or the name is taken by something not ours
        try:
            recover_leftovers(out_dir)
            for entry in sorted(parent.iterdir()):
                if entry.name == f"{name}.failed" or entry.name.startswith(f"{name}.failed-"):
                    if entry.is_dir() and not entry.is_symlink() and read_marker(entry) is not None:
                        shutil.rmtree(entry, ignore_errors=True)
        finally:
            lock.release()
    return sorted(before.symmetric_difference(os.listdir(parent)))
