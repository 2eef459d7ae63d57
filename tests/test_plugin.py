"""The pytest plugin, run in a subprocess as users run it (pytester)."""

from __future__ import annotations

import fnmatch
import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Dict

import pytest

from poolspec.conformance.plugin import SUITE

BROKEN_POOLS = '''
import itertools
import os
import signal
import sys
import threading
from multiprocessing.pool import ThreadPool as StdlibPool

from poolspec.reference import ThreadPool as Reference


class Hangs(StdlibPool):
    """map() never returns."""

    def map(self, func, iterable, chunksize=None):
        threading.Event().wait()


class Reversed(StdlibPool):
    """map() returns its results backwards."""

    def map(self, func, iterable, chunksize=None):
        return super().map(func, iterable, chunksize)[::-1]


class ReversedOverARange(StdlibPool):
    """map() over a range returns its results backwards."""

    def map(self, func, iterable, chunksize=None):
        result = super().map(func, iterable, chunksize)
        return result[::-1] if isinstance(iterable, range) else result


class WithoutImapUnordered:
    """Every method of the stdlib's pool but imap_unordered."""

    def __init__(self, processes=None, initializer=None, initargs=()):
        self._pool = StdlibPool(processes, initializer, initargs)
        for name in ("apply", "apply_async", "map", "map_async", "starmap", "starmap_async", "imap", "close", "terminate", "join"):
            setattr(self, name, getattr(self._pool, name))


class WithoutApply:
    """Every method of the stdlib's pool but apply."""

    def __init__(self, processes=None, initializer=None, initargs=()):
        self._pool = StdlibPool(processes, initializer, initargs)
        for name in ("apply_async", "map", "map_async", "starmap", "starmap_async", "imap", "imap_unordered", "close", "terminate", "join"):
            setattr(self, name, getattr(self._pool, name))


class LeavesAThread(StdlibPool):
    """Starts a thread that join() does not end."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        threading.Thread(target=threading.Event().wait, name="forgotten", daemon=True).start()


class ExitsWhenACallbackRaises(Reference):
    """Ends the process when a map_async callback raises, as billiard's pool threads do."""

    def map_async(self, func, iterable, chunksize=None, callback=None, error_callback=None):
        def exit_if_it_raises(value):
            try:
                callback(value)
            except Exception:
                os._exit(1)

        return super().map_async(func, iterable, chunksize, callback and exit_if_it_raises, error_callback)


class ExitsWhenTerminated(Reference):
    """terminate() has a thread of its own end the process."""

    def terminate(self):
        super().terminate()
        ending = threading.Thread(target=os._exit, args=(3,), name="ender")
        ending.start()
        ending.join()


class Slotted:
    """The stdlib's pool behind a wrapper with __slots__: it cannot be weakly referenced."""

    __slots__ = ("_pool",)

    def __init__(self, processes=None, initializer=None, initargs=()):
        self._pool = StdlibPool(processes, initializer, initargs)

    def __getattr__(self, name):
        return getattr(self._pool, name)


class WithoutTerminate(StdlibPool):
    """The stdlib's pool without terminate(), as gevent's."""

    def __getattribute__(self, name):
        if name == "terminate":
            raise AttributeError("'WithoutTerminate' object has no attribute 'terminate'")
        return super().__getattribute__(name)


class Subclass(StdlibPool):
    """The stdlib's pool as it is, under another name: it has the stdlib's bugs."""


class FailsEveryOtherMap(StdlibPool):
    """map() raises on every second call: a failure that shows only some of the time."""

    calls = itertools.count()

    def map(self, func, iterable, chunksize=None):
        if next(FailsEveryOtherMap.calls) % 2:
            raise RuntimeError("every other map() fails")
        return super().map(func, iterable, chunksize)


class KillsTheProcess(StdlibPool):
    """map() ends the whole process at once, as a pool's native code may."""

    def map(self, func, iterable, chunksize=None):
        os.kill(os.getpid(), signal.SIGKILL)


class KillsTheProcessOnApply(StdlibPool):
    """apply() ends the whole process at once: in the kit's capability probe, before any test."""

    def apply(self, func, args=(), kwds={}):
        os.kill(os.getpid(), signal.SIGKILL)


class ThreadBound(StdlibPool):
    """Its submissions and its results' get() work only on the thread that built it, as gevent's."""

    def __init__(self, processes=None, initializer=None, initargs=()):
        self._owner = threading.get_ident()
        super().__init__(processes, initializer, initargs)

    def _check(self):
        if threading.get_ident() != self._owner:
            raise RuntimeError("used from another thread")

    def apply_async(self, *args, **kwargs):
        self._check()
        result = super().apply_async(*args, **kwargs)
        get = result.get
        result.get = lambda timeout=None: (self._check(), get(timeout))[1]
        return result


class ThreadBoundBlocking(ThreadBound):
    """Used from another thread, its calls wait for ever instead of raising (gevent's may)."""

    def _check(self):
        if threading.get_ident() != self._owner:
            threading.Event().wait()


class GetAlwaysRaises(StdlibPool):
    """Its results' get() raises on every thread: broken, not bound to a thread."""

    def apply_async(self, *args, **kwargs):
        result = super().apply_async(*args, **kwargs)
        result.get = lambda timeout=None: 1 / 0
        return result


class MapIteratesItsChunksize(StdlibPool):
    """map() takes its third argument for one more iterable (as pathos' map(f, *args)), and fails inside."""

    def map(self, func, iterable, *iterables):
        return self._zipped(func, iterable, iterables)

    def _zipped(self, func, iterable, iterables):
        return [func(*arguments) for arguments in zip(iterable, *iterables)]


class Noisy(StdlibPool):
    """map() prints 200 lines to stderr, then raises, far down its body."""

    def map(self, func, iterable, chunksize=None):
        for line in range(200):
            print(f"noise {line}", file=sys.stderr)
        # line 0 of a long explanation
        # line 1 of a long explanation
        # line 2 of a long explanation
        # line 3 of a long explanation
        # line 4 of a long explanation
        # line 5 of a long explanation
        # line 6 of a long explanation
        # line 7 of a long explanation
        # line 8 of a long explanation
        # line 9 of a long explanation
        # line 10 of a long explanation
        # line 11 of a long explanation
        # line 12 of a long explanation
        # line 13 of a long explanation
        # line 14 of a long explanation
        # line 15 of a long explanation
        # line 16 of a long explanation
        # line 17 of a long explanation
        # line 18 of a long explanation
        # line 19 of a long explanation
        # line 20 of a long explanation
        # line 21 of a long explanation
        # line 22 of a long explanation
        # line 23 of a long explanation
        # line 24 of a long explanation
        # line 25 of a long explanation
        # line 26 of a long explanation
        # line 27 of a long explanation
        # line 28 of a long explanation
        # line 29 of a long explanation
        raise RuntimeError("noisy map failed")


class KeywordOnlyChunksize(StdlibPool):
    """map() takes chunksize only by keyword."""

    def map(self, func, iterable, *, chunksize=None):
        return super().map(func, iterable, chunksize)


class DefaultOneMore(StdlibPool):
    """ThreadPool(None) has one worker more than the CPU count."""

    def __init__(self, processes=None, initializer=None, initargs=()):
        super().__init__((os.cpu_count() or 1) + 1 if processes is None else processes, initializer, initargs)


class Unbuildable:
    def __init__(self, processes=None, initializer=None, initargs=()):
        raise AttributeError("'Queue' object has no attribute '_writer'")


def make_pool(processes, initializer, initargs):
    return StdlibPool(processes, initializer, initargs)
'''


