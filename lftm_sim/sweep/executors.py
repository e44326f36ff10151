"""Where chunks run: this process, local worker processes, or a Dask cluster.

All three offer the concurrent.futures interface (`submit` returning a Future), so the
driver loop in `runner` is one code path for all of them: Dask's `Client.get_executor()`
is a concurrent.futures Executor over the cluster.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from dataclasses import dataclass


class InlineExecutor(Executor):
    """Runs each task at once in this process (``--workers 0``: for debugging)."""

    def submit(self, fn, /, *args, **kwargs) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # handed to the caller through the future
            future.set_exception(exc)
        return future


@dataclass
class Pool:
    """An executor, how many tasks it runs at once, how to replace it, how to close it."""

    executor: Executor
    slots: int
    renew: Callable[[], Executor] | None = None  # a broken local pool is replaced
    close: Callable[[], None] | None = None
    kind: str = "local"

    def replace(self) -> None:
        """Replace a broken executor (a worker process died) with a fresh one."""
        self.executor.shutdown(wait=False, cancel_futures=True)
        assert self.renew is not None
        self.executor = self.renew()

    def shutdown(self) -> None:
        self.executor.shutdown(wait=True)
        if self.close is not None:
            self.close()


def open_pool(workers: int = 1, scheduler: str | None = None) -> Pool:
    """Local processes (`workers`; 0 = this process) or a Dask cluster (`scheduler`)."""
    if scheduler:
        return _dask_pool(scheduler)
    if workers <= 0:
        return Pool(InlineExecutor(), 1, kind="inline")
    n = max(1, min(workers, os.cpu_count() or 1))

    def make() -> Executor:
        # forkserver, not fork: the driver has threads (pyarrow, tqdm), and forking a
        # threaded process can deadlock the child; the server preloads the model once
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["lftm_sim.sweep.runner"])
        return ProcessPoolExecutor(n, mp_context=ctx)

    return Pool(make(), n, renew=make)


def _dask_pool(address: str) -> Pool:
    from distributed import Client

    from .spec import fail

    try:
        client = Client(address, timeout="5s")
    except (OSError, TimeoutError) as exc:
        fail(
            None,
            "--scheduler",
            f"cannot reach a Dask scheduler at {address}: {exc}",
            "the address of a running scheduler, e.g. tcp://HOST:8786",
        )
    threads = sum(client.nthreads().values()) or 1
    return Pool(client.get_executor(pure=False), threads, close=client.close, kind="dask")
