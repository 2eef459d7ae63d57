"""The runner of CPython's own thread-pool tests (tools/cpython_pool_tests.py), on a stand-in test module.

The list parser accepts exactly the documented format; the runner fails a run on every kind of
disagreement with the list (an unexpected failure, an unexpected pass, a failure of another kind
than listed, an entry naming no test, threads left behind) and on a run whose pools are not the
reference's. The stand-in module has what the runner uses of CPython's ``test._test_multiprocessing``:
``ThreadsMixin.Pool``, ``install_tests_in_module_dict`` and ``support.environment_altered``.
"""

from __future__ import annotations

import io
import multiprocessing.pool
import unittest
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any, Callable, Dict, List

import pytest

from tools import cpython_pool_tests as runner

ROOT = Path(__file__).resolve().parent.parent
VERSION = (3, 11)


def uses_pool(case: Any) -> None:
    pool = case.Pool(2)
    try:
        case.assertEqual(pool.apply(abs, (-3,)), 3)
    finally:
        pool.terminate()
        pool.join()


def reads_private_attribute(case: Any) -> None:
    pool = case.Pool(1)
    try:
        case.assertEqual(len(pool._pool), 1)
    finally:
        pool.terminate()
        pool.join()


def fails_in_one_subtest(case: Any) -> None:
    for n in (1, 2):
        with case.subTest(n=n):
            case.assertEqual(n, 1, "subtest two")


def raises(case: Any) -> None:
    raise AssertionError("must not run")


def uses_stdlib_pool(case: Any) -> None:
    pool = multiprocessing.pool.ThreadPool(1)
    try:
        case.assertEqual(pool.apply(abs, (-3,)), 3)
    finally:
        pool.close()
        pool.join()


def stand_in(**tests: Callable[[Any], None]) -> ModuleType:
    """A module shaped like ``test._test_multiprocessing`` whose thread-pool test class has ``tests``."""
    module = ModuleType("stand_in_test_multiprocessing")

    class ThreadsMixin:
        Pool = staticmethod(multiprocessing.pool.ThreadPool)

    class _TestPool:
        @classmethod
        def setUpClass(cls) -> None:  # as CPython's: one pool for the class
            cls.pool = cls.Pool(2)  # type: ignore[attr-defined]

        @classmethod
        def tearDownClass(cls) -> None:
            cls.pool.terminate()  # type: ignore[attr-defined]
            cls.pool.join()  # type: ignore[attr-defined]

    for name, test in tests.items():
        setattr(_TestPool, name, test)

    def install_tests_in_module_dict(globs: Dict[str, Any], start_method: str) -> None:
        globs["WithThreadsTestPool"] = type("WithThreadsTestPool", (_TestPool, ThreadsMixin, unittest.TestCase), {})

    module.ThreadsMixin = ThreadsMixin  # type: ignore[attr-defined]
    module.install_tests_in_module_dict = install_tests_in_module_dict  # type: ignore[attr-defined]
    module.support = SimpleNamespace(environment_altered=False)  # type: ignore[attr-defined]
    return module


def problems(module: ModuleType, listed: str) -> List[str]:
    return runner.check(module, runner.parse_expected(listed), VERSION, io.StringIO())


def test_versions_accept_single_ranges_and_open_ends() -> None:
    entry = runner.parse_expected("# why\ntest_x 3.8,3.10-3.11,3.14+ skip\n")[0]
    assert [v for v in [(3, 8), (3, 9), (3, 10), (3, 11), (3, 12), (3, 14), (3, 16)] if entry.applies_to(v)] == [(3, 8), (3, 10), (3, 11), (3, 14), (3, 16)]


@pytest.mark.parametrize("versions", ["3", "3.8-", "3.8 -3.9", "3.10-3.8", "3.8+3.9", "py38", "3.8,,3.9"])
def test_malformed_versions_are_rejected(versions: str) -> None:
    with pytest.raises(ValueError, match="bad versions"):
        runner.parse_versions(versions)


def test_reason_is_the_comment_block_directly_above() -> None:
    entries = runner.parse_expected("# header\n\n# first line\n# second line\ntest_a 3.8+ fails: some text\n# other\ntest_b 3.9 skip\n")
    assert [(e.test, e.reason, e.skip, e.text, e.line) for e in entries] == [
        ("test_a", "first line second line", False, "some text", 5),
        ("test_b", "other", True, "", 7),
    ]


