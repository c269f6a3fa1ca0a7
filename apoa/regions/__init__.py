"""Regions (Kemendagri codes), immigration offices and their jurisdictions."""
