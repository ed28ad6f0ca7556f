"""The forbidden-library rule: the static check (cnn_checks.forbidden) and
the runtime guard (cnn_checks.import_guard).

Each static case is a small submission written into tmp_path whose
conv.conv2d (or losses.softmax) hands the work to a forbidden library by one
route; it must be charged to that task only, never to a task of the same
module that does not use the library.
"""
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from cnn_checks.forbidden import ROUTES, Violation, describe, scan_submission, violations_for_task
from cnn_checks.policy import DEFAULT_RULES, Rules, forbidden_for

CONV_TASKS = ("conv.conv2d", "conv.conv_output_size")
LOSS_TASKS = ("losses.softmax", "losses.log_softmax")

#: conv_output_size is honest in every submission below
HONEST_SIZE = """
def conv_output_size(n, kernel_size, stride=1, padding=0, dilation=1):
    return (n + 2 * padding - dilation * (kernel_size - 1) - 1) // stride + 1
"""
HONEST_LOG_SOFTMAX = """
def log_softmax(z, axis=-1):
    import numpy as np
    m = z.max(axis=axis, keepdims=True)
    return z - m - np.log(np.exp(z - m).sum(axis=axis, keepdims=True))
"""


def write(folder: Path, files: dict[str, str]) -> Path:
    for name, source in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source))
    return folder


def scan(tmp_path, files, tasks=CONV_TASKS):
    return scan_submission(write(tmp_path, files), tasks)


# (route, the forbidden name reached, conv2d's source)
CONV_ROUTES = [
    ("import", "torch.conv2d", """
        import torch
        def conv2d(x, w, b=None, stride=1, padding=0, dilation=1):
            return torch.conv2d(torch.as_tensor(x), torch.as_tensor(w)).numpy()
        """),
    ("import", "torch.nn.functional.conv2d", """
        import torch.nn.functional as F
        def conv2d(x, w, b=None, stride=1, padding=0, dilation=1):
            return F.conv2d(x, w)
        """),
    ("from-import", "torch.nn.functional.conv2d", """
        from torch.nn import functional
        def conv2d(x, w, b=None, stride=1, padding=0, dilation=1):
            return functional.conv2d(x, w)
        """),
    ("from-import", "scipy.signal.correlate2d", """
        from scipy import signal
        def conv2d(x, w, b=None, stride=1, padding=0, dilation=1):
            return signal.correlate2d(x[0, 0], w[0, 0], mode="valid")
        """),
    ("from-import", "scipy.signal.correlate2d", """
        from scipy.signal import correlate2d
        def conv2d(x, w, b=None, stride=1, padding=0, dilation=1):
            return correlate2d(x[0, 0], w[0, 0], mode="valid")
        """),
    ("attribute", "scipy.signal.correlate2d", """
        import scipy as sp
        def conv2d(x, w, b=None, stride=1, padding=0, dilation=1):
            return sp.signal.correlate2d(x[0, 0], w[0, 0])
        """),
    ("import", "scipy.ndimage.correlate", """
        import scipy.ndimage
        def conv2d(x, w, b=None, stride=1, padding=0, dilation=1):
            return scipy.ndimage.correlate(x, w)
        """),
    ("__import__", "torch.nn.functional.conv2d", """
        def conv2d(x, w, b=None, stride=1, padding=0, dilation=1):
            return __import__("torch").nn.functional.conv2d(x, w)
        """),
    ("importlib", "scipy.ndimage.correlate", """
        import importlib
        def conv2d(x, w, b=None, stride=1, padding=0, dilation=1):
            return importlib.import_module("scipy.ndimage").correlate(x, w)
        """),
    ("importlib", "scipy.ndimage.correlate", """
        import importlib as il
        nd = il.import_module("scipy.ndimage")
        def conv2d(x, w, b=None, stride=1, padding=0, dilation=1):
            return nd.correlate(x, w)
        """),
    ("getattr", "scipy.signal.correlate2d", """
        import scipy
        def conv2d(x, w, b=None, stride=1, padding=0, dilation=1):
            return getattr(scipy, "signal").correlate2d(x, w)
        """),
    ("getattr", "scipy.ndimage.correlate", """
        def conv2d(x, w, b=None, stride=1, padding=0, dilation=1):
            sp = __import__("scipy")
            return getattr(sp, "ndimage").correlate(x, w)
        """),
    ("sys.modules", "torch.conv2d", """
        import sys
        def conv2d(x, w, b=None, stride=1, padding=0, dilation=1):
            return sys.modules["torch"].conv2d(x, w)
        """),
    ("exec/eval/compile", "exec", """
        def conv2d(x, w, b=None, stride=1, padding=0, dilation=1):
            scope = {}
            exec("import torch; out = torch.conv2d", scope)
            return scope["out"](x, w)
        """),
    ("exec/eval/compile", "eval", """
        def conv2d(x, w, b=None, stride=1, padding=0, dilation=1):
            return eval("__import__('torch')").conv2d(x, w)
        """),
    ("exec/eval/compile", "eval", """
        def conv2d(x, w, b=None, stride=1, padding=0, dilation=1):
            return __builtins__["eval"]("x")
        """),
    ("exec/eval/compile", "compile", """
        def conv2d(x, w, b=None, stride=1, padding=0, dilation=1):
            code = compile("out = x", "<s>", "exec")
            return x
        """),
    ("from-import", "scipy.signal.correlate2d", """
        from scipy.signal import correlate2d as conv2d
        """),
    ("import", "torch.nn.functional.conv2d", """
        import torch
        def conv2d(x, w, b=None, stride=1, padding=0, dilation=1):
            F = torch.nn.functional
            return F.conv2d(x, w)
        """),
    ("import", "torch", """
        def conv2d(x, w, b=None, stride=1, padding=0, dilation=1):
            import torch
            return x
        """),
]


