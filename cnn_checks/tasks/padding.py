"""padding tasks (to be written)."""
TASKS = ()
