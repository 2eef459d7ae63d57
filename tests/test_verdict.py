"""The suite's verdict on a pool: one message format, and the kit's frame left out of the traceback."""

from __future__ import annotations

import pytest

from poolspec.conformance.verdict import Outcome, gave, listed, mismatch, returned, told, wanted


def test_a_mismatch_names_the_call_then_what_was_observed_then_what_was_expected() -> None:
    with pytest.raises(AssertionError) as excinfo:
        mismatch("map(triple, [0, 1], 1)", gave([3, 0]), "[0, 3]")
    assert str(excinfo.value) == "map(triple, [0, 1], 1): returned [3, 0]; expected [0, 3]"


def test_details_follow_after_a_blank_line() -> None:
    with pytest.raises(AssertionError) as excinfo:
        mismatch("imap(negate, range(3))", "yielded 2 of 3 outcomes", "3", details="0: returned 0\n1: returned -1")
    assert str(excinfo.value) == "imap(negate, range(3)): yielded 2 of 3 outcomes; expected 3\n\n0: returned 0\n1: returned -1"


def test_the_verdict_leaves_its_own_frame_out_of_the_traceback() -> None:
    with pytest.raises(AssertionError) as excinfo:
        mismatch("apply(abs, (-1,))", gave(2), "1")
    shown = excinfo.traceback.filter(excinfo)
    assert [entry.name for entry in shown] == ["test_the_verdict_leaves_its_own_frame_out_of_the_traceback"]


@pytest.mark.parametrize(
    ("outcome", "text"),
    [
        ([3, 0], "returned [3, 0]"),
        (None, "returned None"),
        (ValueError("Pool not running"), "raised ValueError('Pool not running')"),
        (KeyboardInterrupt(), "raised KeyboardInterrupt()"),
    ],
)
def test_gave_says_whether_the_call_returned_or_raised_keeping_the_message(outcome: object, text: str) -> None:
    assert gave(outcome) == text


@pytest.mark.parametrize(
    ("outcome", "text"),
    [
        (("value", [3, 0]), "returned [3, 0]"),
        (("value", ValueError("yielded")), "returned ValueError('yielded')"),
        (("raised", ValueError("x")), "raised ValueError('x')"),
        (("raised", "WorkloadError(2)"), "raised WorkloadError(2)"),
    ],
)
def test_told_keeps_a_returned_exception_object_apart_from_a_raised_one(outcome: Outcome, text: str) -> None:
    assert told(outcome) == text


@pytest.mark.parametrize(
    ("outcome", "text"), [(("value", [3, 0]), "[3, 0]"), (("raised", ValueError("x")), "to raise ValueError('x')"), (("raised", "WorkloadError(2)"), "to raise WorkloadError(2)")]
)
def test_wanted_words_a_tagged_outcome_as_what_is_expected(outcome: Outcome, text: str) -> None:
    assert wanted(outcome) == text


def test_listed_shows_values_and_raised_exceptions_in_their_order() -> None:
    outcomes = [("value", 3), ("raised", KeyError("k")), ("value", KeyError("v")), ("raised", "WorkloadError(2)")]
    assert listed(outcomes) == "[3, raise KeyError('k'), KeyError('v'), raise WorkloadError(2)]"
    assert listed([]) == "[]"


def test_returned_says_returned_even_for_an_exception_object() -> None:
    assert returned(ValueError("x")) == "returned ValueError('x')"