@pytest.mark.parametrize("route, name, source", CONV_ROUTES,
                         ids=[f"{r}-{i}" for i, (r, _, _) in enumerate(CONV_ROUTES)])
def test_each_route_is_charged_to_conv2d_only(tmp_path, route, name, source):
    found = scan(tmp_path, {"conv.py": textwrap.dedent(source) + HONEST_SIZE})
    assert found["conv.conv_output_size"] == []
    assert found["conv.conv2d"], f"{route} not detected"
    assert any(v.route == route and v.name == name for v in found["conv.conv2d"]), found
    assert all(v.route in ROUTES for v in found["conv.conv2d"])


SOFTMAX_ROUTES = [
    ("attribute", "scipy.special.softmax", """
        import scipy.special as ss
        def softmax(z, axis=-1):
            return ss.softmax(z, axis=axis)
        """),
    ("from-import", "scipy.special.softmax", """
        from scipy.special import softmax as _sm
        def softmax(z, axis=-1):
            return _sm(z, axis=axis)
        """),
    ("attribute", "scipy.special.logsumexp", """
        import numpy as np
        import scipy
        def softmax(z, axis=-1):
            return np.exp(z - scipy.special.logsumexp(z, axis=axis, keepdims=True))
        """),
]


@pytest.mark.parametrize("route, name, source", SOFTMAX_ROUTES,
                         ids=[r for r, _, _ in SOFTMAX_ROUTES])
def test_scipy_special_is_charged_to_softmax_only(tmp_path, route, name, source):
    found = scan(tmp_path, {"losses.py": textwrap.dedent(source) + HONEST_LOG_SOFTMAX}, LOSS_TASKS)
    assert found["losses.log_softmax"] == []
    assert [(v.route, v.name) for v in found["losses.softmax"]] == [(route, name)]


def test_scipy_special_is_allowed_outside_the_losses(tmp_path):
    source = """
        import scipy.special as ss
        def relu(x):
            return ss.softmax(x) * 0 + x.clip(0)
        """
    assert scan(tmp_path, {"backprop.py": source}, ["backprop.relu"])["backprop.relu"] == []


HONEST_CONV = """
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
# Not torch.nn.functional.conv2d, not scipy.signal.correlate2d: our own.


def conv_output_size(n, kernel_size, stride=1, padding=0, dilation=1):
    return (n + 2 * padding - dilation * (kernel_size - 1) - 1) // stride + 1


def conv2d(x, w, b=None, stride=1, padding=0, dilation=1):
    '''Unlike torch.nn.functional.conv2d, written by hand.'''
    note = "import torch"
    windows = sliding_window_view(x, w.shape[2:], axis=(2, 3))
    out = np.einsum("nchwkl,ockl->nohw", windows, w)
    alt = np.tensordot(windows, w, axes=([1, 4, 5], [1, 2, 3]))
    module = getattr(np, "lib")
    return out if b is None else out + b[None, :, None, None]
"""


