"""Quantity labels use the endpoint's own words: a progression endpoint is not about death."""

from bayes_netlm.priors import load_prior_catalog
from bayes_netlm.summaries import quantity_label

CLINICAL = load_prior_catalog().clinical


def test_pfs_quantities_are_not_worded_as_survival():
    pfs = "hepatic progression-free survival"
    for quantity in ("median_index", "rmst_reference", "p_rmst_difference_above_0"):
        label = quantity_label(quantity, CLINICAL, outcome=pfs)
        assert pfs in label, label
        assert "lives" not in label and "Median survival" not in label
    assert quantity_label("survival_index_5", CLINICAL, outcome=pfs).startswith(
        "Hepatic progression-free survival at 5 years"
    )


def test_one_year_is_singular():
    label = quantity_label("survival_index_1", CLINICAL, outcome="overall survival")
    assert label == "Overall survival at 1 year, cystic"  # "at 1 years" before


def test_overall_survival_keeps_its_words():
    label = quantity_label("median_reference", CLINICAL, outcome="overall survival")
    assert label == "Median overall survival, solid (years)"
    assert "longer overall survival in cystic" in quantity_label(
        "p_rmst_difference_above_0", CLINICAL, outcome="overall survival"
    )


def test_a_hazard_ratio_at_one_time_is_not_called_better_or_a_benefit():
    # with group-specific shapes P(HR at 1 year < 1) = 0.77 sat beside P(S(1 year) higher in
    # cystic) = 0.04 under the words "cystic better": the HR at a time compares hazards then
    for quantity in ("p_below_1", "p_benefit", "p_harm", "p_equivalent"):
        label = quantity_label(quantity, CLINICAL, hr="HR at 1 year")
        assert "HR at 1 year" in label and label.endswith("at that time"), label
        assert "better" not in label and "benefit" not in label and "harm" not in label
    assert quantity_label("p_below_1", CLINICAL) == "P(HR < 1): cystic better"  # constant HR
