"""Linear time without wall-clock limits: compare the cost of n and 4n (issue 12.5)."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from typing import Any


def _min_time(run: Callable[[], object], repeat: int = 5) -> float:
    best = float("inf")
    gc.disable()
    try:
        for _ in range(repeat):
            start = time.perf_counter()
            run()
            best = min(best, time.perf_counter() - start)
    finally:
        gc.enable()
    return best


def assert_linear(make: Callable[[int], Any], run: Callable[[Any], object], base: int) -> None:
    """Four times the input costs less than 9 times the time: under 3 per doubling, where a
    quadratic analysis costs 16.  The best of several runs, so that noise cannot fail it."""
    small, large = make(base), make(4 * base)
    times = [_min_time(lambda: run(small)), _min_time(lambda: run(large))]
    assert times[1] / times[0] < 9, times
