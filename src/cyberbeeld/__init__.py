"""Cyberbeeld: het lokale dreigingsbeeld cybercrime."""
__version__ = "0.1.0"
