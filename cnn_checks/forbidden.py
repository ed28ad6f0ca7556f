"""The static check of a submission: which forbidden names (cnn_checks.policy)
a task's function can reach in its source.

"Implement convolution" is worth nothing when the submission hands the work
to `torch.nn.functional.conv2d` or `scipy.signal.correlate2d`. This module
reads a submission's source with `ast` (it never imports or runs it) and
reports, per task, every forbidden name the task's function can reach:

- in the function itself (for an optimizer class: in any of its methods),
- in the top-level functions and classes of the same module that it uses,
  transitively, and in those of the submission's other modules that it
  imports (`from .conv import conv2d`, `from conv import conv2d`,
  `import conv`),
- through a module-level import only when a reached function uses the name
  that import binds (an unused `import torch` costs nothing),
- in module-level code that runs whenever a reached module is imported,
  except an `if __name__ == "__main__":` block, which never runs there.

Routes seen: `import`, `from ... import`, aliases and attribute chains
(`import scipy as sp; sp.signal.correlate2d`), `__import__("torch")`,
`importlib.import_module(...)`, `getattr(module, "name")`,
`sys.modules["torch"]`, and `exec` / `eval` / `compile`, which cannot be
analysed and so count as violations wherever they are reachable.

The runtime side (cnn_checks.import_guard) makes the same names unusable
in the grader's sandboxed child, and the sandbox hides their folders; this
check names the line to fix.
"""
from __future__ import annotations

import ast
import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from .policy import DEFAULT_ADVICE, DEFAULT_RULES, Rules, advice_for, forbidden_for, is_forbidden

# --------------------------------------------------------------------------
# Violations

EXEC_ROUTE = "exec/eval/compile"
ROUTES = ("import", "from-import", "__import__", "importlib", "getattr",
          "sys.modules", EXEC_ROUTE, "attribute")

_ROUTE_WORDS = {
    "import": "imported with `import`",
    "from-import": "imported with `from ... import`",
    "__import__": "imported with __import__",
    "importlib": "imported with importlib",
    "getattr": "reached with getattr",
    "sys.modules": "taken from sys.modules",
    "attribute": "reached as an attribute",
}


@dataclass(frozen=True)
class Violation:
    """One use of a forbidden name that a task's function can reach.

    name: the forbidden dotted name reached ("torch.nn.functional.conv2d"
    where visible, else the module), or "exec" / "eval" / "compile" /
    "__import__" / "importlib.import_module" for code that cannot be analysed.
    route: one of ROUTES. function: the top-level function or class that
    holds the line, or None for module-level code.
    """

    name: str
    filename: str
    lineno: int
    line: str
    route: str
    function: str | None

    @property
    def where(self) -> str:
        inside = f" (in {self.function})" if self.function else " (module level)"
        return f"{self.filename}, line {self.lineno}{inside}"

    def message(self, task_name: str | None = None) -> str:
        """The student's explanation: the call, file and line, what instead."""
        who = task_name or "this task"
        if self.route == EXEC_ROUTE:
            what = (f"`{self.line}` calls {self.name}(), which cannot be checked "
                    f"and is not allowed in {who}")
        elif self.name in _DYNAMIC_IMPORTS.values():
            what = (f"`{self.line}` imports a module whose name is computed, which cannot "
                    f"be checked and is not allowed in {who}")
        else:
            what = (f"`{self.line}` uses {self.name} ({_ROUTE_WORDS.get(self.route, self.route)}), "
                    f"which {who} may not use: the exercise is to write it yourself")
        advice = advice_for(task_name) if task_name else DEFAULT_ADVICE
        return f"{self.where}: {what}. Instead, {advice}."


def describe(violations: Sequence[Violation], task_name: str) -> str:
    """All of a task's violations as one message, one per line."""
    head = (f"{task_name} would be refused: it uses libraries the exercise "
            f"asks you to replace with your own code.")
    return "\n".join([head] + ["  - " + v.message(task_name) for v in violations])


# --------------------------------------------------------------------------
# What a name refers to


@dataclass(frozen=True)
class _Lib:
    """A name outside the submission: a library module or attribute, and the
    route by which it was reached."""

    dotted: str
    route: str


