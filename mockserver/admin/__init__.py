"""The mock's own API under `/__admin`."""
