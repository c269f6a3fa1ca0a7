"""How much one report, list or search may hold: one place for the numbers forms and pages share."""

from __future__ import annotations

MAX_GUESTS_PER_REPORT = 60  # guests in one check-in: a family, or a tour group off one coach
PRESENT_LIST_LIMIT = 500  # stays on the reporter's "guests present" page
RECENT_RECEIPTS = 20  # receipts listed under it
SEARCH_RESULTS = 100  # stays a reporter's search returns
