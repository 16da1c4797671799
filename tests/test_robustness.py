"""Bad input that used to get through: each gets exit 2, one message, nothing written."""

import json
import math
import os
from pathlib import Path

import pytest
from fresh_python import run_python

from bayes_netlm.cli import main
from bayes_netlm.cli_checks import json_text
from bayes_netlm.modeling.hazard_ratio import from_p_value
from bayes_netlm.spec import load_spec

ROOT = Path(__file__).resolve().parent.parent
SPEC = (ROOT / "models" / "run.toml").read_text(encoding="utf-8")


def test_tiny_p_value_gives_the_log_space_quantile():
    # 1 - 1e-16 / 2 rounds to 1 in double precision; the upper-tail quantile does not
    data = from_p_value(0.77, 1e-16)
    z = abs(math.log(0.77)) / data.se
    assert 8 < z < 9
    assert math.isclose(0.5 * math.erfc(z / math.sqrt(2)), 5e-17, rel_tol=1e-10)  # upper tail
    # and the usual range is unchanged: p = 0.05 -> z = 1.95996
    assert math.isclose(abs(math.log(0.77)) / from_p_value(0.77, 0.05).se, 1.959963984540054)


def test_tiny_p_value_json_is_finite(capsys):
    assert main(["hr", "--hr", "0.77", "--p", "1e-16", "--json", "--exact-only"]) == 0
    out = json.loads(capsys.readouterr().out)  # strict JSON: no NaN
    lo, hi = out["estimate"]["ci95"]
    assert lo < out["estimate"]["median"] < hi < 1
    assert out["probabilities"]["P(HR < 1)"] > 0.999


def test_json_never_holds_nan_or_infinity():
    text = json_text({"a": math.nan, "b": [math.inf, -math.inf, 1.5], "c": {"d": float("nan")}})
    assert json.loads(text) == {"a": None, "b": [None, None, 1.5], "c": {"d": None}}
    assert "NaN" not in text and "Infinity" not in text


BAD = [
    (["hr", "--hr", "0.77", "--p", "1e-320"], "outside 1e-300 to 1"),
    (["hr", "--hr", "0.7", "--p", "0.05", "--prior", "normal:0,1e-300"], "prior SD 1e-300"),
    (["hr", "--hr", "0.7", "--p", "0.05", "--prior", "normal:1e400,1"], "prior mean inf"),
    (["hr", "--hr", "nan", "--p", "0.05"], "'nan' is not a finite number"),
    (["hr", "--hr", "0.7", "--ci", "0.5", "inf"], "'inf' is not a finite number"),
    (["hr", "--hr", "0.7", "--ci", "0.5", "0.9", "--p", "0.05"], "--ci/--p: both given"),
    (["hr", "--hr", "0.7", "--medians", "3", "4", "--p", "0.05"], "--hr: given together"),
    (["hr", "--ci", "0.5", "0.9", "--medians", "3", "4", "--p", "0.05"], "--ci: given together"),
    (["rates", "--index", "a", "3/12", "--reference", "b", "3/12", "--threshold", "nan"], "nan"),
    (["sensitivity", "--grid", "1:1e-300"], "prior SD 1e-300"),
    (["sensitivity", "--grid", "nan:0.2"], "centre nan is not a positive finite HR"),
    (["sensitivity", "--grid", "inf:0.2"], "centre inf is not a positive finite HR"),
    (["sensitivity", "--grid", "1:inf"], "prior SD inf"),
    (["sensitivity", "--grid", "1e300:1"], "prior mean 690.776"),
    (["sensitivity", "--prior", "hr:0.99999-1.00001@95%"], "is too narrow for a prior"),
    (["sensitivity", "--prior", "hr:1e-200-1e200@95%"], "is too wide for a prior"),
]
SEEDS = [("-1", "outside 0 to 2147483647"), ("1e23", "not a whole number"), ("2" * 30, "outside")]
BAD += [
    ([*command, "--seed", seed], message)
    for command in (
        ["run"],
        ["hr", "--hr", "0.7", "--p", "0.05"],
        ["rates", "--index", "a", "3/12", "--reference", "b", "3/12"],
        ["survival", "--data", "x.csv", "--time", "t", "--event", "e", "--group", "g"],
        ["sensitivity"],
    )
    for seed, message in SEEDS
]


