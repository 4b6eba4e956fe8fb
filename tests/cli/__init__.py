"""The command line: run, fixtures, verify, the wheel."""
