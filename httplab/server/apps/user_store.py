"""The users, kept in memory, safe to use from many threads.

The tutorial numbered users with `len(users) + 1`: two requests handled at once read the same
length and one user overwrites the other. Here a lock guards a counter that only moves forward,
so ids are unique and never reused, whichever server (threaded or asyncio) calls in.
"""

from __future__ import annotations

import threading
from bisect import bisect_left
from dataclasses import dataclass

MAX_USERS = 100_000
"""Memory bound of the store (about 20 MB); a POST beyond it gets 507 Insufficient Storage,
whose body says the users live in memory and a restart empties the store."""


SAMPLE_USERS: tuple[tuple[str, int], ...] = (
    ("Vasya", 42),
    ("Anna", 31),
    ("Вася", 25),
    ("Bob", 19),
    ("Мария", 37),
    ("Zoë", 28),
)


@dataclass(frozen=True, slots=True)
class User:
    id: int
    name: str
    age: int

    def as_json(self) -> dict[str, object]:
        return {"id": self.id, "name": self.name, "age": self.age}


class StoreFull(Exception):
    """The store holds `max_users` users already."""

    def __init__(self, max_users: int) -> None:
        super().__init__(
            f"the users store is full: it holds {max_users:,} users, its limit; users live in "
            "memory only, so restarting the server empties it"
        )
        self.max_users = max_users


class Changed(Exception):
    """The user changed (or went) between reading it and writing it back."""

    def __init__(self, user_id: int) -> None:
        super().__init__(f"user {user_id} changed while this request was being handled")
        self.user_id = user_id


class UserStore:
    def __init__(self, max_users: int = MAX_USERS) -> None:
        self._lock = threading.Lock()
        self._users: dict[int, User] = {}
        self._in_order: list[User] = []  # sorted by id (ids only grow), so a page is a slice
        self._last_id = 0
        # a number that moves whenever a user is added, replaced or removed: a page of the
        # list made at another version is stale. Read it; only the store sets it. (A plain
        # attribute: a property costs a Python call on every GET /users.)
        self.version = 0
        self.max_users = max_users

    def add(self, name: str, age: int) -> User:
        with self._lock:
            if len(self._users) >= self.max_users:
                raise StoreFull(self.max_users)
            self._last_id += 1
            user = User(self._last_id, name, age)
            self._users[user.id] = user
            self._in_order.append(user)
            self.version += 1
            return user

    def replace(self, user_id: int, name: str, age: int, expected: User | None = None) -> User:
        """Give user `user_id` a new name and age (PUT, PATCH). With `expected`, only if the
        user is still that very object: a read-modify-write loses no one else's change.
        Raises `KeyError` if there is no such user, `Changed` if it is not `expected`."""
        with self._lock:
            current = self._users[user_id]
            if expected is not None and current is not expected:
                raise Changed(user_id)
            user = User(user_id, name, age)
            self._users[user_id] = user
            self._in_order[self._index(user_id)] = user
            self.version += 1
            return user

    def remove(self, user_id: int, expected: User | None = None) -> User:
        """Delete user `user_id` (its id is never given again); `KeyError`/`Changed` as in
        `replace`."""
        with self._lock:
            current = self._users[user_id]
            if expected is not None and current is not expected:
                raise Changed(user_id)
            del self._users[user_id]
            del self._in_order[self._index(user_id)]
            self.version += 1
            return current

    def _index(self, user_id: int) -> int:
        return bisect_left(self._in_order, user_id, key=lambda user: user.id)

    def get(self, user_id: int) -> User | None:
        return self._users.get(user_id)

    def all(self) -> list[User]:
        with self._lock:
            return list(self._in_order)

    def page(self, offset: int, limit: int) -> tuple[list[User], int]:
        """Users `offset` to `offset + limit - 1` in id order, and how many there are."""
        with self._lock:
            return self._in_order[offset : offset + limit], len(self._in_order)

    def __len__(self) -> int:
        return len(self._users)

    def reset(self) -> int:
        """Empty the store (a teacher's reset between classes, from the trace view; never an
        HTTP endpoint); ids start at 1 again. Returns how many users there were."""
        with self._lock:
            count = len(self._users)
            self._users.clear()
            self._in_order.clear()
            self._last_id = 0
            self.version += 1
            return count

    def seed(self, count: int) -> None:
        """Add `count` sample users (`serve --seed N`): the same names in every run, some
        with letters that take two bytes in UTF-8, as the lessons on Content-Length need."""
        for index in range(count):
            name, age = SAMPLE_USERS[index % len(SAMPLE_USERS)]
            self.add(name, age + index // len(SAMPLE_USERS))
