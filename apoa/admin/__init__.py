"""The admin console: accounts, offices and jurisdictions, the audit log."""
