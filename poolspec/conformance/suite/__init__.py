"""The conformance suite: a test module per clause area (``test_<area>.py`` or ``test_<area>_<topic>.py``,
see :mod:`poolspec.conformance.clauses`), each test naming the clauses it checks with ``@checks``."""