def test_an_honest_submission_is_not_flagged(tmp_path):
    found = scan(tmp_path, {"conv.py": HONEST_CONV})
    assert found == {"conv.conv2d": [], "conv.conv_output_size": []}


def test_an_unused_module_level_import_costs_nothing(tmp_path):
    source = "import torch\nimport scipy.signal as sg\nfrom scipy.ndimage import correlate\n" + HONEST_CONV
    assert scan(tmp_path, {"conv.py": source})["conv.conv2d"] == []


def test_code_under_the_main_guard_costs_nothing(tmp_path):
    source = HONEST_CONV + "\nif __name__ == '__main__':\n    import torch\n    print(torch.zeros(1))\n"
    assert scan(tmp_path, {"conv.py": source})["conv.conv2d"] == []


def test_a_parameter_shadows_a_module_level_import(tmp_path):
    source = "from scipy import signal\ndef conv2d(x, signal=None):\n    return signal.correlate2d(x)\n"
    assert scan(tmp_path, {"conv.py": source})["conv.conv2d"] == []


def test_a_helper_function_is_charged_to_its_caller(tmp_path):
    source = textwrap.dedent("""
        import torch
        def _helper(x, w):
            return torch.nn.functional.conv2d(x, w)
        def _middle(x, w):
            return _helper(x, w)
        def conv2d(x, w, b=None, stride=1, padding=0, dilation=1):
            return _middle(x, w)
        """) + HONEST_SIZE
    found = scan(tmp_path, {"conv.py": source})
    assert found["conv.conv_output_size"] == []
    [v] = found["conv.conv2d"]
    assert (v.name, v.function, v.lineno) == ("torch.nn.functional.conv2d", "_helper", 4)


@pytest.mark.parametrize("how", ["from .conv import conv2d", "from conv import conv2d",
                                 "import conv", "from . import conv", "from .conv import *",
                                 "from assignments import conv", "import assignments.conv as conv"])
def test_an_imported_function_is_charged_to_both_modules(tmp_path, how):
    conv = "from scipy import signal\ndef conv2d(x, w):\n    return signal.correlate2d(x, w)\n"
    call = "conv.conv2d(dout, w)" if how.endswith(" conv") else "conv2d(dout, w)"
    backprop = f"""
{how}

def relu(x):
    return x * (x > 0)

def conv2d_backward(dout, x, w, stride=1, padding=0, dilation=1):
    return {call}, None, None
"""
    folder = write(tmp_path, {"assignments/conv.py": conv, "assignments/backprop.py": backprop})
    found = scan_submission(folder, ["conv.conv2d", "backprop.conv2d_backward", "backprop.relu"])
    assert found["backprop.relu"] == []
    for task in ("conv.conv2d", "backprop.conv2d_backward"):
        [v] = found[task]
        assert (v.filename, v.lineno, v.name, v.function) == ("conv.py", 3, "scipy.signal.correlate2d",
                                                              "conv2d")


def test_every_method_of_an_optimizer_class_counts(tmp_path):
    source = """
        import torch
        class SGD:
            def __init__(self, params, lr=0.001):
                self.params, self.lr = params, lr
            def step(self, grads):
                self._update(grads)
            def _update(self, grads):
                torch.optim.SGD(self.params)
        class Adam:
            def step(self, grads):
                pass
        """
    found = scan(tmp_path, {"optim.py": source}, ["optim.SGD", "optim.Adam"])
    assert found["optim.Adam"] == []
    [v] = found["optim.SGD"]
    assert (v.name, v.function, v.lineno) == ("torch.optim.SGD", "SGD", 9)


