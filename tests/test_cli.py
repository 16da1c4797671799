"""The real command, run end to end in a subprocess (as a user runs it)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import bayes_netlm as bn
from bayes_netlm.cli import main

ROOT = Path(__file__).resolve().parent.parent


def bayes_netlm(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "bayes_netlm.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd or ROOT,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
        timeout=600,
    )


def test_hr_reproduces_textbook_conjugate_update():
    # prior N(0, 1) on log HR, HR = e with 95 % CI e^(1 -/+ 1.96): y = 1, SE = 1 -> N(0.5, 1/2)
    import math

    lo, hi = math.exp(1 - 1.959963984540054), math.exp(1 + 1.959963984540054)
    result = bayes_netlm(
        "hr",
        "--hr",
        str(math.e),
        "--ci",
        repr(lo),
        repr(hi),
        "--prior",
        "normal:0,1",
        "--json",
        "--exact-only",
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert round(out["estimate"]["median"], 3) == round(math.exp(0.5), 3)
    sd = math.sqrt(0.5)
    assert [round(x, 3) for x in out["estimate"]["ci95"]] == [
        round(math.exp(0.5 - 1.959963984540054 * sd), 3),
        round(math.exp(0.5 + 1.959963984540054 * sd), 3),
    ]
    assert round(out["probabilities"]["P(HR < 1)"], 3) == 0.240  # Phi(-0.5 / 0.7071) = 0.2398


def test_hr_with_mcmc_check_json_shape():
    result = bayes_netlm("hr", "--medians", "13.8", "10.6", "--p", "0.513", "--json")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["estimate"]["measure"] == "HR"
    assert out["mcmc_check"]["converged"] is True
    assert (
        abs(out["mcmc_check"]["probabilities"]["P(HR < 1)"] - out["probabilities"]["P(HR < 1)"])
        < 0.03
    )


def test_text_output_names_the_prior_set_and_the_groups(capsys):
    # the text showed the distribution only ("normal:0,0.2168") and never named the rate groups
    assert main(["hr", "--hr", "0.77", "--p", "0.513", "--prior", "skeptical", "--exact-only"]) == 0
    assert capsys.readouterr().out.startswith("prior: normal:0,0.2168 (skeptical prior set)")
    args = ["rates", "--index", "cystic", "3/12", "--reference", "solid", "98/452"]
    assert main([*args, "--prior", "jeffreys", "--exact-only"]) == 0
    text = capsys.readouterr().out.splitlines()
    assert text[0].startswith("prior: beta:0.5,0.5 (jeffreys prior set)")
    assert text[1] == (
        "data: cystic 3/12 vs solid 98/452; RD = rate(cystic) - rate(solid), "
        "RR and OR = cystic / solid"
    )
    assert main([*args, "--prior", "beta:1,1", "--exact-only"]) == 0
    assert capsys.readouterr().out.startswith("prior: beta:1,1    method:")


def test_hr_medians_runs_the_information_check_and_the_shape_prior():
    args = ["hr", "--medians", "0.71", "1.78", "--p", "0.507", "--n", "12", "452", "--exact-only"]
    result = bayes_netlm(*args, "--shape-prior", "lognormal:0,0.5", "--json")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    check = out["information_check"]
    # hepatic PFS: 0.52 events' worth, inside the hard bounds, flagged by the heuristic
    assert round(check["implied"], 2) == 0.52 and check["within_bounds"] and not check["plausible"]
    assert check["hard_bounds"][0] == 0.5 and not check["consistent"]
    assert any("direction" in note and "unsafe" in note for note in out["notes"])
    # vague prior: P(HR > 1) = 0.739 is 1 - p/2 = 0.746 restated
    assert any("1 - p/2 = 0.746" in note for note in out["notes"])
    assert out["weibull_shape"]["shape_prior"] == "lognormal:0,0.5"
    # the headline is the exact mixture over k, as in the API (it was the exponential result,
    # with the mixture in a note); the exponential one is beside it
    assert out["method"].startswith("exact Normal mixture over the Weibull shape")
    assert round(out["probabilities"]["P(HR < 1)"], 3) == 0.269  # exact mixture (tests: grid)
    api = bn.hazard_ratio(medians=(0.71, 1.78), p=0.507, shape="lognormal:0,0.5", mcmc=False)
    assert out["probabilities"]["P(HR < 1)"] == pytest.approx(api.probabilities["P(HR < 1)"])
    assert round(out["exponential"]["probabilities"]["P(HR < 1)"], 3) == 0.261
    human = bayes_netlm(*args, "--shape-prior", "lognormal:0,0.5")
    assert "note: information check: WARNING: SE 1.385" in human.stdout
    assert "Weibull shape: lognormal:0,0.5 on log k, marginalised" in human.stdout
    assert "with exponential survival (k = 1) instead: HR: median" in human.stdout


def test_hr_fixed_shape_one_is_the_exponential_result():
    base = ["hr", "--medians", "13.8", "10.6", "--p", "0.513", "--json", "--exact-only"]
    plain = json.loads(bayes_netlm(*base).stdout)
    one = json.loads(bayes_netlm(*base, "--shape", "1").stdout)
    two = json.loads(bayes_netlm(*base, "--shape", "2").stdout)
    assert one["probabilities"] == plain["probabilities"]
    assert two["input"]["log_hr"] == 2 * plain["input"]["log_hr"]
    assert "information check skipped" in plain["notes"][0]


def test_rates_json_shape_and_exact_values():
    result = bayes_netlm(
        "rates", "--index", "cystic", "1/1", "--reference", "solid", "0/1", "--json", "--exact-only"
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert set(out["estimates"]) == {"RD", "RR", "OR"}
    assert out["probabilities"]["P(RD > 0)"] == pytest.approx(5 / 6, abs=1e-6)
    assert {"median", "ci95"} <= set(out["estimates"]["RD"])
    assert "P(RR < 1)" in out["probabilities"]


def test_rates_logor_prior_uses_the_quadrature_with_an_mcmc_check():
    result = bayes_netlm(
        "rates",
        "--index",
        "cystic",
        "25%/12",
        "--reference",
        "solid",
        "22%/452",
        "--prior",
        "skeptical",
        "--json",
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["method"].startswith("2-D quadrature")
    assert out["mcmc_check"]["converged"] is True
    assert out["reference"]["counts"] == "98-101/452"


BAD_INPUTS = [
    (["hr", "--hr", "0.8", "--p", "0.5", "--prior", "hopeful"], "unknown prior set 'hopeful'"),
    (  # the rate sets and forms are offered, not the hazard ratio's normal:0,1
        ["rates", "--index", "a", "3/12", "--reference", "b", "98/452", "--prior", "jefreys"],
        "jeffreys, informative or a distribution such as beta:1,1 or logor:0,0.5",
    ),
    (
        ["hr", "--hr", "0.8", "--p", "0.5", "--prior", "normal:0,0"],
        "prior SD 0 is outside 1e-06",
    ),
    (["hr", "--hr", "0.8", "--p", "0.5", "--prior", "normal:0,-1"], "prior SD -1 is outside"),
    (["hr", "--hr", "0.8", "--p", "0.5", "--prior", "normal:zero"], "cannot read the prior"),
    (["hr", "--hr", "0.8", "--p", "0.5", "--prior", "beta:1,1"], "does not fit"),
    (["hr", "--hr", "0.8", "--ci", "0.9", "1.3"], "does not bracket"),
    (["hr", "--hr", "0.8", "--p", "0"], "outside 1e-300 to 1"),
    (["hr", "--hr", "0.8", "--p", "1.5"], "outside 1e-300 to 1"),
    (["hr", "--hr", "-0.8", "--p", "0.5"], "must be above 0"),
    (["hr", "--hr", "0.8"], "needs --ci LO HI or --p P"),
    (["hr", "--medians", "13.8", "10.6"], "needs the two-sided --p"),
    (["hr"], "no estimate given"),
    (["hr", "--hr", "0.8", "--p", "0.5", "--shape", "2"], "applies to --medians only"),
    (["hr", "--medians", "1", "2", "--p", "0.5", "--shape-prior", "lognormal:0"], "shape prior"),
    (["hr", "--hr", "0.8", "--p", "0.5", "--threshold", "1.4"], "not a hazard ratio below 1"),
    (["rates", "--index", "a", "13/12", "--reference", "b", "3/12"], "above the group size"),
    (["rates", "--index", "a", "3/-12", "--reference", "b", "3/12"], "not a whole number"),
    (["rates", "--index", "a", "3of12", "--reference", "b", "3/12"], "cannot read '3of12' as K/N"),
    (["rates", "--index", "a", "101%/12", "--reference", "b", "3/12"], "over 100"),
    (["rates", "--index", "a", "3/12", "--reference", "b", "9-3/12"], "lower bound above"),
    (
        ["rates", "--index", "a", "3/12", "--reference", "b", "3/12", "--prior", "beta:0,1"],
        "must lie between 0.001 and 1e+06",
    ),
    (
        ["rates", "--index", "a", "3/12", "--reference", "b", "3/12", "--prior", "normal:0,1"],
        "does not fit",
    ),
    (["rates", "--index", "a", "3/0", "--reference", "b", "3/12"], "not positive"),
]


@pytest.mark.parametrize(("args", "message"), BAD_INPUTS, ids=[" ".join(a) for a, _ in BAD_INPUTS])
def test_bad_input_exits_2_with_one_clear_message(args, message, tmp_path, monkeypatch, capsys):
    # in-process (the console script's own main) to keep 20 cases fast; subprocess runs are above
    monkeypatch.chdir(tmp_path)
    assert main(args) == 2
    captured = capsys.readouterr()
    assert message in captured.err
    assert captured.err.count("error:") == 1
    assert captured.out == ""
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_run_with_bad_spec_exits_2_and_keeps_previous_results(tmp_path):
    out = tmp_path / "results"
    out.mkdir()
    (out / ".bayes-netlm-results").write_text("x")
    (out / "report.html").write_text("previous")
    spec = tmp_path / "spec.toml"
    spec.write_text('[data]\npublished = "data/ammann2025.toml"\n')
    result = bayes_netlm("run", "--out", str(out), "--spec", str(spec))
    assert result.returncode == 2
    assert "missing field" in result.stderr
    assert (out / "report.html").read_text() == "previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results", "spec.toml"]


def test_run_refuses_to_replace_a_folder_it_did_not_make(tmp_path):
    (tmp_path / "thesis.tex").write_text("mine")
    result = bayes_netlm("run", "--out", str(tmp_path))
    assert result.returncode == 2
    assert "not made by bayes-netlm" in result.stderr
    assert (tmp_path / "thesis.tex").read_text() == "mine"


def test_sensitivity_json_exact_and_elicited(capsys):
    assert main(["sensitivity", "--endpoint", "os_full", "--prior", "hr:0.5-2@95%", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    block = out["endpoints"]["os_full"]
    assert "hr:0.5-2@95%" in out["elicited"]
    assert {"vague", "skeptical", "hr:0.5-2@95%"} <= set(block["priors"])
    assert len(block["grid"]) == 5 * 4 * 2  # models/run.toml grid x two thresholds
    assert any(row["tipping_sd"] for row in block["tipping_points"])


SENSITIVITY_BAD = [
    (["sensitivity", "--prior", "hopeful"], "unknown prior set 'hopeful'"),
    (["sensitivity", "--prior", "normal:0"], "cannot read the prior"),
    (["sensitivity", "--prior", "hr:2-0.5@95%"], "not below the upper bound"),
    (["sensitivity", "--prior", "hr:0.5-2@120%"], "mass"),
    (["sensitivity", "--prior", "hr:0.5-2@0%"], "mass"),
    (["sensitivity", "--grid", ":"], "no points"),
    (["sensitivity", "--grid", "0.5,1"], "cannot read"),
    (["sensitivity", "--grid", "0.5,x:0.2"], "not a number"),
    (["sensitivity", "--grid", "0:0.2"], "not a positive finite HR"),
    (
        ["sensitivity", "--grid", ",".join(["1"] * 100) + ":" + ",".join(["0.5"] * 26)],
        "100 centres x 26 SDs = 2,600 priors (at most 2,500)",
    ),
    (["sensitivity", "--endpoint", "dfs_full"], "unknown endpoint"),
]


@pytest.mark.parametrize(
    ("args", "message"), SENSITIVITY_BAD, ids=[" ".join(a) for a, _ in SENSITIVITY_BAD]
)
def test_bad_sensitivity_input(args, message, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(args) == 2
    captured = capsys.readouterr()
    assert message in captured.err and captured.out == ""
    assert list(tmp_path.iterdir()) == []


def test_hr_takes_elicited_priors_and_set_names_in_any_case(capsys):
    assert (
        main(
            ["hr", "--hr", "0.8", "--p", "0.5", "--prior", "hr:0.5-2@95%", "--json", "--exact-only"]
        )
        == 0
    )
    elicited = json.loads(capsys.readouterr().out)
    assert "0.3537" in elicited["prior"] and "95 % interval 0.50-2.00" in elicited["prior"]
    assert (
        main(["hr", "--hr", "0.8", "--p", "0.5", "--prior", "Skeptical", "--json", "--exact-only"])
        == 0
    )
    upper = json.loads(capsys.readouterr().out)
    assert (
        main(["hr", "--hr", "0.8", "--p", "0.5", "--prior", "skeptical", "--json", "--exact-only"])
        == 0
    )
    assert upper["probabilities"] == json.loads(capsys.readouterr().out)["probabilities"]
    assert set(upper["probabilities"]) == {
        "P(HR < 1)",
        "P(HR < 0.7)",
        "P(HR > 1.43)",
        "P(0.8 < HR < 1.25)",
    }


WITH_DEFAULTS = {
    "hr": ["--prior", "--threshold", "--n", "--shape", "--shape-prior", "--seed"],
    "rates": ["--prior", "--threshold", "--seed"],
    "survival": ["--prior", "--shape", "--reference-time", "--time-unit", "--seed", "--covariates"],
    "sensitivity": ["--grid", "--endpoint"],
    "reconstruct": ["--events", "--seed"],
    "run": ["--out", "--seed", "--spec"],
}


@pytest.mark.parametrize("command", list(WITH_DEFAULTS))
def test_every_option_says_its_default(command, capsys):
    assert main([command, "--help"]) == 0
    options = capsys.readouterr().out.split("options:")[1]
    blocks = {b.split()[0]: b for b in ("\n" + options).split("\n  -")[1:]}
    assert ("-exact-only" in blocks) == (command in ("hr", "rates"))
    for option in WITH_DEFAULTS[command]:
        assert "default" in " ".join(blocks[option[1:]].split()), (command, option)


def write_figure(tmp_path):
    curve = ["arm,time,survival", "a,0,1"]
    for i in range(1, 11):
        curve += [f"a,{i},{1 - (i - 1) / 10:.1f}", f"a,{i},{1 - i / 10:.1f}"]
    (tmp_path / "curve.csv").write_text("\n".join(curve) + "\n")
    (tmp_path / "risk.csv").write_text("arm,time,n_at_risk\na,0,10\na,5,6\n")
    return tmp_path / "curve.csv", tmp_path / "risk.csv"


def test_reconstruct_writes_patients_and_reports_quality(tmp_path, capsys):
    curve, risk = write_figure(tmp_path)
    out = tmp_path / "ipd.csv"
    args = ["reconstruct", "--curve", str(curve), "--at-risk", str(risk), "--events", "a=10"]
    assert main([*args, "--out", str(out), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)["arms"]["a"]
    assert report["n"] == 10 and report["events"] == 10 and report["max_abs_diff"] < 0.02
    assert [r["given"] for r in report["at_risk"]] == [10, 6]
    assert {"rmse", "at_risk"} <= set(report)
    assert len(out.read_text().splitlines()) == 11
    assert sorted(p.name for p in tmp_path.iterdir()) == ["curve.csv", "ipd.csv", "risk.csv"]


def test_reconstructing_the_bundled_synthetic_figure_says_so_first(tmp_path, capsys):
    # the text and the JSON said nothing of the figure being read off the synthetic cohort
    args = ["reconstruct", "--curve", str(CURVE), "--at-risk", str(AT_RISK)]
    assert main([*args, "--out", str(tmp_path / "ipd.csv")]) == 0
    text = capsys.readouterr().out
    assert text.startswith("SYNTHETIC, ILLUSTRATIVE DATA") and text.count("SYNTHETIC") == 1
    assert main([*args, "--out", str(tmp_path / "ipd2.csv"), "--json"]) == 0
    assert "SYNTHETIC, ILLUSTRATIVE DATA" in json.loads(capsys.readouterr().out)["notes"][0]
    curve, risk = write_figure(tmp_path)  # the user's own figure: no such line
    own = ["reconstruct", "--curve", str(curve), "--at-risk", str(risk)]
    assert main([*own, "--out", str(tmp_path / "ipd3.csv")]) == 0
    assert "SYNTHETIC" not in capsys.readouterr().out


def test_reconstruct_bad_input_writes_nothing(tmp_path, capsys):
    curve, risk = write_figure(tmp_path)
    out = tmp_path / "ipd.csv"
    args = ["reconstruct", "--curve", str(curve), "--at-risk", str(risk), "--out", str(out)]
    assert main([*args, "--events", "a=11"]) == 2  # more events than patients
    assert main([*args, "--events", "b=3"]) == 2  # no such arm
    err = capsys.readouterr().err
    assert "11 events for 10 patients" in err and "'b' is not in the files" in err
    assert not out.exists() and len(list(tmp_path.iterdir())) == 2


def test_console_script_exits_cleanly_into_a_closed_pipe(tmp_path):
    """`bayes-netlm page ... | head -0`: output to a closed pipe is dropped, the status kept."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # nobody will read: flushing the command's line raises BrokenPipeError
    try:
        result = subprocess.run(
            [sys.executable, "-m", "bayes_netlm.cli", "page", "--out", str(tmp_path / "c.html")],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            timeout=120,
            # block-buffered standard output, as in a shell pipeline
            env={k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"},
        )
    finally:
        os.close(write_end)
    assert result.returncode == 0
    assert result.stderr == ""
    assert (tmp_path / "c.html").stat().st_size > 10_000


CURVE = ROOT / "data" / "examples" / "synthetic_os_curve.csv"
AT_RISK = ROOT / "data" / "examples" / "synthetic_os_at_risk.csv"


def _refused_out(tmp_path, case):
    """(arguments, message) of an output that cannot be written, per command and case."""
    folder, missing, locked = tmp_path, tmp_path / "nope" / "x", tmp_path / "locked"
    regular = tmp_path / "regular.txt"
    regular.write_text("mine")
    locked.mkdir()
    reconstruct = ["reconstruct", "--curve", str(CURVE), "--at-risk", str(AT_RISK), "--out"]
    own_risk, pipe = tmp_path / "risk.csv", tmp_path / "pipe"
    own_risk.write_bytes(AT_RISK.read_bytes())
    os.mkfifo(pipe)
    return {
        # it replaced its own numbers-at-risk table with the patients (exit 0)
        "reconstruct over its input": (
            [
                "reconstruct",
                "--curve",
                str(CURVE),
                "--at-risk",
                str(own_risk),
                "--out",
                str(own_risk),
            ],
            f"{own_risk} is the input file of --at-risk",
        ),
        # it renamed a regular file over a device (as root) or a pipe
        "reconstruct onto a pipe": ([*reconstruct, str(pipe)], f"{pipe} is not a regular file"),
        "page into a folder": (["page", "--out", str(folder)], "is a folder"),
        "page in a missing folder": (["page", "--out", str(missing)], "does not exist"),
        "page inside a file": (
            ["page", "--out", str(regular / "calc.html")],
            f"{regular} is a file, not a folder",
        ),
        "reconstruct inside a file": (
            [*reconstruct, str(regular / "ipd.csv")],
            f"{regular} is a file, not a folder",
        ),
        "page in a folder refusing files": (
            ["page", "--out", str(locked / "calc.html")],
            f"cannot write in {locked}",
        ),
        "reconstruct in a folder refusing files": (
            [*reconstruct, str(locked / "ipd.csv")],
            f"cannot write in {locked}",
        ),
        "calibrate figures into a file": (
            ["calibrate", "--model", "summary_hr", "--sims", "20", "--out", str(regular)],
            "is a file",
        ),
        "design figures in a folder refusing files": (
            ["design", "--out", str(locked / "figures")],
            f"cannot write in {locked}",
        ),
    }[case]


@pytest.mark.parametrize(
    "case",
    [
        "page into a folder",
        "page in a missing folder",
        "page inside a file",
        "reconstruct inside a file",
        "reconstruct over its input",
        "reconstruct onto a pipe",
        "page in a folder refusing files",
        "reconstruct in a folder refusing files",
        "calibrate figures into a file",
        "design figures in a folder refusing files",
    ],
)
def test_an_output_that_cannot_be_written_exits_2_before_the_work(
    case, tmp_path, monkeypatch, capsys
):
    """These ended in IsADirectoryError, FileNotFoundError or PermissionError tracebacks, the
    simulations only after their work. A folder that refuses new files is simulated (the tests
    may run as root, whom permissions do not stop)."""
    import bayes_netlm.reporting.outputs as outputs

    args, message = _refused_out(tmp_path, case)
    locked = tmp_path / "locked"
    probe = outputs._cannot_write
    monkeypatch.setattr(
        outputs,
        "_cannot_write",
        lambda folder: "Permission denied" if Path(folder) == locked else probe(folder),
    )
    before = sorted(p.name for p in tmp_path.rglob("*"))
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and err.count("error:") == 1
    assert sorted(p.name for p in tmp_path.rglob("*")) == before
    assert (tmp_path / "regular.txt").read_text() == "mine"
    assert (tmp_path / "risk.csv").read_bytes() == AT_RISK.read_bytes()


@pytest.mark.parametrize(
    "args, message",
    [
        (["calibrate", "--model", "summary_hr", "--sims", "1"], "1 is not from 2 to 1,000,000"),
        (["design", "--sims", "0"], "0 is not from 1 to 1,000,000"),
        (
            ["design", "--scheduler", "notanaddress", "--sims", "10"],
            "cannot reach a Dask scheduler at 'notanaddress'",
        ),
        (
            ["design", "--design-prior", "foo"],
            "unknown design prior 'foo' (use posterior_os, posterior_pfs, hr:VALUE",
        ),
    ],
)
def test_simulation_settings_that_cannot_work_exit_2(args, message, capsys):
    """One simulation (an SBC needs ranks to compare) and a malformed scheduler address ended in
    ValueError tracebacks."""
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_a_file_the_system_refuses_midway_is_one_line_and_exit_2(tmp_path, monkeypatch, capsys):
    """An OSError past the checks (a disk or permission change during the work) is reported as
    one line naming the file, exit 2, not a traceback."""
    import bayes_netlm.reporting.page as page

    def refused(path, catalog=None):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(page, "write_calculator", refused)
    assert main(["page", "--out", str(tmp_path / "calc.html")]) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path / 'calc.html'}: Permission denied" in err and "Traceback" not in err


