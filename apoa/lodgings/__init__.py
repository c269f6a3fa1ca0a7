"""Lodgings: hotels, guesthouses, villas, kos … registered by their operators."""
