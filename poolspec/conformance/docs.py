"""The clause page, generated from the registry.

``python -m poolspec.conformance.docs docs/clauses.md`` writes it; ``--check`` exits 1 if the file is not
what the registry gives (the project's tests check that too), so the page never drifts.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from .clauses import CAPABILITIES, CLAUSES, Clause

COMMAND = "python -m poolspec.conformance.docs docs/clauses.md"


def render() -> str:
    """The Markdown page listing every clause, family by family."""
    families: Dict[str, List[Clause]] = {}
    for clause in CLAUSES.values():
        families.setdefault(clause.family, []).append(clause)
    levels = Counter(clause.level for clause in CLAUSES.values())
    lines = [
        "# Conformance clauses",
        "",
        f"<!-- Generated from the clause registry (poolspec/conformance/clauses/) by `{COMMAND}`: do not edit. -->",
        "",
        f"{len(CLAUSES)} clauses in {len(families)} families: {levels['required']} required, {levels['strict']} strict "
        "(checked only with `--poolspec-strict`). Check one with `pytest --impl=… --clause=clause-id` (or a family: `--clause=family`); "
        "baselines and reports name clauses by these ids.",
        "",
        "Sources: **documented** (the docs promise it; the docs sentence is quoted), **cpython-behaviour** "
        "(what the stdlib does and code relies on), **cpython-bug** (the correct behaviour where the stdlib "
        "has a bug; the stdlib fails it through its shipped baseline).",
        "",
        "Capabilities a clause may need: " + "; ".join(f"`{name}`: {meaning}" for name, meaning in sorted(CAPABILITIES.items())) + ".",
    ]
    for family, clauses in families.items():
        lines += ["", f"## {family}", "", "| clause | statement | level | source | Python | needs |", "|---|---|---|---|---|---|"]
        lines += [_row(clause) for clause in clauses]
    return "\n".join(lines) + "\n"


def _row(clause: Clause) -> str:
    source = f"{clause.source}: {clause.reference}"
    needs = ", ".join(sorted(clause.needs)) or "–"
    cells = [f"`{clause.id}`", clause.statement, clause.level, source, _versions(clause), needs]
    return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"


def _versions(clause: Clause) -> str:
    since = ".".join(map(str, clause.since))
    if clause.until is None:
        return f"{since}+"
    return f"{since}–{'.'.join(map(str, clause.until))}"


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Write (or check) the clause page generated from the registry.")
    parser.add_argument("path", type=Path)
    parser.add_argument("--check", action="store_true", help="exit 1 if the page is not current")
    args = parser.parse_args(argv)
    page = render()
    if args.check:
        current = args.path.exists() and args.path.read_text(encoding="utf-8") == page
        if not current:
            print(f"{args.path} is not current: run {COMMAND}", file=sys.stderr)
        return 0 if current else 1
    args.path.parent.mkdir(parents=True, exist_ok=True)
    args.path.write_text(page, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
