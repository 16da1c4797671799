"""Property tests: any string or number given to a command-line parser is a result or one message.

Every parser either returns or raises :class:`InputError` (``ArgumentTypeError`` for argparse
types); the command itself exits 0 or 2, never with a traceback, and its JSON never holds NaN or
Infinity. Parsers are called directly, or the command is run with ``--exact-only`` (no sampling).
"""

import argparse
import contextlib
import importlib
import io
import json
import math

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from bayes_netlm import cli_checks
from bayes_netlm.cli import main
from bayes_netlm.errors import InputError
from bayes_netlm.evidence.counts import parse_count_of
from bayes_netlm.priors import NormalPrior, parse_prior
from bayes_netlm.sensitivity.elicitation import parse_statement

FAST = settings(max_examples=300, deadline=None)
SLOW = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=1e-6, max_value=1e6),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.sampled_from([0, 1, -1, 0.5, 1e-300, 1e300, 5e-324]),
)
NUMBER_TEXT = st.one_of(
    NUMBERS.map(repr), NUMBERS.map(str), st.sampled_from(["nan", "inf", "-inf", "", " ", "1e"])
)
# values that pass the first checks, mixed in so that many examples reach the computation
RATIO = st.one_of(NUMBER_TEXT, st.floats(1e-300, 1e300).map(repr), st.floats(0.05, 20).map(repr))
P = st.one_of(NUMBER_TEXT, st.floats(1e-300, 1.0).map(repr), st.floats(1e-4, 1.0).map(repr))
COUNT = st.integers(1, 60).flatmap(lambda n: st.integers(0, n).map(lambda k: f"{k}/{n}"))


def slash(pair):
    return f"{pair[0]}/{pair[1]}"


SEPARATORS = st.sampled_from([":", ",", "-", "@", "%", "/", "=", " "])
# text made of the pieces the parsers look for, so that many examples get past the first check
PIECES = st.lists(st.one_of(NUMBER_TEXT, SEPARATORS, st.text(max_size=4)), max_size=8).map("".join)
TEXT = st.one_of(st.text(max_size=30), PIECES)


def accepted_or_input_error(parse, *args):
    """Run a parser: its result, or None when it raised the one allowed error."""
    try:
        return parse(*args)
    except (InputError, argparse.ArgumentTypeError) as error:
        assert str(error).strip()
        return None


@FAST
@given(st.one_of(TEXT, st.tuples(NUMBER_TEXT, NUMBER_TEXT).map("/".join)))
def test_counts(text):
    count = accepted_or_input_error(parse_count_of, text, "--index")
    if count is not None:
        assert 0 <= count.low <= count.high <= count.n


@FAST
@given(
    st.one_of(
        TEXT,
        st.tuples(st.sampled_from(["normal", "beta", "logor", "x"]), NUMBER_TEXT, NUMBER_TEXT).map(
            lambda t: f"{t[0]}:{t[1]},{t[2]}"
        ),
    ),
    st.sampled_from(["log_hr", "rates"]),
)
def test_priors(text, scale):
    prior = accepted_or_input_error(parse_prior, text, scale, "--prior")
    if isinstance(prior, NormalPrior):
        assert math.isfinite(prior.mean) and 0 < prior.sd < math.inf
        assert math.isfinite(math.exp(prior.mean + 3 * prior.sd))


@FAST
@given(
    st.one_of(
        TEXT,
        st.tuples(
            st.lists(NUMBER_TEXT, min_size=1, max_size=3), st.lists(NUMBER_TEXT, max_size=3)
        ).map(lambda t: f"{','.join(t[0])}:{','.join(t[1])}"),
    )
)
def test_grids(text):
    grid = accepted_or_input_error(cli_checks.parse_grid, text)
    if grid is not None:
        means, sds = grid
        assert all(math.isfinite(m) for m in means) and all(0 < s < math.inf for s in sds)


@FAST
@given(st.one_of(TEXT, NUMBER_TEXT))
def test_seeds_and_numbers(text):
    seed = accepted_or_input_error(cli_checks.seed, text)
    assert seed is None or 0 <= seed <= cli_checks.MAX_SEED
    p = accepted_or_input_error(cli_checks.p_value, text)
    assert p is None or cli_checks.MIN_P_VALUE <= p <= 1
    positive = accepted_or_input_error(cli_checks.positive_float, text)
    assert positive is None or 0 < positive < math.inf


@pytest.mark.usefixtures("models_imported")
@SLOW
@given(
    st.one_of(
        TEXT,
        st.tuples(
            st.sampled_from(["hr", "or", "rate", "HR", "x"]),
            NUMBER_TEXT,
            NUMBER_TEXT,
            st.sampled_from(["", "@95%", "@0.9", "@100%", "@0", "@nan", ",mode=0.2"]),
        ).map(lambda t: f"{t[0]}:{t[1]}-{t[2]}{t[3]}"),
    )
)
def test_elicitation_statements(text):
    elicited = accepted_or_input_error(parse_statement, text, "--prior")
    if elicited is not None and isinstance(elicited.prior, NormalPrior):
        assert math.isfinite(elicited.prior.mean) and 0 < elicited.prior.sd < math.inf


@pytest.fixture(scope="module")
def models_imported():
    """Import the model modules once, outside the examples (PyTensor raises the recursion limit,
    which Hypothesis would report as changed during a test)."""
    for name in ("bayes_netlm.modeling.hazard_ratio", "bayes_netlm.modeling.rates", "preliz"):
        importlib.import_module(name)


def run(args):
    """The command in this process: (status, stdout, stderr); any exception fails the test."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(args)
    return status, out.getvalue(), err.getvalue()


def strict_json(text):
    def refuse(constant):
        raise AssertionError(f"{constant} in JSON output")

    return json.loads(text, parse_constant=refuse)


@pytest.mark.usefixtures("models_imported")
@settings(max_examples=150, deadline=None)
@given(
    st.one_of(
        st.tuples(RATIO, P).map(lambda t: ["--hr", t[0], "--p", t[1]]),
        st.tuples(RATIO, RATIO, RATIO).map(lambda t: ["--hr", t[0], "--ci", *t[1:]]),
        st.tuples(RATIO, RATIO, P).map(lambda t: ["--medians", t[0], t[1], "--p", t[2]]),
    ),
    st.one_of(
        st.just("vague"),
        st.floats(0.01, 10).map(lambda s: f"normal:0,{s!r}"),
        RATIO.map(lambda s: f"normal:0,{s}"),
    ),
)
def test_hr_command(evidence, prior):
    status, out, err = run(["hr", *evidence, "--prior", prior, "--json", "--exact-only"])
    event(f"exit {status}")
    assert status in (0, 2), err
    assert "Traceback" not in err
    if status == 0:
        assert strict_json(out)["estimate"]["median"] is not None
    else:
        assert out == "" and err.count("error:") == 1


@pytest.mark.usefixtures("models_imported")
@SLOW
@given(
    st.one_of(COUNT, st.tuples(st.integers(-3, 60), st.integers(-3, 60)).map(slash)),
    st.one_of(COUNT, PIECES, COUNT.map(lambda c: c.replace("/", "%/"))),
    st.one_of(st.just("beta:1,1"), RATIO.map(lambda s: f"beta:{s},1")),
)
def test_rates_command(index, reference, prior):
    args = ["rates", "--index", "a", index, "--reference", "b", reference, "--prior", prior]
    status, out, err = run([*args, "--json", "--exact-only"])
    event(f"exit {status}")
    assert status in (0, 2), err
    assert "Traceback" not in err
    if status == 0:
        strict_json(out)
    else:
        assert out == "" and err.count("error:") == 1
