"""The poolspec pytest plugin: ``pytest --impl=module[:attr]`` checks that pool, clause by clause.

Installed, the plugin is inert: without an implementation to test it adds options and a marker,
nothing else. The implementation comes from ``--impl``, else the ``POOLSPEC_IMPL`` environment
variable, else the ``poolspec_impl`` ini key; the report header says which. With one, a run that
names no test paths collects the installed suite (``conformance/suite``), from any directory.
"""

from __future__ import annotations

import os
import random
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Generator, List, Optional, Tuple

import pytest

from .clauses import CLAUSES, Clause
from .impl import Implementation, ImplError, resolve
from .pools import Pools

ENV_VAR = "POOLSPEC_IMPL"
SUITE = Path(__file__).resolve().parent / "suite"
PROFILES: Dict[str, Dict[str, Any]] = {
    "smoke": {"max_examples": 1, "derandomize": True},
    "ci": {"max_examples": 25, "derandomize": True},
    "thorough": {"max_examples": 500, "derandomize": False},
}
DEFAULT_HANG_LIMIT = 10.0


@dataclass(frozen=True)
class Kit:
    """What this run checks and how: shared by the plugin's hooks and the suite's fixtures."""

    impl: Implementation
    impl_origin: str
    profile: str
    hang_limit: float
    strict: bool
    seed: Optional[str]


KIT = pytest.StashKey[Kit]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("poolspec", "poolspec conformance kit")
    group.addoption("--impl", help=f"the pool to check: module (its ThreadPool) or module:attribute; also ${ENV_VAR} or the poolspec_impl ini key")
    group.addoption("--timeout-error", metavar="MODULE:CLASS", help="the class get(timeout) is expected to raise (default: the implementation's own TimeoutError, else multiprocessing.TimeoutError)")
    group.addoption("--poolspec-profile", choices=sorted(PROFILES), help="smoke (one example per clause), ci (default: derandomised), thorough (many random examples)")
    group.addoption("--poolspec-strict", action="store_true", help="also check the strict clauses (stdlib-incidental behaviour)")
    group.addoption("--hang-limit", type=float, metavar="SECONDS", help=f"how long a call into the pool may block before it is a HANG (default {DEFAULT_HANG_LIMIT:g})")
    parser.addini("poolspec_impl", "the pool to check, as for --impl")
    parser.addini("poolspec_hang_limit", f"as --hang-limit (default {DEFAULT_HANG_LIMIT:g})")


def impl_spec(config: pytest.Config) -> Tuple[Optional[str], str]:
    """The implementation spec and where it came from."""
    if config.getoption("impl"):
        return config.getoption("impl"), "--impl"
    if os.environ.get(ENV_VAR):
        return os.environ[ENV_VAR], f"${ENV_VAR}"
    if config.getini("poolspec_impl"):
        return config.getini("poolspec_impl"), "poolspec_impl in the ini file"
    return None, ""


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "clause(*ids): the conformance clauses a test checks")
    spec, origin = impl_spec(config)
    if spec is None:
        return
    try:
        impl = resolve(spec, config.getoption("timeout_error"))
    except ImplError as exc:
        raise pytest.UsageError(str(exc)) from None
    profile = config.getoption("poolspec_profile") or "ci"
    seed = config.getoption("hypothesis_seed", None)
    if profile == "thorough" and seed is None:
        seed = str(random.getrandbits(32))
        config.option.hypothesis_seed = seed
    hang_limit = config.getoption("hang_limit") or float(config.getini("poolspec_hang_limit") or DEFAULT_HANG_LIMIT)
    config.stash[KIT] = Kit(impl, origin, profile, hang_limit, config.getoption("poolspec_strict"), seed)
    _load_hypothesis_profile(profile)
    if config.args_source is not pytest.Config.ArgsSource.ARGS:
        config.args[:] = [str(SUITE)]


def _load_hypothesis_profile(profile: str) -> None:
    from hypothesis import HealthCheck, settings

    name = f"poolspec-{profile}"
    # make_pool is function-scoped on purpose: Pools.guard resets it around every example.
    suppressed = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
    settings.register_profile(name, deadline=None, print_blob=True, suppress_health_check=suppressed, **PROFILES[profile])
    settings.load_profile(name)


