"""optim tasks (to be written)."""
TASKS = ()
