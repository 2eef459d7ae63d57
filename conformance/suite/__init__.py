"""The conformance suite: one module per clause family."""
