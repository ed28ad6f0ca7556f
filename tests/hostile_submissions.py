"""Submission folders built to stop a whole batch rather than to raise a
score: what a student controls is the shape of their folder (its depth,
its file names, its files' sizes), and each of these once ended or stalled
`grader batch` for the whole class. Every builder makes a complete,
correct submission (a copy of the reference) plus its hostile part, so the
only reason to refuse it is the hostile part itself.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"

#: How deep the deep tree goes (well past Python's recursion limit).
DEEP_LEVELS = 1200
#: The sparse file's apparent size: it takes no disk, but reading it does take time.
SPARSE_BYTES = 16 << 30
#: A file name that is not UTF-8 (Latin-1 "é" followed by a lone byte).
NOT_UTF8 = b"r\xe9sum\xe9\xff.py"


def reference_copy(folder: Path) -> Path:
    """`folder` holding a copy of the reference's module files."""
    folder.mkdir(parents=True)
    for src in SOLUTIONS.glob("*.py"):
        if src.name != "__init__.py":
            shutil.copy(src, folder / src.name)
    return folder


def deep_tree(folder: Path, levels: int = DEEP_LEVELS) -> Path:
    """A reference copy with a chain of `levels` nested folders (d/d/d/...),
    built one level at a time relative to the last (no path gets long)."""
    reference_copy(folder)
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for _ in range(levels):
            os.mkdir("d", dir_fd=fd)
            inner = os.open("d", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = inner
        os.close(os.open("leaf.txt", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd))
    finally:
        os.close(fd)
    return folder


def not_utf8_name(folder: Path) -> Path:
    """A reference copy plus a file whose name is not UTF-8."""
    reference_copy(folder)
    with open(os.fsencode(folder) + b"/" + NOT_UTF8, "wb") as f:
        f.write(b"# a file whose name no UTF-8 text can hold\n")
    return folder


def not_utf8_layout(folder: Path) -> Path:
    """No module files at the top, only a folder and a file whose names are
    not UTF-8: the layout message must name them."""
    folder.mkdir(parents=True)
    inner = os.fsencode(folder) + b"/hw\xff"
    os.mkdir(inner)
    shutil.copy(SOLUTIONS / "padding.py", os.fsdecode(inner + b"/padding.py"))
    with open(inner + b"/" + NOT_UTF8, "wb") as f:
        f.write(b"x = 1\n")
    return folder


def sparse_file(folder: Path, size: int = SPARSE_BYTES) -> Path:
    """A reference copy plus a sparse file of `size` bytes (truncate: no disk)."""
    reference_copy(folder)
    with open(folder / "data.bin", "wb") as f:
        f.truncate(size)
    return folder


def not_utf8_folder(parent: Path) -> Path:
    """A reference copy in a folder whose own name (the student id) is not UTF-8."""
    folder = Path(os.fsdecode(os.fsencode(parent) + b"/stud\xe9nt"))
    return reference_copy(folder)


HOSTILE = {
    "deep": deep_tree,
    "badname": not_utf8_name,
    "badlayout": not_utf8_layout,
    "sparse": sparse_file,
}


def remove_tree(folder: Path) -> None:
    """Delete `folder` however deep it goes, without recursion
    (shutil.rmtree, and pytest's cleanup of old temporary folders with it,
    fails with RecursionError on the deep tree)."""
    stack = [(os.fspath(folder), False)]
    while stack:
        path, emptied = stack.pop()
        if emptied:
            os.rmdir(path)
            continue
        stack.append((path, True))
        with os.scandir(path) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    stack.append((entry.path, False))
                else:
                    os.unlink(entry.path)
