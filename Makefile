# The two commands of the README: `make run` and `make test`. Both set up .venv first.
.PHONY: run test setup bench

setup:
	@bash scripts/bootstrap.sh

run: setup
	.venv/bin/bayes-netlm run

test: setup
	.venv/bin/ruff check bayes_netlm tests scripts benchmarks
	.venv/bin/ruff format --check bayes_netlm tests scripts benchmarks
	.venv/bin/mypy
	.venv/bin/pytest

bench: setup
	.venv/bin/python benchmarks/bench_run.py
	PYTHONPATH=. .venv/bin/python benchmarks/bench_survival.py
	PYTHONPATH=. .venv/bin/python benchmarks/bench_scale.py
	PYTHONPATH=. .venv/bin/python benchmarks/bench_bad_input.py
