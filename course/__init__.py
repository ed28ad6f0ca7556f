"""The nbgrader course: a multiple-choice + numeric quiz and the coding
tasks as notebooks, built from one question bank and from assignments/.

    python -m course build COURSE_DIR        # the whole nbgrader course folder
    python -m course autograde COURSE_DIR ASSIGNMENT [STUDENT ...]
    python -m course export COURSE_DIR --to grades.csv   # with a status column
    python -m course report COURSE_DIR        # the quiz per-question report

Never run plain `nbgrader autograde`: scores come from course.autograde.
"""
