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
    paths: list[str] = []
    for value in values:
        if value is False:
            return False
        if value is not True:
            paths.extend(value.paths)
    return Unknown(*paths) if paths else True


def any_of(*values: Tri) -> Tri:
    """Kleene OR: any True wins; otherwise any Unknown makes it unknown."""
    paths: list[str] = []
    for value in values:
        if value is True:
            return True
        if value is not False:
            paths.extend(value.paths)
    return Unknown(*paths) if paths else False


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


def is_(value: bool | None, path: str) -> Tri:
    """A boolean intake field as a fact."""
    return Unknown(path) if value is None else value


def at_least(value: float | None, threshold: float, path: str) -> Tri:
    return Unknown(path) if value is None else value >= threshold


def below(value: float | None, threshold: float, path: str) -> Tri:
    return Unknown(path) if value is None else value < threshold


def over(value: float | None, threshold: float, path: str) -> Tri:
    return Unknown(path) if value is None else value > threshold
