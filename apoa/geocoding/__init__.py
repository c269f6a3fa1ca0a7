"""Geocoding: the only package importing geopy (offline gazetteer by default)."""
