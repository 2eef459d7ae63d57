"""The catalogue of deliberately broken pools: the kit must reject every one of them.

Each module holds the broken pools of one clause family. A broken pool is a class (or factory)
usable as ``--impl=tests.broken_pools.<module>:<Name>``, nearly always a minimal change of the
reference pool or of the stdlib's. Its docstring says what is wrong and what a user would see;
its ``BREAKS`` attribute names the clauses the kit must fail for it. ``tests/test_broken_pools.py``
runs the kit on each one in a subprocess, bounded in time, and checks that those clauses fail.
"""
