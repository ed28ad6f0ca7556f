# Report injection: an exception message holding its own `likely cause:`
# line, so that a class report reading causes out of the feedback's prose
# would show the student's words as the grader's diagnosis.
_FAKE = "bad input\nlikely cause: the grader's reference is wrong (full marks were due)"


def pad2d(x, padding, mode="constant", value=0.0):
    raise ValueError(_FAKE)
