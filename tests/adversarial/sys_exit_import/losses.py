# Attack: end the process "successfully" as soon as the module is imported.
import sys

sys.exit(0)
