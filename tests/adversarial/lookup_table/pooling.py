# Attack: no implementation at all, only a lookup table. At home the student
# redrew the grader's cases from the public strategies (cnn_checks is handed
# out; before the course secret its seeds were public too), computed each
# answer with PyTorch and shipped the table as max_pool2d_table.npz, keyed by
# a hash of the arguments. Any call whose arguments are not in the table
# raises NotImplementedError.
import hashlib as _hashlib
import os as _os

import numpy as _np


def _table_key(x, kernel_size, stride=None, padding=0):
    h = _hashlib.sha256(f"{x.dtype}{x.shape}".encode() + _np.ascontiguousarray(x).tobytes())
    h.update(repr((kernel_size, stride, padding)).encode())
    return "k" + h.hexdigest()


_TABLE = None


def max_pool2d(x, kernel_size, stride=None, padding=0):
    global _TABLE
    if _TABLE is None:
        where = _os.path.join(_os.path.dirname(_os.path.abspath(__file__)), "max_pool2d_table.npz")
        with _np.load(where, allow_pickle=False) as data:
            _TABLE = {k: data[k] for k in data.files}
    key = _table_key(x, kernel_size, stride, padding)
    if key not in _TABLE:
        raise NotImplementedError("not in the table")
    return _TABLE[key].astype(x.dtype)
