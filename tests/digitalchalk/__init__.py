"""DigitalChalk: the registrations list, its filters, indexes and writes."""
