"""Audit trail: who did what, when, from where (security.md R16)."""
