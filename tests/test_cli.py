"""The command line: `construct` and `verify` end to end, and every bad input as one line, exit 2."""
import json
import subprocess
import sys

import pytest

from proofkit.cli import main


def run_cli(*args):
    """Run `python -m proofkit ARGS` in a subprocess (the real entry point); return (code, stdout, stderr)."""
    p = subprocess.run([sys.executable, "-m", "proofkit", *args], capture_output=True, text=True, timeout=300)
    return p.returncode, p.stdout, p.stderr


@pytest.fixture(scope="module")
def sin_net(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli")
    net, cert = d / "net.json", d / "cert.json"
    code, out, err = run_cli("construct", "sin(2*pi*x)", "--eps", "0.05", "--out", str(net), "--cert", str(cert))
    assert code == 0, out + err
    return net, cert, out


def test_construct_and_verify_sin(sin_net):
    net, cert, out = sin_net
    assert "CERTIFIED" in out and "permutation OK" in out
    c = json.loads(cert.read_text())
    assert c["format"] == "proofkit.certificate/3"
    assert c["upper"] <= 0.05 and c["lower"] <= c["upper"]
    code, out, err = run_cli("verify", str(net), "sin(2*pi*x)", "--eps", "0.05")
    assert code == 0, out + err
    assert "CERTIFIED" in out


def test_verify_uses_provenance(sin_net):
    net, _, _ = sin_net
    assert main(["verify", str(net)]) == 0


def test_verify_not_certified_exit_1(sin_net):
    net, _, _ = sin_net
    assert main(["verify", str(net), "sin(2*pi*x)", "--eps", "0.0001"]) == 1
    assert main(["verify", str(net), "cos(2*pi*x)", "--eps", "0.05"]) == 1


def test_verify_tampered_coefficients_names_values(sin_net, tmp_path, capsys):
    d = json.loads(sin_net[0].read_text())
    d["coefficients"][0] = 12.5
    bad = tmp_path / "tampered.json"
    bad.write_text(json.dumps(d))
    assert main(["verify", str(bad), "sin(2*pi*x)", "--eps", "0.05"]) == 1
    out = capsys.readouterr().out
    assert "12.5 is extra" in out and "is missing" in out


@pytest.mark.parametrize("args, fragment", [
    (["construct", "sin(2*pi*x)", "--eps", "0"], "--eps must be positive"),
    (["construct", "sin(2*pi*x)", "--eps", "-1"], "--eps must be positive"),
    (["construct", "sin(2*pi*x)", "--eps", "abc"], "--eps must be a positive number"),
    (["construct", "sin(2*pi*x)", "--eps", "nan"], "--eps"),
    (["construct", "", "--eps", "0.1"], "target is empty"),
    (["construct", "sin(2*pi*x", "--eps", "0.1"], "cannot parse"),
    (["construct", "x*y", "--eps", "0.1"], "more than one free variable"),
    (["construct", "sin(x)", "--eps", "0.1", "--domain", "1", "0"], "A < B"),
    (["construct", "sin(x)", "--eps", "0.1", "--domain", "1", "1"], "A < B"),
    (["construct", "1/x", "--eps", "0.1"], "not finite"),
    (["construct", "log(x - 1/2)", "--eps", "0.1"], "not finite"),
    (["construct", "__import__('os').system('echo hi')", "--eps", "0.1"], "not allowed"),
])
def test_construct_bad_input(args, fragment):
    code, out, err = run_cli(*args)
    assert code == 2, out + err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0], err
    assert "Traceback" not in err


def test_verify_bad_files(tmp_path, sin_net):
    good = json.loads(sin_net[0].read_text())
    text = json.dumps(good)
    cases = {
        "truncated.json": (text[: len(text) // 3], "not valid JSON"),
        "format.json": (json.dumps({**good, "format": "other/1"}), "format"),
        "lengths.json": (json.dumps({**good, "pool": good["pool"][:-2]}), "pool: length"),
    }
    for name, (content, fragment) in cases.items():
        p = tmp_path / name
        p.write_text(content)
        code, out, err = run_cli("verify", str(p), "sin(2*pi*x)")
        assert code == 2, name
        assert len(err.strip().splitlines()) == 1 and fragment in err, (name, err)
    code, out, err = run_cli("verify", str(tmp_path / "missing.json"))
    assert code == 2 and "does not exist" in err