def test_module_level_code_is_charged_to_the_module(tmp_path):
    """It runs whenever the module is imported (an import alone does not)."""
    source = ("import sys, importlib, torch\ntorch.manual_seed(0)\nexec('x = 1')\n"
              "F = torch.nn.functional\nsig = importlib.import_module('scipy.signal')\n"
              "t = sys.modules['torch']\n" + HONEST_SIZE)
    found = scan(tmp_path, {"conv.py": source}, ["conv.conv_output_size"])
    assert {(v.name, v.lineno, v.function) for v in found["conv.conv_output_size"]} == {
        ("torch.manual_seed", 2, None), ("exec", 3, None), ("torch.nn.functional", 4, None)}


def test_the_hidden_reference_is_forbidden(tmp_path):
    source = "from solutions.conv import conv2d as _ref\ndef conv2d(x, w):\n    return _ref(x, w)\n"
    [v] = scan(tmp_path, {"conv.py": source})["conv.conv2d"]
    assert v.name == "solutions.conv.conv2d"


def test_a_file_with_a_syntax_error_is_skipped(tmp_path):
    found = scan(tmp_path, {"conv.py": "def conv2d(x:\n", "pooling.py": "import torch\n"})
    assert found == {"conv.conv2d": [], "conv.conv_output_size": []}


def test_module_files_at_the_top_of_the_folder(tmp_path):
    write(tmp_path, {"conv.py": "import torch\ndef conv2d(x, w):\n    return torch.zeros(1)\n"})
    assert [v.name for v in scan_submission(tmp_path, ["conv.conv2d"])["conv.conv2d"]] == ["torch.zeros"]


def test_violations_for_task_on_sources():
    sources = {"conv.py": "import torch\ndef conv2d(x, w):\n    return torch.zeros(1)\n"}
    [v] = violations_for_task(sources, "conv", "conv2d", ["torch"])
    assert v == Violation("torch.zeros", "conv.py", 3, "return torch.zeros(1)", "import", "conv2d")


def test_the_message_names_the_call_file_line_and_what_instead():
    v = Violation("torch.nn.functional.conv2d", "conv.py", 12, "return F.conv2d(x, w)", "import", "conv2d")
    text = v.message("conv.conv2d")
    for part in ("conv.py", "line 12", "F.conv2d(x, w)", "torch.nn.functional.conv2d",
                 "sliding_window_view", "einsum"):
        assert part in text
    soft = Violation("scipy.special.softmax", "losses.py", 3, "return ss.softmax(z)", "import", "softmax")
    assert "numpy.exp" in soft.message("losses.softmax")
    assert "exec" in Violation("exec", "conv.py", 2, "exec(s)", "exec/eval/compile", None).message()
    assert describe([v, v], "conv.conv2d").count("line 12") == 2


def test_forbidden_for_the_rules():
    conv = forbidden_for("conv.conv2d")
    for name in ("torch", "tensorflow", "jax", "scipy.signal", "scipy.ndimage", "solutions"):
        assert name in conv
    assert "scipy.special.softmax" not in conv and "numpy" not in conv
    for task in ("losses.softmax", "losses.log_softmax", "losses.cross_entropy",
                 "backprop.cross_entropy_backward"):
        assert {"scipy.special.softmax", "scipy.special.log_softmax",
                "scipy.special.logsumexp"} <= set(forbidden_for(task))
    rules = Rules(everywhere=("a",), extra={"m": ("b",), "m.f": ("c", "b")})
    assert forbidden_for("m.f", rules) == ["a", "b", "c"]
    assert forbidden_for("m.g", rules) == ["a", "b"]
    assert forbidden_for("n.f", rules) == ["a"]
    assert DEFAULT_RULES.everywhere == tuple(forbidden_for("optim.SGD"))


# --------------------------------------------------------------------------
# The runtime guard, in a fresh interpreter per test

FAKE_SCIPY = {
    "scipy/__init__.py": """
        import importlib as _importlib
        def __getattr__(name):  # lazy submodules, as SciPy does
            if name in ("signal", "special", "ndimage"):
                return _importlib.import_module("scipy." + name)
            raise AttributeError(name)
        """,
    "scipy/signal/__init__.py": "def correlate2d(a, b):\n    return 'real'\n",
    "scipy/special/__init__.py": "def softmax(z):\n    return 'real'\n"
                                 "def expit(z):\n    return 0.5\n",
}

GUARD_PRELUDE = """
import json, sys
from cnn_checks.import_guard import ForbiddenImportError, install
def refused(fn):
    try:
        fn()
    except ForbiddenImportError as exc:
        return str(exc)
    return None
"""


