"""The poolspec pytest plugin: ``pytest --impl=module[:attr]`` checks that pool, clause by clause.

Installed, the plugin is inert: without an implementation to test it adds options and a marker,
nothing else. The implementation comes from ``--impl``, else the ``POOLSPEC_IMPL`` environment
variable, else the ``poolspec_impl`` ini key; the report header says which. With one, a run that
names no test paths collects the installed suite (``poolspec/conformance/suite``), from any directory.

What the hooks add to a plain pytest run: clause ids in the test ids; expected failures from the
baselines (:mod:`poolspec.conformance.baseline`); every scenario run on the kit's home thread and bounded
by the hang limit (:mod:`poolspec.conformance.lifecycle`, :mod:`poolspec.conformance.home`); failures headed by the
clauses they break (:mod:`poolspec.conformance.failures`), their captured output and listings bounded
(:mod:`poolspec.conformance.output`); clauses not checked further after a HANG or
``--clause-maxfail`` failures; a compliance summary per clause family, the journal and the JSON
report (:mod:`poolspec.conformance.recorder`). Everything the hooks keep lives in
``config.stash``, and each report carries what the summary needs in its ``user_properties``, so
the same run under pytest-xdist gives the same outcomes and one merged report.
"""

from __future__ import annotations

import os
import random
import shlex
import sys
import warnings
from pathlib import Path
from typing import Any, Dict, FrozenSet, Generator, List, Optional, Set, Tuple

import pytest

from . import baseline, capabilities
from .clauses import CAPABILITIES, CLAUSES, FAMILIES, UNOBSERVABLE_WITHOUT, Clause
from .exits import GUARD
from .failures import SIGNATURE_CLAUSE, STATUS_WORDS, THREADS_CLAUSE, classify, ids, refused_call, shown
from .impl import Implementation, ImplError, package_version, resolve
from .kit import KIT, Kit
from .output import bound_listings, bound_sections
from .recorder import Recorder, journal_the_probe
from .report import STOPPED_PREFIX
from .scenario import GUARDED, SCENARIOS
from .threads_left import ThreadsLeft
from .unobserved import PREFIX as UNOBSERVED_PREFIX
from .unobserved import is_unobserved
from .watchdog import Hang

ENV_VAR = "POOLSPEC_IMPL"
SUITE = Path(__file__).resolve().parent / "suite"
PROFILES: Dict[str, Dict[str, Any]] = {
    "smoke": {"max_examples": 1, "derandomize": True},
    "ci": {"max_examples": 25, "derandomize": True},
    "thorough": {"max_examples": 500, "derandomize": False},
}
DEFAULT_HANG_LIMIT = 10.0
CONFIRMATIONS = 2
"""How many more times a test its baseline expects to fail is run after it passed, before that
pass counts: a failure that shows only some of the time is then an expected failure (marked
flaky), not an unexpected pass that fails the run."""


class BaselineWarning(UserWarning):
    """A baseline entry matches no collected test (stale, or a typo)."""


