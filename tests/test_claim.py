"""The claim that shares the rank plots between the two processes of ``bayes-netlm run``."""

import multiprocessing

from bayes_netlm.claim import claim


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