def run_guarded(tmp_path, body: str) -> dict:
    """Run `body` after the prelude in a fresh interpreter (with a stand-in
    SciPy on its path); it prints one JSON object as its last line."""
    write(tmp_path, FAKE_SCIPY)
    script = GUARD_PRELUDE + textwrap.dedent(body)
    root = Path(__file__).resolve().parents[1]
    env_path = f"{tmp_path}{':'}{root}"
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60, cwd=tmp_path, env={"PYTHONPATH": env_path, "PATH": ""})
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_guard_stand_in_for_a_forbidden_module(tmp_path):
    out = run_guarded(tmp_path, """
        install(["torch", "scipy.signal"], "conv.conv2d")
        import torch                                   # importing is fine
        import torch.nn.functional as F
        from torch.nn import functional
        from torch import zeros
        import importlib
        print(json.dumps({
            "zeros": refused(lambda: torch.zeros),
            "call": refused(lambda: F.conv2d(1, 2)),
            "from": refused(lambda: zeros(3)),
            "importlib": refused(lambda: importlib.import_module("scipy.signal").correlate2d),
            "dunder": refused(lambda: __import__("torch").ones),
            "lazy": refused(lambda: __import__("scipy").signal.correlate2d),
            "is_import_error": issubclass(ForbiddenImportError, ImportError),
        }))
        """)
    assert out.pop("is_import_error") is True
    assert all(out.values()), out
    message = out["zeros"]
    assert "torch.zeros" in message and "conv.conv2d" in message
    assert "sliding_window_view" in message
    assert "scipy.signal.correlate2d" in out["importlib"]


def test_guard_evicts_modules_imported_before_it(tmp_path):
    out = run_guarded(tmp_path, """
        import scipy.signal
        install(["scipy.signal"], "conv.conv2d")
        import scipy.signal as again
        print(json.dumps({"attr": refused(lambda: scipy.signal.correlate2d),
                          "again": refused(lambda: again.correlate2d)}))
        """)
    assert all(out.values()), out


def test_guard_forbidden_attribute_of_an_allowed_module(tmp_path):
    out = run_guarded(tmp_path, """
        install(["torch", "scipy.special.softmax"], "losses.softmax")
        from scipy.special import softmax, expit
        import numpy as np
        from numpy.lib.stride_tricks import sliding_window_view
        windows = sliding_window_view(np.arange(6.0), 3)
        print(json.dumps({
            "softmax": refused(lambda: softmax([1.0, 2.0])),
            "expit": expit(0.0),
            "numpy": float(np.einsum("ij->", windows)),
            "shape": list(windows.shape),
        }))
        """)
    assert "scipy.special.softmax" in out["softmax"] and "numpy.exp" in out["softmax"]
    assert out["expit"] == 0.5
    assert out["numpy"] == 30.0 and out["shape"] == [4, 3]


def test_guard_patches_an_already_imported_module(tmp_path):
    out = run_guarded(tmp_path, """
        import scipy.special
        install(["scipy.special.softmax"], "losses.softmax")
        print(json.dumps({"softmax": refused(lambda: scipy.special.softmax([1.0])),
                          "signal": scipy.signal.correlate2d(1, 2)}))
        """)
    assert out["softmax"] and out["signal"] == "real"


def test_guard_an_unused_import_leaves_the_other_tasks_working(tmp_path):
    write(tmp_path, {"student/conv.py": """
        import torch
        from scipy.signal import correlate2d
        def conv_output_size(n, kernel_size, stride=1, padding=0, dilation=1):
            return (n - kernel_size) // stride + 1
        def conv2d(x, w, b=None, stride=1, padding=0, dilation=1):
            return correlate2d(x, w)
        """})
    out = run_guarded(tmp_path, """
        install(["torch", "scipy.signal"], "conv.conv2d")
        sys.path.insert(0, "student")
        import conv
        print(json.dumps({"size": conv.conv_output_size(7, 3),
                          "conv2d": refused(lambda: conv.conv2d(1, 2))}))
        """)
    assert out["size"] == 5
    assert "scipy.signal.correlate2d" in out["conv2d"]
