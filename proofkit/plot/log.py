r"""A permutation-training run from its event log (``proofkit train --log LOG.npz``), like Fig. 6 of the
paper for any run.

(a) which of the H positions changed rank at each permutation step (dark = changed), steps downwards;
(b) how many changed per step (the "frequency");
(c) the test errors after each permutation step (MSE and :math:`L^\infty`) against the epoch, log scale,
with the training loss when the log carries one (arrays ``loss`` and, optionally, ``loss_epoch``).

Large logs are reduced for the screen by max-pooling the change matrix (a cell is dark when any position
in it changed), never by dropping steps silently: the axis labels say how many steps each row holds.
"""
from __future__ import annotations

import zipfile

import numpy as np

from .style import COLORS, PlotError, panel_tag

__all__ = ["load_log", "log_figure", "RunLog"]

MAX_ROWS, MAX_COLS = 600, 1000


class RunLog:
    """The arrays of a log file: epoch, changed (events, H) bool, count, test_mse, test_linf, width,
    and optional loss / loss_epoch."""

    def __init__(self, epoch, changed, count, test_mse, test_linf, width, loss=None, loss_epoch=None):
        self.epoch, self.changed, self.count = epoch, changed, count
        self.test_mse, self.test_linf, self.width = test_mse, test_linf, width
        self.loss, self.loss_epoch = loss, loss_epoch


def load_log(path) -> RunLog:
    """Read a ``.npz`` permutation log (:class:`proofkit.train.PermutationLog` format); PlotError on defects."""
    try:
        with np.load(path, allow_pickle=False) as z:
            keys = set(z.files)
            need = {"epoch", "changed_packed", "count", "test_mse", "test_linf", "width"}
            if not need <= keys:
                raise PlotError(f"{path}: not a training log (missing {', '.join(sorted(need - keys))})")
            width = int(z["width"])
            packed = z["changed_packed"]
            changed = (np.unpackbits(packed, axis=1, count=width).astype(bool) if len(packed)
                       else np.zeros((0, width), bool))
            loss = np.asarray(z["loss"], float) if "loss" in keys else None
            loss_epoch = np.asarray(z["loss_epoch"], float) if "loss_epoch" in keys else None
            return RunLog(np.asarray(z["epoch"]), changed, np.asarray(z["count"]), np.asarray(z["test_mse"], float),
                          np.asarray(z["test_linf"], float), width, loss, loss_epoch)
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise PlotError(f"{path}: cannot read the training log ({exc})") from None


def _pool(mat, rows, cols):
    """Max-pool a boolean matrix to at most rows x cols cells."""
    r, c = mat.shape
    fr, fc = max(1, -(-r // rows)), max(1, -(-c // cols))
    R, C = -(-r // fr), -(-c // fc)
    pad = np.zeros((R * fr, C * fc), bool)
    pad[:r, :c] = mat
    return pad.reshape(R, fr, C, fc).any(axis=(1, 3)), fr, fc


def log_figure(log: RunLog, title=None):
    """The three-panel figure of a training run (module docstring)."""
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap

    if len(log.epoch) == 0:
        raise PlotError("the log has no permutation events (training stopped before the first permutation?)")
    fig = plt.figure(figsize=(12, 9))
    ax_a = fig.add_axes([0.08, 0.5, 0.6, 0.39])
    ax_b = fig.add_axes([0.74, 0.5, 0.22, 0.39], sharey=ax_a)
    ax_c = fig.add_axes([0.08, 0.16, 0.88, 0.24])
    mat, fr, fc = _pool(log.changed, MAX_ROWS, MAX_COLS)
    steps, H = log.changed.shape
    cmap = ListedColormap(["#F2F2F2", "#0072B2"])
    ax_a.imshow(mat.astype(np.uint8), cmap=cmap, vmin=0, vmax=1, aspect="auto", interpolation="nearest",
                extent=(-0.5, H - 0.5, steps + 0.5, 0.5))
    ax_a.set_xlabel("position $i$ of the coefficient vector" + (f" ({fc} per column)" if fc > 1 else ""))
    ax_a.set_ylabel("permutation step $t$" + (f" ({fr} per row)" if fr > 1 else ""))
    ax_a.grid(False)
    ax_a.plot([], [], "s", color="#0072B2", label="rank changed at step $t$")
    ax_a.plot([], [], "s", color="#F2F2F2", mec="#999999", label="unchanged")
    ax_a.legend(loc="lower right", fontsize=8, framealpha=0.95)
    ax_a.set_title(f"which positions changed ({steps} permutation steps, $H$ = {H})", fontsize=10)
    t = np.arange(1, steps + 1)
    ax_b.barh(t, log.count, height=1.0, color="#0072B2", label="positions changed")
    ax_b.set_xlim(0, H)
    ax_b.set_xlabel("frequency (positions changed)")
    ax_b.tick_params(labelleft=False)
    ax_b.set_title("frequency per step", fontsize=10)
    ax_b.legend(loc="lower right", fontsize=8)
    ep = np.asarray(log.epoch, float) + 1
    ax_c.plot(ep, log.test_mse, color=COLORS["network"], lw=1.3, label="test MSE after the permutation")
    ax_c.plot(ep, log.test_linf, color=COLORS["eps"], lw=1.3, ls="--", label=r"test $L^\infty$ error")
    if log.loss is not None and len(log.loss):
        le = log.loss_epoch if log.loss_epoch is not None else np.arange(1, len(log.loss) + 1)
        ax_c.plot(np.asarray(le, float), log.loss, color=COLORS["target"], lw=0.8, alpha=0.7,
                  label="training loss")
    ax_c.plot(ep, np.full(len(ep), np.nanmin(log.test_mse)) * 0 + _floor(log), ls="none", marker="|",
              ms=8, color=COLORS["linear"], label="permutation events (epochs)")
    ax_c.set_xscale("log")
    ax_c.set_yscale("log")
    ax_c.set_xlabel("epoch + 1")
    ax_c.set_ylabel("test error")
    ax_c.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), fontsize=8, ncol=4, frameon=False)
    ax_c.set_title("test error at each permutation step", fontsize=10)
    for ax, tag in zip((ax_a, ax_b, ax_c), "abc"):
        panel_tag(ax, f"({tag})")
    fig.suptitle(title or f"permutation training: {steps} permutation steps, hidden width $H$ = {H}, final test "
                 f"MSE {log.test_mse[-1]:.3g}, $L^\\infty$ {log.test_linf[-1]:.3g}", fontsize=12)
    return fig


def _floor(log):
    vals = np.concatenate([log.test_mse, log.test_linf] + ([log.loss] if log.loss is not None else []))
    vals = vals[np.isfinite(vals) & (vals > 0)]
    return float(vals.min()) / 1.6 if len(vals) else 1e-3
