"""The distribution: one top-level package, the kit's dependencies in an extra, an entry point that never breaks pytest.

Read from the installed distribution's metadata, so that in tox (which installs the wheel) these
tests check what ``pip install poolspec`` puts into a user's environment.
"""

from __future__ import annotations

import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

import poolspec

from .kit_runs import ROOT


def installed() -> metadata.Distribution:
    """The distribution pip installed (it has a RECORD), not the metadata a build leaves in the checkout (``poolspec.egg-info``)."""
    found = [distribution for distribution in metadata.distributions(name="poolspec") if distribution.read_text("RECORD") is not None]
    if not found:
        pytest.skip("poolspec is not installed (run from a checkout)")
    return found[0]


def test_the_distribution_installs_no_top_level_package_but_poolspec() -> None:
    files = installed().files or []
    tops = {file.parts[0] for file in files if not file.parts[0].endswith(".dist-info") and not file.name.startswith("__editable__")}
    assert tops <= {"poolspec"}, f"top-level names installed besides poolspec: {sorted(tops - {'poolspec'})}"


def test_the_installed_package_holds_the_modules_of_the_checkout_and_no_others() -> None:
    # A wheel built over a stale build/lib (setuptools keeps it) holds modules deleted since.
    modules = {file.as_posix() for file in installed().files or [] if file.parts[0] == "poolspec" and file.suffix == ".py"}
    if not modules:
        pytest.skip("an editable install: the checkout is the package")
    checkout = {path.relative_to(ROOT).as_posix() for path in (ROOT / "poolspec").rglob("*.py")}
    assert modules == checkout, f"installed, not in the checkout: {sorted(modules - checkout)}; in the checkout, not installed: {sorted(checkout - modules)}"


def test_only_the_kit_extra_brings_dependencies() -> None:
    requirements = installed().requires or []
    unconditional = [requirement for requirement in requirements if "extra ==" not in requirement]
    kit = [requirement.partition(";")[0].strip() for requirement in requirements if 'extra == "kit"' in requirement]
    assert unconditional == [], f"the reference alone should need nothing, but the distribution requires {unconditional}"
    assert sorted(name.split(">")[0] for name in kit) == ["hypothesis", "packaging", "pytest"]


def test_the_version_is_the_distributions() -> None:
    assert poolspec.__version__ == installed().version


def test_pytest_loads_the_entry_module() -> None:
    # The installed distribution's own: before 3.10 entry_points() also lists the checkout's poolspec.egg-info.
    (entry_point,) = [entry for entry in installed().entry_points if entry.group == "pytest11" and entry.name == "poolspec"]
    assert entry_point.value == "poolspec.pytest_entry"


def without_the_kit(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """pytest in a subprocess whose environment lacks hypothesis, as after ``pip install poolspec pytest``.

    The environment is this one's site-packages without hypothesis: a folder of links to each of
    its other entries, on ``PYTHONPATH`` of an interpreter started without its own site (``-S``),
    with poolspec's folder added where poolspec is not installed there (an editable install).
    """
    site = Path(pytest.__file__).resolve().parent.parent
    linked = tmp_path / "site-packages"
    linked.mkdir()
    for entry in site.iterdir():
        if not entry.name.lower().lstrip("_").startswith("hypothesis"):
            (linked / entry.name).symlink_to(entry)
    paths = [str(linked)]
    home = Path(poolspec.__file__).resolve().parent.parent
    if home != site:
        paths.append(str(home))
    project = tmp_path / "project"
    project.mkdir()
    (project / "test_plain.py").write_text("def test_plain():\n    assert True\n", encoding="utf-8")
    environment = dict(os.environ, PYTHONPATH=os.pathsep.join(paths))
    command = [sys.executable, "-S", "-m", "pytest", "-p", "no:cacheprovider", *args]
    return subprocess.run(command, cwd=project, env=environment, capture_output=True, text=True, timeout=120, check=False)


def test_without_the_kit_pytest_works_as_before(tmp_path: Path) -> None:
    result = without_the_kit(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout


def test_without_the_kit_an_implementation_gets_the_install_command(tmp_path: Path) -> None:
    result = without_the_kit(tmp_path, "--impl=poolspec.reference", "--hang-limit=3")
    assert result.returncode == pytest.ExitCode.USAGE_ERROR, result.stdout + result.stderr
    assert "poolspec: the conformance kit needs hypothesis, which cannot be imported here: pip install 'poolspec[kit]'" in result.stderr
    assert "Traceback" not in result.stderr
