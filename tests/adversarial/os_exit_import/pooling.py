# Attack: leave with status 0 as soon as the module is imported.
import os

os._exit(0)
