"""Compliance: who reports on time, who is late or silent; alerts, reminders, dashboards."""
