"""Reminders to silent and late reporters, and each office's daily digest (issue 6, point 6)."""
