"""Many threads submitting at once, through every form: no task, result or exception is lost."""

from __future__ import annotations

import threading
from typing import Any, Callable, Dict, List, Tuple

from poolspec.reference import ThreadPool

Make = Callable[..., ThreadPool]

THREADS = 8
TASKS_PER_THREAD = 10_000
BATCH = 50


class Boom(Exception):
    pass


def task(owner: int, x: int) -> Tuple[int, int]:
    """Every seventh task fails, carrying who submitted it."""
    if x % 7 == 0:
        raise Boom(owner, x)
    return owner, x


def outcome(call: Callable[[], Any]) -> Any:
    try:
        return call()
    except Boom as error:
        return error.args


def submit_batch(pool: ThreadPool, form: str, owner: int, xs: List[int]) -> None:
    """Run one batch through ``form`` and check every item's outcome."""
    expected = [(owner, x) for x in xs]
    pairs = [(owner, x) for x in xs]
    called_back: List[Any] = []
    if form == "apply":
        got = [outcome(lambda x=x: pool.apply(task, (owner, x))) for x in xs]
    elif form == "apply_async":
        results = [pool.apply_async(task, (owner, x), callback=called_back.append, error_callback=called_back.append) for x in xs]
        got = [outcome(lambda r=r: r.get(60)) for r in results]
        assert len(called_back) == len(xs)
    elif form in ("imap", "imap_unordered"):
        iterator = getattr(pool, form)(lambda pair: task(*pair), pairs, 1 + owner % 3)
        got = [outcome(lambda: iterator.next(60)) for _ in xs]
        if form == "imap_unordered":
            got.sort()
    else:  # the map forms are all-or-nothing: give them batches that succeed
        xs = [x for x in xs if x % 7]
        expected = [(owner, x) for x in xs]
        star = [(owner, x) for x in xs]
        if form == "map":
            got = pool.map(lambda pair: task(*pair), star, 1 + owner % 4)
        elif form == "map_async":
            got = pool.map_async(lambda pair: task(*pair), star, None, called_back.append).get(60)
            assert called_back == [got]
        elif form == "starmap":
            got = pool.starmap(task, star)
        else:
            got = pool.starmap_async(task, star, 2, called_back.append).get(60)
            assert called_back == [got]
    assert got == expected, f"{form} of thread {owner} lost or swapped results"


FORMS = ["apply_async", "map", "imap", "starmap_async", "imap_unordered", "map_async", "starmap", "apply"]


def test_eight_threads_submitting_ten_thousand_tasks_each_get_every_result(make_pool: Make) -> None:
    pool = make_pool(4)
    failures: Dict[int, BaseException] = {}

    def submitter(owner: int) -> None:
        try:
            for batch, start in enumerate(range(0, TASKS_PER_THREAD, BATCH)):
                form = FORMS[(batch + owner) % len(FORMS)]
                submit_batch(pool, form, owner, list(range(start, start + BATCH)))
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures[owner] = exc

    threads = [threading.Thread(target=submitter, args=(owner,)) for owner in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not any(thread.is_alive() for thread in threads), "a submitting thread hung"
    assert failures == {}
    pool.close()
    pool.join()
