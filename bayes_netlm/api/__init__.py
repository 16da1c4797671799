"""The public Python API: one module per result family (see :mod:`bayes_netlm`)."""
