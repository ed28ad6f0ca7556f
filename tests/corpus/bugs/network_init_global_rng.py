"""init_params draws from NumPy's global random state and ignores the seed,
so the same seed gives different parameters on every call."""
import numpy as np

TASK = "network.init_params"
MODULE = "network"


def init_params(seed=0):
    params = {}
    for name, shape in SHAPES.items():
        if name.startswith("W"):
            params[name] = np.random.randn(*shape) * np.sqrt(2.0 / FAN_IN[name])
        else:
            params[name] = np.zeros(shape)
    return params