def test_reconstructed_csv_has_the_permissions_of_a_new_file(tmp_path):
    """The atomic write went through mkstemp, leaving the CSV readable by its owner only."""
    import pandas as pd

    from bayes_netlm.api.reconstruction import write_csv_atomic

    umask = os.umask(0o022)
    try:
        path = write_csv_atomic(pd.DataFrame({"a": [1]}), tmp_path / "ipd.csv")
    finally:
        os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o644
    assert path.read_text() == "a\n1\n"


def test_reconstruct_warns_when_rebuilt_events_or_at_risk_differ_from_those_given(tmp_path, capsys):
    """Given totals the curve cannot honour were shown nowhere in the text output."""
    args = ["reconstruct", "--curve", str(CURVE), "--at-risk", str(AT_RISK)]
    assert main([*args, "--events", "cystic=1,solid=50", "--out", str(tmp_path / "a.csv")]) == 0
    out = capsys.readouterr().out
    assert "WARNING: arm 'cystic': 6 events rebuilt where 1 were given" in out
    assert "(50 given)" in out
    assert main([*args, "--out", str(tmp_path / "b.csv")]) == 0
    assert "WARNING" not in capsys.readouterr().out  # the example curves rebuild their at-risk


@pytest.mark.parametrize(
    "argv, message",
    [
        (
            ["hr", "--hr", "0.5", "--ci", "0.25", "1", "--threshold", "1.5"],
            "--threshold: 1.5 is not a hazard ratio below 1 (give e.g. 0.7)",
        ),
        (
            ["rates", "--index", "a", "3/12", "--reference", "b", "98/452", "--threshold", "2"],
            "--threshold: 2 is not a risk difference in (0, 1) (give 0.05)",
        ),
    ],
)
def test_a_bad_threshold_is_named_as_the_option_the_user_typed(argv, message, capsys):
    """It was named ``threshold:`` (the API's keyword), not the ``--threshold`` typed."""
    assert main([*argv, "--exact-only"]) == 2
    assert message in capsys.readouterr().err
