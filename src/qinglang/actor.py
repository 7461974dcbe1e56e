"""Who did something. Every state change names its actor; the system acts as a named actor."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

_NAME = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")


class ActorKind(StrEnum):
    USER = "user"  # a person signed in to the console, or acting through an API token
    SYSTEM = "system"  # a named part of Qinglang: the worker, the seeder, a timer
    OPERATOR = "operator"  # a person at the server's shell running `qinglang …`
    ANONYMOUS = "anonymous"  # a member of the public (a reporter on the public form)


@dataclass(frozen=True, slots=True)
class Actor:
    """An identity as the ledger records it, with the permissions it holds right now.

    ``permissions`` is filled by :mod:`qinglang.auth` when the actor is resolved from a
    session or token; system and operator actors are trusted and carry no set.
    """

    kind: ActorKind
    name: str
    user_id: int | None = None
    token_id: int | None = None
    roles: frozenset[str] = field(default_factory=frozenset)
    scopes: frozenset[str] | None = None
    display_name: str = field(default="", compare=False)  # what a person is called on screen

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise ValueError(f"actor name {self.name!r} must match {_NAME.pattern}")

    @property
    def shown_as(self) -> str:
        return self.display_name or self.name

    @property
    def ref(self) -> str:
        """The actor as written in the ledger: ``user:alice``, ``system:worker``…"""
        ref = f"{self.kind.value}:{self.name}"
        if self.token_id is not None:
            ref += f"#token{self.token_id}"
        return ref

    @classmethod
    def system(cls, name: str) -> Actor:
        return cls(kind=ActorKind.SYSTEM, name=name)

    @classmethod
    def operator(cls, name: str) -> Actor:
        return cls(kind=ActorKind.OPERATOR, name=name)


ANONYMOUS = Actor(kind=ActorKind.ANONYMOUS, name="public")
