"""The admin API: state, clock, journal, sessions."""