@pytest.fixture
def broken(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makepyfile(broken_pools=BROKEN_POOLS)
    pytester.syspathinsert()
    return pytester


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", *args)


def test_without_an_implementation_the_plugin_is_inert(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_plain():\n    assert True\n")
    result = run(pytester)
    result.assert_outcomes(passed=1)
    result.stdout.no_fnmatch_line("*poolspec:*")


def test_without_an_implementation_and_tests_the_plugin_says_how_to_give_one(pytester: pytest.Pytester) -> None:
    result = run(pytester)
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED
    result.stdout.fnmatch_lines(["poolspec: no implementation to check: run pytest --impl=module*"])
    suite = run(pytester, "--pyargs", "poolspec.conformance")  # the suite collected, and skipped for want of one
    assert suite.ret == pytest.ExitCode.OK and suite.parseoutcomes()["skipped"] > 100
    suite.stdout.fnmatch_lines(["poolspec: no implementation to check: run pytest --impl=module*"])


def test_impl_collects_the_installed_suite_from_any_directory(pytester: pytest.Pytester) -> None:
    result = run(pytester, "--impl=poolspec.reference", "--poolspec-profile=smoke", "--clause=shutdown")
    assert result.ret == 0
    result.stdout.fnmatch_lines(
        [
            "poolspec: implementation poolspec.reference (from --impl), version *",
            "poolspec: file */reference/__init__.py",
            "poolspec: Python *, profile smoke, hypothesis seed derandomized, hang limit 10 s, strict clauses off, stress mode off",
            "poolspec: timeout class multiprocessing.context.TimeoutError (from poolspec.reference.TimeoutError)",
            "*passed*",
        ]
    )


def test_the_stdlib_passes_through_pyargs(pytester: pytest.Pytester) -> None:
    result = run(pytester, "--pyargs", "poolspec.conformance", "--impl=multiprocessing.pool", "--poolspec-profile=smoke", "--clause=map")
    assert result.ret == 0
    result.stdout.fnmatch_lines(["poolspec: implementation multiprocessing.pool (from --impl), version stdlib of Python *"])


def test_impl_can_come_from_the_environment_or_the_ini_file(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POOLSPEC_IMPL", "multiprocessing.dummy:Pool")
    run(pytester, "-k", "[map.order]").stdout.fnmatch_lines(["*implementation multiprocessing.dummy:Pool (from $POOLSPEC_IMPL)*", "*1 passed*"])
    monkeypatch.delenv("POOLSPEC_IMPL")
    pytester.makeini("[pytest]\npoolspec_impl = poolspec.reference\n")
    run(pytester, "-k", "[map.order]").stdout.fnmatch_lines(["*implementation poolspec.reference (from poolspec_impl in the ini file)*"])


def test_a_factory_function_can_be_the_implementation(broken: pytest.Pytester) -> None:
    result = run(broken, "--impl=broken_pools:make_pool", "-k", "[map.order] or [imap.order]")
    result.assert_outcomes(passed=4, deselected=result.parseoutcomes()["deselected"])


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("no_such_module", "ERROR: --impl=no_such_module: cannot import 'no_such_module': ModuleNotFoundError: *"),
        ("poolspec.reference:Nope", "ERROR: --impl=poolspec.reference:Nope: poolspec.reference has no attribute 'Nope'"),
        ("poolspec:__version__", "ERROR: --impl=poolspec:__version__: __version__ is a str, not a class or factory"),
        (
            "reference:ThreadPool",
            "ERROR: --impl=reference:ThreadPool: cannot import 'reference': ModuleNotFoundError: No module named 'reference' "
            "(poolspec's reference package is poolspec.reference now: --impl=poolspec.reference:ThreadPool)",
        ),
    ],
)
def test_a_bad_impl_is_one_clear_error(pytester: pytest.Pytester, spec: str, message: str) -> None:
    result = run(pytester, f"--impl={spec}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])
    assert "Traceback" not in result.stderr.str()


def test_a_timeout_class_by_the_references_old_name_gets_its_name_now(pytester: pytest.Pytester) -> None:
    result = run(pytester, "--impl=multiprocessing.pool:ThreadPool", "--timeout-error=reference.errors:PoolError")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*(poolspec's reference package is poolspec.reference now: --timeout-error=poolspec.reference.errors:PoolError)"])


def test_a_factory_beside_the_user_that_pytests_command_cannot_import_gets_a_hint(tmp_path: Path) -> None:
    # pytest's console script, unlike python -m pytest, does not put the current directory on sys.path.
    (tmp_path / "myfactory.py").write_text("from multiprocessing.pool import ThreadPool\n")
    command = [str(Path(sys.executable).parent / "pytest"), "-p", "no:cacheprovider", "--impl=myfactory"]
    environment = {name: value for name, value in os.environ.items() if name != "PYTHONPATH"}
    result = subprocess.run(command, cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == pytest.ExitCode.USAGE_ERROR
    assert result.stderr.strip() == (
        f"ERROR: --impl=myfactory: cannot import 'myfactory': ModuleNotFoundError: No module named 'myfactory' ({tmp_path.resolve() / 'myfactory.py'} is there, "
        "but . is not on sys.path: pytest's command does not add the current directory; run python -m pytest ... instead, or set PYTHONPATH=.)"
    )
    found = subprocess.run([*command, "--clause=map.order"], cwd=tmp_path, env={**environment, "PYTHONPATH": "."}, capture_output=True, text=True, timeout=120, check=False)
    assert found.returncode == pytest.ExitCode.OK, found.stdout[-2000:]


def test_a_failure_names_the_clause_it_breaks(broken: pytest.Pytester) -> None:
    result = run(broken, "--impl=broken_pools:Reversed", "-k", "[map.order]")
    result.assert_outcomes(failed=2, deselected=result.parseoutcomes()["deselected"])
    result.stdout.fnmatch_lines(
        [
            "*test_map_returns_every_result_in_input_order[[]map.order[]]*",
            "[[]map.order[]] map() returns a list of func(x) for every item, in input order. (documented: *)",
            "rerun: pytest --impl=broken_pools:Reversed '*/conformance/suite/test_results_ordering.py::test_map_returns_every_result_in_input_order[[]map.order[]]'",
            "*items=[[]0, 1[]],*",  # the smallest failing input, shrunk by hypothesis
        ]
    )


def outcomes(path: Path) -> Dict[str, str]:
    """Each clause's outcome in a JSON report."""
    return {clause_id: clause["outcome"] for clause_id, clause in json.loads(path.read_text())["clauses"].items()}


def test_a_deadlocking_pool_fails_as_hang_and_the_run_goes_on_and_is_reported(broken: pytest.Pytester) -> None:
    report = broken.path / "out" / "report.json"
    result = run(broken, "--impl=broken_pools:Hangs", "--hang-limit=1", "--clause=map.order", "--clause=imap.order", "-v", f"--poolspec-report={report}")
    # map.order's second test is not run once its first has hung.
    result.assert_outcomes(failed=1, passed=2, skipped=1, deselected=result.parseoutcomes()["deselected"])
    result.stdout.fnmatch_lines(
        [
            "*map.order*HANG*",
            "*map.order*SKIPPED*",
            "*HANG: the scenario did not return within 1 s*",
            "*Thread 'poolspec: home':*",
            '*File "*/conformance/suite/test_results_ordering.py", line *, in test_map_returns_every_result_in_input_order',  # the suite's line first
            "*result = scenario.pool(3).map(triple, items, chunksize)",
            "*in map*",
            "*= poolspec compliance of broken_pools:Hangs =*",
            "map * 1 clause : 1 failed",
            "imap * 1 clause : 1 passed",
            "failed clauses: map.order (hang)",
            "1 test(s) not run after an earlier HANG or failure of their clause",
        ]
    )
    assert result.duration < 30
    for plumbing in (
        "poolspec/conformance/home.py",
        "poolspec/conformance/lifecycle.py",
        "poolspec/conformance/scenario.py",
        "poolspec/conformance/threads_left.py",
        "poolspec/conformance/watchdog.py",
        "in _bootstrap",
    ):
        result.stdout.no_fnmatch_line(f"*{plumbing}*")  # the kit's own frames, and those that start a thread, are left out
    document = json.loads(report.read_text())
    assert document["implementation"]["spec"] == "broken_pools:Hangs"
    assert document["exit_status"] == 1 and document["complete"] and document["running"] == []
    map_order = document["clauses"]["map.order"]
    assert map_order["outcome"] == "failed"
    assert [test["kind"] for test in map_order["tests"]] == ["hang", ""]
    assert "HANG: the scenario did not return within 1 s" in map_order["tests"][0]["message"]
    assert map_order["tests"][1]["outcome"] == "skipped" and map_order["tests"][1]["message"].startswith("not run after HANG in test_")
    assert document["clauses"]["imap.order"]["outcome"] == "passed"
    assert set(document["clauses"]) == {"map.order", "imap.order"}, "only the selected clauses are reported"


def test_a_missing_method_fails_the_clauses_that_use_it_and_nothing_else(broken: pytest.Pytester) -> None:
    report = broken.path / "report.json"
    result = run(broken, "--impl=broken_pools:WithoutImapUnordered", "--clause=imap-unordered.permutation", "--clause=map.order", "-ra", f"--poolspec-report={report}")
    result.stdout.fnmatch_lines(
        [
            "method missing: 'WithoutImapUnordered' object has no attribute 'imap_unordered'",
            "failed clauses: imap-unordered.permutation (missing)",
            "MISSING *test_imap_unordered_yields_every_result_once*",
        ]
    )
    found = outcomes(report)
    assert (found["imap-unordered.permutation"], found["map.order"]) == ("failed", "passed")
    assert "Traceback" not in result.stdout.str()


def test_a_missing_method_is_missing_even_where_a_test_catches_its_attribute_error(broken: pytest.Pytester) -> None:
    # These tests catch every exception of the call and describe it as a wrong outcome.
    report = broken.path / "report.json"
    clauses = ("errors.reraised-as-is", "shutdown.close-rejects-submit", "apply.args-error-raised", "concurrency.parallel-jobs")
    result = run(broken, "--impl=broken_pools:WithoutApply", *(f"--clause={clause}" for clause in clauses), f"--poolspec-report={report}")
    result.stdout.fnmatch_lines(["poolspec: the pool has no __enter__, __exit__, apply: tests that call it fail as MISSING"])
    tests = [test for clause in clauses for test in json.loads(report.read_text())["clauses"][clause]["tests"] if test["outcome"] == "failed"]
    assert tests and {test["kind"] for test in tests} == {"missing"}
    assert all(test["message"].startswith("method missing: the pool has no apply, and the test failed for it: ") for test in tests)


def test_threads_left_after_join_break_their_own_clause(broken: pytest.Pytester) -> None:
    report = broken.path / "report.json"
    result = run(broken, "--impl=broken_pools:LeavesAThread", "-k", "[map.order] or [shutdown.join-ends-threads]", f"--poolspec-report={report}", "-ra")
    result.stdout.fnmatch_lines(["*THREADS LEFT: 1 thread(s) still running 1 s after join() returned: 'forgotten'*", "THREADS LEFT *"])
    found = outcomes(report)
    assert found["shutdown.join-ends-threads"] == "failed"
    assert found["map.order"] == "passed"


def test_a_pool_calling_os_exit_fails_as_exit_and_the_run_goes_on(broken: pytest.Pytester) -> None:
    report = broken.path / "report.json"
    clauses = ("--clause=callbacks.raising-callback-fails-result", "--clause=map.order")
    result = run(broken, "--impl=broken_pools:ExitsWhenACallbackRaises", *clauses, f"--poolspec-report={report}", "-ra")
    result.stdout.fnmatch_lines(["*EXIT: during the scenario, thread * called os._exit(1): the pool would have ended the whole process*", "EXIT *"])
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    found = outcomes(report)
    assert (found["callbacks.raising-callback-fails-result"], found["map.order"]) == ("failed", "passed")


def test_os_exit_while_the_kit_stops_the_pools_fails_as_exit(broken: pytest.Pytester) -> None:
    result = run(broken, "--impl=broken_pools:ExitsWhenTerminated", "--clause=map.order", "-ra")
    result.stdout.fnmatch_lines(["*EXIT: while the kit terminated and joined the scenario's pools, thread 'ender' called os._exit(3)*"])
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def baseline_file(pytester: pytest.Pytester, text: str) -> str:
    return str(pytester.makefile(".txt", baseline=text))


def test_a_baseline_turns_its_clauses_into_expected_failures(broken: pytest.Pytester) -> None:
    path = baseline_file(broken, "# reversed on purpose\nmap.order\n")
    result = run(broken, "--impl=broken_pools:Reversed", f"--xfails-file={path}", "-k", "[map.order]", "-rx")
    result.assert_outcomes(xfailed=2, deselected=result.parseoutcomes()["deselected"])
    result.stdout.fnmatch_lines(["*baseline *baseline.txt (1 entries apply)", "XFAIL *map.order* - reversed on purpose (*baseline.txt:2)"])
    assert result.ret == 0


def test_a_baseline_entry_may_name_one_test(broken: pytest.Pytester) -> None:
    path = baseline_file(broken, "test_results_ordering.py::test_map_returns_every_result_in_input_order  # only this one\n")
    result = run(broken, "--impl=broken_pools:Reversed", f"--xfails-file={path}", "-k", "[map.order]")
    result.assert_outcomes(xfailed=1, failed=1, deselected=result.parseoutcomes()["deselected"])


def test_a_baselined_clause_whose_every_test_passes_fails_the_run(pytester: pytest.Pytester) -> None:
    path = baseline_file(pytester, "map.order  # thought broken\n")
    result = run(pytester, "--impl=poolspec.reference", f"--xfails-file={path}", "-k", "[map.order]")
    result.assert_outcomes(xpassed=2, deselected=result.parseoutcomes()["deselected"])
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["expected to fail by the baseline, but every test passed (remove the entry, or a family's entry for its other clauses): map.order"])


def test_a_baselined_test_that_passes_is_an_error(pytester: pytest.Pytester) -> None:
    path = baseline_file(pytester, "test_map_returns_every_result_in_input_order  # thought broken\n")
    result = run(pytester, "--impl=poolspec.reference", f"--xfails-file={path}", "-k", "[map.order]")
    result.assert_outcomes(failed=1, passed=1, deselected=result.parseoutcomes()["deselected"])
    result.stdout.fnmatch_lines(
        [
            "XPASS: the baseline (*baseline.txt:1: thought broken) expects this test to fail, but it passed: "
            "the bug is fixed, remove 'test_map_returns_every_result_in_input_order' from the baseline"
        ]
    )


def test_a_baselined_clause_that_fails_in_some_tests_is_an_expected_failure(broken: pytest.Pytester) -> None:
    # One test of map.order maps over a list, which this pool gets right; the other over a range.
    path = baseline_file(broken, "map.order  # known\n")
    result = run(broken, "--impl=broken_pools:ReversedOverARange", f"--xfails-file={path}", "--clause=map.order")
    outcomes = result.parseoutcomes()
    assert result.ret == pytest.ExitCode.OK and outcomes.get("xfailed") and outcomes.get("xpassed"), result.stdout.str()
    result.stdout.fnmatch_lines(["expected failures (baseline): map.order"])


def test_a_baselined_family_stands_for_each_of_its_clauses(broken: pytest.Pytester) -> None:
    path = baseline_file(broken, "map  # the whole family\n")
    result = run(broken, "--impl=broken_pools:Reversed", f"--xfails-file={path}", "--clause=map.order", "--clause=map.empty-input", "--clause=imap.order")
    assert result.ret == pytest.ExitCode.TESTS_FAILED, result.stdout.str()
    result.stdout.fnmatch_lines(
        [
            "expected to fail by the baseline, but every test passed (remove the entry, or a family's entry for its other clauses): map.empty-input",
            "expected failures (baseline): map.order",
        ],
        consecutive=False,
    )
    assert "BaselineWarning" not in result.stdout.str()
    unselected = run(broken, "--impl=broken_pools:Reversed", f"--xfails-file={path}", "--clause=imap.order")
    assert unselected.ret == pytest.ExitCode.OK and "BaselineWarning" not in unselected.stdout.str(), unselected.stdout.str()


def test_stale_baseline_entries_are_reported_and_markers_select_entries(pytester: pytest.Pytester) -> None:
    path = baseline_file(pytester, 'no.such-clause\nmap.order ; python_version < "3"  # never applies\n')
    result = run(pytester, "--impl=poolspec.reference", f"--xfails-file={path}", "-k", "[map.order]")
    result.assert_outcomes(passed=2, deselected=result.parseoutcomes()["deselected"], warnings=1)
    result.stdout.fnmatch_lines(["*BaselineWarning: 1 baseline entries match no collected test: no.such-clause (*baseline.txt:1)"])


@pytest.mark.parametrize(
    ("text", "message"), [("map.order ; python_version <", "*baseline.txt:1: bad environment marker*"), ("map.order imap.order", "*expected one clause or test id*")]
)
def test_a_malformed_baseline_is_one_clear_error(pytester: pytest.Pytester, text: str, message: str) -> None:
    result = run(pytester, "--impl=poolspec.reference", f"--xfails-file={baseline_file(pytester, text)}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: {message}"])


def test_the_stdlib_gets_its_shipped_baseline(pytester: pytest.Pytester) -> None:
    result = run(pytester, "--impl=multiprocessing.dummy:Pool", "--clause=chunksize.below-one-rejected-by-map")
    result.stdout.fnmatch_lines(["poolspec: baseline */conformance/baselines/stdlib.txt (shipped for the stdlib) (* entries apply)"])
    result.assert_outcomes(xfailed=8, deselected=result.parseoutcomes()["deselected"])


def test_xdist_gives_the_same_outcomes_and_one_report(pytester: pytest.Pytester) -> None:
    pytest.importorskip("xdist")
    serial, parallel = pytester.path / "serial.json", pytester.path / "parallel.json"
    selection = ["--clause=chunksize", "--clause=map", "--poolspec-profile=smoke"]
    run(pytester, "--impl=multiprocessing.pool", *selection, f"--poolspec-report={serial}")
    result = run(pytester, "--impl=multiprocessing.pool", "-n", "2", *selection, f"--poolspec-report={parallel}")
    result.stdout.fnmatch_lines(["*poolspec compliance of multiprocessing.pool*"])
    assert outcomes(parallel) == outcomes(serial)
    assert "xfailed" in outcomes(parallel).values()


def test_a_pool_that_cannot_be_built_fails_each_test_in_one_line(broken: pytest.Pytester) -> None:
    result = run(broken, "--impl=broken_pools:Unbuildable", "-k", "[map.order] or [shutdown.join-while-running-rejected]")
    result.stdout.fnmatch_lines(["*cannot construct the pool: broken_pools:Unbuildable(*) raised AttributeError(*_writer*)*"])
    assert result.parseoutcomes()["failed"] == 3
    assert "Traceback" not in result.stdout.str()


def test_an_implementation_that_monkey_patches_threading_with_gevent_is_refused_at_once(pytester: pytest.Pytester) -> None:
    # A stand-in for gevent.monkey: the kit asks it, it does not patch anything.
    pytester.mkpydir("gevent")
    (pytester.path / "gevent" / "monkey.py").write_text("def is_module_patched(name):\n    return name == 'threading'\n")
    pytester.makepyfile(patched_pools="import gevent.monkey\nfrom multiprocessing.pool import ThreadPool\n")
    pytester.syspathinsert()
    result = run(pytester, "--impl=patched_pools")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--impl=patched_pools: importing it monkey-patched threading with gevent (gevent.monkey.patch_all())*"])


def test_strict_clauses_are_opt_in(pytester: pytest.Pytester) -> None:
    run(pytester, "--impl=poolspec.reference", "-k", "[shutdown.repr]", "-rs").stdout.fnmatch_lines(["*strict clause: opt in with --poolspec-strict*"])
    result = run(pytester, "--impl=poolspec.reference", "-k", "[shutdown.repr]", "--poolspec-strict")
    result.assert_outcomes(passed=1, deselected=result.parseoutcomes()["deselected"])


def test_clauses_a_process_pool_cannot_meet_are_skipped_with_the_reason(pytester: pytest.Pytester) -> None:
    result = run(pytester, "--impl=multiprocessing.pool:Pool", "--clause=construction.processes-honoured", "--clause=shutdown.close-rejects-submit", "-rs")
    result.stdout.fnmatch_lines(
        [
            "poolspec: capabilities any-thread; lacks threads: clauses that need it are skipped",
            "SKIPPED [[]*[]] *: needs threads: tasks run in threads of the calling process, so they can share objects with the test",
        ]
    )
    assert result.parseoutcomes()["passed"] == 16 and result.ret == 0


def test_clause_selects_clauses_and_families(pytester: pytest.Pytester) -> None:
    result = run(pytester, "--impl=poolspec.reference", "--clause=shutdown.close-rejects-submit", "--clause=chunksize")
    outcomes = result.parseoutcomes()
    assert outcomes["passed"] >= 16 + 12 and outcomes["deselected"] > 0
    result.stdout.no_fnmatch_line("*shutdown.join*")
    bad = run(pytester, "--impl=poolspec.reference", "--clause=no.such-clause")
    assert bad.ret == pytest.ExitCode.USAGE_ERROR
    bad.stderr.fnmatch_lines(["ERROR: --clause: no clause or family named no.such-clause (see the clause page)"])


def test_what_the_kit_cannot_observe_is_unobserved_not_failed(broken: pytest.Pytester) -> None:
    report = broken.path / "report.json"
    result = run(broken, "--impl=broken_pools:Slotted", "--clause=concurrency.results-outlive-pool", "-rs", f"--poolspec-report={report}")
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(
        [
            "not observed: no verdict on these clauses, for the reason in brackets: concurrency.results-outlive-pool (the kit needs a weak reference *",
            "UNOBSERVED * not observed: the kit needs a weak reference to the pool to see whether it was collected, and Slotted objects cannot have one*",
        ]
    )
    clause = json.loads(report.read_text())["clauses"]["concurrency.results-outlive-pool"]
    assert clause["outcome"] == "unobserved" and {test["kind"] for test in clause["tests"]} == {"unobserved"}


def test_tests_that_watch_from_a_kit_thread_are_unobserved_on_a_pool_bound_to_its_thread(broken: pytest.Pytester) -> None:
    report = broken.path / "report.json"
    result = run(
        broken,
        "--impl=broken_pools:ThreadBound",
        "--clause=shutdown.join-ends-threads",
        "--clause=concurrency.threaded-submission",
        "--xfails-file=stdlib",
        f"--poolspec-report={report}",
    )
    result.stdout.fnmatch_lines(["poolspec: capabilities threads; lacks any-thread: tests that need it are not observed"])
    clauses = json.loads(report.read_text())["clauses"]
    unobserved = [test["nodeid"].rpartition("::")[2] for test in clauses["shutdown.join-ends-threads"]["tests"] if test["kind"] == "unobserved"]
    assert unobserved == ["test_join_after_terminate_waits_for_a_running_task[shutdown.join-ends-threads]"]  # the other two ran, on the home thread
    assert clauses["concurrency.threaded-submission"]["outcome"] == "failed" and result.ret == pytest.ExitCode.TESTS_FAILED


def test_a_pool_whose_calls_block_off_its_thread_lacks_any_thread(broken: pytest.Pytester) -> None:
    result = run(broken, "--impl=broken_pools:ThreadBoundBlocking", "--clause=shutdown.repr", "--hang-limit=2")
    result.stdout.fnmatch_lines(["poolspec: capabilities threads; lacks any-thread: tests that need it are not observed"])


def test_a_pool_broken_on_every_thread_keeps_any_thread(broken: pytest.Pytester) -> None:
    result = run(broken, "--impl=broken_pools:GetAlwaysRaises", "--clause=shutdown.repr", "--poolspec-strict")
    result.stdout.fnmatch_lines(["poolspec: capabilities any-thread, threads"])


def test_a_pool_the_kit_cannot_stop_is_a_note_not_a_failure(broken: pytest.Pytester) -> None:
    result = run(broken, "--impl=broken_pools:WithoutTerminate", "--clause=map.order", "--poolspec-profile=smoke")
    result.assert_outcomes(passed=2, deselected=result.parseoutcomes()["deselected"])
    result.stdout.fnmatch_lines(
        ["note (2 tests): the kit could not stop a pool of the scenario: it has no terminate(); the kit left it as it was, unchecked for threads left behind"]
    )


def test_a_pool_the_kit_cannot_stop_in_a_stateful_test_is_a_note_too(broken: pytest.Pytester) -> None:
    result = run(broken, "--impl=broken_pools:WithoutTerminate", "--clause=shutdown.lifecycle-model", "--poolspec-profile=smoke")
    result.stdout.fnmatch_lines(["note (1 test): the kit could not stop a pool of the scenario: it has no terminate(); *"])


def test_clause_maxfail_stops_a_clause_at_its_first_failure(broken: pytest.Pytester) -> None:
    result = run(broken, "--impl=broken_pools:Reversed", "--clause=map.order", "--clause-maxfail=1", "-rs")
    result.assert_outcomes(failed=1, skipped=1, deselected=result.parseoutcomes()["deselected"])
    result.stdout.fnmatch_lines(["*not run after 1 failed test(s) of map.order (--clause-maxfail=1), the last test_*"])


def test_a_shipped_baseline_is_selected_by_name(broken: pytest.Pytester) -> None:
    clause = "--clause=chunksize.below-one-rejected-by-map"
    result = run(broken, "--impl=broken_pools:Subclass", clause)
    assert result.parseoutcomes()["failed"] > 0
    result = run(broken, "--impl=broken_pools:Subclass", clause, "--xfails-file=stdlib")
    assert result.ret == pytest.ExitCode.OK and result.parseoutcomes()["xfailed"] > 0
    result.stdout.fnmatch_lines(["poolspec: baseline */conformance/baselines/stdlib.txt (* entries apply)"])
    broken.mkdir("stdlib")  # a directory of that name (Ray makes /tmp/ray) is no baseline file
    result = run(broken, "--impl=broken_pools:Subclass", clause, "--xfails-file=stdlib")
    assert result.ret == pytest.ExitCode.OK and result.parseoutcomes()["xfailed"] > 0
    result = run(broken, "--impl=broken_pools:Subclass", "--xfails-file=no-such-pool")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: no baseline file 'no-such-pool', and no shipped baseline of that name (shipped: *stdlib*)"])


def test_a_baselined_test_that_fails_only_some_of_the_time_stays_expected(broken: pytest.Pytester) -> None:
    path = baseline_file(broken, "test_map_returns_every_result_in_input_order  # flaky\n")
    result = run(broken, "--impl=broken_pools:FailsEveryOtherMap", f"--xfails-file={path}", "-k", "test_map_returns_every_result_in_input_order")
    result.assert_outcomes(xfailed=1, deselected=result.parseoutcomes()["deselected"])
    result.stdout.fnmatch_lines(["note (1 test): flaky: the scenario passed, then failed when the kit ran it again"])


def test_a_run_that_dies_leaves_its_outcomes_and_names_the_test_that_ended_it(broken: pytest.Pytester) -> None:
    report = broken.path / "report.json"
    result = run(broken, "--impl=broken_pools:KillsTheProcess", "--clause=apply.returns-value", "--clause=map.order", f"--poolspec-report={report}")
    assert result.ret == -signal.SIGKILL and not report.exists()
    journal = broken.path / "report.jsonl"
    summed_up = broken.run(sys.executable, "-m", "poolspec.conformance.report", str(journal), "--output", str(report))
    assert summed_up.ret == 1
    summed_up.stdout.fnmatch_lines(
        [
            "apply * 1 clause : 1 passed",
            "map * 1 clause : 1 failed",
            "failed clauses: map.order (died)",
            "the run ended while this test was running: *test_results_ordering.py::test_map_returns_every_result_in_input_order?map.order?",
            "the run did not finish: this is what it had found",
        ]
    )
    document = json.loads(report.read_text())
    assert document["complete"] is False and document["exit_status"] is None
    assert [nodeid.rpartition("::")[2] for nodeid in document["running"]] == ["test_map_returns_every_result_in_input_order[map.order]"]
    assert document["implementation"]["spec"] == "broken_pools:KillsTheProcess"
    assert document["clauses"]["apply.returns-value"]["outcome"] == "passed"
    assert [test["kind"] for test in document["clauses"]["map.order"]["tests"]] == ["died"]


def test_a_run_that_dies_in_the_capability_probe_leaves_a_journal_that_says_so(broken: pytest.Pytester) -> None:
    report = broken.path / "report.json"
    result = run(broken, "--impl=broken_pools:KillsTheProcessOnApply", "--clause=map.order", f"--poolspec-report={report}")
    assert result.ret == -signal.SIGKILL and not report.exists()
    summed_up = broken.run(sys.executable, "-m", "poolspec.conformance.report", str(broken.path / "report.jsonl"), "--output", str(report))
    assert summed_up.ret == 1
    summed_up.stdout.fnmatch_lines(["the run ended while this test was running: the capability probe, before any test *", "the run did not finish: this is what it had found"])
    assert json.loads(report.read_text())["implementation"]["spec"] == "broken_pools:KillsTheProcessOnApply"


def test_the_next_run_says_which_test_the_last_run_died_in(broken: pytest.Pytester) -> None:
    # With pytest's cache (no --poolspec-report), the journal is kept in .pytest_cache.
    killed = broken.runpytest_subprocess("--impl=broken_pools:KillsTheProcess", "--clause=map.order")
    assert killed.ret == -signal.SIGKILL
    result = broken.runpytest_subprocess("--impl=broken_pools:Reversed", "--clause=apply.returns-value")
    result.stdout.fnmatch_lines(
        [
            "poolspec: the last run in this folder did not finish (it died, or is still running) while running *test_map_returns_every_result_in_input_order?map.order?; its journal is */died.jsonl*"
        ]
    )
    again = broken.runpytest_subprocess("--impl=broken_pools:Reversed", "--clause=apply.returns-value")
    again.stdout.no_fnmatch_line("*the last run in this folder*")


def test_a_flaky_baseline_entry_is_met_whether_its_tests_pass_or_fail(pytester: pytest.Pytester) -> None:
    path = baseline_file(pytester, "flaky: map.order  # fails in some runs only\n")
    result = run(pytester, "--impl=poolspec.reference", f"--xfails-file={path}", "--clause=map.order")
    assert result.ret == pytest.ExitCode.OK
    result.assert_outcomes(xpassed=2, deselected=result.parseoutcomes()["deselected"])
    result.stdout.fnmatch_lines(["map * 1 clause : 1 passed"])


def test_threads_left_break_their_clause_outside_the_selection_and_outside_a_baseline(broken: pytest.Pytester) -> None:
    report = broken.path / "report.json"
    path = baseline_file(broken, "map.order  # a baseline for map.order does not cover a leak of threads\n")
    result = run(broken, "--impl=broken_pools:LeavesAThread", "--clause=map.order", f"--xfails-file={path}", f"--poolspec-report={report}")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["failed clauses: shutdown.join-ends-threads (threads-left)"])
    assert outcomes(report)["shutdown.join-ends-threads"] == "failed"


def test_a_baseline_entry_for_the_threads_clause_covers_a_leak_seen_in_any_test(broken: pytest.Pytester) -> None:
    report = broken.path / "report.json"
    path = baseline_file(broken, "shutdown.join-ends-threads  # the pool leaves a thread after join()\n")
    result = run(broken, "--impl=broken_pools:LeavesAThread", "--clause=map.order", f"--xfails-file={path}", f"--poolspec-report={report}")
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["expected failures (baseline): shutdown.join-ends-threads"])
    assert outcomes(report)["shutdown.join-ends-threads"] == "xfailed" and outcomes(report)["map.order"] == "passed"


