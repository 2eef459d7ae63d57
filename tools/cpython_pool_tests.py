"""CPython's own thread-pool tests, run on ``poolspec.reference.ThreadPool``.

``python tools/cpython_pool_tests.py --expected compliance/cpython-pool-tests.txt`` (the tox
environments ``cpythontests-py38`` … ``cpythontests-py316``) imports the running interpreter's
``test._test_multiprocessing``, makes its ``WithThreadsTestPool`` (``_TestPool`` with
``ThreadsMixin``, as CPython's own test modules do with ``install_tests_in_module_dict``), runs it
with :mod:`unittest` and compares each test's outcome with the expected-failure list.

The substitution is one attribute: ``ThreadsMixin.Pool``, which CPython sets to
``staticmethod(multiprocessing.dummy.Pool)`` and every pool of ``_TestPool`` comes from
(``cls.Pool(4)`` in ``setUpClass``, ``self.Pool(n)`` in the tests). It becomes a factory of
``poolspec.reference.ThreadPool`` that counts the pools it made; the rest of ``multiprocessing.dummy``
stays as it is. To prove that a green run is the reference's, the run also counts the stdlib
pools built meanwhile (``multiprocessing.pool.Pool.__init__`` is wrapped, calling through, while
the tests run): it fails unless the reference made at least one pool and the stdlib none. The
reference is this tree's (the repository's root is put first on ``sys.path``), so the interpreter
needs nothing installed but its own ``test`` package.

The expected-failure list has one entry per line, ``TEST VERSIONS OUTCOME``, with its reason as
the ``#`` comment lines directly above it (required)::

    # reads p._pool, the stdlib pool's private list of workers
    test_make_pool  3.8+  fails: object has no attribute '_pool'
    # its tasks sleep 300 s
    test_terminate  3.11-3.12  skip

``TEST`` is a test method of ``WithThreadsTestPool``; ``VERSIONS`` the Pythons the entry applies to,
``X.Y``, ``X.Y-X.Z`` (inclusive) or ``X.Y+``, several joined by commas; ``OUTCOME`` is
``fails: TEXT`` (the test must fail, every failure and error of it, subtests included, containing
``TEXT``) or ``skip`` (the test is not run: for a test that cannot finish in reasonable time).

The run fails on an unexpected failure, on an expected one that fails otherwise than its entry
says, on an unexpected pass (an entry whose test passed must be removed), on an entry naming a
test this Python does not have, on an error outside the tests (``setUpClass``), on threads left
behind (CPython's ``tearDownClass`` check sets ``test.support.environment_altered``), and when
the pools were not the reference's. A run is bounded by ``--time-limit``: past it,
:mod:`faulthandler` prints every thread's stack and ends the process.
"""

from __future__ import annotations

import argparse
import contextlib
import faulthandler
import importlib
import multiprocessing.pool
import re
import sys
import traceback
import unittest
from pathlib import Path
from types import ModuleType
from typing import Any, Callable, Dict, Iterator, List, NamedTuple, Optional, Sequence, TextIO, Tuple, Type

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import poolspec.reference

TEST_MODULE = "test._test_multiprocessing"
TEST_CLASS = "WithThreadsTestPool"
DEFAULT_EXPECTED = Path(__file__).resolve().parent.parent / "compliance" / "cpython-pool-tests.txt"
Version = Tuple[int, int]
VERSION_RANGE = re.compile(r"(\d+)\.(\d+)(?:(\+)|-(\d+)\.(\d+))?")


class Entry(NamedTuple):
    """One line of the expected-failure list.

    ``versions`` holds inclusive ``(low, high)`` ranges, ``high`` None for "and later". ``text`` is
    what every failure of the test must contain; empty for a ``skip`` entry.
    """

    test: str
    versions: Tuple[Tuple[Version, Optional[Version]], ...]
    skip: bool
    text: str
    reason: str
    line: int

    def applies_to(self, version: Version) -> bool:
        return any(low <= version and (high is None or version <= high) for low, high in self.versions)


