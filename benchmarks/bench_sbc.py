"""SBC throughput: Weibull SBC on Dask (compile once per worker) vs a serial loop that rebuilds.

Prints the total time and throughput of 200 Weibull SBC simulations on a 2-worker LocalCluster,
the throughput of a serial loop that compiles a new model for every simulation (timed on a few
simulations: each costs one compilation plus one fit), their ratio, and the summary-level SBC of
10,000 simulations (closed form, vectorised).

    PYTHONPATH=$PWD python benchmarks/bench_sbc.py [--sims 200] [--serial 4] [--workers 2]
"""

import argparse
import time
from dataclasses import replace

from bayes_netlm.simulation.engine import cluster_client
from bayes_netlm.simulation.sbc import run_sbc, weibull_case


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sims", type=int, default=200)
    parser.add_argument("--serial", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    start = time.perf_counter()
    result = run_sbc("summary_hr", 10000, seed=1)
    print(
        f"summary-level SBC: 10000 simulations in {time.perf_counter() - start:.2f} s "
        f"(passed: {result.passed})"
    )

    case = weibull_case("weibull")
    start = time.perf_counter()
    with cluster_client(workers=args.workers) as client:
        started = time.perf_counter()
        result = run_sbc("weibull", args.sims, seed=2, client=client, case=case)
    dask_total = time.perf_counter() - start
    dask_rate = args.sims / dask_total
    print(
        f"Weibull SBC on Dask ({args.workers} workers): {args.sims} simulations in "
        f"{dask_total:.1f} s including cluster start ({time.perf_counter() - started:.1f} s of "
        f"tasks), {dask_rate:.2f} sims/s, passed: {result.passed}, divergences: "
        f"{result.divergences}"
    )

    serial_case = replace(case, rebuild=True)
    start = time.perf_counter()
    run_sbc("weibull", args.serial, seed=2, client=None, case=serial_case)
    serial_rate = args.serial / (time.perf_counter() - start)
    print(
        f"serial loop rebuilding the model: {args.serial} simulations, {serial_rate:.3f} sims/s "
        f"(200 would take {200 / serial_rate:.0f} s)"
    )
    print(f"throughput ratio (Dask compile-once / serial rebuild): {dask_rate / serial_rate:.1f}x")


if __name__ == "__main__":
    main()
