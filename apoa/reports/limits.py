"""How much one report, list or search may hold: one place for the numbers forms and pages share."""

from __future__ import annotations

MAX_GUESTS_PER_REPORT = 30  # guests in one check-in form (a family or a small group)
PRESENT_LIST_LIMIT = 500  # stays on the reporter's "guests present" page
RECENT_RECEIPTS = 20  # receipts listed under it
SEARCH_RESULTS = 100  # stays a reporter's search returns
