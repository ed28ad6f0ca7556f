"""The byte protocol between the grader and its sandboxed child.

A frame is  [4-byte header length][8-byte data length][JSON header][data].
The header lists the arrays carried in `data` (name, dtype, shape, offset).
Arrays travel as raw bytes of an allow-listed numeric dtype and are rebuilt
as fresh `numpy.ndarray`s: nothing is ever unpickled, so no object of the
student's can reach the grader. Every size is bounded before it is read.

The grader's requests travel over a Unix socket and may carry file
descriptors (SCM_RIGHTS): the inputs of a call come as a sealed memfd
(`sealed_inputs`) that the child can only map read-only, so no code in the
child can change the caller's arrays (`readonly_inputs`). The grader reads
the child's answers with plain reads, which drop any descriptor the child
tries to send.
"""
from __future__ import annotations

import fcntl
import json
import math
import mmap
import os
import select
import socket
import struct
import time
from typing import Any

import numpy as np

HEAD = struct.Struct("<IQ")
MAX_HEADER = 1 << 20          # 1 MiB of JSON
MAX_DATA = 256 << 20          # 256 MiB of array bytes
DTYPES = {"float64", "float32", "float16", "int64", "int32", "int16", "int8",
          "uint8", "uint16", "uint32", "uint64", "bool"}


_NAME = {np.dtype(n): n for n in DTYPES}
_ALLOWED = {n: np.dtype(n) for n in DTYPES}


def dtype_name(dt: np.dtype) -> str:
    """The dtype's name (a dict lookup: numpy's .name is slow)."""
    return _NAME.get(dt) or dt.name


class WireError(Exception):
    """The other side sent something that is not a well-formed frame."""


def encode(header: dict, arrays: dict[str, np.ndarray] | None = None) -> bytes:
    """One frame: the header plus the arrays' raw bytes (C order)."""
    blobs, specs, offset = [], [], 0
    for name, a in (arrays or {}).items():
        if type(a) is not np.ndarray:
            a = np.asarray(a)
        blobs.append(a.tobytes())  # C order, whatever the layout
        specs.append({"name": name, "dtype": dtype_name(a.dtype), "shape": list(a.shape), "offset": offset,
                      "nbytes": a.nbytes})
        offset += a.nbytes
    head = json.dumps({**header, "arrays": specs}).encode()
    return HEAD.pack(len(head), offset) + head + b"".join(blobs)


def decode(head: bytes, data: bytes) -> tuple[dict, dict[str, np.ndarray]]:
    """Parse a frame's header and rebuild its arrays, checking every field;
    each array is a fresh copy of its bytes."""
    try:
        header = json.loads(head)
    except (ValueError, RecursionError) as exc:
        raise WireError(f"header is not JSON: {type(exc).__name__}") from None
    if not isinstance(header, dict) or not isinstance(header.get("arrays", []), list):
        raise WireError("header is not an object with an 'arrays' list")
    arrays = {}
    size = len(data)
    for spec in header.pop("arrays", []):
        try:
            name, dtype, shape = str(spec["name"]), spec["dtype"], spec["shape"]
            offset, nbytes = int(spec["offset"]), int(spec["nbytes"])
        except (KeyError, TypeError, ValueError):
            raise WireError("malformed array entry") from None
        dt = _ALLOWED.get(dtype) if type(dtype) is str else None
        if dt is None:
            raise WireError(f"dtype {dtype!r} is not allowed")
        if type(shape) is not list or not all(type(n) is int and 0 <= n < 2**31 for n in shape):
            raise WireError("malformed shape")
        count = math.prod(shape)
        if count * dt.itemsize != nbytes or not (offset >= 0 and offset + nbytes <= size):
            raise WireError("array size does not match its bytes")
        arrays[name] = np.frombuffer(data, dt, count, offset).reshape(shape).copy()
    return header, arrays


