"""The pytest plugin, run in a subprocess as users run it (pytester)."""

from __future__ import annotations

import pytest

BROKEN_POOLS = '''
import threading
from multiprocessing.pool import ThreadPool as StdlibPool


class Hangs(StdlibPool):
    """map() never returns."""

    def map(self, func, iterable, chunksize=None):
        threading.Event().wait()


class Reversed(StdlibPool):
    """map() returns its results backwards."""

    def map(self, func, iterable, chunksize=None):
        return super().map(func, iterable, chunksize)[::-1]


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


def test_impl_collects_the_installed_suite_from_any_directory(pytester: pytest.Pytester) -> None:
    result = run(pytester, "--impl=reference")
    assert result.ret == 0
    result.stdout.fnmatch_lines(
        [
            "poolspec: implementation reference (from --impl), version *",
            "poolspec: file */reference/__init__.py",
            "poolspec: Python *, profile ci, hypothesis seed derandomized, hang limit 10 s, strict clauses off",
            "poolspec: timeout class multiprocessing.context.TimeoutError (from reference.TimeoutError)",
            "*passed*",
        ]
    )


def test_the_stdlib_passes_through_pyargs(pytester: pytest.Pytester) -> None:
    result = run(pytester, "--pyargs", "conformance", "--impl=multiprocessing.pool")
    assert result.ret == 0
    result.stdout.fnmatch_lines(["poolspec: implementation multiprocessing.pool (from --impl), version stdlib of Python *"])


def test_impl_can_come_from_the_environment_or_the_ini_file(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POOLSPEC_IMPL", "multiprocessing.dummy:Pool")
    run(pytester, "-k", "[map.order]").stdout.fnmatch_lines(["*implementation multiprocessing.dummy:Pool (from $POOLSPEC_IMPL)*", "*1 passed*"])
    monkeypatch.delenv("POOLSPEC_IMPL")
    pytester.makeini("[pytest]\npoolspec_impl = reference\n")
    run(pytester, "-k", "[map.order]").stdout.fnmatch_lines(["*implementation reference (from poolspec_impl in the ini file)*"])


def test_a_factory_function_can_be_the_implementation(broken: pytest.Pytester) -> None:
    result = run(broken, "--impl=broken_pools:make_pool", "-k", "[map.order] or [imap.order]")
    result.assert_outcomes(passed=2, deselected=result.parseoutcomes()["deselected"])


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("no_such_module", "ERROR: --impl=no_such_module: cannot import 'no_such_module': ModuleNotFoundError: *"),
        ("reference:Nope", "ERROR: --impl=reference:Nope: reference has no attribute 'Nope'"),
        ("reference:__version__", "ERROR: --impl=reference:__version__: __version__ is a str, not a class or factory"),
    ],
)
def test_a_bad_impl_is_one_clear_error(pytester: pytest.Pytester, spec: str, message: str) -> None:
    result = run(pytester, f"--impl={spec}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])
    assert "Traceback" not in result.stderr.str()


def test_a_failure_names_the_clause_it_breaks(broken: pytest.Pytester) -> None:
    result = run(broken, "--impl=broken_pools:Reversed", "-k", "[map.order]")
    result.assert_outcomes(failed=1, deselected=result.parseoutcomes()["deselected"])
    result.stdout.fnmatch_lines(
        [
            "*test_map_returns_every_result_in_input_order[[]map.order[]]*",
            "[[]map.order[]] map() returns a list of func(x) for every item, in input order. (documented: *)",
            "*items=[[]0, 1[]],*",  # the smallest failing input, shrunk by hypothesis
        ]
    )


def test_a_deadlocking_pool_fails_as_hang_and_the_run_goes_on(broken: pytest.Pytester) -> None:
    result = run(broken, "--impl=broken_pools:Hangs", "--hang-limit=1", "-k", "[map.order] or [imap.order]", "-v")
    result.assert_outcomes(failed=1, passed=1, deselected=result.parseoutcomes()["deselected"])
    result.stdout.fnmatch_lines(
        [
            "*map.order*HANG*",
            "*HANG: the scenario did not return within 1 s*",
            "*Thread 'poolspec: the scenario':*",
            "*in map*",
        ]
    )
    assert result.duration < 30


def test_a_pool_that_cannot_be_built_fails_each_test_in_one_line(broken: pytest.Pytester) -> None:
    result = run(broken, "--impl=broken_pools:Unbuildable", "-k", "[map.order] or join")
    result.stdout.fnmatch_lines(["*cannot construct the pool: broken_pools:Unbuildable(*) raised AttributeError(*_writer*)*"])
    assert result.parseoutcomes()["failed"] == 2
    assert "Traceback" not in result.stdout.str()


def test_strict_clauses_are_opt_in(pytester: pytest.Pytester) -> None:
    run(pytester, "--impl=reference", "-k", "[shutdown.repr]", "-rs").stdout.fnmatch_lines(["*strict clause: opt in with --poolspec-strict*"])
    result = run(pytester, "--impl=reference", "-k", "[shutdown.repr]", "--poolspec-strict")
    result.assert_outcomes(passed=1, deselected=result.parseoutcomes()["deselected"])
