"""The request plumbing: log lines."""
