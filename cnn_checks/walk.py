"""Walking a submission folder, bounded: the one way every part of the
grader lists, measures or reads a student's folder tree.

A submission is untrusted data, its shape included: a chain of folders a
thousand deep, a million files, a file name that is not UTF-8, a sparse
file of many GiB, a named pipe or a link to /dev/zero. `walk` never
recurses (no RecursionError), never follows a link, stops at a depth, a
number of entries and a deadline, and raises `SubmissionTooLarge` with a
message for the student when one is exceeded; `read_regular` reads a
regular file only (opened non-blocking, checked with fstat), up to a cap.
`readable` turns any name (or message holding one) into text that UTF-8
can hold, so writing it never fails.
"""
from __future__ import annotations

import errno
import os
import stat
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

#: How deep folders may nest in a submission (a folder at its top is at
#: level 1).
MAX_DEPTH = 32
#: The most files and folders a submission may hold.
MAX_ENTRIES = 10_000
#: The most bytes of regular files a submission may hold (the files' sizes,
#: as the file system reports them: a sparse file counts at its full size).
MAX_BYTES = 64 << 20
#: The most seconds one walk (and the reading that goes with it) may take.
MAX_SECONDS = 30.0


class SubmissionTooLarge(ValueError):
    """A submission beyond one of the walk's bounds; the message says which,
    in words for the student."""


@dataclass(frozen=True)
class Entry:
    """One file or folder met by `walk`: its path relative to the top
    ('/'-separated; a name that is not UTF-8 keeps its bytes as
    surrogate escapes, see `readable`), its full path, its depth (1 for
    the top's own entries) and its lstat."""

    rel: str
    path: str
    depth: int
    st: os.stat_result

    @property
    def name(self) -> str:
        return self.rel.rsplit("/", 1)[-1]

    @property
    def is_dir(self) -> bool:
        return stat.S_ISDIR(self.st.st_mode)

    @property
    def is_file(self) -> bool:
        return stat.S_ISREG(self.st.st_mode)

    @property
    def is_link(self) -> bool:
        return stat.S_ISLNK(self.st.st_mode)


@dataclass
class Bounds:
    """The walk's limits; `deadline` is a time.monotonic() value (None: the
    walk's own MAX_SECONDS from its start)."""

    depth: int = MAX_DEPTH
    entries: int = MAX_ENTRIES
    bytes: int = MAX_BYTES
    deadline: float | None = None

    def started(self) -> Bounds:
        """These bounds with the deadline set, when it was not."""
        if self.deadline is not None:
            return self
        return Bounds(self.depth, self.entries, self.bytes, time.monotonic() + MAX_SECONDS)

    def check_time(self) -> None:
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise SubmissionTooLarge("the submission took too long to read (its folder tree is too "
                                     "large or its files cannot be read quickly)")


_CONTROL = [*range(0x20), 0x7F, *range(0x80, 0xA0)]
_NO_CONTROL = dict.fromkeys(_CONTROL, "\ufffd")
_NO_CONTROL_BUT_LINES = {c: r for c, r in _NO_CONTROL.items() if chr(c) not in "\n\t"}


def _utf8(text: str) -> str:
    """`text` with bytes that were not UTF-8 (surrogate escapes) and lone
    surrogates as U+FFFD."""
    try:
        raw = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a surrogate that is no escaped byte
        raw = text.encode("utf-8", "surrogatepass")
    return raw.decode("utf-8", "replace")


def readable(text: str, limit: int = 200) -> str:
    """`text` as text any UTF-8 writer accepts and any reader sees plainly:
    bytes that were not UTF-8 (surrogate escapes), lone surrogates and
    control characters (a newline in a file name) become U+FFFD, and a
    text longer than `limit` characters is cut with an ellipsis."""
    clean = _utf8(text).translate(_NO_CONTROL)
    return clean if len(clean) <= limit else clean[:limit - 1] + "\u2026"


def readable_message(text: str) -> str:
    """A message of any length and lines that UTF-8 can hold: like
    `readable`, but keeping newlines and tabs, and uncut."""
    return _utf8(text).translate(_NO_CONTROL_BUT_LINES)


def _refuse_long_paths(exc: OSError) -> None:
    """A path too long to open: what lies there could not be fingerprinted
    (or graded) either, so the submission is refused."""
    if exc.errno == errno.ENAMETOOLONG:
        raise SubmissionTooLarge("the submission has paths longer than the file system allows: "
                                 "hand in the module files only") from None


