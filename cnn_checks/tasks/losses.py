"""losses tasks (to be written)."""
TASKS = ()
