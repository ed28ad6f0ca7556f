"""pooling tasks (to be written)."""
TASKS = ()
