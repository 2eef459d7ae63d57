"""What a failed test means: which clauses it breaks, what kind of failure it is, in one line.

Kinds of failure, each with its status word in the terminal:

* ``assertion``: the scenario's check did not hold, or a call into the pool raised what the
  scenario did not expect (``FAILED``); the message of the latter names the call
  (:func:`pool_call`);
* ``hang``: a call into the pool blocked past the hang limit (``HANG``);
* ``exit``: a thread of the pool called ``os._exit()``, which the kit intercepted (``EXIT``);
* ``missing``: the pool, or something it returned, lacks an attribute the clause uses
  (``MISSING``): the kit itself (a test or a helper of the kit) touched an attribute that is not there;
* ``threads-left``: the scenario passed, but threads it started outlived ``terminate()`` and
  ``join()`` (``THREADS LEFT``); that breaks :data:`THREADS_CLAUSE`, not the test's own clauses;
* ``signature``: a method of the pool refused the test's call (``TypeError``) for a parameter it
  takes otherwise than the stdlib's (``SIGNATURE``; :mod:`poolspec.conformance.signatures`); that breaks
  :data:`SIGNATURE_CLAUSE`, and the test's own clauses are not observed (their behaviour was
  never reached);
* ``xpass``: a baseline says the test fails, but it passed (``FAILED``);
* ``error``: a fixture failed, before or after the scenario (``ERROR``);
* ``died``: only in a report summed up from the journal of a run that died: the process ended
  while this test was running (:mod:`poolspec.conformance.journal`).

What the kit could not observe is not a failure: see :mod:`poolspec.conformance.unobserved`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import AbstractSet, Any, List, Optional, Sequence

import pytest

from .clauses import CLAUSES, Clause
from .exits import ProcessExit
from .signatures import Deviation, refused_by, stdlib_call
from .threads_left import ThreadsLeft
from .watchdog import Hang

KIT_PACKAGE = Path(__file__).resolve().parent
THREADS_CLAUSE = "shutdown.join-ends-threads"
SIGNATURE_CLAUSE = "api.signatures"
STATUS_WORDS = {"hang": ("H", "HANG"), "exit": ("X", "EXIT"), "missing": ("M", "MISSING"), "threads-left": ("T", "THREADS LEFT"), "signature": ("S", "SIGNATURE")}
MESSAGE_LIMIT = 2000


@dataclass(frozen=True)
class Failure:
    kind: str
    broken: Sequence[Clause]
    message: str
    headline: str = ""
    """A line shown above the traceback: which call into the pool raised (empty if none did)."""


def classify(
    report: pytest.TestReport,
    call: pytest.CallInfo[None],
    clauses: Sequence[Clause],
    xpass_note: Optional[str],
    missing_methods: AbstractSet[str] = frozenset(),
    pool_packages: AbstractSet[str] = frozenset(),
    signature_deviations: Sequence[Deviation] = (),
) -> Failure:
    """The failure that ``report`` (failed) records for a test of ``clauses``.

    ``missing_methods``: what the capability probe found the pool lacks. A failure whose account
    names the absence of one of them is MISSING, even when the test caught the ``AttributeError``
    and described it as a wrong outcome (``apply() after close() gave AttributeError(...)``).
    ``pool_packages``: the top-level packages of the implementation and its pools, whose code a
    call into the pool runs (see :func:`pool_call`). ``signature_deviations``: where the probe
    found the pool's methods take other parameters than the stdlib's (see :func:`refused_call`).
    """
    if report.when != "call":
        return Failure("error", clauses, _message(call))
    if xpass_note is not None:
        return Failure("xpass", clauses, xpass_note)
    excinfo = call.excinfo
    if excinfo is None:
        return Failure("assertion", clauses, str(report.longrepr))
    if excinfo.errisinstance(Hang):
        return Failure("hang", clauses, _message(call))
    if excinfo.errisinstance(ProcessExit):
        return Failure("exit", clauses, _message(call))
    if excinfo.errisinstance(ThreadsLeft):
        return Failure("threads-left", [CLAUSES[THREADS_CLAUSE]], _message(call))
    if excinfo.errisinstance(AttributeError) and _raised_by_the_kit(excinfo):
        return Failure("missing", clauses, f"method missing: {excinfo.value}")
    message = _message(call)
    absent = [name for name in sorted(missing_methods) if f"has no attribute '{name}'" in str(report.longrepr)]
    if absent:
        return Failure("missing", clauses, f"method missing: the pool has no {', '.join(absent)}, and the test failed for it: {message}")
    refused = refused_call(excinfo, signature_deviations) if SIGNATURE_CLAUSE not in ids(clauses) else None
    if refused is not None:
        message = signature_message(refused, excinfo, clauses)
        return Failure("signature", [CLAUSES[SIGNATURE_CLAUSE]], message, message)
    raised = pool_call(excinfo, pool_packages)
    if raised is not None:
        headline = f"{raised.call} raised {_exception(excinfo.value)} (called at {raised.caller})"
        return Failure("assertion", clauses, headline, headline)
    return Failure("assertion", clauses, message)


def _raised_by_the_kit(excinfo: pytest.ExceptionInfo[BaseException]) -> bool:
    """Whether the innermost frame is the kit's own code, a test or a helper (so the API lacks the attribute)."""
    return _in_the_kit(excinfo.traceback[-1])


