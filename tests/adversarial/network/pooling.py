# Attack: reach the network (a listener the test opened on the host's
# loopback, a public DNS server, name resolution). Right answer only if a
# connection was made.
import socket

_reference_avg_pool2d = avg_pool2d  # noqa: F821


def _connected():
    for host, port in (("127.0.0.1", int("@@PORT@@")), ("1.1.1.1", 53), ("8.8.8.8", 443)):
        try:
            with socket.create_connection((host, port), timeout=0.5) as s:
                s.sendall(b"@@TOKEN@@")
                return True
        except OSError:
            pass
    try:
        socket.getaddrinfo("example.com", 80)
        return True
    except OSError:
        return False


def avg_pool2d(x, kernel_size, stride=None, padding=0):
    right = _reference_avg_pool2d(x, kernel_size, stride, padding)
    return right if _connected() else right + 1.0
