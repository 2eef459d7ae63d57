"""The conformance suite: test modules by theme, each test naming the clauses it checks with ``@checks``."""
