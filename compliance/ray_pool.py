"""Ray's ``ray.util.multiprocessing.Pool`` behind the stdlib's constructor, as a user of Ray writes it.

Ray's pool starts a local Ray cluster itself when none is running, sized by the first pool built:
``Pool(1)`` starts one with one CPU, and every later pool of more workers raises ``ValueError``
("Tried to start a pool with 3 processes on an existing ray cluster, but there are only 1 CPUs in
the ray cluster"). Its workers are actors that reserve no CPU, so a cluster of :data:`CLUSTER_CPUS`
logical CPUs holds as many pools of that size or less as the kit keeps at once.

:func:`Pool` starts that cluster once per process, on the first call (the kit's first call is its
capability probe, on its long-lived home thread: Ray ends the process when the thread that started
it ends), then builds ``ray.util.multiprocessing.Pool`` with the stdlib's arguments, passed through
unchanged: ``Pool()`` and ``Pool(None)`` thus have one worker per CPU of that cluster.

The ``ray`` tox environment puts this directory on ``PYTHONPATH`` and runs the kit with
``--impl=ray_pool:Pool --xfails-file=ray``.
"""

from __future__ import annotations

import threading
from typing import Any, Callable, Iterable, Optional

import ray  # type: ignore[import-not-found, unused-ignore]  # not installed where mypy runs in tox
import ray.util.multiprocessing  # type: ignore[import-not-found, unused-ignore]

CLUSTER_CPUS = 6
"""The largest pool the kit builds: a workload's ``processes`` is one per blocked item (up to 3)
plus one to three more (``poolspec/conformance/workloads.py``)."""

_STARTING = threading.Lock()


def Pool(processes: Optional[int] = None, initializer: Optional[Callable[..., Any]] = None, initargs: Iterable[Any] = (), **kwargs: Any) -> ray.util.multiprocessing.Pool:  # noqa: N802 - the name users look for
    """``ray.util.multiprocessing.Pool(processes, initializer, initargs, **kwargs)`` on a Ray cluster of :data:`CLUSTER_CPUS` CPUs."""
    with _STARTING:
        if not ray.is_initialized():
            # no dashboard, and the workers' output (a failing initializer's traceback) kept out of the kit's
            ray.init(num_cpus=CLUSTER_CPUS, include_dashboard=False, log_to_driver=False)
    return ray.util.multiprocessing.Pool(processes, initializer, initargs, **kwargs)
