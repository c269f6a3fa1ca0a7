"""Accounts: users, roles, sign-in, passwords and language."""
