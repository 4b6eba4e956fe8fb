"""Failure rules and the journal, on both stores."""
