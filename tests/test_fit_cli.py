"""``scaleplan fit`` through the CLI: files in, a law file out that ``optimal --law-file`` plans with;
bad input as one-line errors (exit 2); no progress bar in JSON mode; matplotlib only with --plot."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pytest
import yaml

from conftest import assert_one_line_error, cli, run_cli
from scaleplan.laws.spec import load_law_file

TRUE = {"E": 1.8, "A": 480.0, "B": 2100.0, "alpha": 0.35, "beta": 0.37}
FAST = ("--bootstrap", "20", "--workers", "1")


def ladder(seed: int = 0, sigma: float = 0.01):
    rng = np.random.default_rng(seed)
    rows = []
    for C in np.logspace(18, 21, 5):
        for n in np.sqrt(C / 120.0) * np.logspace(-0.8, 0.8, 7):
            d = C / (6.0 * n)
            loss = (TRUE["E"] + TRUE["A"] / n ** TRUE["alpha"] + TRUE["B"] / d ** TRUE["beta"]) * math.exp(rng.normal(0, sigma))
            rows.append({"N": n, "D": d, "loss": loss})
    return rows


def write_csv(path, rows, columns=("N", "D", "loss")):
    lines = [",".join(columns)] + [",".join(str(r[c]) for c in columns) for r in rows]
    path.write_text("\n".join(lines) + "\n")
    return str(path)


@pytest.fixture(scope="module")
def runs_csv(tmp_path_factory):
    return write_csv(tmp_path_factory.mktemp("fit") / "runs.csv", ladder())


@pytest.fixture(scope="module")
def fitted_law(runs_csv, tmp_path_factory):
    out = tmp_path_factory.mktemp("law") / "my-law.yaml"
    code, stdout, stderr = cli("fit", runs_csv, "-o", str(out), *FAST, "--flops", "1e23")
    assert code == 0, stderr
    assert "wrote" in stdout and "alpha" in stdout
    return out


def test_fit_writes_a_law_file_in_the_shipped_schema(fitted_law):
    spec = load_law_file(fitted_law)
    assert spec.category == "allocation" and spec.kind == "parametric"
    assert spec.verification.status == "fitted"
    assert set(spec.constants) == {"E", "A", "B", "alpha", "beta"}
    assert spec.constants["alpha"] == pytest.approx(TRUE["alpha"], abs=0.03)
    assert set(spec.fitted_range) == {"N", "D", "C"}
    assert spec.fitted_range["C"][0] == pytest.approx(1e18, rel=1e-6)
    assert spec.units["N"] == "total"
    fit = spec.extra["fit"]
    assert fit["bootstrap"]["n"] == 20
    for name in ("E", "A", "B", "alpha", "beta", "a", "b", "N_opt", "D_opt"):
        low, high = fit["bootstrap"]["intervals"][name]
        assert low <= high
    assert fit["budget"]["flops"] == 1e23
    assert fit["derived"]["a"] == pytest.approx(spec.constants["beta"] / (spec.constants["alpha"] + spec.constants["beta"]))


def test_optimal_plans_with_the_fitted_law(fitted_law):
    code, stdout, stderr = cli("optimal", "--flops", "1e23", "--law-file", str(fitted_law), "--json")
    assert code == 0, stderr
    plan = json.loads(stdout)
    doc = yaml.safe_load(fitted_law.read_text())
    budget = doc["fit"]["budget"]
    assert plan["allocation"]["params"] == pytest.approx(budget["N_opt"], rel=1e-9)
    assert plan["allocation"]["tokens"] == pytest.approx(budget["D_opt"], rel=1e-9)
    assert plan["law"]["verification"].startswith("fitted")
    assert any("extrapolation" in w for w in plan["warnings"])  # 1e23 is above the ladder's 1e21


def test_optimal_with_law_file_does_not_import_scipy(fitted_law):
    code = ("import sys; from scaleplan.cli import main\n"
            f"try:\n    main(['optimal', '--flops', '1e23', '--law-file', {str(fitted_law)!r}, '--json'])\n"
            "except SystemExit as exc:\n    assert exc.code in (0, None), exc.code\n"
            "assert 'scipy' not in sys.modules and 'matplotlib' not in sys.modules\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_json_output_is_the_law_document_and_stderr_stays_quiet(runs_csv):
    code, stdout, stderr = cli("fit", runs_csv, "--json", *FAST)
    assert code == 0, stderr
    assert stderr == ""  # no progress bar, no messages in JSON mode
    doc = json.loads(stdout)
    assert doc["kind"] == "parametric" and doc["fit"]["bootstrap"]["failed"] == 0


def test_kaplan_form_writes_a_kaplan_joint_law(tmp_path):
    rng = np.random.default_rng(1)
    rows = []
    for n in np.logspace(6, 9.5, 7):
        for d in np.logspace(8, 11, 6):
            loss = ((6.4e13 / n) ** (0.076 / 0.103) + 1.8e13 / d) ** 0.103 * math.exp(rng.normal(0, 0.004))
            rows.append({"N_non_embedding": n, "tokens": d, "loss": loss})
    path = write_csv(tmp_path / "kaplan.csv", rows, ("N_non_embedding", "tokens", "loss"))
    out = tmp_path / "k.yaml"
    code, stdout, stderr = cli("fit", path, "--form", "kaplan", "-o", str(out), *FAST)
    assert code == 0, stderr
    spec = load_law_file(out)
    assert spec.kind == "kaplan_joint" and spec.units["N"] == "non_embedding"
    assert spec.constants["alpha_N"] == pytest.approx(0.076, abs=0.01)
    code, stdout, stderr = cli("optimal", "--flops", "1e21", "--law-file", str(out), "--json")
    assert code == 0, stderr
    allocation = json.loads(stdout)["allocation"]
    assert allocation["params_kind"] == "non_embedding"
    assert 6 * allocation["params"] * allocation["tokens"] == pytest.approx(1e21)


def test_jsonl_input_with_compute_weights_and_seeds(tmp_path):
    rows = ladder(2)
    path = tmp_path / "runs.jsonl"
    path.write_text("".join(json.dumps({"params": r["N"], "flops": 6 * r["N"] * r["D"], "final_loss": r["loss"],
                                        "weight": 1.0, "seed": 0}) + "\n" for r in rows))
    code, stdout, stderr = cli("fit", str(path), "--json", "--bootstrap", "0")
    assert code == 0, stderr
    doc = json.loads(stdout)
    assert doc["fit"]["runs"] == len(rows) and "bootstrap" not in doc["fit"]
    assert doc["fit"]["tokens"].startswith("D = C / (6 N)")


def test_counts_with_suffixes_are_read(tmp_path):
    rows = ladder(3)
    path = tmp_path / "runs.csv"
    path.write_text("N,D,loss\n" + "".join(f"{r['N'] / 1e6:.6f}M,{r['D'] / 1e9:.6f}B,{r['loss']}\n" for r in rows))
    code, _, stderr = cli("fit", str(path), "--json", "--bootstrap", "0")
    assert code == 0, stderr


def test_hparams_mode_fits_lr_and_batch_laws(tmp_path):
    # eta*(N, D) = 1.79 N^-0.713 D^0.307, B*(D) = 0.58 D^0.571 (Step Law); loss is a bowl around the optimum
    rows = []
    for n in (1e8, 3e8, 1e9):
        for d in (2e9, 8e9, 3.2e10):
            eta, bat = 1.79 * n**-0.713 * d**0.307, 0.58 * d**0.571
            for k in range(-6, 7):
                for j in range(-4, 5):
                    lr, bs = eta * 2 ** (k / 4), bat * 2 ** (j / 2)
                    loss = 2.5 + 0.02 * math.log(lr / eta) ** 2 + 0.01 * math.log(bs / bat) ** 2
                    rows.append({"N": n, "D": d, "lr": lr, "batch_tokens": bs, "loss": loss})
    path = write_csv(tmp_path / "sweep.csv", rows, ("N", "D", "lr", "batch_tokens", "loss"))
    out = tmp_path / "hp.yaml"
    code, stdout, stderr = cli("fit", path, "--hparams", "-o", str(out), "--bootstrap", "50", "--tolerance", "0.0001")
    assert code == 0, stderr
    spec = load_law_file(out)
    assert spec.category == "hyperparameter" and spec.verification.status == "fitted"
    c = spec.constants
    assert c["b"] == pytest.approx(-0.713, abs=0.02) and c["c"] == pytest.approx(0.307, abs=0.02)
    assert c["e"] == pytest.approx(0.571, abs=0.02)
    intervals = spec.extra["fit"]["bootstrap"]["intervals"]
    assert intervals["b"][0] <= c["b"] <= intervals["b"][1]
    assert spec.extra["fit"]["kept"] < len(rows)
    # The fitted file plans: `hparams --law FILE` and `optimal --hparam-law FILE` use it.
    code, stdout, stderr = cli("hparams", "--non-embedding-N", "1e9", "--D", "1e11", "--law", str(out), "--json")
    assert code == 0, stderr
    data = json.loads(stdout)["hyperparameters"]
    # The sweep was drawn from Step Law with N as given (total); at N = 1e9, D = 1e11 it gives 1.632e-3 / 1.108e6.
    assert data["law"] == spec.name
    assert data["batch"]["tokens"] == pytest.approx(1.108e6, rel=0.05)
    code, stdout, stderr = cli("optimal", "--flops", "1e21", "--hparam-law", str(out), "--json")
    assert code == 0, stderr


def test_plot_without_matplotlib_is_a_one_line_error(runs_csv, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib -> ImportError
    code, _, stderr = cli("fit", runs_csv, "--plot", str(tmp_path / "fit.png"), *FAST)
    assert_one_line_error(code, stderr)
    assert "matplotlib" in stderr and "scaleplan[plot]" in stderr


def test_plot_draws_an_image_when_matplotlib_is_installed(runs_csv, tmp_path):
    pytest.importorskip("matplotlib")
    out = tmp_path / "fit.png"
    code, _, stderr = cli("fit", runs_csv, "--plot", str(out), *FAST)
    assert code == 0, stderr
    assert out.stat().st_size > 1000


def test_fit_without_plot_never_imports_matplotlib(runs_csv):
    code = ("import sys; from scaleplan.cli import main\n"
            f"try:\n    main(['fit', {runs_csv!r}, '--json', '--bootstrap', '0'])\n"
            "except SystemExit as exc:\n    assert exc.code in (0, None), exc.code\n"
            "assert 'matplotlib' not in sys.modules\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


# -- bad input: one line, exit 2 -----------------------------------------------------------------------------

def _bad(tmp_path, name: str, text: str, *extra: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    code, _, stderr = cli("fit", str(path), *FAST, *extra)
    assert_one_line_error(code, stderr)
    return stderr


def test_empty_file(tmp_path):
    assert "empty" in _bad(tmp_path, "empty.csv", "")


def test_header_only(tmp_path):
    assert "no runs" in _bad(tmp_path, "header.csv", "N,D,loss\n")


def test_one_run(tmp_path):
    assert "only 1 run" in _bad(tmp_path, "one.csv", "N,D,loss\n1e8,2e9,3.1\n")


def test_all_runs_at_one_n(tmp_path):
    text = "N,D,loss\n" + "".join(f"1e8,{d},{3 + 1e9 / d}\n" for d in (1e9, 2e9, 4e9, 8e9, 1.6e10, 3.2e10, 6.4e10))
    assert "same N" in _bad(tmp_path, "one_n.csv", text)


@pytest.mark.parametrize("value", ["-2.5", "0"])
def test_non_positive_loss(tmp_path, value):
    stderr = _bad(tmp_path, "neg.csv", f"N,D,loss\n1e8,2e9,3.1\n2e8,4e9,{value}\n")
    assert "row 3" in stderr and "'loss'" in stderr and "positive" in stderr


def test_non_positive_n(tmp_path):
    assert "positive" in _bad(tmp_path, "negn.csv", "N,D,loss\n-1e8,2e9,3.1\n2e8,4e9,3.0\n")


def test_text_in_a_numeric_column(tmp_path):
    stderr = _bad(tmp_path, "text.csv", "N,D,loss\n1e8,2e9,3.1\n2e8,lots,3.0\n")
    assert "row 3" in stderr and "'D'" in stderr and "lots" in stderr


def test_missing_value(tmp_path):
    assert "missing" in _bad(tmp_path, "gap.csv", "N,D,loss\n1e8,2e9,3.1\n2e8,,3.0\n")


def test_missing_loss_column(tmp_path):
    stderr = _bad(tmp_path, "noloss.csv", "N,D,ppl\n1e8,2e9,3.1\n2e8,4e9,3.0\n")
    assert "no column for loss" in stderr and "ppl" in stderr


def test_missing_tokens_and_compute(tmp_path):
    assert "no column for D" in _bad(tmp_path, "nod.csv", "N,loss\n1e8,3.1\n2e8,3.0\n")


def test_bad_json_line(tmp_path):
    assert "line 2" in _bad(tmp_path, "bad.jsonl", '{"N": 1e8, "D": 2e9, "loss": 3}\n{oops\n')


def test_fixed_tokens_per_parameter_cannot_identify_the_form(tmp_path):
    text = "N,D,loss\n" + "".join(f"{n},{20 * n},{1.8 + 500 / n ** 0.34 + 2000 / (20 * n) ** 0.37}\n"
                                  for n in np.logspace(7, 10, 12))
    assert "vary together" in _bad(tmp_path, "ratio.csv", text)


def test_unconstrained_term_is_reported_not_fitted(tmp_path):
    # every run has D >> N: the data term is ~0 everywhere, so beta and B are not identified
    rng = np.random.default_rng(1)
    rows = []
    for C in np.logspace(18, 21, 6):
        for n in np.logspace(np.log10(C) / 2 - 5.5, np.log10(C) / 2 - 3.5, 8):
            d = C / (6 * n)
            rows.append({"N": n, "D": d, "loss": (1.8 + 480 / n**0.35 + 2100 / d**0.37) * math.exp(rng.normal(0, 0.01))})
    path = write_csv(tmp_path / "unidentified.csv", rows)
    code, _, stderr = cli("fit", path, "--bootstrap", "30", "--workers", "1")
    assert_one_line_error(code, stderr)
    assert "not identified" in stderr


def test_unknown_form_and_missing_file(tmp_path, runs_csv):
    code, _, stderr = cli("fit", runs_csv, "--form", "cubic")
    assert_one_line_error(code, stderr)
    code, _, stderr = cli("fit", str(tmp_path / "nope.csv"))
    assert_one_line_error(code, stderr)
    assert "no such file" in stderr


def test_bad_input_in_a_real_subprocess(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("")
    done = run_cli("fit", str(path))
    assert_one_line_error(done.returncode, done.stderr)