@pytest.mark.parametrize(
    "listed, message",
    [
        ("# header\n\ntest_a 3.8+ skip\n", "line 3: test_a has no reason"),
        ("# why\ntest_a 3.8+ fails\n", "line 2: expected 'TEST VERSIONS fails: TEXT'"),
        ("# why\ntest_a 3.8+ fails:\n", "line 2: expected"),
        ("# why\ntest_a 3.8+ xfail: x\n", "line 2: expected"),
        ("# why\ntest_a\n", "line 2: expected"),
        ("# why\ntest_a 3.x skip\n", "line 2: bad versions"),
        ("# why\ntest_a 3.8-3.12 skip\n# why\ntest_a 3.12+ fails: x\n", r"line 4: test_a has another entry .*\(line 2\)"),
    ],
)
def test_malformed_lists_are_rejected_naming_the_line(listed: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        runner.parse_expected(listed)


def test_entries_of_one_test_for_separate_versions_are_allowed() -> None:
    entries = runner.parse_expected("# old\ntest_a 3.8-3.10 skip\n# new\ntest_a 3.11+ fails: x\n")
    assert [e.applies_to(VERSION) for e in entries] == [False, True]


def test_the_shipped_list_parses() -> None:
    entries = runner.parse_expected((ROOT / "compliance" / "cpython-pool-tests.txt").read_text(encoding="utf-8"))
    assert {e.test for e in entries} >= {"test_make_pool", "test_resource_warning", "test_terminate", "test_imap_handle_iterable_exception"}


def test_outcomes_as_listed_pass_and_the_pools_are_the_references() -> None:
    module = stand_in(test_uses_pool=uses_pool, test_private=reads_private_attribute, test_slow=raises)
    listed = "# private\ntest_private 3.8+ fails: object has no attribute '_pool'\n# slow\ntest_slow 3.11 skip\n"
    output = io.StringIO()
    assert runner.check(module, runner.parse_expected(listed), VERSION, output) == []
    assert "test_slow (" in output.getvalue() and "skipped: line 4 of the expected-failure list" in output.getvalue()
    assert ("3 tests: 2 run, 1 passed, 1 failed as expected, 0 failed unexpectedly; 1 skipped (1 by the list); pools made: 3 reference, 0 stdlib") in output.getvalue()


def test_an_unlisted_failure_fails_the_run() -> None:
    [problem] = problems(stand_in(test_uses_pool=uses_pool, test_private=reads_private_attribute), "")
    assert problem.startswith("test_private: UNEXPECTED FAILURE") and "_pool" in problem


def test_a_listed_test_that_passes_fails_the_run() -> None:
    [problem] = problems(stand_in(test_uses_pool=uses_pool), "# was broken\ntest_uses_pool 3.11 fails: x\n")
    assert problem.startswith("test_uses_pool: UNEXPECTED PASS") and "remove line 2" in problem


def test_a_failure_of_another_kind_than_listed_fails_the_run() -> None:
    [problem] = problems(stand_in(test_private=reads_private_attribute), "# why\ntest_private 3.8+ fails: ValueError\n")
    assert problem.startswith("test_private: failed otherwise than line 2 expects ('ValueError')")


def test_every_failing_subtest_must_show_the_listed_text() -> None:
    module = stand_in(test_sub=fails_in_one_subtest)
    assert problems(module, "# why\ntest_sub 3.11 fails: subtest two\n") == []
    [problem] = problems(stand_in(test_sub=fails_in_one_subtest), "# why\ntest_sub 3.11 fails: subtest one\n")
    assert problem.startswith("test_sub: failed otherwise") and "(n=2)" in problem


def test_an_entry_naming_no_test_fails_the_run_only_on_its_versions() -> None:
    module = stand_in(test_uses_pool=uses_pool)
    assert problems(module, "# renamed\ntest_gone 3.8-3.10 skip\n") == []
    [problem] = problems(stand_in(test_uses_pool=uses_pool), "# renamed\ntest_gone 3.11 skip\n")
    assert problem.startswith("test_gone (line 2): no such test on this Python")


def test_threads_left_behind_fail_the_run() -> None:
    support = SimpleNamespace(environment_altered=False)

    def leaves_threads(case: Any) -> None:
        support.environment_altered = True  # as CPython's tearDownClass does on dangling threads

    module = stand_in(test_uses_pool=uses_pool, test_leaves=leaves_threads)
    module.support = support  # type: ignore[attr-defined]
    [problem] = problems(module, "")
    assert problem.startswith("the tests left threads or processes behind")


def test_a_run_on_the_stdlibs_pool_fails() -> None:
    [problem] = problems(stand_in(test_stdlib=uses_stdlib_pool), "")
    assert problem == "the tests did not run on the reference: 1 reference pools made, 1 stdlib pools"
