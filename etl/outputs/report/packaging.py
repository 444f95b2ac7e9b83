"""Deterministic packages: the same database gives the same bytes (fixed zip timestamps)."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

Stamp = tuple[int, int, int, int, int, int]


def stamp(updated: str) -> Stamp:
    """The zip timestamp of a report: the date of the last load (1980-01-01 when unknown)."""
    try:
        day = dt.date.fromisoformat(str(updated)[:10])
        return (max(day.year, 1980), day.month, day.day, 0, 0, 0)
    except (TypeError, ValueError):
        return (1980, 1, 1, 0, 0, 0)


def normalise_zip(data: bytes, when: Stamp) -> bytes:
    """Rewrite an OOXML package with fixed timestamps, so the same report gives the same bytes."""
    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as dst:
        for item in src.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=when)
            # pictures are compressed already: stored, they cost no second deflate
            media = item.filename.lower().endswith((".png", ".jpg", ".jpeg"))
            info.compress_type = zipfile.ZIP_STORED if media else item.compress_type
            info.external_attr = 0o644 << 16
            dst.writestr(info, src.read(item.filename))
    return buf.getvalue()
