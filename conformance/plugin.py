"""The poolspec pytest plugin: ``pytest --impl=module[:attr]`` checks that pool, clause by clause.

Installed, the plugin is inert: without an implementation to test it adds options and a marker,
nothing else. The implementation comes from ``--impl``, else the ``POOLSPEC_IMPL`` environment
variable, else the ``poolspec_impl`` ini key; the report header says which. With one, a run that
names no test paths collects the installed suite (``conformance/suite``), from any directory.

What the hooks add to a plain pytest run: clause ids in the test ids; expected failures from the
baselines (:mod:`conformance.baseline`); every scenario bounded by the hang limit; failures
headed by the clauses they break (:mod:`conformance.failures`); a compliance summary per clause
family and the JSON report (:mod:`conformance.report`). Everything the hooks keep lives in
``config.stash``, and each report carries what the summary needs in its ``user_properties``, so
the same run under pytest-xdist gives the same outcomes and one merged report.
"""

from __future__ import annotations

import os
import random
import shlex
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, FrozenSet, Generator, List, Optional, Set, Tuple

import pytest

from . import baseline, capabilities, report
from .exits import GUARD
from .clauses import CAPABILITIES, CLAUSES, Clause
from .failures import STATUS_WORDS, classify, ids, shown
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
    baseline_files: Tuple[str, ...]
    baseline: Tuple[baseline.Entry, ...]
    capabilities: FrozenSet[str]


class BaselineWarning(UserWarning):
    """A baseline entry matches no collected test (stale, or a typo)."""


KIT = pytest.StashKey[Kit]()
EXPECTED = pytest.StashKey[baseline.Entry]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("poolspec", "poolspec conformance kit")
    group.addoption("--impl", help=f"the pool to check: module (its ThreadPool) or module:attribute; also ${ENV_VAR} or the poolspec_impl ini key")
    group.addoption("--timeout-error", metavar="MODULE:CLASS", help="the class get(timeout) is expected to raise (default: the implementation's own TimeoutError, else multiprocessing.TimeoutError)")
    group.addoption("--poolspec-profile", choices=sorted(PROFILES), help="smoke (one example per clause), ci (default: derandomised), thorough (many random examples)")
    group.addoption("--poolspec-strict", action="store_true", help="also check the strict clauses (stdlib-incidental behaviour)")
    group.addoption("--hang-limit", type=float, metavar="SECONDS", help=f"how long a call into the pool may block before it is a HANG (default {DEFAULT_HANG_LIMIT:g})")
    group.addoption("--clause", action="append", default=[], metavar="ID", help="check only this clause, or every clause of this family (repeatable)")
    group.addoption("--xfails-file", action="append", default=[], metavar="PATH", help="a baseline: clause or test ids expected to fail, one per line, '#' for the reason (repeatable)")
    group.addoption("--poolspec-report", metavar="PATH", help="write the run's per-clause outcomes as JSON to PATH")
    parser.addini("poolspec_impl", "the pool to check, as for --impl")
    parser.addini("poolspec_hang_limit", f"as --hang-limit (default {DEFAULT_HANG_LIMIT:g})")
    parser.addini("poolspec_xfails_files", "baselines, as for --xfails-file (paths relative to the ini file)", type="paths")


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
    files = _baseline_files(config, impl)
    try:
        entries = tuple(entry for path in files for entry in baseline.read(path))
    except baseline.BaselineError as exc:
        raise pytest.UsageError(str(exc)) from None
    shown_files = tuple(f"{path} (shipped for the stdlib)" if path == baseline.STDLIB else str(path) for path in files)
    GUARD.install()  # before the first pool is built, by the capability probe
    found = capabilities.detect(impl, hang_limit)
    config.stash[KIT] = Kit(impl, origin, profile, hang_limit, config.getoption("poolspec_strict"), seed, shown_files, entries, found)
    config.pluginmanager.register(Recorder(config, config.stash[KIT]), "poolspec-recorder")
    _load_hypothesis_profile(profile)
    if config.args_source is not pytest.Config.ArgsSource.ARGS:
        config.args[:] = [str(SUITE)]


def pytest_unconfigure(config: pytest.Config) -> None:
    GUARD.uninstall()  # os._exit works as before for whatever runs after the kit


