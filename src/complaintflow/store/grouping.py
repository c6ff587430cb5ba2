"""Group commit: appends made at once by the threads of one process share a transaction, and so one
sync to disk, each still all or nothing.

The first thread to find no transaction under way leads: it takes every append queued (its own
among them), runs each inside a savepoint of one transaction, commits once, and wakes the others
with their own results. An append that is refused (a stale version, an event the case refuses, a
database error of its own) is rolled back to its savepoint and raises in its own thread; the others
are kept. Appends that queue while a transaction is under way form the next group, led by the first
of them, so that no thread leads for longer than its own group.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Generic, TypeVar

from complaintflow.errors import StoreError

if TYPE_CHECKING:
    from complaintflow.store.base import Cursor

T = TypeVar("T")

#: What a waiting append is told when the thread writing its group was interrupted.
_INTERRUPTED = "the append was interrupted before it was written; nothing of it was stored"
#: Appends in one transaction at most: PostgreSQL keeps 64 savepoints of a transaction in memory.
MAX_GROUP = 64


class _Waiting(Generic[T]):
    """One append waiting in the queue: its work, and then its result or its error."""

    __slots__ = ("error", "leads", "result", "woken", "work")

    def __init__(self, work: Callable[[Cursor], Callable[[], T]]) -> None:
        self.work = work
        self.result: T | None = None
        self.error: BaseException | None = None
        self.leads = False
        self.woken = threading.Event()


class GroupCommit(Generic[T]):
    """Runs work in shared transactions. `work(db)` writes inside the transaction and returns what
    to do once it has committed (keep the case in memory, say the new version); `failure` turns a
    database's own error into the store's."""

    def __init__(
        self,
        transaction: Callable[[], AbstractContextManager[Cursor]],
        failure: Callable[[Exception], Exception],
    ) -> None:
        self._transaction = transaction
        self._failure = failure
        self._lock = threading.Lock()
        self._queue: list[_Waiting[T]] = []
        self._leading = False

    def run(self, work: Callable[[Cursor], Callable[[], T]]) -> T:
        """Run `work` in the next transaction to commit; its result once it has committed."""
        me = _Waiting(work)
        with self._lock:
            self._queue.append(me)
            if not self._leading:
                self._leading = me.leads = True
        if not me.leads:
            me.woken.wait()
        if me.leads:  # led from the start, or handed the lead by the group before
            self._lead()
        if me.error is not None:
            raise me.error
        return me.result  # type: ignore[return-value] # set when no error is

    def _lead(self) -> None:
        with self._lock:
            group, self._queue = self._queue[:MAX_GROUP], self._queue[MAX_GROUP:]
        try:
            self._commit(group)
        finally:
            with self._lock:
                following = self._queue[0] if self._queue else None
                if following is not None:
                    following.leads = True
                else:
                    self._leading = False
            for member in group:
                member.woken.set()
            if following is not None:
                following.woken.set()

    def _commit(self, group: list[_Waiting[T]]) -> None:
        done: list[tuple[_Waiting[T], Callable[[], T]]] = []
        try:
            with self._transaction() as db:
                if len(group) == 1:  # alone: its error rolls the transaction back, no savepoint needed
                    done.append((group[0], group[0].work(db)))
                else:
                    for number, member in enumerate(group):
                        finish = self._in_savepoint(db, f"complaintflow_append_{number}", member)
                        if finish is not None:
                            done.append((member, finish))
        except BaseException as error:  # nothing of the group was written
            for member in group:
                if member.error is None:
                    member.error = error if isinstance(error, Exception) else StoreError(_INTERRUPTED)
            raise
        for member, finish in done:
            try:
                member.result = finish()
            except Exception as error:
                member.error = error

    def _in_savepoint(self, db: Cursor, name: str, member: _Waiting[T]) -> Callable[[], T] | None:
        """The member's work inside a savepoint; refused, it is rolled back to it and keeps its
        error. A savepoint that cannot be rolled back to fails the whole group."""
        db.execute(f"SAVEPOINT {name}")
        try:
            finish = member.work(db)
        except Exception as error:
            db.execute(f"ROLLBACK TO SAVEPOINT {name}")
            db.execute(f"RELEASE SAVEPOINT {name}")
            member.error = self._failure(error)
            return None
        db.execute(f"RELEASE SAVEPOINT {name}")
        return finish
