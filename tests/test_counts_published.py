from pathlib import Path

import pytest

from bayes_netlm.errors import InputError
from bayes_netlm.evidence.counts import parse_count, parse_count_of
from bayes_netlm.evidence.published import load_published

DATA = Path(__file__).resolve().parent.parent / "data" / "ammann2025.toml"


@pytest.mark.parametrize(
    ("text", "n", "low", "high"),
    [
        ("22%", 452, 98, 101),  # 21.5 <= 100k/452 <= 22.5
        ("<2%", 452, 0, 9),  # 9/452 = 1.99 %
        ("25%", 12, 3, 3),
        ("58%", 12, 7, 7),
        ("8%", 12, 1, 1),
        ("3", 12, 3, 3),
        ("98-101", 452, 98, 101),
        ("22.1%", 452, 100, 100),  # one decimal: 22.05..22.15 % holds only 100/452 = 22.12 %
    ],
)
def test_count_ranges(text, n, low, high):
    counts = parse_count(text, n, "x")
    assert (counts.low, counts.high) == (low, high)


def test_every_percentage_round_trips():
    for k in range(453):
        pct = f"{round(100 * k / 452)}%"
        counts = parse_count(pct, 452, "x")
        assert counts.low <= k <= counts.high


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("13/12", "above the group size"),
        ("-1/12", "negative"),
        ("3of12", "cannot read"),
        ("101%/452", "over 100"),
        ("9-3/12", "lower bound above"),
        ("3/x", "not a whole number"),
        # these overflowed the exact posterior (TypeError) or ran for minutes at 4 GB
        ("3/99999999999999999999", "group size 99999999999999999999 is over 10,000,000"),
        ("50%/10000000", "'50%' of 10000000 allows 100,001 counts"),
        ("0-1000000/1000000", "allows 1,000,001 counts"),
    ],
)
def test_bad_counts(text, message):
    with pytest.raises(InputError) as error:
        parse_count_of(text, "--index")
    assert message in str(error.value)


def test_published_file_loads_every_abstract_number():
    study = load_published(DATA)
    rates = {r.name: r for r in study.rates}
    assert str(rates["major_morbidity"].reference) == "98-101/452"
    assert str(rates["mortality"].reference) == "0-9/452"
    assert all(r.index.exact for r in study.rates)  # percentages of 12 pin the count
    survival = {s.name: s for s in study.survival}
    assert survival["pfs_full"].median_index == 0.71
    assert survival["os_matched"].n_reference is None
    assert len(study.sha256) == 64


def test_published_file_reports_every_problem(tmp_path):
    text = DATA.read_text().replace("p_value = 0.729", "p_value = 1.5")
    text = text.replace("median_index = 13.8\n", "", 1)
    bad = tmp_path / "bad.toml"
    bad.write_text(text)
    with pytest.raises(InputError) as caught:
        load_published(bad)
    message = str(caught.value)
    assert "2 problems" in message
    assert "rates[0].p_value" in message and "outside (0, 1]" in message
    assert "survival[0].median_index: missing field" in message


def test_an_unknown_key_of_a_published_entry_is_named(tmp_path):
    """A typo'd key was reported only as the intended key missing."""
    text = DATA.read_text(encoding="utf-8")
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace("median_index =", "median_idx =", 1), encoding="utf-8")
    with pytest.raises(InputError) as error:
        load_published(bad)
    message = str(error.value)
    assert "survival[0].median_idx: unknown key" in message
    assert "survival[0].median_index: missing field" in message
