"""Per-epoch time of proofkit's LaPerm trainer, and of the same protocol in a plain PyTorch loop.

Protocol (PAPER.md §4.2, §5.0): 1-D network 1-2n-1-1, 1600 training points, batch 8 (200 Adam steps per
epoch), MSE, ExponentialLR(0.998), a permutation every k = 5 epochs (authors' trigger). One core: the
numba kernels are single-threaded; torch gets ``torch.set_num_threads(1)``.

Timing: each measurement is repeated (``--repeat``, default 3) and the minimum is reported, because the
machine may be shared. proofkit's number is the wall time of ``train_laperm`` divided by the epochs, after
a warm-up run that loads (or compiles) the numba kernels; it includes the permutation steps and the
per-epoch shuffles. The PyTorch loop uses ``DataLoader(TensorDataset, batch_size, shuffle=True)`` as the
authors' code does, float32, and the same permutation rule (argsort of argsort, in place).

Usage: ``python benchmarks/bench_train.py [--widths 10 160 1280] [--repeat 3] [--torch-epochs 3]``.
"""
from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("NUMBA_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from proofkit.train import TrainConfig, train_laperm  # noqa: E402


def proofkit_epoch_seconds(n: int, epochs: int, repeat: int) -> float:
    """Minimum over ``repeat`` runs of (wall time of train_laperm) / epochs at width n."""
    cfg = TrainConfig(target="-sin(2*pi*x)", n=n, init="pairwise", seed=2022, epochs=epochs)
    train_laperm(cfg.with_(epochs=2))  # warm-up: numba cache load / compile
    best = np.inf
    for _ in range(repeat):
        t = time.perf_counter()
        train_laperm(cfg)
        best = min(best, (time.perf_counter() - t) / epochs)
    return best


def torch_epoch_seconds(n: int, epochs: int, repeat: int) -> float | None:
    """The same protocol in a plain PyTorch loop (None when torch is not installed)."""
    try:
        import torch
        from torch import nn
    except ImportError:
        return None
    torch.set_num_threads(1)
    torch.manual_seed(2022)
    x = torch.rand(1600, 1) * 2 - 1
    y = -torch.sin(2 * torch.pi * x)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=8, shuffle=True)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.layer1 = nn.Linear(1, 2 * n)
            self.layer2 = nn.Linear(2 * n, 1, bias=False)
            self.layer3 = nn.Linear(1, 1)
            with torch.no_grad():
                self.layer1.weight.copy_(torch.cat([torch.ones(n), -torch.ones(n)]).reshape(-1, 1))
                b = torch.rand(n) * 2 - 1
                self.layer1.bias.copy_(torch.cat([b, b]))
                c = torch.rand(n) * 2 - 1
                self.layer2.weight.copy_(torch.cat([c, -c]).reshape(1, -1))
                self.layer3.weight.fill_(1.0)
            self.layer1.requires_grad_(False)

        def forward(self, t):
            return self.layer3(self.layer2(torch.relu(self.layer1(t))))

    best = np.inf
    for _ in range(repeat):
        model = Net()
        w0 = torch.sort(model.layer2.weight.detach().flatten()).values
        opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=1e-3)
        sched = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=0.998)
        loss_fn = nn.MSELoss()
        e0 = 0
        t = time.perf_counter()
        for epoch in range(epochs):
            for xb, yb in loader:
                opt.zero_grad()
                loss = loss_fn(model(xb), yb)
                loss.backward()
                opt.step()
            sched.step()
            if epoch + 1 - e0 == 5:
                with torch.no_grad():
                    th = model.layer2.weight.flatten()
                    rank = torch.argsort(torch.argsort(th))
                    model.layer2.weight.copy_(w0[rank].reshape(1, -1))
                e0 = epoch
        best = min(best, (time.perf_counter() - t) / epochs)
    return best


def main(argv=None) -> None:
    """Print a table: n, hidden width, proofkit ms/epoch, torch ms/epoch, ratio."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--widths", type=int, nargs="+", default=[10, 160, 1280])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--epochs", type=int, default=200, help="epochs per proofkit measurement")
    ap.add_argument("--torch-epochs", type=int, default=3, help="epochs per torch measurement")
    args = ap.parse_args(argv)
    print(f"{'n':>6} {'H':>6} {'proofkit ms/epoch':>18} {'torch ms/epoch':>15} {'torch/proofkit':>15}")
    for n in args.widths:
        ours = proofkit_epoch_seconds(n, args.epochs, args.repeat)
        theirs = torch_epoch_seconds(n, args.torch_epochs, args.repeat)
        t_txt = f"{theirs * 1e3:15.1f}" if theirs is not None else f"{'(no torch)':>15}"
        r_txt = f"{theirs / ours:15.0f}" if theirs is not None else f"{'-':>15}"
        print(f"{n:6d} {2 * n:6d} {ours * 1e3:18.3f} {t_txt} {r_txt}", flush=True)


if __name__ == "__main__":
    main()