def write_frame(fd: int, header: dict, arrays: dict[str, np.ndarray] | None = None) -> None:
    view = memoryview(encode(header, arrays))
    while view:
        n = os.write(fd, view)
        view = view[n:]


def read_exact(fd: int, n: int, deadline: float | None = None) -> bytes:
    """Read exactly n bytes; EOFError if the other side closed, TimeoutError
    if `deadline` (time.monotonic()) passes first."""
    chunks, left = [], n
    while left:
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
                raise TimeoutError("the other side stopped sending")
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            raise EOFError("the other side closed the channel")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def read_frame(fd: int, deadline: float | None = None) -> tuple[dict, dict[str, np.ndarray]]:
    """Read and decode one frame (blocking, or until `deadline`)."""
    head_len, data_len = HEAD.unpack(read_exact(fd, HEAD.size, deadline))
    if head_len > MAX_HEADER or data_len > MAX_DATA:
        raise WireError(f"frame too large ({head_len} + {data_len} bytes)")
    head = read_exact(fd, head_len, deadline)
    return decode(head, read_exact(fd, data_len, deadline))


def jsonable(value: Any) -> Any:
    """Hyper-parameters as JSON (tuples become lists; cases.as_tuple undoes it)."""
    if isinstance(value, (tuple, list)):
        return [jsonable(v) for v in value]
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    return value


def answer_frame(outcome: Any) -> tuple[dict, dict[str, np.ndarray]]:
    """A call's outcome (cnn_checks.execute's Returned or Failed) as the
    child sends it: a frame header and its arrays ("v<j>" for value j).
    grader.answers checks every such answer on arrival."""
    values = getattr(outcome, "values", None)
    if values is None:  # a Failed
        return {"status": "failed", "kind": outcome.kind, "message": outcome.message,
                "fatal": outcome.fatal, "seconds": outcome.seconds}, {}
    specs, arrays = [], {}
    for i, v in enumerate(values):
        specs.append({"kind": v.kind, "type_name": v.type_name})
        if v.array is not None:
            arrays[f"v{i}"] = v.array
    return {"status": "returned", "values": specs, "modified": outcome.modified,
            "seconds": outcome.seconds}, arrays


# ---------------------------------------------------------------------------
# descriptors and read-only inputs

MAX_FDS = 4
SEALS = fcntl.F_SEAL_SEAL | fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW | fcntl.F_SEAL_WRITE


def send_frame(sock: socket.socket, header: dict, arrays: dict[str, np.ndarray] | None = None,
               fds: list[int] | tuple[int, ...] = ()) -> None:
    """write_frame over a Unix socket, with `fds` attached to its first byte."""
    send_encoded(sock, encode(header, arrays), fds)


def send_encoded(sock: socket.socket, data: bytes, fds: list[int] | tuple[int, ...] = ()) -> None:
    """An encoded frame (`encode`) over a Unix socket, with `fds` attached to its first byte."""
    if fds:
        sent = socket.send_fds(sock, [data[:1]], list(fds))
        data = data[sent:]
    sock.sendall(data)


def recv_frame(sock: socket.socket,
               deadline: float | None = None) -> tuple[dict, dict[str, np.ndarray], list[int]]:
    """read_frame that also collects descriptors sent with the frame's first
    byte (at most MAX_FDS; the receiver owns and must close them)."""
    if deadline is not None and not select.select([sock], [], [], max(0.0, deadline - time.monotonic()))[0]:
        raise TimeoutError("the other side stopped sending")
    first, fds, _flags, _addr = socket.recv_fds(sock, 1, MAX_FDS)
    if not first:
        for fd in fds:
            os.close(fd)
        raise EOFError("the other side closed the channel")
    fd = sock.fileno()
    try:
        rest = read_exact(fd, HEAD.size - 1, deadline)
        head_len, data_len = HEAD.unpack(first + rest)
        if head_len > MAX_HEADER or data_len > MAX_DATA:
            raise WireError(f"frame too large ({head_len} + {data_len} bytes)")
        head = read_exact(fd, head_len, deadline)
        header, arrays = decode(head, read_exact(fd, data_len, deadline))
    except BaseException:
        for f in fds:
            os.close(f)
        raise
    return header, arrays, list(fds)


