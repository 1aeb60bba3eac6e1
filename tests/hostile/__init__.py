"""Helpers for the hostile-input tests: strategies for what people (or attackers) may send."""
