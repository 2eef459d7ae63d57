"""Every time limit of the suite, derived from the hang limit (``--hang-limit``, 10 s by default).

Tolerances say how long what must happen may take. At the default hang limit they hold on a
loaded 2-core machine; a pool given a larger hang limit because it is slow (a process pool, Ray)
gets larger tolerances in proportion. A lower hang limit (the kill matrix runs with 3 s, the
mutation runs with 2 s) keeps :attr:`Limits.promptly` at its least and shortens
:attr:`Limits.patience` with it, so a call that should return while the scenario goes on is
judged sooner there:

* :attr:`Limits.promptly`: a call that must return at once returns within it, a time-out ends at
  most this long after its timeout, and a result completes within it once nothing holds it back
  (2 s at the default, a fifth of the hang limit above it);
* :attr:`Limits.patience`: a call that must return while the scenario goes on (a task to start, a
  result to complete): half the hang limit, so that such a failure is reported as what it is
  before the scenario's own bound, the hang limit, would make it a HANG;
* :attr:`Limits.helper_process`: a helper process the scenario runs (a whole Python starting, a
  pool built, then the process exiting) ends within it: most of the hang limit, leaving a fifth to
  report before the scenario's own bound.

A glimpse is how long a scenario watches for what must not happen (a task too many starting, a
result ready too early, a ``join()`` returning while tasks run, input read past its bound). It is
a sensitivity, not a tolerance: a wrong pool is caught when it does the wrong thing within the
glimpse, and a right pool costs the glimpse in time. :attr:`Limits.glimpse` is 0.2 s at the
default, a fiftieth of the hang limit above it, so a slow pool is watched longer.
"""

from __future__ import annotations

from dataclasses import dataclass

PROMPTLY_AT_LEAST = 2.0
"""Seconds: the least :attr:`Limits.promptly`, what a loaded 2-core machine needs."""

GLIMPSE_AT_LEAST = 0.2
"""Seconds: the least :attr:`Limits.glimpse`."""


@dataclass(frozen=True)
class Limits:
    """The time limits of a run whose hang limit is ``hang`` seconds."""

    hang: float

    @property
    def promptly(self) -> float:
        return max(PROMPTLY_AT_LEAST, self.hang / 5)

    @property
    def patience(self) -> float:
        return self.hang / 2

    @property
    def helper_process(self) -> float:
        return self.hang * 0.8

    @property
    def glimpse(self) -> float:
        return max(GLIMPSE_AT_LEAST, self.hang / 50)