def sealed_inputs(arrays: dict[str, np.ndarray]) -> tuple[int | None, list[dict]]:
    """The arrays' bytes, exactly as laid out in memory (strides and all),
    in a memfd sealed against any write, resize or unsealing: the kernel
    refuses every writable mapping of it, in every process. Returns the
    descriptor (None when there are no bytes) and one spec per array for
    `readonly_inputs`."""
    blob, specs = pack_inputs(arrays)
    return sealed_memfd(blob), specs


def pack_inputs(arrays: dict[str, np.ndarray]) -> tuple[bytes, list[dict]]:
    """The arrays' bytes, each as laid out in memory and aligned to 64
    bytes, and one spec per array (where its bytes lie, its strides) for
    `readonly_inputs`."""
    specs, blobs, offset = [], [], 0
    for name, a in arrays.items():
        raw, start, strides = _raw_layout(np.asarray(a))
        pad = (-offset) % 64
        offset += pad
        blobs.append(b"\0" * pad + raw)
        specs.append({"name": name, "dtype": dtype_name(a.dtype), "shape": list(a.shape),
                      "strides": list(strides), "offset": offset + start, "nbytes": len(raw)})
        offset += len(raw)
    return b"".join(blobs), specs


def sealed_memfd(blob: bytes) -> int | None:
    """A new memfd holding `blob`, sealed against any write, resize or
    unsealing (None for no bytes): pack_inputs' bytes for one call."""
    if not blob:
        return None
    fd = os.memfd_create("grader-inputs", os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
    view = memoryview(blob)
    while view:
        view = view[os.write(fd, view):]
    fcntl.fcntl(fd, fcntl.F_ADD_SEALS, SEALS)
    return fd


def _raw_layout(a: np.ndarray) -> tuple[bytes, int, tuple[int, ...]]:
    """(bytes, offset of the first element, strides) that rebuild `a` with
    its memory layout: C or Fortran order as is, a strided view through the
    contiguous buffer it views, anything else as a C-contiguous copy."""
    if a.flags.c_contiguous or a.flags.f_contiguous:
        return a.tobytes(order="A"), 0, a.strides
    base = a.base
    if isinstance(base, np.ndarray) and base.flags.c_contiguous and min(a.strides) > 0:
        start = a.ctypes.data - base.ctypes.data
        if 0 <= start < base.nbytes:
            return base.tobytes(), start, a.strides
    a = np.ascontiguousarray(a)
    return a.tobytes(), 0, a.strides


def readonly_inputs(fd: int | None, specs: list) -> dict[str, np.ndarray]:
    """Arrays viewing the sealed memfd through a read-only mapping: writing
    to them raises (NumPy) or faults (ctypes), and no mprotect can make the
    pages writable. Closes `fd`."""
    mapping = None
    if fd is not None:
        try:
            size = os.fstat(fd).st_size
            if size:
                mapping = mmap.mmap(fd, size, flags=mmap.MAP_SHARED, prot=mmap.PROT_READ)
        finally:
            os.close(fd)
    arrays = {}
    for spec in specs:
        if spec["dtype"] not in DTYPES:
            raise WireError(f"dtype {spec['dtype']!r} is not allowed")
        dt = np.dtype(spec["dtype"])
        shape, strides = tuple(spec["shape"]), tuple(spec["strides"])
        if mapping is None or spec["nbytes"] == 0:
            a = np.zeros(shape, dt)
            a.flags.writeable = False
        else:
            a = np.ndarray(shape, dt, buffer=mapping, offset=spec["offset"], strides=strides)
        arrays[spec["name"]] = a
    return arrays