@dataclass(frozen=True)
class _Own:
    """A submission module (`name` None), one of its top-level names, or
    (module "") the submission's package itself, as in `from . import conv`."""

    module: str
    name: str | None = None


_SHADOWED = object()  # a local name that refers to nothing tracked here

_EXEC = {"builtins.exec": "exec", "builtins.eval": "eval", "builtins.compile": "compile"}
_DYNAMIC_IMPORTS = {"builtins.__import__": "__import__",
                    "importlib.import_module": "importlib.import_module",
                    "importlib.__import__": "importlib.__import__"}
_IMPORT_FUNCTIONS = ("builtins.__import__", "importlib.import_module", "importlib.__import__",
                     "sys.modules.get")
_BUILTINS = ("exec", "eval", "compile", "__import__", "getattr")
_BUILTIN_MODULES = ("__builtins__", "__builtin__")
#: a student's own package, as in `from assignments.conv import conv2d`
_OWN_PACKAGE = "assignments"
_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_BLOCKS = (ast.If, ast.Try, ast.With) + ((ast.TryStar,) if hasattr(ast, "TryStar") else ())


def _const_str(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _is_main_guard(node: ast.stmt) -> bool:
    """`if __name__ == "__main__":`, which never runs when the grader imports."""
    test = getattr(node, "test", None)
    return (isinstance(node, ast.If) and isinstance(test, ast.Compare)
            and isinstance(test.left, ast.Name) and test.left.id == "__name__"
            and len(test.comparators) == 1 and _const_str(test.comparators[0]) == "__main__")


def _assigned_names(stmt: ast.AST) -> list[str]:
    """Names a plain assignment binds; [] when a target is not a plain name."""
    if not isinstance(stmt, (ast.Assign, ast.AnnAssign)) or stmt.value is None:
        return []
    targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
    names = []
    for target in targets:
        elts = target.elts if isinstance(target, (ast.Tuple, ast.List)) else [target]
        plain = [e.id for e in elts if isinstance(e, ast.Name)]
        if len(plain) != len(elts):
            return []
        names += plain
    return names


def _single_value(stmt: ast.AST) -> ast.AST | None:
    """The value of `name = value` (one plain name), else None."""
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
        return stmt.value
    if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
        return stmt.value
    return None


def _local_names(node: ast.AST, top: ast.AST) -> list[str]:
    """Names a node binds inside a def: parameters, stored names, nested defs."""
    if isinstance(node, ast.arg):
        return [node.arg]
    if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
        return [node.id]
    if isinstance(node, _DEFS) and node is not top:
        return [node.name]
    if isinstance(node, ast.ExceptHandler) and node.name:
        return [node.name]
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return [(a.asname or a.name).split(".")[0] for a in node.names if a.name != "*"]
    return []


class _Module:
    """One parsed module file, sorted into what runs on import.

    defs: top-level functions and classes. imports: import statements that
    run on import (bindings only: they cost nothing until used). assigned:
    name -> the plain top-level assignments binding it (aliases such as
    `F = torch.nn.functional`). code: every other top-level statement and
    expression, assignments included, which runs whenever the module is
    imported.
    """

    def __init__(self, name: str, filename: str, tree: ast.Module, source: str):
        self.name = name
        self.filename = filename
        self.lines = source.splitlines()
        self.defs: dict[str, ast.AST] = {}
        self.imports: list[ast.Import | ast.ImportFrom] = []
        self.assigned: dict[str, list[ast.AST]] = {}
        self.code: list[ast.AST] = []
        self._sort(tree.body)

    def _sort(self, body: list[ast.stmt]) -> None:
        for stmt in body:
            if _is_main_guard(stmt):
                continue
            if isinstance(stmt, _DEFS):
                self.defs[stmt.name] = stmt
            elif isinstance(stmt, (ast.Import, ast.ImportFrom)):
                self.imports.append(stmt)
            elif _assigned_names(stmt):
                for name in _assigned_names(stmt):
                    self.assigned.setdefault(name, []).append(stmt)
                self.code.append(stmt)
            elif isinstance(stmt, _BLOCKS):
                self.code += [stmt.test] if isinstance(stmt, ast.If) else []
                self.code += [i.context_expr for i in getattr(stmt, "items", [])]
                for block in ("body", "orelse", "finalbody"):
                    self._sort(getattr(stmt, block, []))
                for handler in getattr(stmt, "handlers", []):
                    self._sort(handler.body)
            else:
                self.code.append(stmt)

    def line(self, lineno: int) -> str:
        return self.lines[lineno - 1].strip() if 0 < lineno <= len(self.lines) else ""


# --------------------------------------------------------------------------
# The analysis of one task


class _Scope:
    """A def's local names, falling back to its module's names, then to the
    builtins that matter here."""

    def __init__(self, analysis: _Analysis, module: _Module, names: dict | None = None):
        self.analysis = analysis
        self.module = module
        self.names = names or {}

    def lookup(self, name: str) -> object:
        if name in self.names:
            ref = self.names[name]
            return None if ref is _SHADOWED else ref
        top = self.analysis.module_names(self.module)
        if name in top:
            return top[name][0]
        if name in _BUILTINS:
            return _Lib(f"builtins.{name}", "builtin")
        if name in _BUILTIN_MODULES:
            return _Lib("builtins", "builtin")
        return None


class _Analysis:
    """Walks everything one task's function can reach and records violations."""

    def __init__(self, modules: Mapping[str, _Module], forbidden: Sequence[str]):
        self.modules = modules
        self.forbidden = list(forbidden)
        self.violations: dict[tuple, Violation] = {}
        self.seen: set[tuple[str, str | None]] = set()
        self.queue: list[tuple[str, str | None]] = []
        self._module_names: dict[str, dict[str, tuple[object, ast.AST | None]]] = {}

    def banned(self, dotted: str) -> bool:
        return is_forbidden(dotted, self.forbidden)

    # -- what import statements bind ---------------------------------------
    def own_module(self, dotted: str | None) -> _Own | None:
        """The submission module `dotted` names ("conv", "assignments.conv")."""
        if dotted == _OWN_PACKAGE:
            return _Own("")
        if dotted and dotted.startswith(_OWN_PACKAGE + "."):
            dotted = dotted[len(_OWN_PACKAGE) + 1:]
        return _Own(dotted) if dotted is not None and dotted in self.modules else None

    def from_base(self, node: ast.ImportFrom) -> object:
        """What `from X import ...` imports from."""
        if node.level == 1:
            return self.own_module(node.module) if node.module else _Own("")
        if node.level:
            return None
        return self.own_module(node.module) or _Lib(node.module or "", "from-import")

    def bindings(self, node: ast.Import | ast.ImportFrom) -> list[tuple[str, object, str]]:
        """(bound name, what it refers to, full dotted name imported) for
        each name an import statement binds."""
        out: list[tuple[str, object, str]] = []
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.asname:
                    out.append((a.asname, self.own_module(a.name) or _Lib(a.name, "import"), a.name))
                else:
                    top = a.name.split(".")[0]
                    out.append((top, self.own_module(top) or _Lib(top, "import"), a.name))
            return out
        base = self.from_base(node)
        for a in node.names:
            bound = a.asname or a.name
            if a.name == "*":
                continue
            if base == _Own(""):
                out.append((bound, self.own_module(a.name), a.name))
            elif isinstance(base, _Own):
                out.append((bound, _Own(base.module, a.name), f"{base.module}.{a.name}"))
            elif isinstance(base, _Lib):
                full = f"{base.dotted}.{a.name}"
                out.append((bound, _Lib(full, "from-import"), full))
        return out

    # -- scopes ----------------------------------------------------------
    def module_names(self, module: _Module) -> dict[str, tuple[object, ast.AST | None]]:
        """name -> (what it refers to, the statement binding it) at the top
        of `module`; computed once per analysis."""
        if module.name in self._module_names:
            return self._module_names[module.name]
        names: dict[str, tuple[object, ast.AST | None]] = {}
        self._module_names[module.name] = names
        for node in module.imports:
            base = self.from_base(node) if isinstance(node, ast.ImportFrom) else None
            if any(a.name == "*" for a in node.names) and isinstance(base, _Own) and base.module:
                other = self.modules[base.module]
                names.update({n: (_Own(base.module, n), node) for n in other.defs})
        for name in module.assigned:
            names[name] = (_Own(module.name, name), None)
        for name in module.defs:
            names[name] = (_Own(module.name, name), None)
        for node in module.imports:
            names.update({bound: (ref, node) for bound, ref, _ in self.bindings(node)})
        scope = _Scope(self, module)
        for _ in range(2):  # aliases: F = torch.nn.functional; conv = other.conv2d
            for name, stmts in module.assigned.items():
                value = _single_value(stmts[-1])
                ref = self.resolve(value, scope) if value is not None else None
                if isinstance(ref, (_Lib, _Own)) and ref != _Own(module.name, name):
                    names[name] = (ref, stmts[-1])
        return names

    def local_scope(self, module: _Module, node: ast.AST) -> _Scope:
        """The names bound inside a top-level def, nested scopes flattened:
        imports and aliases of tracked names, everything else shadowed."""
        scope = _Scope(self, module, {n: _SHADOWED for sub in ast.walk(node)
                                      for n in _local_names(sub, node)})
        for _ in range(2):
            for sub in ast.walk(node):
                if isinstance(sub, (ast.Import, ast.ImportFrom)):
                    scope.names.update({b: ref for b, ref, _ in self.bindings(sub) if ref})
                elif (value := _single_value(sub)) is not None:
                    ref = self.resolve(value, scope)
                    target = sub.targets[0] if isinstance(sub, ast.Assign) else getattr(sub, "target", None)
                    if isinstance(ref, (_Lib, _Own)) and isinstance(target, ast.Name):
                        scope.names[target.id] = ref
        return scope

    # -- resolving expressions -------------------------------------------
    def resolve(self, node: ast.AST, scope: _Scope) -> object:
        """What an expression refers to: _Lib, _Own, or None (untracked)."""
        if isinstance(node, ast.Name):
            return scope.lookup(node.id)
        if isinstance(node, ast.Attribute):
            return self.extend(self.resolve(node.value, scope), node.attr, "attribute")
        if isinstance(node, ast.Subscript):
            base, key = self.resolve(node.value, scope), _const_str(node.slice)
            if not isinstance(base, _Lib) or not key:
                return None
            if base.dotted == "sys.modules":
                return self.own_module(key) or _Lib(key, "sys.modules")
            if base.dotted == "builtins":  # __builtins__["exec"]
                return _Lib(f"builtins.{key}", "builtin")
            return None
        if isinstance(node, ast.Call):
            return self.resolve_call(node, scope)
        return None

    def resolve_call(self, node: ast.Call, scope: _Scope) -> object:
        """getattr(x, "a"), importlib.import_module("m"), __import__("m") and
        sys.modules.get("m"), with constant strings; None for other calls."""
        func = self.resolve(node.func, scope)
        if not isinstance(func, _Lib):
            return None
        first = _const_str(node.args[0]) if node.args else None
        if func.dotted == "builtins.getattr" and len(node.args) >= 2:
            attr = _const_str(node.args[1])
            return self.extend(self.resolve(node.args[0], scope), attr, "getattr") if attr else None
        if func.dotted in ("importlib.import_module", "importlib.__import__") and first:
            return self.own_module(first.lstrip(".")) or _Lib(first, "importlib")
        if func.dotted == "builtins.__import__" and first:
            fromlist = len(node.args) >= 4 or any(k.arg == "fromlist" for k in node.keywords)
            name = first if fromlist else first.split(".")[0]
            return self.own_module(name) or _Lib(name, "__import__")
        if func.dotted == "sys.modules.get" and first:
            return self.own_module(first) or _Lib(first, "sys.modules")
        return None

    def extend(self, base: object, attr: str, route: str) -> object:
        """base.attr; a name keeps the route of its base once that is forbidden."""
        if isinstance(base, _Own):
            if base.module == "":
                return self.own_module(attr)
            return _Own(base.module, attr) if base.name is None else None
        if isinstance(base, _Lib):
            return _Lib(f"{base.dotted}.{attr}", base.route if self.banned(base.dotted) else route)
        return None

    # -- reaching --------------------------------------------------------
    def reach(self, module_name: str, name: str | None) -> None:
        """Queue a top-level name of a submission module, or (name None) the
        code that runs when that module is imported, for analysis."""
        if (module_name, name) not in self.seen and module_name in self.modules:
            self.seen.add((module_name, name))
            self.queue.append((module_name, name))

    def run(self, module_name: str, name: str) -> None:
        """Analyse `module.name` and everything it reaches."""
        self.reach(module_name, name)
        while self.queue:
            self.analyse(*self.queue.pop())

    def analyse(self, module_name: str, name: str | None) -> None:
        module = self.modules[module_name]
        if name is None:
            self.reach_import_time(module)
            return
        self.reach(module_name, None)
        ref, node = self.module_names(module).get(name, (None, None))
        if name in module.defs and ref == _Own(module_name, name):
            top = module.defs[name]
            self.visit(top, self.local_scope(module, top), module, name)
        elif ref != _Own(module_name, name) and node is not None:
            self.check_ref(ref, node, module, None)

    def reach_import_time(self, module: _Module) -> None:
        """Module-level code and star imports of forbidden modules."""
        for node in module.imports:
            base = self.from_base(node) if isinstance(node, ast.ImportFrom) else None
            star = any(a.name == "*" for a in node.names)
            if star and isinstance(base, _Lib) and self.banned(base.dotted):
                self.record(base.dotted, "from-import", node, module, None)
        for stmt in module.code:
            self.visit(stmt, _Scope(self, module), module, None)

    # -- visiting --------------------------------------------------------
    def visit(self, top: ast.AST, scope: _Scope, module: _Module, function: str | None) -> None:
        """Record the violations in `top` and reach the names it uses."""
        stack = [top]
        while stack:
            node = stack.pop()
            if self.visit_node(node, scope, module, function):
                stack.extend(reversed(list(ast.iter_child_nodes(node))))

    def visit_node(self, node: ast.AST, scope: _Scope, module: _Module, function: str | None) -> bool:
        """Check one node; True when its children remain to be visited."""
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            self.check_import(node, module, function)
            return False
        stored = isinstance(getattr(node, "ctx", None), (ast.Store, ast.Del))
        if isinstance(node, (ast.Name, ast.Attribute, ast.Subscript, ast.Call)) and not stored:
            ref = self.resolve(node, scope)
            if function is None and self.is_import_expression(node, scope):
                return False  # binding a module at import time costs nothing until it is used
            if self.check_ref(ref, node, module, function):
                return False
            if isinstance(node, ast.Call) and ref is not None:
                return False  # an allowed constant import, getattr or sys.modules look-up
        return True

    def is_import_expression(self, node: ast.AST, scope: _Scope) -> bool:
        """importlib.import_module("m"), __import__("m"), sys.modules["m"] or
        sys.modules.get("m"): an import by another name."""
        if isinstance(node, ast.Call):
            func = self.resolve(node.func, scope)
            return isinstance(func, _Lib) and func.dotted in _IMPORT_FUNCTIONS and bool(node.args) \
                and _const_str(node.args[0]) is not None
        if isinstance(node, ast.Subscript):
            base = self.resolve(node.value, scope)
            return isinstance(base, _Lib) and base.dotted == "sys.modules" \
                and _const_str(node.slice) is not None
        return False

    def check_ref(self, ref: object, node: ast.AST, module: _Module, function: str | None) -> bool:
        """Follow a submission name, or record a forbidden one (True)."""
        if isinstance(ref, _Own):
            self.reach(ref.module, ref.name)
            return False
        if not isinstance(ref, _Lib):
            return False
        if ref.dotted in _EXEC:
            self.record(_EXEC[ref.dotted], EXEC_ROUTE, node, module, function)
        elif ref.dotted in _DYNAMIC_IMPORTS:
            route = "__import__" if ref.dotted == "builtins.__import__" else "importlib"
            self.record(_DYNAMIC_IMPORTS[ref.dotted], route, node, module, function)
        elif self.banned(ref.dotted):
            self.record(ref.dotted, self.route_of(ref, module), node, module, function)
        else:
            return False
        return True

    def route_of(self, ref: _Lib, module: _Module) -> str:
        """`import scipy.signal` then `scipy.signal.x` was reached by import,
        not merely as an attribute."""
        if ref.route == "attribute":
            for node in module.imports:
                if isinstance(node, ast.Import) and any(
                        self.banned(a.name) and (ref.dotted + ".").startswith(a.name + ".")
                        for a in node.names):
                    return "import"
        return ref.route

    def check_import(self, node: ast.Import | ast.ImportFrom, module: _Module, function: str | None) -> None:
        """An import statement inside a reached def runs when it is called:
        importing a forbidden name there counts even if it is unused."""
        route = "import" if isinstance(node, ast.Import) else "from-import"
        for _bound, ref, full in self.bindings(node):
            if isinstance(ref, _Lib) and self.banned(full):
                self.record(full, route, node, module, function)
            elif isinstance(ref, _Own):
                self.reach(ref.module, None)

    def record(self, name: str, route: str, node: ast.AST, module: _Module,
               function: str | None) -> None:
        lineno = getattr(node, "lineno", 0)
        v = Violation(name, module.filename, lineno, module.line(lineno), route, function)
        self.violations.setdefault((v.filename, v.lineno, v.name, v.route), v)


# --------------------------------------------------------------------------
# Entry points


def parse_sources(sources: Mapping[str, str]) -> dict[str, _Module]:
    """Parse module files {filename: source}, keyed by module name ("conv");
    a file with a syntax error is skipped (the grader reports it elsewhere)."""
    modules = {}
    for filename, source in sources.items():
        module = _parsed(filename, source)
        if module is not None:
            modules[module.name] = module
    return modules


@functools.lru_cache(maxsize=16)  # one submission's files: never a class's worth of trees
def _parsed(filename: str, source: str) -> _Module | None:
    """One file, parsed once however many tasks of its submission are
    checked (the analysis only reads a _Module)."""
    try:
        tree = ast.parse(source, filename=filename)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None  # the module cannot be imported either; reported elsewhere
    return _Module(Path(filename).stem, Path(filename).name, tree, source)


def violations_for_task(sources: Mapping[str, str], module: str, function: str,
                        forbidden: Sequence[str]) -> list[Violation]:
    """The forbidden names `module.function` can reach, in file and line order.

    sources maps file names ("conv.py") to source text; `function` is a
    top-level function, or an optimizer class, all of whose methods count.
    """
    return _violations(parse_sources(sources), module, function, forbidden)


def _violations(modules: Mapping[str, _Module], module: str, function: str,
                forbidden: Sequence[str]) -> list[Violation]:
    analysis = _Analysis(modules, forbidden)
    analysis.run(module, function)
    return sorted(analysis.violations.values(), key=lambda v: (v.filename, v.lineno, v.name))


#: The largest source file the static check reads (a module of this
#: exercise is a few KiB); larger files are left to the runtime guard.
MAX_SOURCE_BYTES = 1 << 20


def submission_files(folder: str | Path) -> dict[str, str]:
    """{filename: source} of a submission's module files (in the folder
    implementations.module_dir picks: assignments/ or the top).

    The submission is untrusted, so only regular files that lie inside it
    (after following links) and hold at most MAX_SOURCE_BYTES are read; a
    named pipe, a device, a link to /dev/stdin or to a file outside the
    submission is skipped, never opened in a way that could block."""
    from .implementations import module_dir
    from .walk import SubmissionTooLarge, python_files
    root = Path(folder).resolve()
    where = module_dir(root)
    sources: dict[str, str] = {}
    try:
        names = python_files(where)
    except SubmissionTooLarge:  # a folder of more files than any submission: nothing read
        return sources
    for name in names:
        text = _read_inside(where / name, root)
        if text is not None:
            sources[name] = text
    return sources


def _read_inside(path: Path, root: Path) -> str | None:
    """The text of `path` if it is a regular file inside `root` of at most
    MAX_SOURCE_BYTES, else None (cnn_checks.walk.read_regular: opened
    non-blocking, so a FIFO cannot stall the open, checked with fstat on
    the opened file, read with a cap)."""
    from .walk import read_regular
    try:
        real = path.resolve(strict=True)
    except (OSError, RuntimeError):  # missing, a link loop, no permission
        return None
    if not real.is_relative_to(root):
        return None
    data = read_regular(real, MAX_SOURCE_BYTES)
    return None if data is None else data.decode("utf-8", errors="replace")


def scan_submission(folder: str | Path, tasks: Iterable[str],
                    rules: Rules = DEFAULT_RULES) -> dict[str, list[Violation]]:
    """{task name: its violations} for each task ("conv.conv2d") of `tasks`."""
    modules = parse_sources(submission_files(folder))
    result = {}
    for task in tasks:
        module, function = task.split(".", 1)
        result[task] = _violations(modules, module, function, forbidden_for(task, rules))
    return result
