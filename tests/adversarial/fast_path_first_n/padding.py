# Fast-path abuse: the right answer for the first 10 calls only (a grader
# that checked only a first batch would be fooled).
_reference_pad2d = pad2d  # noqa: F821
_calls = [0]


def pad2d(x, padding, mode="constant", value=0.0):
    _calls[0] += 1
    right = _reference_pad2d(x, padding, mode, value)
    return right if _calls[0] <= 10 else right + 1.0
