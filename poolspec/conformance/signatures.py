"""The API's signatures: where a pool's methods take other parameters than the stdlib's.

The suite calls the pool as code written for the stdlib's ``ThreadPool`` does: ``map(func,
iterable, chunksize)``, ``apply_async(func, args, callback=..., error_callback=...)``. A pool whose
``map`` takes ``chunksize`` only by keyword, or whose ``apply_async`` has no ``error_callback``,
refuses such a call with a ``TypeError`` before any of the behaviour a clause is about happens.
So the kit compares each method's signature (:func:`inspect.signature`) with the stdlib's
``multiprocessing.pool.ThreadPool`` of the running Python: for each of the stdlib's parameters, in
its order, whether the pool's method takes it by position, at the same place, and by keyword,
under the same name, as the stdlib's does; and whether it requires an argument the stdlib's does
not take. The comparison binds calls (:meth:`inspect.Signature.bind_partial`), so a method that
takes ``*args`` or ``**kwargs`` takes what they take; its names are not judged.

What is not judged: a method whose signature (or the stdlib's) cannot be read; the names of the
parameters of ``__exit__`` (``with`` passes them by position); ``buffersize`` of ``imap`` and
``imap_unordered`` (new in Python 3.16: a pool without it is one the buffersize clauses skip).
"""

from __future__ import annotations

import inspect
import multiprocessing.pool
import re
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

NOT_JUDGED = frozenset({"buffersize"})
"""Parameters of the stdlib's methods that the comparison leaves out (see the module docstring)."""

CALLED_BY_POSITION_ONLY = frozenset({"__enter__", "__exit__"})
"""Methods that Python calls (``with``), always by position: their parameters' names are not judged."""

POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)


@dataclass(frozen=True)
class Deviation:
    """One way a pool's method takes the stdlib's parameters differently."""

    method: str
    parameter: str
    """The stdlib's parameter concerned, or the pool's, for one it requires that the stdlib has not."""
    what: str
    """The deviation as a sentence's clause: ``map() takes chunksize only by keyword``."""

    def __str__(self) -> str:
        return self.what


def deviations(pool: Any, methods: Iterable[str]) -> Tuple[Deviation, ...]:
    """Every deviation of ``pool``'s ``methods`` from the stdlib's; a method it lacks, or whose
    signature cannot be read, has none."""
    found: List[Deviation] = []
    for name in methods:
        try:
            ours = inspect.signature(getattr(pool, name))
            theirs = stdlib_signature(name)
        except Exception:  # noqa: BLE001 - absent, or not introspectable (a builtin, a proxy): not judged
            continue
        found += _compare(name, theirs, ours)
    return tuple(found)


def unreadable(pool: Any, methods: Iterable[str]) -> List[str]:
    """The ``methods`` that ``pool`` has but whose signature :func:`inspect.signature` cannot read."""
    found = []
    for name in methods:
        try:
            method = getattr(pool, name)
        except Exception:  # noqa: BLE001 - absent: MISSING's business, not this one's
            continue
        try:
            inspect.signature(method)
        except (TypeError, ValueError):
            found.append(name)
    return found


def stdlib_signature(method: str) -> inspect.Signature:
    """The signature of the stdlib's ``ThreadPool.<method>`` as called on a pool (without ``self``)."""
    signature = inspect.signature(getattr(multiprocessing.pool.ThreadPool, method))
    parameters = list(signature.parameters.values())[1:]
    return signature.replace(parameters=[parameter for parameter in parameters if parameter.name not in NOT_JUDGED])


def stdlib_call(method: str) -> str:
    """``map(func, iterable, chunksize=None)``: the stdlib's signature, as a call."""
    return f"{method}{stdlib_signature(method)}"


class _Argument:
    """A stand-in for the argument of one parameter, to see which parameter of the pool's it binds to."""

    def __init__(self, name: str) -> None:
        self.name = name