def _sorted_entries(folder: str, bounds: Bounds, seen: int) -> list[os.DirEntry]:
    """The folder's entries by name, raising as soon as they would take the
    walk past its count (a folder of millions is never read whole)."""
    found = []
    try:
        with os.scandir(folder) as it:
            for entry in it:
                found.append(entry)
                if seen + len(found) > bounds.entries:
                    raise SubmissionTooLarge(f"the submission holds more than {bounds.entries:,} "
                                             f"files and folders")
    except OSError as exc:
        _refuse_long_paths(exc)
        return []  # unreadable (no permission): nothing of it can be graded either
    return sorted(found, key=lambda e: e.name)


def walk(folder: str | Path, bounds: Bounds | None = None, *, skip: frozenset[str] = frozenset(),
         skip_hidden: bool = False, deeper: str = "raise") -> Iterator[Entry]:
    """Every file and folder under `folder`, depth first, each folder's
    entries by name (a folder before what it holds). Never follows a link,
    never opens a file. `skip`: names left out with everything below them;
    `skip_hidden`: leave out names that start with a dot. A folder deeper
    than `bounds.depth`: SubmissionTooLarge (`deeper="raise"`) or not
    entered (`deeper="skip"`); more than `bounds.entries` entries or past
    the deadline: SubmissionTooLarge."""
    bounds = (bounds or Bounds()).started()
    top = os.fspath(folder)
    seen = 0
    stack: list[tuple[str, int, Iterator[os.DirEntry]]] = [
        ("", 1, iter(_sorted_entries(top, bounds, seen)))]
    while stack:
        rel_dir, depth, entries = stack[-1]
        entry = next(entries, None)
        if entry is None:
            stack.pop()
            continue
        if entry.name in skip or (skip_hidden and entry.name.startswith(".")):
            continue
        seen += 1
        bounds.check_time()
        try:
            st = entry.stat(follow_symlinks=False)
        except OSError as exc:
            _refuse_long_paths(exc)
            continue
        rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
        found = Entry(rel, entry.path, depth, st)
        yield found
        if found.is_dir:
            if depth > bounds.depth:
                if deeper == "skip":
                    continue
                top_folder = readable(rel.split("/", 1)[0], 60)
                raise SubmissionTooLarge(f"the submission has a folder tree deeper than {bounds.depth} "
                                         f"levels (in {top_folder}/): hand in the module files only")
            inner = _sorted_entries(entry.path, bounds, seen)
            stack.append((rel, depth + 1, iter(inner)))


def measure(folder: str | Path, bounds: Bounds | None = None) -> list[Entry]:
    """Every entry of the submission (`walk`, __pycache__ left out), after
    checking that its regular files hold at most `bounds.bytes` in all;
    raises SubmissionTooLarge otherwise. Reads no file."""
    bounds = (bounds or Bounds()).started()
    entries, total = [], 0
    for entry in walk(folder, bounds, skip=frozenset({"__pycache__"})):
        entries.append(entry)
        if entry.is_file:
            total += entry.st.st_size
            if total > bounds.bytes:
                raise SubmissionTooLarge(
                    f"the submission holds more than {bounds.bytes >> 20} MiB of files "
                    f"({readable(entry.rel, 80)} alone is {_size(entry.st.st_size)}): hand in the "
                    f"module files only")
    return entries


def _size(n: int) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:,} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return f"{n} bytes"  # pragma: no cover


def read_regular(path: str | Path, limit: int, bounds: Bounds | None = None) -> bytes | None:
    """The bytes of `path` when it is a regular file (not a link, a pipe or a
    device: opened non-blocking without following a link, checked with
    fstat) of at most `limit` bytes, read in chunks within the bounds'
    deadline; None when it is anything else, larger, or unreadable."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
            return None
        chunks, size = [], 0
        while size <= limit:
            if bounds is not None:
                bounds.check_time()
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        return None if size > limit else b"".join(chunks)
    except OSError:
        return None
    finally:
        os.close(fd)


def python_files(folder: str | Path, bounds: Bounds | None = None) -> list[str]:
    """The names of the .py files at the top of `folder` (no folder below
    is entered, hidden names left out, as a glob for *.py), by name;
    raises SubmissionTooLarge when the folder holds more than
    `bounds.entries` entries."""
    b = bounds or Bounds()
    return [e.name for e in walk(folder, Bounds(0, b.entries, b.bytes, b.deadline), deeper="skip",
                                  skip_hidden=True)
            if e.depth == 1 and e.name.endswith(".py") and not e.is_dir]