def test_a_worker_that_dies_under_xdist_fails_its_clauses_as_died(broken: pytest.Pytester) -> None:
    report = broken.path / "report.json"
    result = run(broken, "--impl=broken_pools:KillsTheProcess", "--clause=map.order", "-n", "2", f"--poolspec-report={report}")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["failed clauses: map.order (died)"])
    document = json.loads(report.read_text())
    assert document["complete"] and document["running"] == []
    assert {test["kind"] for test in document["clauses"]["map.order"]["tests"]} == {"died"}


def test_a_wrong_default_worker_count_is_stated_as_observed_against_what_the_clause_requires(broken: pytest.Pytester) -> None:
    result = run(broken, "--impl=broken_pools:DefaultOneMore", "--clause=construction.processes-default")
    result.stdout.fnmatch_lines(
        [
            "E * AssertionError: map_async(task, range(*), 1) on ThreadPool(None), each task blocked until the test lets it go: ran all * at the same time; "
            "expected exactly * at once, the stdlib's CPU count here (os.*cpu_count() is *)"
        ]
    )


def test_clauses_deselected_by_k_or_test_ids_are_not_selected_not_not_run(broken: pytest.Pytester) -> None:
    report = broken.path / "report.json"
    test = f"{SUITE / 'test_results_ordering.py'}::test_map_returns_every_result_in_input_order"
    result = run(broken, "--impl=poolspec.reference", test, f"--poolspec-report={report}")
    result.stdout.fnmatch_lines(["map * 1 clause : 1 passed", "not selected: * of the kit's * clauses (--clause, -k or test ids)"])
    result.stdout.no_fnmatch_line("*not-run*")
    document = json.loads(report.read_text())
    assert set(document["clauses"]) == {"map.order"} and document["selected_clauses"] == ["map.order"]
    assert "imap.order" in document["not_selected"] and "map.order" not in document["not_selected"]
    # A run that dies: its journal knows the selection, so the clauses it had not reached are not run.
    died = run(broken, "--impl=broken_pools:KillsTheProcess", "-k", "apply.returns-value or [map.order] or map.starmap-order", f"--poolspec-report={report}")
    assert died.ret == -signal.SIGKILL
    summed_up = broken.run(sys.executable, "-m", "poolspec.conformance.report", str(broken.path / "report.jsonl"))
    summed_up.stdout.fnmatch_lines(["apply * 1 clause : 1 passed", "map * 2 clauses: 1 failed, 1 not-run", "not selected: * of the kit's * clauses (--clause, -k or test ids)"])


