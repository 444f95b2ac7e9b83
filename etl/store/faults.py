"""Named points on the write path where tests inject failures; no-ops otherwise.

A load must leave the database exactly as before when it fails at any of these points.
"""

from __future__ import annotations

POINTS = ("after_archive", "after_delete", "after_insert", "before_commit")
_armed: dict[str, BaseException] = {}


def point(name: str) -> None:
    error = _armed.get(name)
    if error is not None:
        raise error


def arm(name: str, error: BaseException) -> None:
    if name not in POINTS:
        raise KeyError(name)
    _armed[name] = error


def disarm() -> None:
    _armed.clear()
