"""Train the capstone network on the digits and plot its curves:

    python -m assignments.network [--epochs 10] [--batch-size 32] [--lr 1e-3]
                                  [--seed 0] [--out network_curves.png]

It calls your network module's `train` with the fixed training split (the
grader's), shows a progress bar with one step per epoch, and saves the
training and validation loss and accuracy per epoch as a PNG. Validation
uses the held-out images, measured after every epoch through train's
`callback(epoch, params)`: with your `loss_and_grads` (the loss) and your
`predict` (the accuracy). A train without the callback still trains; the
plot then shows the training curves from its history and the final
validation point.
"""
from __future__ import annotations

import argparse
import inspect
import time
from pathlib import Path

import numpy as np


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m assignments.network",
                                description="Train the network on the digits and plot its curves.")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", type=Path, default=Path("network_curves.png"))
    return p


def evaluate(module, X, y, params) -> tuple[float, float]:
    """(mean cross-entropy, accuracy) of `params` on X, y with the module's
    own loss_and_grads and predict."""
    loss, _ = module.loss_and_grads(X, y, params)
    accuracy = float(np.mean(np.asarray(module.predict(X, params)) == y))
    return float(loss), accuracy


def plot(history: list[dict], validation: dict[str, list], out: Path) -> Path:
    """Two panels, loss and accuracy per epoch, training and validation."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 4))
    epochs = np.arange(1, len(history) + 1)
    ax_loss.plot(epochs, [h["loss"] for h in history], "o-", label="training")
    ax_acc.plot(epochs, [h["accuracy"] for h in history], "o-", label="training")
    val_epochs = validation["epoch"]
    ax_loss.plot(val_epochs, validation["loss"], "s-", label="validation")
    ax_acc.plot(val_epochs, validation["accuracy"], "s-", label="validation")
    ax_loss.set(xlabel="epoch", ylabel="cross-entropy", title="loss")
    ax_acc.set(xlabel="epoch", ylabel="accuracy", title="accuracy", ylim=(0, 1.02))
    for ax in (ax_loss, ax_acc):
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=100)
    plt.close(fig)
    return out


def main(module, argv=None) -> int:
    """Train `module` (a network module) on the digits; plot; print the
    held-out accuracy."""
    from tqdm import tqdm

    from .digits import load_split

    args = _parser().parse_args(argv)
    split = load_split()
    validation: dict[str, list] = {"epoch": [], "loss": [], "accuracy": []}
    bar = tqdm(total=args.epochs, unit="epoch", desc="training")

    def callback(epoch, params):
        loss, accuracy = evaluate(module, split.X_test, split.y_test, params)
        validation["epoch"].append(epoch + 1)
        validation["loss"].append(loss)
        validation["accuracy"].append(accuracy)
        bar.set_postfix(val_loss=f"{loss:.3f}", val_acc=f"{accuracy:.3f}")
        bar.update(1)

    kwargs = dict(epochs=args.epochs, batch_size=args.batch_size, lr=args.lr, seed=args.seed)
    takes_callback = "callback" in inspect.signature(module.train).parameters
    start = time.process_time()
    params, history = module.train(split.X_train, split.y_train, **kwargs,
                                   **({"callback": callback} if takes_callback else {}))
    seconds = time.process_time() - start
    if not takes_callback:
        bar.update(args.epochs)
        loss, accuracy = evaluate(module, split.X_test, split.y_test, params)
        validation = {"epoch": [len(history)], "loss": [loss], "accuracy": [accuracy]}
    bar.close()
    out = plot(history, validation, args.out)
    print(f"held-out accuracy {validation['accuracy'][-1]:.1%} after {len(history)} epochs "
          f"({seconds:.1f} s of CPU time); curves saved to {out}")
    return 0
