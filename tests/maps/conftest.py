"""Map tests reuse the reporting fixtures (a verified lodging and its operator)."""

from tests.reports.conftest import verified_lodging  # noqa: F401
