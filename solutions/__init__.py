"""Reference solutions (hidden from students).

Written as teaching material: vectorized, one idea per function. Every
function is written against the array's own namespace (`array_namespace`),
so the same code runs on NumPy arrays and on PyTorch tensors on any device.
"""

import importlib.util as _util
import sys as _sys
import types as _types

if _util.find_spec("array_api_compat") is None:
    # A bare Python with NumPy only (no project environment): NumPy 2 is its
    # own array-API namespace, so NumPy inputs still work; tensors need the
    # real array-api-compat, which the project installs.
    import numpy as _np

    _numpy_only = _types.ModuleType("array_api_compat")
    _numpy_only.array_namespace = lambda *arrays: _np
    _numpy_only.device = lambda x: "cpu"
    _sys.modules["array_api_compat"] = _numpy_only