def pytest_report_header(config: pytest.Config) -> Optional[List[str]]:
    kit = config.stash.get(KIT, None)
    if kit is None:
        return None
    impl = kit.impl
    return [
        f"poolspec: implementation {impl.spec} (from {kit.impl_origin}), version {impl.version}",
        f"poolspec: file {impl.file}",
        f"poolspec: Python {sys.version.split()[0]} ({sys.implementation.name}), profile {kit.profile}, "
        f"hypothesis seed {kit.seed or ('derandomized' if kit.profile != 'thorough' else 'random')}, "
        f"hang limit {kit.hang_limit:g} s, strict clauses {'on' if kit.strict else 'off'}",
        f"poolspec: timeout class {impl.timeout_error.__module__}.{impl.timeout_error.__qualname__} "
        f"(from {impl.timeout_error_source})",
    ]


def clauses_of(item: pytest.Item) -> List[Clause]:
    """The clauses a test declares (an unknown id is a collection error)."""
    ids = [clause_id for marker in item.iter_markers("clause") for clause_id in marker.args]
    unknown = [clause_id for clause_id in ids if clause_id not in CLAUSES]
    if unknown:
        raise pytest.UsageError(f"{item.nodeid} declares unknown clause(s): {', '.join(unknown)}")
    return [CLAUSES[clause_id] for clause_id in ids]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Put the clause ids in the test ids, so ``-k`` and baselines can name them."""
    ids = [clause_id for marker in metafunc.definition.iter_markers("clause") for clause_id in marker.args]
    if ids and "poolspec_clause" in metafunc.fixturenames:
        joined = "+".join(ids)
        metafunc.parametrize("poolspec_clause", [joined], ids=[joined])


def pytest_collection_modifyitems(config: pytest.Config, items: List[pytest.Item]) -> None:
    kit = config.stash.get(KIT, None)
    if kit is None:
        return
    for item in items:
        clauses = clauses_of(item)
        reason = _not_applicable(clauses, kit)
        if reason:
            item.add_marker(pytest.mark.skip(reason=reason))


def _not_applicable(clauses: List[Clause], kit: Kit) -> Optional[str]:
    if not clauses:
        return None
    if all(clause.level == "strict" for clause in clauses) and not kit.strict:
        return "strict clause: opt in with --poolspec-strict"
    version = sys.version_info[:2]
    if all(version < clause.since or (clause.until is not None and version > clause.until) for clause in clauses):
        return f"does not apply to Python {version[0]}.{version[1]}"
    return None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
    """A failure starts with the clause(s) it breaks."""
    outcome = yield
    report = outcome.get_result()
    if report.failed and item.config.stash.get(KIT, None) is not None:
        clauses = clauses_of(item)
        if clauses:
            report.longrepr = ClauseFailure(clauses, report.longrepr)


class ClauseFailure:
    """A test failure shown under the statement of each clause it breaks."""

    def __init__(self, clauses: List[Clause], original: Any) -> None:
        self.clauses = clauses
        self.original = original

    def header(self) -> str:
        return "\n".join(f"[{clause.id}] {clause.statement} ({clause.source}: {clause.reference})" for clause in self.clauses)

    def toterminal(self, tw: Any) -> None:
        tw.line(self.header(), red=True, bold=True)
        tw.line("")
        if hasattr(self.original, "toterminal"):
            self.original.toterminal(tw)
        else:
            tw.line(str(self.original))

    def __str__(self) -> str:
        return f"{self.header()}\n\n{self.original}"


@pytest.hookimpl(hookwrapper=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> Generator[None, Any, None]:
    """Run the scenario, or each hypothesis example of it, bounded by the hang limit."""
    pools = pyfuncitem.funcargs.get("make_pool")
    if not isinstance(pools, Pools):
        yield
        return
    handle = getattr(pyfuncitem.obj, "hypothesis", None)
    # With hypothesis, guard each example (its inner test), not the whole search.
    holder, name = (handle, "inner_test") if handle is not None else (pyfuncitem, "obj")
    original = getattr(holder, name)
    setattr(holder, name, pools.guard(original))
    try:
        yield
    finally:
        setattr(holder, name, original)


def pytest_report_teststatus(report: pytest.TestReport, config: pytest.Config) -> Optional[Tuple[str, str, str]]:
    if KIT in config.stash and report.when == "call" and report.failed and "HANG: " in str(report.longrepr):
        return "failed", "H", "HANG"
    return None
