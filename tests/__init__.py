"""mockserver test suite."""