def _baseline_files(config: pytest.Config, impl: Implementation) -> List[Path]:
    """The baselines of this run: the stdlib's own (for the stdlib), then the user's."""
    files = [Path(path) for path in config.getoption("xfails_file")] + list(config.getini("poolspec_xfails_files"))
    return [baseline.STDLIB, *files] if impl.is_stdlib else files


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
        f"poolspec: baseline {', '.join(kit.baseline_files) or 'none'} ({len(kit.baseline)} entries apply)",
        f"poolspec: capabilities {', '.join(sorted(kit.capabilities)) or 'none'}"
        + "".join(f"; lacks {name}: clauses that need it are skipped" for name in sorted(set(CAPABILITIES) - kit.capabilities)),
    ]


def clauses_of(item: pytest.Item) -> List[Clause]:
    """The clauses a test declares (an unknown id is a collection error)."""
    ids = [clause_id for marker in item.iter_markers("clause") for clause_id in marker.args]
    unknown = [clause_id for clause_id in ids if clause_id not in CLAUSES]
    if unknown:
        raise pytest.UsageError(f"{item.nodeid} declares unknown clause(s): {', '.join(unknown)}")
    return [CLAUSES[clause_id] for clause_id in ids]


def needs_of(item: pytest.Item) -> Set[str]:
    """The capabilities a test needs: its clauses' and its own (an unknown one is a usage error)."""
    needs = {need for marker in item.iter_markers("clause") for need in marker.kwargs.get("needs", ())}
    unknown = needs - set(CAPABILITIES)
    if unknown:
        raise pytest.UsageError(f"{item.nodeid} needs unknown capabilities: {', '.join(sorted(unknown))}")
    return needs | {need for clause in clauses_of(item) for need in clause.needs}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Put the clause ids in the test ids, so ``-k`` and baselines can name them."""
    ids = [clause_id for marker in metafunc.definition.iter_markers("clause") for clause_id in marker.args]
    if ids and "poolspec_clause" in metafunc.fixturenames:
        joined = "+".join(ids)
        metafunc.parametrize("poolspec_clause", [joined], ids=[joined])


@pytest.hookimpl(tryfirst=True)  # before -k and -m deselect: a baseline entry for a deselected test is not stale
def pytest_collection_modifyitems(config: pytest.Config, items: List[pytest.Item]) -> None:
    kit = config.stash.get(KIT, None)
    if kit is None:
        return
    matched: Set[baseline.Entry] = set()
    for item in items:
        clauses = clauses_of(item)
        if not clauses:
            continue
        item.user_properties.append(("clauses", " ".join(ids(clauses))))
        entry = baseline.first_match(kit.baseline, baseline.names_of(item.nodeid, item.name, ids(clauses)))
        if entry is not None:
            matched.add(entry)
        reason = _not_applicable(clauses, needs_of(item), kit)
        if reason:
            item.add_marker(pytest.mark.skip(reason=reason))
        elif entry is not None:
            item.stash[EXPECTED] = entry
            item.add_marker(pytest.mark.xfail(reason=f"{entry.reason or 'no reason given'} ({entry.origin})", strict=True))
    # A clause id that matched nothing was just not selected; an unknown name is stale.
    stale = [entry for entry in kit.baseline if entry not in matched and entry.target not in CLAUSES]
    if stale:
        listed = "; ".join(f"{entry.target} ({entry.origin})" for entry in stale)
        warnings.warn(BaselineWarning(f"{len(stale)} baseline entries match no collected test: {listed}"), stacklevel=1)
    _select_clauses(config, items)


def _select_clauses(config: pytest.Config, items: List[pytest.Item]) -> None:
    """With ``--clause``, deselect every test that checks none of the named clauses or families."""
    wanted = set(config.getoption("clause"))
    if not wanted:
        return
    unknown = wanted - set(CLAUSES) - {clause.family for clause in CLAUSES.values()}
    if unknown:
        raise pytest.UsageError(f"--clause: no clause or family named {', '.join(sorted(unknown))} (see the clause page)")
    chosen = {clause_id for clause_id, clause in CLAUSES.items() if clause_id in wanted or clause.family in wanted}
    selected = [item for item in items if chosen & set(ids(clauses_of(item)))]
    deselected = [item for item in items if item not in selected]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = selected


def _not_applicable(clauses: List[Clause], needs: Set[str], kit: Kit) -> Optional[str]:
    if all(clause.level == "strict" for clause in clauses) and not kit.strict:
        return "strict clause: opt in with --poolspec-strict"
    lacking = sorted(needs - kit.capabilities)
    if lacking:
        return f"needs {', '.join(lacking)}: {'; '.join(CAPABILITIES[name] for name in lacking)}"
    version = sys.version_info[:2]
    if all(version < clause.since or (clause.until is not None and version > clause.until) for clause in clauses):
        return f"does not apply to Python {version[0]}.{version[1]}"
    return None


@pytest.hookimpl(hookwrapper=True, tryfirst=True)  # outermost: after the xfail plugin has decided
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
    """A failure starts with the clause(s) it breaks, and its report says what kind it is."""
    outcome = yield
    test_report = outcome.get_result()
    if not test_report.failed or item.config.stash.get(KIT, None) is None:
        return
    clauses = clauses_of(item)
    if not clauses:
        return
    failure = classify(test_report, call, clauses, _unexpected_pass(item, test_report))
    test_report.longrepr = shown(failure, test_report.longrepr, _rerun_command(item))
    test_report.user_properties = [
        *test_report.user_properties,
        ("poolspec_kind", failure.kind),
        ("poolspec_broken", " ".join(ids(failure.broken))),
        ("poolspec_message", failure.message),
    ]


def _rerun_command(item: pytest.Item) -> str:
    """The command that runs this one test again, as this run did (from any directory)."""
    kit = item.config.stash[KIT]
    options = [f"--impl={kit.impl.spec}"]
    if item.config.getoption("timeout_error"):
        options.append(f"--timeout-error={item.config.getoption('timeout_error')}")
    if kit.profile != "ci":
        options.append(f"--poolspec-profile={kit.profile}")
    if kit.seed is not None:
        options.append(f"--hypothesis-seed={kit.seed}")
    if kit.hang_limit != DEFAULT_HANG_LIMIT:
        options.append(f"--hang-limit={kit.hang_limit:g}")
    if kit.strict:
        options.append("--poolspec-strict")
    test = f"{item.path}::{item.nodeid.partition('::')[2]}"
    return " ".join(["pytest", *map(shlex.quote, options), shlex.quote(test)])


def _unexpected_pass(item: pytest.Item, test_report: pytest.TestReport) -> Optional[str]:
    """For a test its baseline expects to fail but that passed: what to do about it."""
    entry = item.stash.get(EXPECTED, None)
    if entry is None or not str(test_report.longrepr).startswith("[XPASS(strict)]"):
        return None
    return (
        f"XPASS: the baseline ({entry.origin}: {entry.reason or 'no reason given'}) expects this test to fail, "
        f"but it passed: the bug is fixed, remove '{entry.target}' from the baseline"
    )


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
    if KIT in config.stash and report.when == "call" and report.failed:
        kind = dict(report.user_properties).get("poolspec_kind")
        if kind in STATUS_WORDS:
            letter, word = STATUS_WORDS[str(kind)]
            return "failed", letter, word
    return None


class Recorder:
    """Gathers the findings from every test report and writes the summary and the JSON report.

    Registered as a plugin of its own when an implementation is checked. Under pytest-xdist it
    runs on the controller, which receives every worker's reports; workers write nothing.
    """

    def __init__(self, config: pytest.Config, kit: Kit) -> None:
        self.config = config
        self.kit = kit
        self.findings = report.Findings()
        self.report_path = config.getoption("poolspec_report")
        self.is_worker = hasattr(config, "workerinput")

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.findings.add(report)

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, exitstatus: int) -> None:
        if self.report_path and not self.is_worker:
            report.write_json(Path(self.report_path), self.header(), self.findings.clauses(), int(exitstatus))

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.is_worker:
            return
        terminalreporter.write_sep("=", f"poolspec compliance of {self.kit.impl.spec}")
        for line in report.summary_lines(self.findings.clauses()):
            terminalreporter.write_line(line)
        if self.report_path:
            terminalreporter.write_line(f"JSON report: {self.report_path}")

    def header(self) -> Dict[str, Any]:
        impl = self.kit.impl
        return {
            "poolspec": report.kit_version(),
            "implementation": {
                "spec": impl.spec,
                "version": impl.version,
                "file": impl.file,
                "timeout_error": f"{impl.timeout_error.__module__}.{impl.timeout_error.__qualname__}",
            },
            "profile": self.kit.profile,
            "hypothesis_seed": self.kit.seed,
            "strict": self.kit.strict,
            "hang_limit": self.kit.hang_limit,
            "baselines": list(self.kit.baseline_files),
        }