def test_an_exception_out_of_a_call_into_the_pool_names_the_call_and_the_line_that_made_it(broken: pytest.Pytester) -> None:
    report = broken.path / "report.json"
    result = run(broken, "--impl=broken_pools:MapIteratesItsChunksize", "-k", "test_map_returns_every_result_in_input_order", f"--poolspec-report={report}")
    # the qualified name of the pool's frame from Python 3.11 (co_qualname), its bare name before
    headline = "the pool's *map() raised TypeError: *object is not iterable (called at poolspec/conformance/suite/test_results_ordering.py:*)"
    result.stdout.fnmatch_lines(["rerun: pytest --impl=broken_pools:MapIteratesItsChunksize *", headline, "*def _zipped*"])  # then the traceback, with the pool's frames
    (test,) = json.loads(report.read_text())["clauses"]["map.order"]["tests"]
    assert test["kind"] == "assertion" and fnmatch.fnmatch(test["message"], headline)


def test_a_pools_output_and_a_long_listing_are_cut_to_their_ends(broken: pytest.Pytester) -> None:
    result = run(broken, "--impl=broken_pools:Noisy", "-k", "test_map_returns_every_result_in_input_order")
    result.stdout.fnmatch_lines(
        [
            "    # … 13 lines of source above left out by the conformance kit …",
            "        # line 29 of a long explanation",
            '>       raise RuntimeError("noisy map failed")',
            "*Captured stderr call*",
            "noise 0",
            "noise 19",
            "… * lines of this output left out by the conformance kit (the first and last 20 are shown) …",
            "noise 180",
            "noise 199",
        ]
    )
    result.stdout.no_fnmatch_line("noise 20")
    result.stdout.no_fnmatch_line("*# line 0 of a long explanation")