def _in_the_kit(entry: Any) -> bool:
    return KIT_PACKAGE in Path(str(entry.path)).parents


def refused_call(excinfo: pytest.ExceptionInfo[BaseException], found: Sequence[Deviation]) -> Optional[Deviation]:
    """The deviation of the pool's signatures (``found``) for which one of its methods refused the
    test's call, if the exception holds Python's refusal (raised, or described by the test)."""
    return refused_by(str(excinfo.value), found) if found else None


def signature_message(refused: Deviation, excinfo: pytest.ExceptionInfo[BaseException], clauses: Sequence[Clause]) -> str:
    """What a SIGNATURE failure says: the deviation (its first line), then what the call met."""
    return f"signature: {refused}\n(the stdlib's: {stdlib_call(refused.method)}); it refused the test's call: {_exception(excinfo.value)}; {', '.join(ids(clauses))} not observed"


@dataclass(frozen=True)
class PoolCall:
    """The call into the pool that an exception came out of."""

    call: str
    """``the pool's map()``: the function the kit called, by its qualified name."""
    caller: str
    """Where the kit called it: a file of the kit (``poolspec/conformance/…``) and a line."""


def pool_call(excinfo: pytest.ExceptionInfo[BaseException], pool_packages: AbstractSet[str]) -> Optional[PoolCall]:
    """The call into the pool that raised ``excinfo``'s exception, if it came out of one.

    Read from the traceback: the innermost frame of the kit (a test, a helper) and the frame it
    called, which must be code of one of ``pool_packages`` (the top-level packages of the
    implementation and of the pools it makes), not the kit's own nor another library's. An
    exception of pytest's (``pytest.fail``, ``pytest.skip``) is the kit's verdict, never the pool's.
    """
    if excinfo.errisinstance(pytest.fail.Exception) or excinfo.errisinstance(pytest.skip.Exception):
        return None
    entries = list(excinfo.traceback)
    inner = max((index for index, entry in enumerate(entries) if _in_the_kit(entry)), default=None)
    if inner is None or inner + 1 == len(entries):
        return None
    caller, callee = entries[inner], entries[inner + 1]
    module = str(callee.frame.f_globals.get("__name__", ""))
    if module.partition(".")[0] not in pool_packages:
        return None
    code = callee.frame.code.raw
    name = getattr(code, "co_qualname", code.co_name)  # the class too, from Python 3.11
    where = Path(str(caller.path)).relative_to(KIT_PACKAGE.parent.parent)
    return PoolCall(f"the pool's {name}()", f"{where}:{caller.lineno + 1}")


def _exception(error: BaseException) -> str:
    """``error`` as its type and message (without the notes hypothesis adds), within :data:`MESSAGE_LIMIT`."""
    kind = type(error)
    name = kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"
    text = f"{name}: {error}" if str(error) else name
    return text if len(text) <= MESSAGE_LIMIT else text[:MESSAGE_LIMIT] + " …"


def _message(call: pytest.CallInfo[None]) -> str:
    text = call.excinfo.exconly() if call.excinfo is not None else ""
    return text if len(text) <= MESSAGE_LIMIT else text[:MESSAGE_LIMIT] + " …"


class ClauseFailure:
    """A failure shown under the statement of each clause it breaks, with the command that reruns it."""

    def __init__(self, failure: Failure, original: Any, rerun: str) -> None:
        self.failure = failure
        self.original = original
        self.rerun = rerun

    def header(self) -> str:
        clauses = [f"[{clause.id}] {clause.statement} ({clause.source}: {clause.reference})" for clause in self.failure.broken]
        headline = [self.failure.headline] if self.failure.headline else []
        return "\n".join([*clauses, f"rerun: {self.rerun}", *headline])

    def toterminal(self, tw: Any) -> None:
        tw.line(self.header(), red=True, bold=True)
        tw.line("")
        if hasattr(self.original, "toterminal"):
            self.original.toterminal(tw)
        else:
            tw.line(str(self.original))

    def __str__(self) -> str:
        return f"{self.header()}\n\n{self.original}"


def shown(failure: Failure, longrepr: Any, rerun: str) -> ClauseFailure:
    """The report text: one line for a missing method or an unexpected pass, else the full failure."""
    one_line = failure.kind in ("missing", "xpass")
    return ClauseFailure(failure, failure.message if one_line else longrepr, rerun)


def ids(clauses: Sequence[Clause]) -> List[str]:
    return [clause.id for clause in clauses]
