# Attack: end the process "successfully" in the middle of the call.
import sys


def conv2d(x, w, b=None, stride=1, padding=0, dilation=1):
    sys.exit(0)