@pytest.mark.parametrize(("args", "message"), BAD, ids=[" ".join(a) for a, _ in BAD])
def test_bad_input_exits_2_with_one_message(args, message, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(args) == 2
    captured = capsys.readouterr()
    assert message in captured.err
    assert captured.err.count("error:") == 1 and "Traceback" not in captured.err
    assert captured.out == ""
    assert list(tmp_path.iterdir()) == []


def spec_with(tmp_path, sampler):
    text = (
        SPEC.split("[sampler]")[0]
        + "[sampler]\n"
        + sampler
        + "\n[survival]"
        + (SPEC.split("[survival]", 1)[1])
    )
    path = tmp_path / "run.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_spec_lists_every_sampler_problem_at_once(tmp_path):
    path = spec_with(
        tmp_path, "draws = 0\ntune = -1\nchains = 2.5\ncores = true\ntarget_accept = 1.5\nfast = 1"
    )
    with pytest.raises(Exception) as error:
        load_spec(path)
    message = str(error.value)
    assert message.startswith("6 problems")
    for key in ("draws", "tune", "chains", "cores", "target_accept", "fast: unknown setting"):
        assert f"[sampler] {key}" in message


def test_run_with_zero_draws_exits_2_before_any_work(tmp_path, capsys):
    spec = spec_with(tmp_path, "draws = 0")
    out = tmp_path / "results"
    assert main(["run", "--spec", str(spec), "--out", str(out)]) == 2
    assert "[sampler] draws: 0 is not a whole number from 1" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.toml"]


@pytest.mark.parametrize("case", ["parent is a file", "read-only", "mount point"])
def test_out_that_cannot_be_written_is_refused_before_the_work(case, tmp_path, monkeypatch, capsys):
    import bayes_netlm.reporting.outputs as outputs

    if case == "parent is a file":
        (tmp_path / "file").write_text("x")
        out, message = tmp_path / "file" / "results", "is a file, not a folder"
    elif case == "read-only":
        # root ignores permission bits, so the write probe itself is made to fail as on a
        # read-only file system
        def read_only(*args, **kwargs):
            raise OSError(30, "Read-only file system")

        monkeypatch.setattr(outputs.tempfile, "mkdtemp", read_only)
        out, message = tmp_path / "results", "refuses new files (Read-only file system)"
    else:
        (tmp_path / "mnt").mkdir()
        monkeypatch.setattr(outputs.os.path, "ismount", lambda p: Path(p).name == "mnt")
        out, message = tmp_path / "mnt", "is a mount point"
    before = sorted(tmp_path.rglob("*"))
    assert main(["run", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("error:") == 1
    assert sorted(tmp_path.rglob("*")) == before


def test_rejected_input_never_imports_the_heavy_libraries(tmp_path):
    code = (
        "import sys\n"
        "from bayes_netlm.cli import main\n"
        "cases = [['hr', '--hr', '0.7', '--p', '0.05', '--prior', 'normal:0,1e-300'],\n"
        "         ['hr', '--hr', '0.7', '--ci', '0.5', '0.9', '--p', '0.05'],\n"
        "         ['hr', '--medians', '13.8', '10.6'], ['hr', '--hr', '0.8'], ['hr'],\n"
        "         ['sensitivity', '--grid', 'nan:0.2'], ['run', '--seed', '-1'],\n"
        "         ['rates', '--index', 'a', '13/12', '--reference', 'b', '3/12'],\n"
        "         ['survival', '--data', 'no.csv', '--time', 't', '--event', 'e',\n"
        "          '--group', 'g'],\n"
        f"         ['run', '--out', {str(tmp_path / 'f' / 'out')!r}], ['--help']]\n"
        "codes = [main(c) for c in cases]\n"
        "heavy = [m for m in ('pymc', 'jax', 'lifelines', 'arviz', 'pytensor', 'pandas',\n"
        "                    'scipy.stats')\n"
        "         if m in sys.modules]\n"
        "print(codes, heavy)\n"
    )
    (tmp_path / "f").write_text("a file")
    result = run_python(code, timeout=120, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 0] []"


@pytest.mark.parametrize("as_json", [False, True])
def test_a_fit_that_failed_its_checks_is_said_loudly_with_status_3(as_json, monkeypatch, capsys):
    import bayes_netlm.cli as cli

    def failed_fit(args):
        return {
            "prior": "normal:0,5",
            "method": "censored Weibull PH",
            "estimate": {"measure": "HR", "median": 1.573, "ci95": [0.5, 4.0]},
            "probabilities": {"P(HR < 1)": 0.25},
            "converged": False,
        }

    monkeypatch.setattr(cli, "_command_survival", failed_fit)
    args = ["survival", "--data", "x.csv", "--time", "t", "--event", "e", "--group", "g"]
    assert main(args + ["--json"] * as_json) == 3
    captured = capsys.readouterr()
    assert "FAILED its convergence checks" in captured.err and "exit status 3" in captured.err
    if as_json:
        assert json.loads(captured.out)["converged"] is False
    else:
        assert captured.out.startswith("WARNING: this fit FAILED its convergence checks")


SPEC_MISTAKES = {
    "weibull_fits typo": (
        ('weibull_fits = ["os_full", "pfs_full"]', 'weibull_fits = ["os_ful", "pfs_full"]'),
        "[sensitivity] weibull_fits: 'os_ful' is not a Weibull fit of this spec",
    ),
    "reference prior typo": (
        ('reference_prior = "vague"', 'reference_prior = "vauge"'),
        "[sensitivity] reference_prior: unknown prior set 'vauge'",
    ),
    "survival prior set typo": (
        (
            'prior_sets = ["vague", "skeptical", "enthusiastic", "pessimistic"]\n# Horizons',
            'prior_sets = ["vague", "skeptcal"]\n# Horizons',
        ),
        "[survival] prior_sets: unknown prior set 'skeptcal'",
    ),
    "column typo": (
        ('time = "os_time"', 'time = "os_tim"'),
        "[survival.endpoints.os] time: column 'os_tim' is not in synthetic_cohort.csv",
    ),
    "matching column typo": (
        ('"primary_site"]', '"primary_sight"]'),
        "[survival] match_on: column 'primary_sight' is not in synthetic_cohort.csv",
    ),
    "unknown key": (
        ("rmst_horizon = 10", "rmst_horizn = 10"),
        "[survival] rmst_horizn: unknown key (use only data, synthetic",
    ),
    "unknown section": (
        ("[sensitivity]\n", "[sensitivty]\n"),
        "[sensitivty]: unknown section",
    ),
    "reference prior not fitted": (
        (
            'prior_sets = ["vague", "skeptical", "enthusiastic", "pessimistic"]\n# Horizons',
            'prior_sets = ["skeptical"]\n# Horizons',
        ),
        "[sensitivity] reference_prior: 'vague' is not fitted to the patients",
    ),
    "no horizons": (
        ("horizons = [1, 5, 10]", "horizons = []"),
        "horizons must be one or more positive times",
    ),
    "missing data file": (
        ('data = "data/synthetic_cohort.csv"', 'data = "data/nosuch.csv"'),
        "[survival] data: ",
    ),
    # these passed every early check and stopped the run mid-way with a traceback, or were
    # read as something else (a quoted "false" as true, a bare string as its letters)
    "no matched controls": (
        ("match_ratio = 3", "match_ratio = 0"),
        "[survival] match_ratio must be a whole number >= 1, not 0",
    ),
    "negative caliper": (
        ("match_caliper = 0.2", "match_caliper = -1"),
        "[survival] match_caliper must be a finite number above 0, not -1",
    ),
    "quoted RMST horizon": (
        ("rmst_horizon = 10", 'rmst_horizon = "10"'),
        "[survival] rmst_horizon must be a number, not '10'",
    ),
    "quoted synthetic flag": (
        ("synthetic = true", 'synthetic = "false"'),
        "[survival] synthetic must be true or false, not 'false'",
    ),
    "no survival prior sets": (
        (
            'prior_sets = ["vague", "skeptical", "enthusiastic", "pessimistic"]\n# Horizons',
            "prior_sets = []\n# Horizons",
        ),
        "[survival] prior_sets must be a list of prior-set names",
    ),
    "a prior set twice": (
        (
            'prior_sets = ["vague", "skeptical", "enthusiastic", "pessimistic"]\n# Horizons',
            'prior_sets = ["vague", "vague"]\n# Horizons',
        ),
        "[survival] prior_sets names a prior set twice",
    ),
    "prior sets as one string": (
        (
            'prior_sets = ["vague", "skeptical", "enthusiastic", "pessimistic"]\n\n[rates]',
            'prior_sets = "vague"\n\n[rates]',
        ),
        "[summary_hazard_ratio] prior_sets must be a list of prior-set names",
    ),
}


@pytest.mark.parametrize("case", list(SPEC_MISTAKES), ids=list(SPEC_MISTAKES))
def test_spec_mistakes_in_the_patient_level_part_exit_2_before_any_work(case, tmp_path, capsys):
    """They surfaced 37-51 s into a run (the data file, a column, a prior set) or not at all
    (a weibull_fits typo swept nothing, silently); now before the results folder is made or
    the survival process started, naming the spec's field."""
    (old, new), message = SPEC_MISTAKES[case]
    assert SPEC.count(old) == 1, old
    spec = tmp_path / "run.toml"
    spec.write_text(SPEC.replace(old, new), encoding="utf-8")
    out = tmp_path / "results"
    assert main(["run", "--spec", str(spec), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    # named with the spec's path: the early checks (a prior set's typo surfaced later, unnamed)
    assert str(spec) in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.toml"]


PRIORS = (ROOT / "models" / "prior_sets.toml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "old, new, message",
    [
        ("log_hr = ", "log_hrr = ", "[prior_sets.vague].log_hrr: unknown key"),
        ("log_hr = ", "log_hrr = ", "[prior_sets.vague]: missing field 'log_hr'"),
        ("hr_important = 0.7", 'hr_important = "0.7"', "hr_important: is '0.7', not a number"),
    ],
)
def test_prior_file_mistakes_are_named(old, new, message, tmp_path):
    """A typo'd key read as "cannot read the prior ''", and a quoted threshold was coerced."""
    from bayes_netlm.errors import InputError
    from bayes_netlm.priors import load_prior_catalog

    path = tmp_path / "prior_sets.toml"
    path.write_text(PRIORS.replace(old, new), encoding="utf-8")
    with pytest.raises(InputError) as error:
        load_prior_catalog(path)
    assert message in str(error.value)


def test_an_error_that_follows_a_stop_signal_is_the_interruption():
    """Ctrl-C or SIGTERM during an import ended as JAX's ImportError ("cannot import name
    'extend'"), a traceback and exit 1 instead of one line and 130/143: once a stop signal has
    come, whatever error ends the command is reported as the interruption."""
    import signal
    import time

    from bayes_netlm.errors import Interrupted, stoppable

    with pytest.raises(Interrupted) as stop, stoppable():
        try:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)  # the handler raises Interrupted here
        except Interrupted:
            raise ImportError("cannot import name 'extend' from 'jax'") from None
    assert stop.value.status == 128 + signal.SIGTERM
    assert isinstance(stop.value.__cause__, ImportError)
    # without a stop signal an error stays what it is
    with pytest.raises(ImportError), stoppable():
        raise ImportError("a real one")


@pytest.mark.parametrize(
    "spec_file, old, field",
    [
        ("run.toml", 'data = "data/synthetic_cohort.csv"', "[survival] data"),
        (
            "run_curves.toml",
            'at_risk = "data/examples/synthetic_os_at_risk.csv"',
            "[survival.endpoints.os] at_risk",
        ),
    ],
)
def test_a_table_named_beside_the_spec_is_answered_at_once_with_where_paths_start(
    spec_file, old, field, tmp_path, capsys
):
    """Relative paths in a spec start at the project folder: a table given by its bare name next
    to the spec was "file not found" (a curves file only 14 s into the run, without the spec's
    field); now at once, naming the field, where paths start and the file next to the spec."""
    text = (ROOT / "models" / spec_file).read_text(encoding="utf-8")
    assert text.count(old) == 1
    source = ROOT / old.split('"')[1]
    (tmp_path / "mine.csv").write_bytes(source.read_bytes())
    spec = tmp_path / "mine.toml"
    spec.write_text(text.replace(old, old.split("=")[0] + '= "mine.csv"'), encoding="utf-8")
    out = tmp_path / "results"
    assert main(["run", "--spec", str(spec), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert f"{spec} {field}: {ROOT / 'mine.csv'}: file not found" in err
    assert f"start at the project folder {ROOT}, not at the spec's folder" in err
    assert f"({(tmp_path / 'mine.csv').resolve()} exists: give its absolute path)" in err
    assert not out.exists() and "Traceback" not in err
