"""Per-epoch time of proofkit's LaPerm trainer, and of the same protocol in a plain PyTorch loop.

Protocol (the setup of the paper's Fig. 2): 1-D network 1-2n-1-1, 1600 training points, batch 8 (200 Adam steps per
epoch), MSE, ExponentialLR(0.998), a permutation every k = 5 epochs (authors' trigger). One core: the
numba kernels are single-threaded; torch gets ``torch.set_num_threads(1)``.

Timing: each measurement is repeated (``--repeat``, default 3) and the minimum is reported, because the
machine may be shared (the load average is printed); times are the CPU time of this process
(``time.process_time``: on a shared machine it stays close to what an idle core gives, where the wall
time would also count the other processes' turns). proofkit's number is the time of ``train_laperm``
divided by the epochs, after a warm-up run that loads (or compiles) the numba kernels; it includes the
permutation steps and the per-epoch shuffles. The PyTorch loop uses ``DataLoader(TensorDataset,
batch_size, shuffle=True)`` as the authors' code does, float32, and the same permutation rule (argsort of
argsort, in place).

``--engines`` compares the training engine with the previous one (:func:`proofkit.train.kernels.adam_epoch`
against :func:`~proofkit.train.kernels.adam_epoch_dense`, engine version 1: dense O(BH) batches), kernel
only, interleaved in one process, on the 1-D protocol at n = 10, 160, 1280, the 2-D protocol of Fig. 3
(8 directions, batch 128, 51 200 points, n = 320) and the 3-D protocol of Fig. 4 (26 directions, batch 640,
n = 320).

``--compare`` instead compares LaPerm with the permutation search (``swap``) at equal wall-clock budget
(default 10 s per run) on the Pairwise pool, targets sin(2 pi x) and -sin(2 pi x), n in {40, 160, 640}:
``swap`` once (its own time), ``swap`` with iterated-local-search restarts until the budget, LaPerm with
the full protocol when 6400 epochs fit in the budget, otherwise with the epochs that fit and the decay
rescaled so that the final learning rate is the protocol's (decay' = 0.998^(6400/E)).

Usage: ``python benchmarks/bench_train.py [--widths 10 160 1280] [--repeat 3] [--torch-epochs 3]``,
``python benchmarks/bench_train.py --engines`` or
``python benchmarks/bench_train.py --compare [--budget 10] [--seeds 2022 3022 4022]``.
"""
from __future__ import annotations

import argparse
import os
import time

