"""The stores: Redis shared by processes, its operation log."""
