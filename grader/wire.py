"""The byte protocol between the grader and its sandboxed child.

A frame is  [4-byte header length][8-byte data length][JSON header][data].
The header lists the arrays carried in `data` (name, dtype, shape, offset).
Arrays travel as raw bytes of an allow-listed numeric dtype and are rebuilt
as fresh `numpy.ndarray`s: nothing is ever unpickled, so no object of the
student's can reach the grader. Every size is bounded before it is read.
"""
from __future__ import annotations

import json
import os
import select
import struct
import time
from typing import Any

import numpy as np

HEAD = struct.Struct("<IQ")
MAX_HEADER = 1 << 20          # 1 MiB of JSON
MAX_DATA = 256 << 20          # 256 MiB of array bytes
DTYPES = {"float64", "float32", "float16", "int64", "int32", "int16", "int8",
          "uint8", "uint16", "uint32", "uint64", "bool"}


class WireError(Exception):
    """The other side sent something that is not a well-formed frame."""


def encode(header: dict, arrays: dict[str, np.ndarray] | None = None) -> bytes:
    """One frame: the header plus the arrays' raw bytes (C order)."""
    blobs, specs, offset = [], [], 0
    for name, a in (arrays or {}).items():
        a = np.asarray(a, order="C")  # (ascontiguousarray would make 0-d arrays 1-d)
        blobs.append(a.tobytes())
        specs.append({"name": name, "dtype": a.dtype.name, "shape": list(a.shape), "offset": offset,
                      "nbytes": a.nbytes})
        offset += a.nbytes
    head = json.dumps({**header, "arrays": specs}).encode()
    return HEAD.pack(len(head), offset) + head + b"".join(blobs)


def decode(head: bytes, data: bytes) -> tuple[dict, dict[str, np.ndarray]]:
    """Parse a frame's header and rebuild its arrays, checking every field."""
    try:
        header = json.loads(head)
    except (ValueError, RecursionError) as exc:
        raise WireError(f"header is not JSON: {type(exc).__name__}") from None
    if not isinstance(header, dict) or not isinstance(header.get("arrays", []), list):
        raise WireError("header is not an object with an 'arrays' list")
    arrays = {}
    for spec in header.pop("arrays", []):
        try:
            name, dtype, shape = str(spec["name"]), spec["dtype"], spec["shape"]
            offset, nbytes = int(spec["offset"]), int(spec["nbytes"])
        except (KeyError, TypeError, ValueError):
            raise WireError("malformed array entry") from None
        if dtype not in DTYPES:
            raise WireError(f"dtype {dtype!r} is not allowed")
        if not isinstance(shape, list) or not all(type(n) is int and 0 <= n < 2**31 for n in shape):
            raise WireError("malformed shape")
        dt = np.dtype(dtype)
        if int(np.prod(shape, dtype=np.int64)) * dt.itemsize != nbytes or not (
                offset >= 0 and offset + nbytes <= len(data)):
            raise WireError("array size does not match its bytes")
        arrays[name] = np.frombuffer(data[offset:offset + nbytes], dtype=dt).reshape(shape).copy()
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
