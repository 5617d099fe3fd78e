r"""The run function of the figure sweeps: one permutation-training run, summarised as plain JSON.

A run configuration (the sweep's unit, hashed by :func:`proofkit.experiments.sweep.config_key`) is

``{"kind": "train", "engine": <proofkit version>, "engine_version": <proofkit.train.ENGINE_VERSION>,
"train": <every field of TrainConfig>, "record": {...}}``

(plus ``"problem_revision"`` when the problem of that dimension has been revised,
:data:`proofkit.train.problem.PROBLEM_REVISION` above 1, so runs of a changed problem are recomputed),
where ``train`` holds the TrainConfig fields the figure spec sets (every protocol field: target, domain,
n, init, seed, k, relaxed_scale, epochs, batch, lr, decay, activation, layout, quirk, dim, data_seed, ...),
validated and normalised by :class:`proofkit.train.TrainConfig` (so ``"Random 1"`` and ``"pairwise"`` are
the same run). Fields the spec leaves at the trainer's defaults are not part of the key, so a field added
to TrainConfig later does not invalidate stored runs; the full configuration actually run is stored in
the result (``"train_config"``). ``record`` says what to keep besides the test errors:
``predictions`` (the trained :math:`f^{NN}` at the test points, every ``stride``-th point, for the insets)
and ``events`` (the permutation-event log of Fig. 6: per permutation step the epoch, the number of
positions whose rank changed, the test MSE and :math:`L^\infty`, and the first ``event_rows`` rows of the
changed/unchanged matrix, bit-packed and base64-encoded, with the column order of the initial values).

:func:`train_run` calls :func:`proofkit.train.run` (a pure function of the configuration) and returns
``{"linf", "mse", "permutations", "drift", "gamma", "alpha", "train_seconds", ...}``: a pure function of the
configuration except ``train_seconds`` (a wall time, kept in the git-ignored run cache and never copied into
the figure files); the test error
:math:`L^\infty=\max_{\text{test}}|f^{NN}-f^*|` is the trainer's, computed with the network's own
evaluator.
"""
from __future__ import annotations

import base64

import numpy as np

__all__ = ["train_config", "train_run", "decode_events"]


def train_config(train: dict, *, predictions: int = 0, events: int = 0) -> dict:
    """The sweep configuration of a training run: ``train`` holds TrainConfig fields (validated and
    completed with the defaults); ``predictions`` > 0 keeps every that-many-th test prediction;
    ``events`` > 0 keeps the permutation-event log with that many rows of the changed matrix."""
    from .. import __version__
    from ..train import ENGINE_VERSION, TrainConfig
    from ..train.problem import PROBLEM_REVISION

    train = dict(train)
    record = {}
    if predictions:
        record["predictions"] = int(predictions)
    if events:
        record["events"] = int(events)
        train["log_events"] = True
    full = TrainConfig(**train).to_dict()
    explicit = {k: full[k] for k in train}
    if "domain" in explicit:
        explicit["domain"] = [float(v) for v in explicit["domain"]]
    config = {"kind": "train", "engine": __version__, "engine_version": ENGINE_VERSION, "train": explicit,
              "record": record}
    revision = PROBLEM_REVISION[full["dim"]]
    if revision > 1:  # revisions after the first only, so the keys of unchanged problems stay as they were
        config["problem_revision"] = revision
    return config


def train_run(config: dict) -> dict:
    """Run one training configuration (see :func:`train_config`) and summarise it as plain JSON."""
    from ..train import TrainConfig, run

    train = dict(config["train"])
    if "domain" in train:
        train["domain"] = tuple(train["domain"])
    cfg = TrainConfig(**train)
    res = run(cfg)
    net = res.net
    out = {"linf": float(res.linf), "mse": float(res.mse), "permutations": int(res.permutations),
           "train_config": {k: (list(v) if isinstance(v, tuple) else v) for k, v in cfg.to_dict().items()},
           "drift": float(res.drift), "gamma": float(net.scale), "alpha": float(net.shift),
           "epochs_run": int(res.epochs_run), "train_seconds": round(float(res.seconds), 3)}
    rec = config.get("record", {})
    if rec.get("predictions"):
        stride = int(rec["predictions"])
        out["predictions"] = _predictions(cfg, net, stride)
    if rec.get("events") and res.log is not None:
        out["events"] = _events(res, int(rec["events"]))
    return out


def _predictions(cfg, net, stride):
    """Test points (every ``stride``-th), target values there and f_NN there."""
    from ..train.problem import build_problem

    prob = build_problem(cfg)
    xs = prob.x_test[::stride]
    ys = prob.Yt[::stride]
    pred = net(xs[:, 0]) if cfg.dim == 1 else net(xs)
    return {"x": np.asarray(xs).tolist(), "target": np.asarray(ys).tolist(), "pred": np.asarray(pred).tolist()}


def _events(res, rows):
    """The permutation-event log, columns ordered by the positions' initial values."""
    from ..train.problem import build_problem

    log = res.log
    prob = build_problem(res.config)
    col_order = np.argsort(prob.pool, kind="stable")  # column i: the position with the i-th smallest value
    changed = log.changed()[:rows][:, col_order]
    packed = np.packbits(changed, axis=1)
    return {"epoch": [int(e) for e in log.epoch], "count": [int(c) for c in log.count],
            "test_mse": [float(v) for v in log.test_mse], "test_linf": [float(v) for v in log.test_linf],
            "width": int(log.width), "rows": int(changed.shape[0]),
            "initial_values": [float(v) for v in np.asarray(prob.pool)[col_order]],
            "changed_packed_b64": base64.b64encode(packed.tobytes()).decode("ascii")}


def decode_events(events: dict) -> np.ndarray:
    """The boolean (rows, H) changed matrix of a stored event record (columns by initial value)."""
    H, rows = int(events["width"]), int(events["rows"])
    raw = np.frombuffer(base64.b64decode(events["changed_packed_b64"]), dtype=np.uint8)
    packed = raw.reshape(rows, (H + 7) // 8)
    return np.unpackbits(packed, axis=1, count=H).astype(bool)
