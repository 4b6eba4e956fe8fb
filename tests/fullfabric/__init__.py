"""FullFabric: registrations, transcripts, items, ids."""
