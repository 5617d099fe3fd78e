"""Sweeps on a real dask.distributed cluster started by the test on 127.0.0.1 (a scheduler and two worker
processes under nannies): the results are those of the local backend, bit for bit, and a worker killed in
the middle of a sweep loses nothing. Skipped when dask[distributed] is not installed."""
import json
import os
import signal

import pytest

pytest.importorskip("distributed", reason="needs dask[distributed] (pip install -e '.[cluster]')")

from proofkit.experiments.runs import train_config, train_run
from proofkit.experiments.sweep import RUN_FORMAT, config_key, run_sweep


def _configs(epochs):
    return [train_config({"n": n, "epochs": epochs, "init": init, "seed": seed})
            for n in (10, 40) for init in ("pairwise", "random") for seed in (2022, 3022, 4022)]


@pytest.fixture(scope="module")
def cluster():
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None, silence_logs=50) as c, Client(c.scheduler_address) as client:
        yield c, client


def _results(records):
    """The run results without their wall time (``train_seconds``)."""
    return [{k: v for k, v in r["result"].items() if k != "train_seconds"} for r in records]


def _local(configs, folder):
    recs, _ = run_sweep(configs, train_run, folder, backend="sequential", progress=False)
    return _results(recs)


def test_dask_sweep_gives_the_local_results_bit_for_bit(tmp_path, cluster):
    c, _ = cluster
    configs = _configs(epochs=5)
    local = _local(configs, tmp_path / "local")
    recs, stats = run_sweep(configs, train_run, tmp_path / "dask", backend="dask", scheduler=c.scheduler_address,
                            n_jobs=-1, progress=False)
    assert stats.computed == len(configs)
    assert _results(recs) == local  # floats compared exactly


def test_a_worker_killed_mid_sweep_loses_nothing(tmp_path, cluster):
    c, client = cluster
    configs = _configs(epochs=400)  # a fraction of a second each, so the kill lands mid-sweep
    local = _local(configs, tmp_path / "local")
    pids = sorted(client.run(os.getpid).values())
    assert len(pids) == 2 and os.getpid() not in pids  # separate worker processes
    killed = []

    def kill_one(_rec):
        if not killed:  # after the first result: one worker dies with runs in flight
            os.kill(pids[0], signal.SIGKILL)
            killed.append(pids[0])

    results = tmp_path / "dask"
    recs, stats = run_sweep(configs, train_run, results, backend="dask", scheduler=c.scheduler_address,
                            n_jobs=-1, progress=False, on_result=kill_one)
    assert killed and stats.computed == len(configs) and stats.cached == 0
    assert _results(recs) == local
    files = sorted(os.listdir(results))
    assert files == sorted(f"{config_key(cfg)}.json" for cfg in configs)  # every run, once
    for name in files:
        rec = json.loads((results / name).read_text())
        assert rec["format"] == RUN_FORMAT and rec["key"] == name[:-5]
    # the cluster recovered (the nanny restarted the worker); a second pass loads everything
    _, again = run_sweep(configs, train_run, results, backend="dask", scheduler=c.scheduler_address,
                         n_jobs=-1, progress=False)
    assert again.computed == 0 and again.cached == len(configs)
    assert pids[0] not in client.run(os.getpid).values()  # the killed process is gone, replaced