def test_a_call_refused_for_a_signature_deviation_fails_the_signature_clause_not_the_clause_of_the_test(broken: pytest.Pytester) -> None:
    report = broken.path / "report.json"
    result = run(broken, "--impl=broken_pools:KeywordOnlyChunksize", "--clause=map.order", "-ra", f"--poolspec-report={report}")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "poolspec: the pool's methods take other parameters than the stdlib's: map() takes chunksize only by keyword: "
            "a test whose call they refuse fails as SIGNATURE, a failure of api.signatures, and leaves its own clauses not observed",
            "signature: map() takes chunksize only by keyword",
            "(the stdlib's: map(func, iterable, chunksize=None)); it refused the test's call: TypeError: *map() takes 3 positional arguments but 4 were given; map.order not observed",
            "failed clauses: api.signatures (signature)",
            "not observed: no verdict on these clauses, for the reason in brackets: map.order (signature: map() takes chunksize only by keyword)",
            "SIGNATURE *test_map_returns_every_result_in_input_order*",
        ]
    )
    document = json.loads(report.read_text())
    assert document["implementation"]["signature_deviations"] == ["map() takes chunksize only by keyword"]
    assert outcomes(report) == {"api.signatures": "failed", "map.order": "unobserved"}
    assert {(test["kind"], tuple(test["broken"])) for test in document["clauses"]["map.order"]["tests"]} == {("signature", ("api.signatures",))}
    # A baseline entry for the signature clause covers the refusals, in any test; the test's own clause stays not observed.
    path = baseline_file(broken, "api.signatures  # map() takes chunksize only by keyword\n")
    result = run(broken, "--impl=broken_pools:KeywordOnlyChunksize", "--clause=map.order", f"--xfails-file={path}", f"--poolspec-report={report}")
    assert result.ret == pytest.ExitCode.OK
    assert outcomes(report) == {"api.signatures": "xfailed", "map.order": "unobserved"}


def test_the_signature_clause_fails_a_pool_whose_method_takes_a_parameter_otherwise(broken: pytest.Pytester) -> None:
    result = run(broken, "--impl=broken_pools:KeywordOnlyChunksize", "--clause=api.signatures")
    result.assert_outcomes(failed=1, deselected=result.parseoutcomes()["deselected"])
    result.stdout.fnmatch_lines(["E * AssertionError: the pool's methods take other parameters than the stdlib's: map() takes chunksize only by keyword"])
    assert run(broken, "--impl=broken_pools:Subclass", "--clause=api.signatures").ret == pytest.ExitCode.OK
