"""`python -m grader ...`: the same command line as `grader ...`."""
import sys

from .cli import main

sys.exit(main())
