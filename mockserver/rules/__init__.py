"""Failure rules and the request journal: plain Python, no Flask, no vendor."""
