"""Resolving ``--impl`` into the pool factory under test, with what the report header shows.

``some.module`` means ``some.module.ThreadPool``; ``some.module:Attr`` (dots allowed in ``Attr``)
means that attribute, a class or any callable with the ``ThreadPool(processes, initializer,
initargs)`` signature. Every way this can go wrong raises :class:`ImplError` with one sentence
naming what failed.
"""

from __future__ import annotations

import importlib
import multiprocessing
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, Callable, List, Optional, Sequence, Tuple, Type


class ImplError(Exception):
    """The implementation under test could not be loaded or built."""


@dataclass(frozen=True)
class Implementation:
    """The pool factory under test and what identifies it."""

    spec: str
    factory: Callable[..., Any]
    module: ModuleType
    version: str
    file: str
    timeout_error: Type[BaseException]
    timeout_error_source: str

    def new_pool(self, processes: Any = 2, initializer: Any = None, initargs: Any = (), **kwargs: Any) -> Any:
        """``factory(processes, initializer=initializer, initargs=initargs, **kwargs)``.

        ``initializer`` and ``initargs`` go by the stdlib's keywords: a process pool's constructor
        (joblib's ``MemmappingPool(processes, temp_folder, max_nbytes, ...)``) may take other
        arguments in second and third place.
        """
        return self.factory(processes, initializer=initializer, initargs=initargs, **kwargs)

    @property
    def is_stdlib(self) -> bool:
        return self.module.__name__.startswith("multiprocessing")


def resolve(spec: str, timeout_error: Optional[str] = None, folders: Sequence[Path] = ()) -> Implementation:
    """The implementation named by ``spec`` (and the timeout class named by ``timeout_error``).

    ``folders``: where a user may have put the module (the current directory, pytest's rootdir);
    if it cannot be imported but is there, the error says how to put that folder on ``sys.path``.
    """
    module_name, _, attribute = spec.partition(":")
    if not module_name:
        raise ImplError(f"--impl={spec!r}: expected 'module' or 'module:attribute'")
    module = _import(module_name, f"--impl={spec}", folders)
    _refuse_green_threads(f"--impl={spec}")
    factory = _lookup(module, attribute or "ThreadPool", f"--impl={spec}")
    if not callable(factory):
        raise ImplError(f"--impl={spec}: {attribute or 'ThreadPool'} is a {type(factory).__name__}, not a class or factory")
    error_class, source = _timeout_error(module, timeout_error)
    return Implementation(
        spec=spec,
        factory=factory,
        module=module,
        version=_version(module),
        file=getattr(module, "__file__", None) or "(built in)",
        timeout_error=error_class,
        timeout_error_source=source,
    )


def _refuse_green_threads(what: str) -> None:
    """``ImplError`` if importing the implementation made ``threading`` gevent's (``monkey.patch_all()``).

    The kit bounds every call with real threads (its watchdog, its home thread); made greenlets,
    they wait for the very call they should bound, and the run would hang before its first line.
    """
    monkey = sys.modules.get("gevent.monkey")
    if monkey is not None and monkey.is_module_patched("threading"):
        raise ImplError(
            f"{what}: importing it monkey-patched threading with gevent (gevent.monkey.patch_all()), so the kit's own threads "
            "would be greenlets and could not bound a call into the pool; check the pool without patching "
            "(gevent's pools work unpatched, from a factory)"
        )


def _import(name: str, what: str, folders: Sequence[Path] = ()) -> ModuleType:
    try:
        return importlib.import_module(name)
    except Exception as exc:
        last = traceback.format_exception_only(type(exc), exc)[-1].strip()
        raise ImplError(f"{what}: cannot import {name!r}: {last}{_renamed(exc, name, what)}{_off_the_path(exc, name, folders)}") from exc


RENAMED = {"reference": "poolspec.reference", "conformance": "poolspec.conformance"}
"""poolspec's packages by the top-level names they had before they moved under ``poolspec``, and their names now."""


def _renamed(exc: Exception, name: str, what: str) -> str:
    """For a module not found under a top-level name poolspec's packages once had: their name now,
    in the option as given (``what``: ``--impl=reference:ThreadPool``)."""
    top = name.partition(".")[0]
    if not isinstance(exc, ModuleNotFoundError) or exc.name != top or top not in RENAMED:
        return ""
    option, _, spec = what.partition("=")
    return f" (poolspec's {top} package is {RENAMED[top]} now: {option}={RENAMED[top]}{spec[len(top) :]})"


def _off_the_path(exc: Exception, name: str, folders: Sequence[Path]) -> str:
    """For a top module not found that is in one of ``folders`` but not on ``sys.path``: how to add it.

    pytest's own command (unlike ``python -m pytest``) does not put the current directory on
    ``sys.path``, so ``pytest --impl=my_pool`` run beside ``my_pool.py`` cannot import it.
    """
    top = name.partition(".")[0]
    if not isinstance(exc, ModuleNotFoundError) or exc.name != top:
        return ""
    on_path = {Path(entry or ".").resolve() for entry in sys.path}
    for folder in dict.fromkeys(folder.resolve() for folder in folders):
        found = [path for path in (folder / f"{top}.py", folder / top) if path.is_file() or path.is_dir()]
        if found and folder not in on_path:
            where = "." if folder == Path.cwd().resolve() else str(folder)
            return (
                f" ({found[0]} is there, but {where} is not on sys.path: pytest's command does not add the current directory; "
                f"run python -m pytest ... instead, or set PYTHONPATH={where})"
            )
    return ""


def _lookup(module: ModuleType, dotted: str, what: str) -> Any:
    value: Any = module
    for part in dotted.split("."):
        try:
            value = getattr(value, part)
        except AttributeError:
            raise ImplError(f"{what}: {module.__name__} has no attribute {dotted!r}") from None
    return value


def _timeout_error(module: ModuleType, option: Optional[str]) -> Tuple[Type[BaseException], str]:
    """The class ``get(timeout)`` should raise: the option's, the package's own, or the stdlib's."""
    if option:
        name, _, attribute = option.partition(":")
        value = _lookup(_import(name, f"--timeout-error={option}"), attribute or "TimeoutError", f"--timeout-error={option}")
        if not (isinstance(value, type) and issubclass(value, BaseException)):
            raise ImplError(f"--timeout-error={option}: {value!r} is not an exception class")
        return value, "--timeout-error"
    for candidate in _package_chain(module):
        value = getattr(candidate, "TimeoutError", None)
        if isinstance(value, type) and issubclass(value, BaseException) and value is not TimeoutError:
            return value, f"{candidate.__name__}.TimeoutError"
    return multiprocessing.TimeoutError, "multiprocessing.TimeoutError (default)"


def _package_chain(module: ModuleType) -> List[ModuleType]:
    """The module and its parent packages, innermost first, as far as they are imported."""
    parts = module.__name__.split(".")
    names = [".".join(parts[:i]) for i in range(len(parts), 0, -1)]
    return [sys.modules[name] for name in names if name in sys.modules]


def _version(module: ModuleType) -> str:
    """The version of the package that provides ``module`` (Python's own for the stdlib)."""
    return package_version(module.__name__)


def package_version(module_name: str) -> str:
    """The version of the package that provides the module ``module_name``, or ``unknown``."""
    top = module_name.partition(".")[0]
    if top == "multiprocessing":
        return f"stdlib of Python {sys.version.split()[0]}"
    version = getattr(sys.modules.get(top), "__version__", None)
    if version is None:
        try:
            from importlib import metadata

            version = metadata.version(top)
        except Exception:  # noqa: BLE001 - a version is worth showing, never worth failing over
            return "unknown"
    return str(version)