def _compare(method: str, theirs: inspect.Signature, ours: inspect.Signature) -> List[Deviation]:
    stdlib = list(theirs.parameters.values())
    arguments = [_Argument(parameter.name) for parameter in stdlib]
    if method in CALLED_BY_POSITION_ONLY:
        try:
            ours.bind(*arguments)
        except TypeError:
            return [Deviation(method, "", f"{method}() cannot be called with {len(arguments)} argument(s), as with calls it")]
        return []
    found: List[Deviation] = []
    for index, parameter in enumerate(stdlib):
        positional = _binds_to(ours, arguments[: index + 1], {}, arguments[index])
        required_before = [argument for argument, before in zip(arguments[:index], stdlib) if before.default is inspect.Parameter.empty]
        keyword = _binds_to(ours, required_before, {parameter.name: arguments[index]}, arguments[index])
        deviation = _judged(method, index, parameter.name, ours, positional, keyword, theirs)
        if deviation is not None:
            found.append(Deviation(method, parameter.name, deviation))
    required = [argument for argument, parameter in zip(arguments, stdlib) if parameter.default is inspect.Parameter.empty]
    try:
        ours.bind(*required)
    except TypeError:
        for parameter in ours.parameters.values():
            if parameter.default is not inspect.Parameter.empty or parameter.kind not in (*POSITIONAL, inspect.Parameter.KEYWORD_ONLY):
                continue
            if parameter.name not in theirs.parameters:
                found.append(Deviation(method, parameter.name, f"{method}() requires {parameter.name}, which the stdlib's does not take"))
            elif theirs.parameters[parameter.name].default is not inspect.Parameter.empty:
                found.append(Deviation(method, parameter.name, f"{method}() requires {parameter.name}, which the stdlib's does not"))
    return found


def _binds_to(signature: inspect.Signature, args: Sequence[_Argument], kwargs: Dict[str, _Argument], argument: _Argument) -> Optional[str]:
    """The name of the pool's parameter that ``argument`` binds to in the call ``(*args, **kwargs)``
    (``*`` for one that takes any), or None if the call does not bind."""
    try:
        bound = signature.bind_partial(*args, **kwargs)
    except TypeError:
        return None
    for name, value in bound.arguments.items():
        kind = signature.parameters[name].kind
        if kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD):
            if argument in (value if kind is inspect.Parameter.VAR_POSITIONAL else value.values()):
                return "*"
        elif value is argument:
            return name
    return None


def _judged(method: str, index: int, name: str, ours: inspect.Signature, positional: Optional[str], keyword: Optional[str], theirs: inspect.Signature) -> Optional[str]:
    """What is wrong with how the pool's ``method`` (signature ``ours``) takes the stdlib's
    parameter ``name``, argument ``index + 1`` of the stdlib's, if anything: ``positional`` and
    ``keyword`` are the pool's parameters that the argument binds to when passed by position and
    by keyword (``*``: one that takes any; None: the call does not bind)."""
    mine = ours.parameters.get(name)
    if mine is not None and mine.kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD):
        mine = None  # *args or **kwds: what it takes, ``positional`` and ``keyword`` say
    if mine is None:
        if positional not in (None, "*", name) and positional not in theirs.parameters:
            return f"{method}() calls argument {index + 1} {positional}, where the stdlib's calls it {name}"
        if keyword is None:
            return f"{method}() has no parameter {name}"
        if positional is None:
            return f"{method}() does not take {name} by position (argument {index + 1})"
        return None  # taken by *args and **kwargs
    if mine.kind is inspect.Parameter.KEYWORD_ONLY:
        return f"{method}() takes {name} only by keyword"
    if mine.kind is inspect.Parameter.POSITIONAL_ONLY and keyword is None:
        return f"{method}() takes {name} only by position"
    if positional != name:
        place = [parameter.name for parameter in ours.parameters.values() if parameter.kind in POSITIONAL].index(name)
        return f"{method}() takes {name} as argument {place + 1}, where the stdlib's takes it as argument {index + 1}"
    return None


def refused_by(text: str, found: Sequence[Deviation]) -> Optional[Deviation]:
    """The deviation that made a call fail, if ``text`` (an exception's message, a failure's account)
    holds Python's refusal of a call of a deviating method: ``map() takes 3 positional arguments
    but 4 were given``, ``apply_async() got an unexpected keyword argument 'error_callback'``.

    Among the method's deviations, the one whose parameter the refusal names, else its first.
    """
    for method in dict.fromkeys(deviation.method for deviation in found):
        refusal = re.search(rf"(?<![\w]){re.escape(method)}\(\) (?:takes|got|missing)[^\n]*", text)
        if refusal is None:
            continue
        of_method = [deviation for deviation in found if deviation.method == method]
        named = [deviation for deviation in of_method if f"'{deviation.parameter}'" in refusal.group(0)]
        return (named or of_method)[0]
    return None
