"""The teaching notebooks (notebooks/*.ipynb, paired with jupytext percent-format .py files).

* every notebook runs top to bottom in a fresh python3 kernel (nbclient), in a temporary working
  directory, without an error cell *and* without an error output (a failing display hook, e.g. bad
  mathtext in a figure title, does not stop nbclient but shows up as an ``error`` output);
* the .ipynb and its .py pair hold the same cells (type and source);
* the committed .ipynb files carry no outputs and no execution counts;
* nothing is left behind in the working directory except under ``figures/``.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import jupytext  # the test extra installs jupytext, nbclient (via nbmake) and ipykernel: no skipping
import nbclient
import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent / "notebooks"
EXPECTED = ["01_why_permutations", "02_four_pair_step", "03_building_theorem1", "04_theorems_2_and_3",
            "05_watching_training", "06_where_training_stops"]
NOTEBOOKS = sorted(p.stem for p in ROOT.glob("*.ipynb"))


def _cells(nb):
    return [(c.cell_type, c.source.strip()) for c in nb.cells]


def test_the_five_notebooks_exist_in_both_forms():
    for name in EXPECTED:
        assert (ROOT / f"{name}.ipynb").is_file(), f"{name}.ipynb missing"
        assert (ROOT / f"{name}.py").is_file(), f"{name}.py missing"
    assert set(NOTEBOOKS) == set(EXPECTED)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_ipynb_and_py_are_in_sync(name):
    ipynb = nbformat.read(ROOT / f"{name}.ipynb", as_version=4)
    py = jupytext.read(ROOT / f"{name}.py", fmt="py:percent")
    assert _cells(ipynb) == _cells(py), f"{name}: run 'jupytext --sync notebooks/{name}.py'"
    assert [c.metadata.get("tags", []) for c in ipynb.cells] == [c.metadata.get("tags", []) for c in py.cells]


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_outputs_are_stripped(name):
    nb = nbformat.read(ROOT / f"{name}.ipynb", as_version=4)
    for i, c in enumerate(nb.cells):
        if c.cell_type == "code":
            assert c.outputs == [], f"{name}: cell {i} has outputs"
            assert c.execution_count is None, f"{name}: cell {i} has an execution count"


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_each_notebook_has_hidden_solutions(name):
    nb = nbformat.read(ROOT / f"{name}.ipynb", as_version=4)
    sol = [c for c in nb.cells if "solution" in c.metadata.get("tags", [])]
    assert len(sol) >= 2, f"{name}: expected at least two solution cells"
    for c in sol:
        assert c.metadata.get("jupyter", {}).get("source_hidden") is True


def _kernel_name() -> str:
    """python3, registered for this interpreter if no kernelspec of that name exists."""
    from jupyter_client.kernelspec import KernelSpecManager

    if "python3" not in KernelSpecManager().find_kernel_specs():
        subprocess.run([sys.executable, "-m", "ipykernel", "install", "--user", "--name", "python3"],
                       check=True, capture_output=True)
    return "python3"


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_executes(name, tmp_path, monkeypatch):
    nb = nbformat.read(ROOT / f"{name}.ipynb", as_version=4)
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    client = nbclient.NotebookClient(nb, timeout=600, kernel_name=_kernel_name(),
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()  # raises CellExecutionError on the first failing cell
    for i, c in enumerate(nb.cells):
        for out in c.get("outputs", []):
            assert out.get("output_type") != "error", \
                f"{name}: cell {i} produced an error output: {out.get('ename')}: {out.get('evalue')}"
    left = [p for p in os.listdir(tmp_path) if p != "figures"]
    assert left == [], f"{name} wrote outside figures/: {left}"
