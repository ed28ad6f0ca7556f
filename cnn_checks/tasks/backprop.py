"""backprop tasks (to be written)."""
TASKS = ()
