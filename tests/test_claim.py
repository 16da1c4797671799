"""The claim that shares work (rank plots, design section) between the two processes of a run."""

import multiprocessing

from bayes_netlm.claim import DESIGN, claim
from bayes_netlm.run_design import design_part


def test_only_the_first_claim_wins(tmp_path):
    marker = tmp_path / "task"
    assert claim(marker) is True
    assert claim(marker) is False
    assert marker.exists()


def test_racing_processes_get_one_claim_between_them(tmp_path):
    marker = tmp_path / "task"
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        results = pool.map(claim, [marker] * 8)
    assert sorted(results) == [False] * 7 + [True]


def test_the_design_section_is_done_once_by_whichever_process_claims_it(tmp_path):
    marker = tmp_path / DESIGN
    html, figures = design_part(5, marker)  # first claim: this caller does it
    assert "Prior predictive checks" in html
    assert "<b>Not run for this report</b>" in html  # the calibration: said plainly
    # the assurance table is the report's own table (it was pandas' bordered HTML, index row)
    assert "<th>Cystic patients</th>" in html and 'border="1"' not in html
    assert [name for name, _, _ in figures.items] == ["design_prior_predictive", "design_assurance"]
    assert design_part(5, marker) is None  # the other process finds it claimed
