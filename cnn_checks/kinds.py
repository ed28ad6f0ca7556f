"""Why a part failed: the one list of failure kinds, with the title a
student reads. A Kind is a str (StrEnum), so it travels over the wire and
into results.json as its plain value ("timeout")."""
from __future__ import annotations

from enum import StrEnum


class Kind(StrEnum):
    # the call itself (cnn_checks.execute, in whatever process runs it)
    NOT_IMPLEMENTED = "not_implemented"
    MISSING = "missing"
    IMPORT = "import"
    EXCEPTION = "exception"
    STRUCTURE = "structure"
    EXIT = "exit"
    MEMORY = "memory"
    # the sandbox around the call (grader.sandbox) and the static check
    TIMEOUT = "timeout"
    CRASH = "crash"
    OUTPUT = "output"
    PROCESS = "process"
    FORBIDDEN = "forbidden"
    SLOW = "slow"                  # a measured run over its time budget (grader.measured)
    # the judge of a returned answer (cnn_checks.outputs, cnn_checks.tolerances)
    TYPE = "type"
    SHAPE = "shape"
    DTYPE = "dtype"
    NAN = "nan"
    VALUE = "value"
    MODIFIED = "modified"


#: The heading of a failing part in the feedback.
TITLES: dict[str, str] = {
    Kind.NOT_IMPLEMENTED: "not implemented",
    Kind.MISSING: "missing",
    Kind.EXCEPTION: "raised an exception",
    Kind.STRUCTURE: "returned the wrong structure",
    Kind.TYPE: "wrong type",
    Kind.SHAPE: "wrong shape",
    Kind.DTYPE: "wrong dtype",
    Kind.NAN: "NaN or infinity",
    Kind.VALUE: "wrong values",
    Kind.MODIFIED: "modified its input",
    Kind.TIMEOUT: "timed out",
    Kind.MEMORY: "memory limit",
    Kind.EXIT: "exited",
    Kind.CRASH: "crashed",
    Kind.OUTPUT: "output flood",
    Kind.PROCESS: "left a process running",
    Kind.FORBIDDEN: "forbidden library",
    Kind.IMPORT: "cannot be imported",
    Kind.SLOW: "over the time budget",
}

#: What the sandboxed child may itself report; anything else it claims is
#: read as an exception (the child is untrusted).
CHILD_KINDS = frozenset({Kind.NOT_IMPLEMENTED, Kind.MISSING, Kind.EXCEPTION, Kind.STRUCTURE,
                         Kind.EXIT, Kind.MEMORY, Kind.IMPORT, Kind.FORBIDDEN})

#: Failures that ended the call without looking at the input's values: the
#: feedback shows "input", not "smallest failing input".
WHOLE_CALL = frozenset({Kind.NOT_IMPLEMENTED, Kind.TIMEOUT, Kind.MEMORY, Kind.EXIT, Kind.CRASH,
                        Kind.OUTPUT, Kind.PROCESS})

#: Failures before any call: no input to show.
BEFORE_CALL = frozenset({Kind.MISSING, Kind.IMPORT, Kind.FORBIDDEN})
