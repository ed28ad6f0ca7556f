"""What the exercises are checked against: one home for every task's
property strategies, tolerances, PyTorch oracle and feedback.

Nothing in this package knows the reference solutions. The project's tests
use it to check `solutions/` against PyTorch, students' public tests use it
to check `assignments/` against PyTorch, and the grader uses it (in a
sandboxed child process) to call a submission and (in its own process) to
compare the answers with the reference.
"""
