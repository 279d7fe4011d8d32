"""Three-valued (Kleene) logic for clinical facts: ``True``, ``False`` or :class:`Unknown`.

An :class:`Unknown` carries the JSON pointers of the intake fields whose absence made it unknown, so that
the engine can list exactly what would change a result. ``bool(Unknown(...))`` raises: an unknown clinical
fact must never be read as "no" by accident.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

__all__ = ["Tri", "Unknown", "all_of", "any_of", "at_least", "below", "is_", "negate", "over"]


class Unknown:
    __slots__ = ("paths",)

    def __init__(self, *paths: str) -> None:
        self.paths: tuple[str, ...] = paths

    def __bool__(self) -> bool:
        raise TypeError("an unknown clinical fact has no truth value; handle Unknown explicitly")

    def __repr__(self) -> str:
        return f"Unknown({', '.join(self.paths)})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Unknown) and self.paths == other.paths

    def __hash__(self) -> int:
        return hash(self.paths)


Tri = bool | Unknown
T = TypeVar("T")


def all_of(*values: Tri) -> Tri:
    """Kleene AND: any False wins; otherwise any Unknown makes it unknown."""
    for value in values:
        if value is False:
            return False
        if value is not True:
            break
    else:
        return True  # all known and true: the common case, answered without collecting anything
    paths: list[str] = []
    for value in values:
        if value is False:
            return False
        if value is not True:
            paths.extend(value.paths)
    return Unknown(*paths)


def any_of(*values: Tri) -> Tri:
    """Kleene OR: any True wins; otherwise any Unknown makes it unknown."""
    for value in values:
        if value is True:
            return True
        if value is not False:
            break
    else:
        return False  # all known and false: the common case, answered without collecting anything
    paths: list[str] = []
    for value in values:
        if value is True:
            return True
        if value is not False:
            paths.extend(value.paths)
    return Unknown(*paths)


def any_over(items: Iterable[T], test: Callable[[T], Tri]) -> Tri:
    return any_of(*[test(item) for item in items])


def all_over(items: Iterable[T], test: Callable[[T], Tri]) -> Tri:
    return all_of(*[test(item) for item in items])


def negate(value: Tri) -> Tri:
    if value is True:
        return False
    if value is False:
        return True
    return value


class _OnePath(dict[str, Unknown]):
    """The Unknown of one field, made once per field: unknowns are never changed, so they can be shared."""

    def __missing__(self, path: str) -> Unknown:
        unknown = Unknown(path)
        if len(self) < 4096:  # bounded: pointers into long lists are not kept
            self[path] = unknown
        return unknown


_UNKNOWN = _OnePath()


def is_(value: bool | None, path: str) -> Tri:
    """A boolean intake field as a fact."""
    return _UNKNOWN[path] if value is None else value


def at_least(value: float | None, threshold: float, path: str) -> Tri:
    return _UNKNOWN[path] if value is None else value >= threshold


def below(value: float | None, threshold: float, path: str) -> Tri:
    return _UNKNOWN[path] if value is None else value < threshold


def over(value: float | None, threshold: float, path: str) -> Tri:
    return _UNKNOWN[path] if value is None else value > threshold
