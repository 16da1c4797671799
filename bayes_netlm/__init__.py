"""bayes-netlm: Bayesian re-analysis of cystic vs solid NETLM outcomes."""
