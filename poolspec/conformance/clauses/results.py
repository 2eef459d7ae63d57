"""Clauses of the apply, map, imap and imap-unordered families: every result, in the promised order, as it becomes ready."""

from __future__ import annotations

from ._model import Clause

THREADS = frozenset({"threads"})

CLAUSES = (
    # -- apply ------------------------------------------------------------------------------
    Clause(
        "apply.returns-value",
        "apply(func, args, kwds) and apply_async(func, args, kwds).get() return func(*args, **kwds), for kwds of every kind "
        "func(**kwds) takes: a dict, another mapping (OrderedDict, defaultdict, ChainMap), or an object with only keys() and "
        "__getitem__ (such as sqlite3.Row).",
        "documented",
        "apply(): Call func with arguments args and keyword arguments kwds. It blocks until the result is ready. "
        "(The stdlib's worker calls func(*args, **kwds), which takes any object with keys() and __getitem__.)",
    ),
    Clause(
        "apply.args-error-raised",
        "apply() and apply_async() with args that raise an exception while they are read (an iterable whose iteration raises, "
        "a TypeError too) raise that exception, with its type and args, at the call or from get(): never another in its place.",
        "cpython-behaviour",
        "The worker calls func(*args, **kwds): unpacking args raises the iteration's own exception (CPython puts 'argument "
        "after * must be an iterable' in its place only for a value that is no iterable at all), and get() re-raises it.",
    ),
    Clause(
        "apply.async-returns-at-once",
        "apply_async() returns its result object before the task has finished.",
        "documented",
        "apply(): It blocks until the result is ready. Given this blocks, apply_async() is better suited for performing work in parallel.",
        needs=THREADS,
    ),
    Clause(
        "apply.any-workload",
        "For any mix of succeeding, failing and blocked calls, each apply_async() result gives its own call's value or exception, the ready ones while the others are still blocked.",
        "documented",
        "If the remote call raised an exception then that exception will be reraised by get().",
    ),
    # -- map --------------------------------------------------------------------------------
    Clause(
        "map.order",
        "map() returns a list of func(x) for every item, in input order.",
        "documented",
        "A parallel equivalent of the map() built-in function.",
    ),
    Clause(
        "map.async-order",
        "map_async().get() returns func(x) for every item, in input order, whatever order the tasks finish in.",
        "documented",
        "map_async(): A variant of the map() method which returns a AsyncResult object.",
    ),
    Clause(
        "map.starmap-order",
        "starmap() and starmap_async() return func(*args) for every argument sequence (of any sequence type), in input order.",
        "documented",
        "Hence an iterable of [(1,2), (3, 4)] results in [func(1,2), func(3,4)].",
    ),
    Clause(
        "map.any-iterable",
        "map(), map_async(), starmap() and starmap_async() take any finite iterable (a generator, an iterator without __len__, a sequence with only __getitem__) and give the same results as for a list.",
        "documented",
        "map(func, iterable[, chunksize]): A parallel equivalent of the map() built-in function.",
    ),
    Clause(
        "map.empty-input",
        "map(), map_async(), starmap() and starmap_async() over an empty input return an empty list, at once.",
        "cpython-behaviour",
        "MapResult of an empty input is ready when it is made; map([]) returns [].",
    ),
    Clause(
        "map.returns-list",
        "map(), starmap() and the get() of map_async() and starmap_async() return a list.",
        "cpython-behaviour",
        "MapResult collects the values in a list; the starmap() docs show the result as [func(1,2), func(3,4)].",
    ),
    Clause(
        "map.async-returns-at-once",
        "map_async() and starmap_async() return their result object before any task has finished.",
        "documented",
        "map_async(): A variant of the map() method which returns a AsyncResult object.",
        needs=THREADS,
    ),
    Clause(
        "map.any-workload",
        "For any mix of succeeding, failing and blocked items, any input kind, chunksize and number of workers, every map form returns all values in input order if no item fails, else raises one of the failing items' exceptions.",
        "documented",
        "A parallel equivalent of the map() built-in function; get(): if the remote call raised an exception then that exception will be reraised.",
    ),
    # -- imap -------------------------------------------------------------------------------
    Clause(
        "imap.order",
        "imap() yields func(x) for every item, in input order.",
        "documented",
        "A lazier version of map().",
    ),
    Clause(
        "imap.empty-input",
        "imap() and imap_unordered() over an empty input return an iterator that is exhausted at once.",
        "cpython-behaviour",
        "IMapIterator: the length of an empty input is set when the task generator ends, and next() raises StopIteration.",
    ),
    Clause(
        "imap.iterator-protocol",
        "imap() and imap_unordered() return an iterator: iter(it) is it, and once next(it) has raised StopIteration, every later next(it) raises StopIteration at once.",
        "documented",
        "imap(): A lazier version of map(). Glossary, iterator: Iterators are required to have an __iter__() method that returns "
        "the iterator object itself ... Once no more data are available a StopIteration exception is raised instead. At this "
        "point, the iterator object is exhausted and any further calls to its __next__() method just raise StopIteration again.",
    ),
    Clause(
        "imap.returns-at-once",
        "imap() and imap_unordered() return before their input has been read to the end and before any task has finished.",
        "cpython-behaviour",
        "Pool.imap hands the input to the task handler thread and returns an IMapIterator at once (gh-84291).",
        needs=THREADS,
    ),
    Clause(
        "imap.yields-when-ready",
        "imap() yields result i as soon as results 0..i are ready, while later tasks are still running.",
        "cpython-behaviour",
        "IMapIterator.next returns the next result as soon as it has arrived, whatever the tasks after it are doing.",
        needs=THREADS,
    ),
    Clause(
        "imap.runs-tasks-while-reading",
        "imap() and imap_unordered() run the first chunk while the rest of their input is still being produced.",
        "cpython-behaviour",
        "The task handler thread puts each task on the queue as it reads it from the input (gh-84291).",
        needs=THREADS,
    ),
    Clause(
        "imap.buffersize-bounds-read-ahead",
        "Where imap() accepts buffersize=b, imap() and imap_unordered() with chunksize 1 read at most b items beyond those already yielded, whatever the number of workers.",
        "documented",
        "Python 3.16 docs of imap(): buffersize limits the number of submitted tasks whose results have not yet been yielded (gh-64192, PR #136871); CPython 3.16's test_imap_and_imap_unordered_with_buffersize_when_buffer_is_full checks that a pool of 4 with buffersize=4 reads 4 items ahead, then one more per next().",
        needs=THREADS,
    ),
    Clause(
        "imap.buffersize-close-and-terminate",
        "Where imap() accepts buffersize, close() and terminate() called while an imap() or imap_unordered() with "
        "buffersize waits for room to read more of its input return None, and join() then returns, none of the results "
        "yielded yet; after close(); join() the iteration yields the results of a prefix of the input, in order for imap(), "
        "that includes every item read before close().",
        "cpython-behaviour",
        "gh-155477 (CPython 3.16): close() wakes a task generator throttled by buffersize, which then stops reading the "
        "input, so the iteration ends after the items already submitted (the reference reads the rest and runs it, as "
        "close() does for an imap() without buffersize); before that fix, close(); join() deadlocked; terminate() releases "
        "the throttle (gh-64192, PR #136871).",
        needs=THREADS,
    ),
    Clause(
        "imap.buffersize-validated",
        "Where imap() accepts buffersize, imap() and imap_unordered() given a buffersize that is not an integer (1.5, 2.0, "
        "'2') raise TypeError, and given one below 1 (0, -1) raise ValueError, at the call, whatever the chunksize.",
        "cpython-behaviour",
        "Pool._imap (CPython 3.16), before it makes the iterator: if not isinstance(buffersize, int): raise "
        "TypeError('buffersize must be an integer or None'); if buffersize < 1: raise ValueError('buffersize must be None "
        "or > 0'); CPython 3.16's test_imap_and_imap_unordered_with_buffersize_type_validation checks 'foo', 2.0, 0 and -1 "
        "(gh-64192, PR #136871).",
    ),
    Clause(
        "imap.any-workload",
        "For any mix of succeeding, failing and blocked items, input kind, chunksize and number of workers, imap() yields each ready result in input order while later items are blocked, with chunksize 1 raises each failing item's exception at its place, and with a larger chunksize yields a correct prefix and then raises the first failing item's exception.",
        "cpython-behaviour",
        "IMapIterator.next re-raises a failed task's exception and goes on; with chunksize > 1 imap() is a generator over chunks, so the rest of a failed chunk and every later result are lost.",
    ),
    # -- imap-unordered ---------------------------------------------------------------------
    Clause(
        "imap-unordered.permutation",
        "imap_unordered() yields func(x) for every item exactly once, in any order.",
        "documented",
        "The same as imap() except that the ordering of the results from the returned iterator should be considered arbitrary.",
    ),
    Clause(
        "imap-unordered.one-worker-in-order",
        "imap_unordered() on a pool of one worker yields the results in input order.",
        "documented",
        "Only when there is only one worker process is the order guaranteed to be 'correct'.",
    ),
    Clause(
        "imap-unordered.yields-when-ready",
        "imap_unordered() yields each result as soon as it is ready, while other tasks are still running.",
        "cpython-behaviour",
        "IMapUnorderedIterator yields the results in the order they arrive.",
        needs=THREADS,
    ),
    Clause(
        "imap-unordered.any-workload",
        "For any mix of succeeding, failing and blocked items, input kind, chunksize and number of workers, imap_unordered() yields every ready outcome while other items are blocked, with chunksize 1 each item's value or exception exactly once, and with a larger chunksize only correct values before raising one of the failing items' exceptions.",
        "cpython-behaviour",
        "IMapUnorderedIterator yields in completion order and re-raises a failed task's exception; with chunksize > 1 the results not yet yielded when a chunk fails are lost.",
    ),
)
