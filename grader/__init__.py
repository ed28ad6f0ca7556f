"""The autograder: grades a submission task by task, running the student's
code in a sandboxed child process and comparing its answers, as plain
arrays, with the reference solution in the grader's own process."""