def parse_versions(spec: str) -> Tuple[Tuple[Version, Optional[Version]], ...]:
    """``3.8-3.10,3.13+`` as ``(((3, 8), (3, 10)), ((3, 13), None))``; ValueError if malformed."""
    ranges: List[Tuple[Version, Optional[Version]]] = []
    for part in spec.split(","):
        match = VERSION_RANGE.fullmatch(part)
        if not match:
            raise ValueError(f"bad versions {spec!r}: expected X.Y, X.Y-X.Z or X.Y+, joined by commas")
        low = (int(match.group(1)), int(match.group(2)))
        high = None if match.group(3) else (int(match.group(4)), int(match.group(5))) if match.group(4) else low
        if high is not None and high < low:
            raise ValueError(f"bad versions {spec!r}: {part} is an empty range")
        ranges.append((low, high))
    return tuple(ranges)


def parse_expected(text: str) -> List[Entry]:
    """The entries of an expected-failure list; ValueError naming the line if one is malformed.

    Invariants of the result: every entry has a reason, and no two entries for the same test
    apply to a common Python version.
    """
    entries: List[Entry] = []
    comment: List[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            comment = []
            continue
        if line.startswith("#"):
            comment.append(line[1:].strip())
            continue
        try:
            entry = parse_entry(line, " ".join(comment), number)
        except ValueError as error:
            raise ValueError(f"line {number}: {error}") from None
        clash = next((e for e in entries if e.test == entry.test and overlap(e, entry)), None)
        if clash:
            raise ValueError(f"line {number}: {entry.test} has another entry for some of these versions (line {clash.line})")
        entries.append(entry)
        comment = []
    return entries


def parse_entry(line: str, reason: str, number: int) -> Entry:
    test, versions, outcome = (line.split(None, 2) + ["", ""])[:3]
    if not reason:
        raise ValueError(f"{test} has no reason: write it as # comment lines directly above the entry")
    if outcome == "skip":
        return Entry(test, parse_versions(versions), True, "", reason, number)
    kind, colon, expected = outcome.partition(":")
    if kind != "fails" or not colon or not expected.strip():
        raise ValueError(f"expected 'TEST VERSIONS fails: TEXT' or 'TEST VERSIONS skip', got {line!r}")
    return Entry(test, parse_versions(versions), False, expected.strip(), reason, number)


def overlap(one: Entry, other: Entry) -> bool:
    """Whether two entries apply to a common version (ranges compared end to end)."""
    endless = (sys.maxsize, sys.maxsize)
    return any(low1 <= (high2 or endless) and low2 <= (high1 or endless) for low1, high1 in one.versions for low2, high2 in other.versions)


class Outcome(NamedTuple):
    """How one test method ended: ``passed``, ``failed`` (with each failure's text) or ``skipped`` (with the reason)."""

    kind: str
    details: Tuple[str, ...]


class RecordingResult(unittest.TestResult):
    """A test result that prints one progress line per test and keeps every test method's outcome.

    A subtest's failure counts for its test method. Failures outside a test method (an error in
    ``setUpClass``) are kept under the name unittest gives them. Tracebacks are kept, not printed:
    :func:`compare` shows those of the unexpected outcomes.
    """

    def __init__(self, stream: TextIO) -> None:
        super().__init__()
        self.stream = stream
        self.outcomes: Dict[str, Outcome] = {}

    def _record(self, test: unittest.TestCase, kind: str, detail: str, shown: str) -> None:
        name = getattr(test, "_testMethodName", None) or str(test)
        print(f"{test} ... {shown}", file=self.stream, flush=True)
        before = self.outcomes.get(name)
        if before is not None and before.kind == "failed":
            kind, details = "failed", before.details + ((detail,) if kind == "failed" else ())
        else:
            details = (detail,)
        self.outcomes[name] = Outcome(kind, details)

    def addSuccess(self, test: unittest.TestCase) -> None:
        super().addSuccess(test)
        self._record(test, "passed", "", "ok")

    def addFailure(self, test: unittest.TestCase, err: Any) -> None:
        super().addFailure(test, err)
        self._record(test, "failed", "".join(traceback.format_exception(*err)), "FAIL")

    def addError(self, test: unittest.TestCase, err: Any) -> None:
        super().addError(test, err)
        self._record(test, "failed", "".join(traceback.format_exception(*err)), "ERROR")

    def addSubTest(self, test: unittest.TestCase, subtest: unittest.TestCase, err: Any) -> None:
        super().addSubTest(test, subtest, err)
        if err is not None:
            self._record(test, "failed", f"{subtest}\n{''.join(traceback.format_exception(*err))}", f"FAIL in {subtest}")

    def addSkip(self, test: unittest.TestCase, reason: str) -> None:
        super().addSkip(test, reason)
        self._record(test, "skipped", reason, f"skipped: {reason}")


def thread_pool_tests(module: ModuleType) -> Type[unittest.TestCase]:
    """``WithThreadsTestPool``, made by ``module.install_tests_in_module_dict`` as CPython's test modules make it."""
    made: Dict[str, Any] = {"__name__": "cpython_pool_tests"}
    module.install_tests_in_module_dict(made, "spawn")
    tests: Type[unittest.TestCase] = made[TEST_CLASS]
    return tests


class PoolCounts:
    """How many pools the reference factory and the stdlib's ``Pool.__init__`` made."""

    def __init__(self) -> None:
        self.reference = 0
        self.stdlib = 0

    def make_reference_pool(self, *args: Any, **kwargs: Any) -> poolspec.reference.ThreadPool:
        """``poolspec.reference.ThreadPool(*args, **kwargs)``, counted once it is built."""
        pool = poolspec.reference.ThreadPool(*args, **kwargs)
        self.reference += 1
        return pool


def substitute_reference(module: ModuleType, counts: PoolCounts) -> None:
    """Make ``module.ThreadsMixin.Pool`` build ``poolspec.reference.ThreadPool`` (counted in ``counts``)."""
    module.ThreadsMixin.Pool = staticmethod(counts.make_reference_pool)


@contextlib.contextmanager
def counting_stdlib_pools(counts: PoolCounts) -> Iterator[None]:
    """Count in ``counts.stdlib`` every ``multiprocessing.pool.Pool`` (``ThreadPool`` included) built inside."""
    original: Callable[..., None] = multiprocessing.pool.Pool.__init__

    def counted(pool: multiprocessing.pool.Pool, *args: Any, **kwargs: Any) -> None:
        counts.stdlib += 1
        original(pool, *args, **kwargs)

    setattr(multiprocessing.pool.Pool, "__init__", counted)  # noqa: B010 - mypy forbids assigning to a method
    try:
        yield
    finally:
        setattr(multiprocessing.pool.Pool, "__init__", original)  # noqa: B010 - as above


def run_tests(tests: Type[unittest.TestCase], skips: Dict[str, str], stream: TextIO) -> Dict[str, Outcome]:
    """Run every test of ``tests`` except ``skips`` (name → reason, reported as skipped); their outcomes by name."""
    for name, reason in skips.items():
        if hasattr(tests, name):
            setattr(tests, name, unittest.skip(reason)(getattr(tests, name)))
    result = RecordingResult(stream)
    result.startTestRun()
    try:
        unittest.defaultTestLoader.loadTestsFromTestCase(tests).run(result)
    finally:
        result.stopTestRun()
    return result.outcomes


def compare(outcomes: Dict[str, Outcome], test_names: Sequence[str], entries: Sequence[Entry]) -> List[str]:
    """What disagrees with the expected-failure list (``entries``, those of this Python), one message each."""
    expected = {entry.test: entry for entry in entries}
    problems = [f"{name}: failed outside a test method:\n{''.join(outcome.details)}" for name, outcome in outcomes.items() if name not in test_names]
    problems += [f"{entry.test} (line {entry.line}): no such test on this Python (remove or fix the entry)" for entry in entries if entry.test not in test_names]
    for name in test_names:
        outcome, entry = outcomes.get(name), expected.get(name)
        if outcome is None:
            problems.append(f"{name}: did not run")
        elif entry is None or entry.skip:
            if outcome.kind == "failed":
                problems.append(f"{name}: UNEXPECTED FAILURE\n{''.join(outcome.details)}")
        elif outcome.kind == "passed":
            problems.append(f"{name}: UNEXPECTED PASS: expected to fail ({entry.reason}); remove line {entry.line} of the list")
        elif outcome.kind == "skipped":
            problems.append(f"{name}: expected to fail, but the test skipped itself ({outcome.details[0]}); fix line {entry.line} of the list")
        else:
            other = [detail for detail in outcome.details if entry.text not in detail]
            if other:
                problems.append(f"{name}: failed otherwise than line {entry.line} expects ({entry.text!r}):\n{''.join(other)}")
    return problems


def summary(outcomes: Dict[str, Outcome], test_names: Sequence[str], entries: Sequence[Entry]) -> str:
    """``25 tests: 21 run, 18 passed, 3 failed as expected; 4 skipped (1 by the list)``."""
    kinds = [outcomes[name].kind for name in test_names if name in outcomes]
    listed_skips = sum(1 for entry in entries if entry.skip and entry.test in test_names)
    listed_failures = {entry.test for entry in entries if not entry.skip}
    as_expected = sum(1 for name in test_names if name in listed_failures and name in outcomes and outcomes[name].kind == "failed")
    skipped = kinds.count("skipped")
    return (
        f"{len(test_names)} tests: {len(kinds) - skipped} run, {kinds.count('passed')} passed, {as_expected} failed as expected, "
        f"{kinds.count('failed') - as_expected} failed unexpectedly; {skipped} skipped ({listed_skips} by the list)"
    )


def check(module: ModuleType, entries: Sequence[Entry], version: Version, stream: TextIO) -> List[str]:
    """Run ``module``'s ``WithThreadsTestPool`` on the reference and compare with ``entries``; the problems found.

    Only the entries that apply to ``version`` count. Prints unittest's progress and a summary to ``stream``.
    """
    applicable = [entry for entry in entries if entry.applies_to(version)]
    counts = PoolCounts()
    substitute_reference(module, counts)
    tests = thread_pool_tests(module)
    test_names = list(unittest.defaultTestLoader.getTestCaseNames(tests))
    with counting_stdlib_pools(counts):
        outcomes = run_tests(tests, {entry.test: f"line {entry.line} of the expected-failure list" for entry in applicable if entry.skip}, stream)
    problems = compare(outcomes, test_names, applicable)
    if getattr(module.support, "environment_altered", False):
        problems.append("the tests left threads or processes behind (see the 'Dangling' warning above)")
    if counts.reference == 0 or counts.stdlib:
        problems.append(f"the tests did not run on the reference: {counts.reference} reference pools made, {counts.stdlib} stdlib pools")
    print(f"\n{summary(outcomes, test_names, applicable)}; pools made: {counts.reference} reference, {counts.stdlib} stdlib", file=stream)
    for entry in applicable:
        print(f"listed (line {entry.line}): {entry.test} {'skipped' if entry.skip else 'fails'}: {entry.reason}", file=stream)
    return problems


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--expected", type=Path, default=DEFAULT_EXPECTED, help="the expected-failure list")
    parser.add_argument("--time-limit", type=float, default=600, help="seconds the whole run may take before it is ended with every thread's stack")
    args = parser.parse_args(argv)
    entries = parse_expected(args.expected.read_text(encoding="utf-8"))
    module = importlib.import_module(TEST_MODULE)
    print(f"Python {sys.version} ({sys.executable})\n{TEST_MODULE}: {module.__file__}\npoolspec {poolspec.__version__}: {poolspec.reference.__file__}\n")
    faulthandler.dump_traceback_later(args.time_limit, exit=True)
    try:
        problems = check(module, entries, (sys.version_info.major, sys.version_info.minor), sys.stdout)
    finally:
        faulthandler.cancel_dump_traceback_later()
    for problem in problems:
        print(f"\nFAILED: {problem}")
    print("\nFAILED" if problems else "\nOK: every outcome is as expected")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
