"""What a service built at start is kept out of the garbage collector's full collections,
which otherwise walk it all (50-100 ms each, every few seconds under a backlog); the garbage
start left is collected first, not kept."""

import gc
import weakref

from mediation_runtime.service import freeze_what_start_built


class Node:
    me: "Node | None" = None


def test_what_start_built_is_frozen_and_its_garbage_collected() -> None:
    kept = Node()
    garbage = Node()
    garbage.me = garbage  # a cycle: only the collector frees it
    gone = weakref.ref(garbage)
    del garbage
    try:
        freeze_what_start_built()
        assert gone() is None, "start's garbage is collected, not frozen"
        assert gc.get_freeze_count() > 0
        assert not any(o is kept for o in gc.get_objects()), "no collection walks it any more"
        assert kept.me is None  # still alive and well
    finally:
        gc.unfreeze()
