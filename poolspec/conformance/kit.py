"""What a kit run checks and how: the :class:`Kit` that the plugin's hooks and the suite's fixtures share.

The plugin builds it once, when pytest is configured with an implementation, and keeps it in
``config.stash[KIT]``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import FrozenSet, Optional, Tuple

import pytest

from . import baseline, capabilities
from .impl import Implementation


@dataclass(frozen=True)
class Kit:
    """What this run checks and how: shared by the plugin's hooks and the suite's fixtures."""

    impl: Implementation
    impl_origin: str
    profile: str
    hang_limit: float
    strict: bool
    seed: Optional[str]
    baseline_files: Tuple[str, ...]
    baseline: Tuple[baseline.Entry, ...]
    probe: capabilities.Probe
    clause_maxfail: Optional[int]
    selected: Optional[FrozenSet[str]]
    """The clauses ``--clause`` selects, or None for every clause."""
    stress: int
    """``--poolspec-stress``: how many threads the stress clauses run at once; 0 when off."""

    @property
    def capabilities(self) -> FrozenSet[str]:
        return self.probe.capabilities

    @property
    def pool_packages(self) -> FrozenSet[str]:
        """The top-level packages whose code is the pool's: the implementation's, and that of the pools it makes."""
        made = self.probe.pool_type
        modules = [self.impl.module.__name__, *([made.__module__] if made is not None else [])]
        return frozenset(module.partition(".")[0] for module in modules)


KIT = pytest.StashKey[Kit]()
