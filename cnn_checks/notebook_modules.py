"""Use the functions of your other notebooks as modules, in the course's
notebooks: `conv, optim = import_notebooks("conv", "optim")` reads
conv.ipynb and optim.ipynb from the current folder and returns them as
modules (`conv.conv2d`, `optim.Adam`).

A module holds the code cells of its notebook, in order, except the
visible-check cells (nbgrader's graded, read-only cells): the same module
the grader assembles from the notebook. `%run padding.ipynb` becomes
`from padding import *` (padding.ipynb imported first, the same way);
other shell and magic lines (`!pip`, `%time`) are left out. A module
imported once is kept (in sys.modules).
"""
from __future__ import annotations

import json
import re
import sys
import types
from pathlib import Path

_RUN = re.compile(r"^\s*%run\s+(?:-\S+\s+)*([A-Za-z_][A-Za-z0-9_]*)\.(?:ipynb|py)\s*$")


def notebook_source(path: Path) -> str:
    """The module a notebook stands for: its code cells but the check cells."""
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    chunks = []
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade") and not meta.get("solution"):
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else source
        lines = []
        for line in source.splitlines():
            run = _RUN.match(line)
            if run:
                lines.append(f"from {run.group(1)} import *")
            elif not line.lstrip().startswith(("%", "!")):
                lines.append(line)
        chunks.append("\n".join(lines))
    return "\n\n\n".join(chunks) + "\n"


def import_notebook(name: str, folder: Path | None = None) -> types.ModuleType:
    """`name`.ipynb (in `folder`, default the current one) as a module `name`."""
    if name in sys.modules:
        return sys.modules[name]
    path = Path(folder or Path.cwd()) / f"{name}.ipynb"
    if not path.is_file():
        raise ImportError(f"no module {name}.py and no notebook {path}")
    source = notebook_source(path)
    for needed in re.findall(r"^from (\w+) import \*$", source, flags=re.M):
        if needed != name and (path.parent / f"{needed}.ipynb").is_file():
            import_notebook(needed, path.parent)
    module = types.ModuleType(name)
    module.__file__ = str(path)
    sys.modules[name] = module
    try:
        exec(compile(source, str(path), "exec"), module.__dict__)
    except BaseException:
        del sys.modules[name]
        raise
    return module


def import_notebooks(*names: str, folder: Path | None = None) -> list[types.ModuleType]:
    """Several notebooks as modules, in the order named."""
    return [import_notebook(name, folder) for name in names]
