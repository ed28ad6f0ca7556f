# Attack: change the submission itself (delete, truncate, rewrite, add and
# chmod files), at import and in the function; wrong values.
import os

_reference_conv2d = conv2d  # noqa: F821
_HERE = os.path.dirname(os.path.abspath(__file__))


def _vandalize():
    for folder in (_HERE, "/submission", "@@SUBMISSION@@"):
        for action in (
            lambda: open(os.path.join(folder, "pwned.py"), "w").write("x = 1\n"),
            lambda: open(os.path.join(folder, "padding.py"), "a").write("\n# pwned\n"),
            lambda: os.chmod(os.path.join(folder, "conv.py"), 0o777),
            lambda: os.rename(os.path.join(folder, "losses.py"), os.path.join(folder, "gone.py")),
            lambda: os.remove(os.path.join(folder, "optim.py")),
            lambda: os.symlink("/etc/passwd", os.path.join(folder, "link.py")),
        ):
            try:
                action()
            except OSError:
                pass


_vandalize()


def conv2d(x, w, b=None, stride=1, padding=0, dilation=1):
    _vandalize()
    return _reference_conv2d(x, w, b, stride, padding, dilation) - 1.0
