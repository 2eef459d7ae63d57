"""poolspec: the reference ``ThreadPool`` and the conformance kit for the ``multiprocessing.pool.ThreadPool`` API.

- :mod:`poolspec.reference`: a typed drop-in for the stdlib's ``ThreadPool``; it needs nothing
  beyond the standard library.
- :mod:`poolspec.conformance`: the kit, a pytest plugin and its clause suite (``pytest
  --impl=module[:attribute]``); it needs the ``kit`` extra, ``pip install 'poolspec[kit]'``.
"""

__version__ = "0.1.0"
