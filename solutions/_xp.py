"""The array's own namespace: NumPy for NumPy arrays, PyTorch (through
array-api-compat) for tensors on any device.

array-api-compat is installed with the project; where it is missing (a bare
Python with NumPy only), NumPy arrays still work: NumPy 2 is its own
array-API namespace.
"""
try:
    from array_api_compat import array_namespace, device
except ImportError:  # NumPy only
    import numpy as _np

    def array_namespace(*arrays):
        return _np

    def device(x):
        return "cpu"

__all__ = ["array_namespace", "device"]
