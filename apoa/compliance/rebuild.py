"""Recompute the compliance summaries from accounts, lodgings and stays (bulk, one transaction)."""

from __future__ import annotations

from datetime import datetime


def rebuild_all(*, now: datetime) -> dict[str, int]:
    """Placeholder until the rebuild lands: the summaries are only maintained incrementally."""
    raise NotImplementedError
