"""The users, kept in memory, safe to use from many threads.

The tutorial numbered users with `len(users) + 1`: two requests handled at once read the same
length and one user overwrites the other. Here a lock guards a counter that only moves forward,
so ids are unique and never reused, whichever server (threaded or asyncio) calls in.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

MAX_USERS = 100_000
"""Memory bound of the store; a POST beyond it gets 507 Insufficient Storage."""


@dataclass(frozen=True, slots=True)
class User:
    id: int
    name: str
    age: int

    def as_json(self) -> dict[str, object]:
        return {"id": self.id, "name": self.name, "age": self.age}


class StoreFull(Exception):
    """The store holds `MAX_USERS` users already."""


class UserStore:
    def __init__(self, max_users: int = MAX_USERS) -> None:
        self._lock = threading.Lock()
        self._users: dict[int, User] = {}
        self._last_id = 0
        self.max_users = max_users

    def add(self, name: str, age: int) -> User:
        with self._lock:
            if len(self._users) >= self.max_users:
                raise StoreFull(f"the store is limited to {self.max_users} users")
            self._last_id += 1
            user = User(self._last_id, name, age)
            self._users[user.id] = user
            return user

    def get(self, user_id: int) -> User | None:
        return self._users.get(user_id)

    def all(self) -> list[User]:
        with self._lock:
            return list(self._users.values())

    def __len__(self) -> int:
        return len(self._users)
