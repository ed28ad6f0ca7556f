"""The array's own namespace, so that one reference runs on NumPy arrays and
on PyTorch tensors on any device.

    xp = array_namespace(x)      # NumPy for ndarrays, array-api-compat's torch for tensors
    xp.zeros(shape, dtype=x.dtype, device=device(x))

array-api-compat comes with the project. Where it is absent (a bare Python
with NumPy only, as for the contract check), NumPy arrays still work: NumPy
2 is its own array-API namespace; tensors then need array-api-compat.
"""
from __future__ import annotations

from typing import Any

try:
    from array_api_compat import array_namespace, device
except ImportError:  # NumPy only
    import numpy as np

    def array_namespace(*arrays: Any) -> Any:  # type: ignore[misc]
        """NumPy: the only namespace there is without array-api-compat."""
        return np

    def device(x: Any) -> Any:  # type: ignore[misc]
        """NumPy arrays live on the CPU."""
        return "cpu"

__all__ = ["array_namespace", "device"]