for _var in ("NUMBA_NUM_THREADS", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # one core

import numpy as np  # noqa: E402

from proofkit.train import TrainConfig, kernels, train_laperm  # noqa: E402
from proofkit.train.laperm import BETA1, BETA2, EPS  # noqa: E402
from proofkit.train.problem import build_problem  # noqa: E402


def proofkit_epoch_seconds(n: int, epochs: int, repeat: int) -> float:
    """Minimum over ``repeat`` runs of (wall time of train_laperm) / epochs at width n."""
    cfg = TrainConfig(target="-sin(2*pi*x)", n=n, init="pairwise", seed=2022, epochs=epochs)
    train_laperm(cfg.with_(epochs=2))  # warm-up: numba cache load / compile
    best = np.inf
    for _ in range(repeat):
        t = time.process_time()
        train_laperm(cfg)
        best = min(best, (time.process_time() - t) / epochs)
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
        t = time.process_time()
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
        best = min(best, (time.process_time() - t) / epochs)
    return best


ENGINE_CASES = (
    ("1-D n=10", dict(target="-sin(2*pi*x)", n=10, init="pairwise"), 200, 20),
    ("1-D n=160", dict(target="-sin(2*pi*x)", n=160, init="pairwise"), 100, 20),
    ("1-D n=1280", dict(target="-sin(2*pi*x)", n=1280, init="pairwise"), 50, 5),
    ("2-D n=320", dict(target="-sin(pi*x*y)", n=320, dim=2, batch=128), 10, 1),
    ("3-D n=320", dict(target="sin(3*x)*cos(y)*sin(2*z)", n=320, dim=3, batch=640, k=20), 10, 1),
)


def engine_epoch_seconds(kw: dict, epochs: int, dense_epochs: int, repeat: int) -> tuple[float, float]:
    """Kernel-only seconds per epoch (min over ``repeat``) of the current engine and of the dense reference
    (the previous engine), from the pool's initial arrangement, interleaved."""
    cfg = TrainConfig(**kw, epochs=1)
    prob = build_problem(cfg)
    D, H, N = len(prob.dirs), prob.H, len(prob.Y)
    idx, L, P = kernels.unit_layout(prob.unit_dir, prob.c, D)
    c = np.ascontiguousarray(prob.c[idx])
    K = kernels.bucket_table(prob.X, prob.dirs, c, P)
    sparse = kernels.sparse_batches(cfg.batch, D, L, H // L)
    dense_idx = np.lexsort((prob.c, prob.unit_dir))  # the previous engine's unit order
    c_d, ud_d = np.ascontiguousarray(prob.c[dense_idx]), np.ascontiguousarray(prob.unit_dir[dense_idx])

    def new(e):
        theta, m, v = np.ascontiguousarray(prob.pool[idx]), np.zeros((L, H // L)), np.zeros((L, H // L))
        ga, m2, v2, rng, step = np.array([1.0, 0.0]), np.zeros(2), np.zeros(2), np.random.default_rng(0), 0
        t = time.process_time()
        for _ in range(e):
            _, step = kernels.adam_epoch(prob.X, prob.dirs, K, prob.Y, rng.permutation(N), c, P, theta, ga, m, v,
                                         m2, v2, step, 1e-3, cfg.batch, cfg.slope, BETA1, BETA2, EPS, sparse)
        return (time.process_time() - t) / e

    def old(e):
        theta, m, v = prob.pool[dense_idx].copy(), np.zeros(H), np.zeros(H)
        ga, m2, v2, rng, step = np.array([1.0, 0.0]), np.zeros(2), np.zeros(2), np.random.default_rng(0), 0
        hbuf, gbuf = np.empty((cfg.batch, H)), np.empty(H)
        t = time.process_time()
        for _ in range(e):
            _, step = kernels.adam_epoch_dense(prob.X, prob.Y, rng.permutation(N), prob.dirs, ud_d, c_d, theta, ga, m,
                                               v, m2, v2, step, 1e-3, cfg.batch, cfg.slope, BETA1, BETA2, EPS,
                                               hbuf, gbuf)
        return (time.process_time() - t) / e

    new(1), old(1)  # compile / load
    best_new = best_old = np.inf
    for _ in range(repeat):
        best_new = min(best_new, new(epochs))
        best_old = min(best_old, old(dense_epochs))
    return best_new, best_old


def engines(repeat: int) -> None:
    """Print kernel-only ms/epoch of the dense reference (engine 1) and the current engine, and the ratio."""
    print(f"{'case':>11} {'engine 1 ms/epoch':>18} {f'engine {kernels.ENGINE_VERSION} ms/epoch':>18} {'speed-up':>9}")
    for name, kw, epochs, dense_epochs in ENGINE_CASES:
        ours, dense = engine_epoch_seconds(kw, epochs, dense_epochs, repeat)
        print(f"{name:>11} {dense * 1e3:18.3f} {ours * 1e3:18.3f} {dense / ours:9.1f}", flush=True)


def compare(budget: float, seeds, widths=(40, 160, 640)) -> None:
    """Print LaPerm vs swap search at equal wall-clock budget (see the module docstring)."""
    from proofkit.train import run

    run(TrainConfig(target="x", n=10, init="pairwise", method="swap", n_train=50))  # warm-up
    print(f"{'target':>13} {'n':>4} {'seed':>5} | {'swap L_inf':>10} {'s':>5} | {'swap+restarts':>13} {'s':>5} | "
          f"{'LaPerm L_inf':>12} {'epochs':>6} {'s':>5}", flush=True)
    for target in ("sin(2*pi*x)", "-sin(2*pi*x)"):
        for n in widths:
            for seed in seeds:
                base = TrainConfig(target=target, n=n, init="pairwise", seed=seed)
                one = run(base.with_(method="swap"))
                ils = run(base.with_(method="swap", search_restarts=100000, time_limit=budget))
                per_epoch = proofkit_epoch_seconds(n, 50, 1)
                epochs = int(min(6400, budget / per_epoch * 0.95))
                lap = run(base.with_(epochs=epochs, decay=0.998 ** (6400 / epochs)))
                print(f"{target:>13} {n:4d} {seed:5d} | {one.linf:10.4f} {one.seconds:5.1f} | {ils.linf:13.4f} "
                      f"{ils.seconds:5.1f} | {lap.linf:12.4f} {epochs:6d} {lap.seconds:5.1f}", flush=True)


def main(argv=None) -> None:
    """Print a table: n, hidden width, proofkit ms/epoch, torch ms/epoch, ratio."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--widths", type=int, nargs="+", default=[10, 160, 1280])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--epochs", type=int, default=200, help="epochs per proofkit measurement")
    ap.add_argument("--torch-epochs", type=int, default=3, help="epochs per torch measurement")
    ap.add_argument("--engines", action="store_true", help="current vs previous engine (kernel only, 1-D/2-D/3-D)")
    ap.add_argument("--compare", action="store_true", help="LaPerm vs permutation search at equal time")
    ap.add_argument("--budget", type=float, default=10.0, help="seconds per run for --compare")
    ap.add_argument("--seeds", type=int, nargs="+", default=[2022, 3022, 4022])
    args = ap.parse_args(argv)
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} cores)", flush=True)
    if args.engines:
        engines(args.repeat)
        return
    if args.compare:
        compare(args.budget, args.seeds)
        return
    print(f"{'n':>6} {'H':>6} {'proofkit ms/epoch':>18} {'torch ms/epoch':>15} {'torch/proofkit':>15}")
    for n in args.widths:
        ours = proofkit_epoch_seconds(n, args.epochs, args.repeat)
        theirs = torch_epoch_seconds(n, args.torch_epochs, args.repeat)
        t_txt = f"{theirs * 1e3:15.1f}" if theirs is not None else f"{'(no torch)':>15}"
        r_txt = f"{theirs / ours:15.0f}" if theirs is not None else f"{'-':>15}"
        print(f"{n:6d} {2 * n:6d} {ours * 1e3:18.3f} {t_txt} {r_txt}", flush=True)


if __name__ == "__main__":
    main()