EXPECTED = pytest.StashKey[baseline.Entry]()
STOPPED = pytest.StashKey[Dict[str, str]]()
"""Clauses not checked further in this run (after a HANG, or ``--clause-maxfail`` failures), with why."""
FAILURES = pytest.StashKey[Dict[str, int]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("poolspec", "poolspec conformance kit")
    group.addoption("--impl", help=f"the pool to check: module (its ThreadPool) or module:attribute; also ${ENV_VAR} or the poolspec_impl ini key")
    group.addoption(
        "--timeout-error",
        metavar="MODULE:CLASS",
        help="the class get(timeout) is expected to raise (default: the implementation's own TimeoutError, else multiprocessing.TimeoutError)",
    )
    group.addoption("--poolspec-profile", choices=sorted(PROFILES), help="smoke (one example per clause), ci (default: derandomised), thorough (many random examples)")
    group.addoption("--poolspec-strict", action="store_true", help="also check the strict clauses (stdlib-incidental behaviour)")
    group.addoption("--hang-limit", type=float, metavar="SECONDS", help=f"how long a call into the pool may block before it is a HANG (default {DEFAULT_HANG_LIMIT:g})")
    group.addoption("--clause", action="append", default=[], metavar="ID", help="check only this clause, or every clause of this family (repeatable)")
    group.addoption(
        "--poolspec-stress",
        type=int,
        default=0,
        metavar="N",
        help="stress mode: the stress clauses run their scenarios with N threads submitting, waiting and consuming on one pool at once, many rounds (for free-threaded Python)",
    )
    group.addoption("--clause-maxfail", type=int, metavar="N", help="stop checking a clause after N failed tests (1: at its first failure); a clause that hangs is always stopped")
    group.addoption(
        "--xfails-file",
        action="append",
        default=[],
        metavar="PATH|NAME",
        help=f"a baseline: clause or test ids expected to fail, one per line, '#' for the reason; or the name of a shipped one ({', '.join(baseline.shipped_names())}) (repeatable)",
    )
    group.addoption("--poolspec-report", metavar="PATH", help="write the run's per-clause outcomes as JSON to PATH, and as it goes to a journal beside it (PATH.jsonl)")
    parser.addini("poolspec_impl", "the pool to check, as for --impl")
    parser.addini("poolspec_hang_limit", f"as --hang-limit (default {DEFAULT_HANG_LIMIT:g})")
    parser.addini("poolspec_xfails_files", "baselines, as for --xfails-file (paths relative to the ini file, or names of shipped ones)", type="linelist")
    parser.addini("poolspec_clause_maxfail", "as --clause-maxfail")


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
        impl = resolve(spec, config.getoption("timeout_error"), folders=(Path.cwd(), config.rootpath))
    except ImplError as exc:
        raise pytest.UsageError(str(exc)) from None
    profile = config.getoption("poolspec_profile") or "ci"
    seed = config.getoption("hypothesis_seed", None)
    if profile == "thorough" and seed is None:
        seed = str(random.getrandbits(32))
        config.option.hypothesis_seed = seed
    hang_limit = config.getoption("hang_limit") or float(config.getini("poolspec_hang_limit") or DEFAULT_HANG_LIMIT)
    stress = config.getoption("poolspec_stress")
    if stress < 0 or stress == 1:
        raise pytest.UsageError(f"--poolspec-stress={stress}: expected 2 threads or more (0: off)")
    maxfail = config.getoption("clause_maxfail") or int(config.getini("poolspec_clause_maxfail") or 0) or None
    if maxfail is not None and maxfail < 1:
        raise pytest.UsageError(f"--clause-maxfail={maxfail}: expected 1 or more")
    try:
        files = _baseline_files(config, impl)
        entries = tuple(entry for path in files for entry in baseline.read(path))
    except baseline.BaselineError as exc:
        raise pytest.UsageError(str(exc)) from None
    shown_files = tuple(f"{path} (shipped for the stdlib)" if path == baseline.STDLIB else str(path) for path in files)
    selected = _selected_clauses(config.getoption("clause"))
    GUARD.install()  # before the first pool is built, by the capability probe
    journal_the_probe(config, impl)
    probe = capabilities.detect(impl, hang_limit)
    config.stash[KIT] = Kit(impl, origin, profile, hang_limit, config.getoption("poolspec_strict"), seed, shown_files, entries, probe, maxfail, selected, stress)
    config.stash[STOPPED] = {}
    config.stash[FAILURES] = {}
    config.pluginmanager.register(Recorder(config, config.stash[KIT]), "poolspec-recorder")
    _load_hypothesis_profile(profile)
    if config.args_source is not pytest.Config.ArgsSource.ARGS:
        config.args[:] = [str(SUITE)]


def pytest_unconfigure(config: pytest.Config) -> None:
    GUARD.uninstall()  # os._exit works as before for whatever runs after the kit


def _baseline_files(config: pytest.Config, impl: Implementation) -> List[Path]:
    """The baselines of this run: the stdlib's own (for the stdlib), then the user's."""
    ini_folder = config.inipath.parent if config.inipath is not None else Path.cwd()
    files = [baseline.locate(name) for name in config.getoption("xfails_file")]
    files += [baseline.locate(name, relative_to=ini_folder) for name in config.getini("poolspec_xfails_files")]
    if impl.is_stdlib and baseline.STDLIB not in files:
        files.insert(0, baseline.STDLIB)
    return files


def _selected_clauses(wanted: List[str]) -> Optional[FrozenSet[str]]:
    """The clauses that ``--clause`` names, directly or by family; None if it names none."""
    if not wanted:
        return None
    unknown = set(wanted) - set(CLAUSES) - FAMILIES
    if unknown:
        raise pytest.UsageError(f"--clause: no clause or family named {', '.join(sorted(unknown))} (see the clause page)")
    return frozenset(clause_id for clause_id, clause in CLAUSES.items() if clause_id in wanted or clause.family in wanted)


def _load_hypothesis_profile(profile: str) -> None:
    from hypothesis import HealthCheck, Phase, settings

    name = f"poolspec-{profile}"
    # The scenario fixture is function-scoped on purpose: its lifecycle's guard resets it around every example.
    suppressed = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
    # One failure per test, the first found, shrunk: on a pool that fails in several ways, searching
    # for and shrinking every distinct one cost minutes per test, and a group of them cannot be
    # told apart as one kind of failure (one missing method among failures of methods it has).
    # No explain phase: it traces the thread that runs hypothesis, where only the kit's plumbing
    # runs (the scenario runs on the home thread), and listed those lines as the failure's cause.
    phases = [phase for phase in Phase if phase.name != "explain"]
    settings.register_profile(name, deadline=None, print_blob=True, report_multiple_bugs=False, suppress_health_check=suppressed, phases=phases, **PROFILES[profile])
    settings.load_profile(name)


def pytest_report_header(config: pytest.Config) -> Optional[List[str]]:
    kit = config.stash.get(KIT, None)
    if kit is None:
        return None
    impl = kit.impl
    return [
        f"poolspec: implementation {impl.spec} (from {kit.impl_origin}), version {impl.version}{_pool_class(kit)}",
        f"poolspec: file {impl.file}",
        f"poolspec: Python {sys.version.split()[0]} ({sys.implementation.name}), profile {kit.profile}, "
        f"hypothesis seed {kit.seed or ('derandomized' if kit.profile != 'thorough' else 'random')}, "
        f"hang limit {kit.hang_limit:g} s, strict clauses {'on' if kit.strict else 'off'}, "
        f"stress mode {f'on ({kit.stress} threads)' if kit.stress else 'off'}",
        f"poolspec: timeout class {impl.timeout_error.__module__}.{impl.timeout_error.__qualname__} (from {impl.timeout_error_source})",
        f"poolspec: baseline {', '.join(kit.baseline_files) or 'none'} ({len(kit.baseline)} entries apply)",
        f"poolspec: capabilities {', '.join(sorted(kit.capabilities)) or 'none'}"
        + "".join(
            f"; lacks {name}: " + ("tests that need it are not observed" if name in UNOBSERVABLE_WITHOUT else "clauses that need it are skipped")
            for name in sorted(set(CAPABILITIES) - kit.capabilities)
        ),
        *([f"poolspec: the pool has no {', '.join(sorted(kit.probe.missing_methods))}: tests that call it fail as MISSING"] if kit.probe.missing_methods else []),
        *(
            [
                f"poolspec: the pool's methods take other parameters than the stdlib's: {'; '.join(map(str, kit.probe.signature_deviations))}: "
                f"a test whose call they refuse fails as SIGNATURE, a failure of {SIGNATURE_CLAUSE}, and leaves its own clauses not observed"
            ]
            if kit.probe.signature_deviations
            else []
        ),
        "poolspec: a clause that hangs is not checked further"
        + (f"; nor one after {kit.clause_maxfail} failed test(s) (--clause-maxfail)" if kit.clause_maxfail else " (--clause-maxfail=N stops one after N failed tests)"),
    ]


def _pool_class(kit: Kit) -> str:
    """For a factory of another package's pools: which class it makes, and that package's version."""
    made = kit.probe.pool_type
    if made is None or made.__module__.partition(".")[0] == kit.impl.module.__name__.partition(".")[0]:
        return ""
    return f"; it makes {made.__module__}.{made.__qualname__} ({package_version(made.__module__)})"


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
    """Put the clause ids in the test ids, so ``-k`` and baselines can name them.

    They come first in the test's parameter id, joined by ``+`` (:func:`poolspec.conformance.recorder.clauses_in_test_id`
    reads them back), e.g. ``test_x[imap.order-imap_unordered-2]``.
    """
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
            # A clause entry (or a family's, for each of its clauses) is judged on the whole clause,
            # once every test of it has run (the Recorder); a test entry on that test alone.
            item.stash[EXPECTED] = entry
            strict = not baseline.names_clauses(entry) and not entry.flaky
            item.add_marker(pytest.mark.xfail(reason=f"{entry.reason or 'no reason given'} ({entry.origin})", strict=strict))
            if entry.flaky:
                item.user_properties.append(("poolspec_flaky", entry.origin))
            # The pool's known bug may kill one of its threads: that is the expected failure, not news.
            item.add_marker(pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning"))
    # A clause or family that matched nothing was just not selected; an unknown name is stale.
    stale = [entry for entry in kit.baseline if entry not in matched and not baseline.names_clauses(entry)]
    if stale:
        listed = "; ".join(f"{entry.target} ({entry.origin})" for entry in stale)
        warnings.warn(BaselineWarning(f"{len(stale)} baseline entries match no collected test: {listed}"), stacklevel=1)
    _select_clauses(config, items)


def _select_clauses(config: pytest.Config, items: List[pytest.Item]) -> None:
    """With ``--clause``, deselect every test that checks none of the named clauses or families."""
    chosen = config.stash[KIT].selected
    if chosen is None:
        return
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
        reason = f"needs {', '.join(lacking)}: {'; '.join(CAPABILITIES[name] for name in lacking)}"
        return UNOBSERVED_PREFIX + reason if set(lacking) <= UNOBSERVABLE_WITHOUT else reason
    version = sys.version_info[:2]
    if all(version < clause.since or (clause.until is not None and version > clause.until) for clause in clauses):
        return f"does not apply to Python {version[0]}.{version[1]}"
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """A test whose clauses have all been stopped (after a HANG, or too many failures) is not run."""
    stopped = item.config.stash.get(STOPPED, None)
    clause_ids = ids(clauses_of(item))
    if stopped and clause_ids and all(clause_id in stopped for clause_id in clause_ids):
        pytest.skip(STOPPED_PREFIX + "; ".join(dict.fromkeys(stopped[clause_id] for clause_id in clause_ids)))


@pytest.hookimpl(hookwrapper=True, tryfirst=True)  # outermost: after the xfail plugin has decided
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
    """A failure starts with the clause(s) it breaks, and its report says what kind it is."""
    outcome = yield
    test_report = outcome.get_result()
    if item.config.stash.get(KIT, None) is None:
        return
    clauses = clauses_of(item)
    if not clauses:
        return
    bound_sections(test_report)
    notes = [note for scenario in item.stash.get(SCENARIOS, []) for note in scenario.lifecycle.notes]
    if notes and call.when == "call":
        test_report.user_properties = [*test_report.user_properties, ("poolspec_notes", "\n".join(dict.fromkeys(notes)))]
    if is_unobserved(test_report):
        message = str(test_report.longrepr[2]).replace(f"Skipped: {UNOBSERVED_PREFIX}", "", 1)
        test_report.user_properties = [*test_report.user_properties, ("poolspec_kind", "unobserved"), ("poolspec_message", message)]
        return
    elsewhere = _charged_elsewhere(call, item.config.stash[KIT], ids(clauses))
    if elsewhere is not None:
        # A leak of threads breaks THREADS_CLAUSE, a signature refusal SIGNATURE_CLAUSE, not the
        # test's own clauses: only a baseline entry for that clause covers it, whichever test saw it.
        clause_id, kind = elsewhere
        entry = baseline.first_match(item.config.stash[KIT].baseline, {clause_id})
        if entry is not None:
            test_report.outcome = "skipped"
            test_report.wasxfail = f"{entry.reason or 'no reason given'} ({entry.origin})"
            test_report.user_properties = [*test_report.user_properties, ("poolspec_broken", clause_id), ("poolspec_kind", kind)]
            return
        if hasattr(test_report, "wasxfail"):
            test_report.outcome = "failed"
            del test_report.wasxfail
    elif hasattr(test_report, "wasxfail") and call.excinfo is not None:
        if call.excinfo.errisinstance(Hang):
            _stop_clauses(item, "hang", ids(clauses))  # an expected HANG still costs the hang limit
    if not test_report.failed:
        return
    kit = item.config.stash[KIT]
    bound_listings(test_report.longrepr)
    failure = classify(test_report, call, clauses, _unexpected_pass(item, test_report), kit.probe.missing_methods, kit.pool_packages, kit.probe.signature_deviations)
    test_report.longrepr = shown(failure, test_report.longrepr, _rerun_command(item))
    test_report.user_properties = [
        *test_report.user_properties,
        ("poolspec_kind", failure.kind),
        ("poolspec_broken", " ".join(ids(failure.broken))),
        ("poolspec_message", failure.message),
    ]
    _stop_clauses(item, failure.kind, ids(failure.broken))


def _charged_elsewhere(call: pytest.CallInfo[None], kit: Kit, own: List[str]) -> Optional[Tuple[str, str]]:
    """For a failure that breaks another clause than the test's ``own``: that clause, and the kind of failure."""
    if call.excinfo is None:
        return None
    if call.excinfo.errisinstance(ThreadsLeft):
        return THREADS_CLAUSE, "threads-left"
    if SIGNATURE_CLAUSE not in own and refused_call(call.excinfo, kit.probe.signature_deviations) is not None:
        return SIGNATURE_CLAUSE, "signature"
    return None


def _stop_clauses(item: pytest.Item, kind: str, broken: List[str]) -> None:
    """After a HANG, or the ``--clause-maxfail``-th failure, the clauses broken are not checked further."""
    kit, stopped, failures = item.config.stash[KIT], item.config.stash[STOPPED], item.config.stash[FAILURES]
    for clause_id in broken:
        failures[clause_id] = failures.get(clause_id, 0) + 1
        if clause_id in stopped:
            continue
        if kind == "hang":
            stopped[clause_id] = f"HANG in {item.name}"
        elif kit.clause_maxfail is not None and failures[clause_id] >= kit.clause_maxfail:
            stopped[clause_id] = f"{failures[clause_id]} failed test(s) of {clause_id} (--clause-maxfail={kit.clause_maxfail}), the last {item.name}"


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
    if kit.stress:
        options.append(f"--poolspec-stress={kit.stress}")
    options += [f"--xfails-file={name}" for name in item.config.getoption("xfails_file")]
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
    scenario = pyfuncitem.stash.get(GUARDED, None)
    if scenario is None:
        yield
        return
    handle = getattr(pyfuncitem.obj, "hypothesis", None)
    # With hypothesis, guard each example (its inner test), not the whole search.
    holder, name = (handle, "inner_test") if handle is not None else (pyfuncitem, "obj")
    original = getattr(holder, name)
    entry = pyfuncitem.stash.get(EXPECTED, None)
    confirmations = CONFIRMATIONS if entry is not None and not entry.flaky else 0
    setattr(holder, name, scenario.lifecycle.guard(original, confirmations=confirmations))
    try:
        yield
    finally:
        setattr(holder, name, original)


def pytest_report_teststatus(report: pytest.TestReport, config: pytest.Config) -> Optional[Tuple[str, str, str]]:
    if KIT not in config.stash or report.when != "call":
        return None
    kind = dict(report.user_properties).get("poolspec_kind")
    if report.failed and kind in STATUS_WORDS:
        letter, word = STATUS_WORDS[str(kind)]
        return "failed", letter, word
    if report.skipped and kind == "unobserved":
        return "skipped", "U", "UNOBSERVED"
    return None


NO_IMPLEMENTATION = f"no implementation to check: run pytest --impl=module[:attribute] (or set ${ENV_VAR}, or poolspec_impl in the ini file)"
"""Why the suite's tests are skipped without an implementation, and the summary's hint."""


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """Without an implementation, with nothing collected or the suite skipped for it, say how to give one."""
    if KIT in config.stash:
        return
    suite_skipped = any(NO_IMPLEMENTATION in str(getattr(report, "longrepr", "")) for report in terminalreporter.stats.get("skipped", []))
    if exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED or suite_skipped:
        terminalreporter.write_line(f"poolspec: {NO_IMPLEMENTATION}")
