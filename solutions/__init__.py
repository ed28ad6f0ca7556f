"""Reference solutions (hidden from students).

Written as teaching material: vectorized, one idea per function. Every
function is written against the array's own namespace (`solutions.xp`),
so the same code runs on NumPy arrays and on PyTorch tensors on any device.
"""
