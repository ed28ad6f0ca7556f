# Attack: allocate (and touch) 8 GB.
import numpy as _np


def softmax(z, axis=-1):
    hog = _np.ones(1 << 30)  # 8 GiB of float64
    return hog[: z.size].reshape(z.shape)
