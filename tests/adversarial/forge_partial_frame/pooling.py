# Attack on the wire protocol: send the first bytes of an answer, then stall
# forever. The grader must still cut the call off at its time limit.
import os
import struct
import sys
import time


def global_avg_pool2d(x):
    os.write(int(sys.argv[2]), struct.pack("<IQ", 1000, 0) + b'{"status": ')
    while True:
        time.sleep(1)
