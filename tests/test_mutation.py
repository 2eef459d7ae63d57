"""The mutation tool (tools/mutation.py) itself, running no kit: its mutants, its page and its data.

Each operator makes the one change its description claims and nothing else, every mutant of the
reference is valid Python, the page is a pure function of the stored data and the verdicts, and
a malformed data or verdicts file is reported instead of rendered.
"""

from __future__ import annotations

import ast
import json
import sys
from pathlib import Path
from typing import Any, Dict, List

import pytest

from tools import mutation

pytestmark = pytest.mark.skipif(sys.version_info < (3, 9), reason="tools/mutation.py writes its mutants with ast.unparse, new in Python 3.9")

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
SOURCE = '''\
def f(lock, items, limit):
    """A docstring is no statement to remove."""
    count: int
    if items and limit < 3:
        return True
    with lock:
        items.append(0)
    ...


class Record:
    size: int
'''
EXPECTED = {
    "compare": ("limit < 3", "limit >= 3"),
    "negate": ("if items and limit < 3:", "if not (items and limit < 3):"),
    "boolop": ("items and limit < 3", "items or limit < 3"),
    "constant": ("True", "False"),
    "remove": ("size: int", "pass"),
}


def mutants_by_change(source: str) -> Dict[str, List[mutation.Mutant]]:
    found: Dict[str, List[mutation.Mutant]] = {}
    for mutant in mutation.mutants_of(source, "poolspec/reference/example.py"):
        found.setdefault(mutant.operator, []).append(mutant)
    return found


def test_each_operator_makes_the_change_it_claims_and_no_other() -> None:
    found = mutants_by_change(SOURCE)
    original = ast.unparse(ast.parse(SOURCE)).splitlines()
    assert set(found) == set(mutation.OPERATORS)
    assert [mutant.change for mutant in found["remove"]] == ["`size: int` removed", "`return True` removed", "`items.append(0)` removed"], (
        "docstring, a function's bare annotation and ... are kept"
    )
    assert [mutant.change for mutant in found["constant"]] == ["`True` → `False`", "`3` → `4`", "`0` → `1`"]
    for operator, (before, after) in EXPECTED.items():
        mutant = found[operator][0]
        changed = mutation.apply(SOURCE, mutant).splitlines()
        removed = [line.strip() for line in original if line not in changed]
        added = [line.strip() for line in changed if line not in original]
        assert len(removed) == len(added) == 1 and before in removed[0] and after in added[0], (operator, removed, added)
        assert f"`{before.rstrip(':')}" in mutant.change
    assert found["unwrap"][0].change.startswith("`with lock:` unwrapped")
    unwrapped = mutation.apply(SOURCE, found["unwrap"][0])
    assert "with" not in unwrapped and "    items.append(0)" in unwrapped, "the body stays, one level up"


def test_every_mutant_of_the_reference_is_valid_python_and_differs_from_it() -> None:
    mutants = mutation.all_mutants(ROOT)
    assert len({mutant.id for mutant in mutants}) == len(mutants), "mutant ids are unique"
    for module in {mutant.module for mutant in mutants}:
        source = (ROOT / module).read_text(encoding="utf-8")
        unchanged = ast.unparse(ast.parse(source)) + "\n"
        for mutant in (mutant for mutant in mutants if mutant.module == module):
            changed = mutation.apply(source, mutant)
            compile(changed, module, "exec")
            assert changed != unchanged, mutant.id


def test_a_sample_is_reproducible_from_its_seed_and_keeps_the_order() -> None:
    mutants = mutation.mutants_of(SOURCE, "poolspec/reference/example.py")
    first = mutation.chosen_sample(mutants, 4, 7)
    assert first == mutation.chosen_sample(mutants, 4, 7) and len(first) == 4
    assert first == [mutant for mutant in mutants if mutant in first]
    assert mutation.chosen_sample(mutants, None, None) == mutants


def run(mutant_id: str, outcome: str, module: str = "poolspec/reference/pool.py") -> Dict[str, Any]:
    return {"id": mutant_id, "module": module, "line": 1, "operator": "remove", "change": "`x | y` removed", "outcome": outcome, "clauses": [], "seconds": 3.5}


def sample_data() -> Dict[str, Any]:
    runs = [run("pool.py:1:remove:1", "killed"), run("pool.py:2:remove:1", "hang"), run("pool.py:3:remove:1", "survived"), run("pool.py:4:remove:1", "survived")]
    return {"seed": 3, "sample": 4, "total": 10, "totals": {"poolspec/reference/pool.py": 10}, "seconds": 120, "mutants": runs}


def test_the_page_is_a_pure_function_of_the_data_and_the_verdicts() -> None:
    data = sample_data()
    verdicts = {"pool.py:3:remove:1": "equivalent: nothing reads it"}
    page = mutation.render(data, verdicts)
    assert page == mutation.render(json.loads(json.dumps(data)), dict(verdicts))
    assert "**Score: 2/3 (67 %)**" in page, "killed and hangs over mutants less the equivalent"
    assert "seed 3" in page and "10 in all" in page
    assert "| `poolspec/reference/pool.py` | 10 | 4 | 2 | 1 | 2 | 1 |" in page
    assert "| `pool.py:3:remove:1` | `x \\| y` removed | equivalent: nothing reads it |" in page
    assert "| `pool.py:4:remove:1` | `x \\| y` removed | **no verdict yet** |" in page


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda data: data.pop("totals"), "missing or mistyped totals"),
        (lambda data: data["mutants"][0].update(outcome="maybe"), "an unknown outcome"),
        (lambda data: data["mutants"][1].pop("change"), "mutant 1: missing or mistyped change"),
        (lambda data: data.update(total=11), "the totals do not add up"),
        (lambda data: data["mutants"][0].update(module="poolspec/reference/other.py"), "a module the totals do not count"),
    ],
)
def test_malformed_data_is_reported(change: Any, problem: str) -> None:
    data = sample_data()
    assert not mutation.malformed(data)
    change(data)
    assert any(problem in found for found in mutation.malformed(data)), mutation.malformed(data)


def test_render_only_reports_a_malformed_data_or_verdicts_file_and_writes_no_page(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data, verdicts, page = tmp_path / "mutation.json", tmp_path / "verdicts.txt", tmp_path / "mutation.md"
    data.write_text("{}", encoding="utf-8")
    verdicts.write_text("# comment\npool.py:3:remove:1 maybe: who knows\n", encoding="utf-8")
    assert mutation.main(["--render-only", "--output", str(page), "--data", str(data), "--verdicts", str(verdicts)]) == 1
    assert not page.exists()
    err = capsys.readouterr().err
    assert "missing or mistyped seed" in err and "line 2: not `<mutant id>" in err


def test_the_mutation_page_is_rendered_from_its_data_and_verdicts() -> None:
    data = json.loads((DOCS / "mutation.json").read_text(encoding="utf-8"))
    verdicts, problems = mutation.read_verdicts((DOCS / "mutation-verdicts.txt").read_text(encoding="utf-8"))
    assert not mutation.malformed(data) and not problems, (mutation.malformed(data), problems)
    assert (DOCS / "mutation.md").read_text(encoding="utf-8") == mutation.render(data, verdicts), "docs/mutation.md is out of date: run python3 dev.py pages"
    survivors = {run["id"] for run in data["mutants"] if run["outcome"] == "survived"}
    assert survivors <= set(verdicts), f"survivors without a verdict in docs/mutation-verdicts.txt: {sorted(survivors - set(verdicts))}"
