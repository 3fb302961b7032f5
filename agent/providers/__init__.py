"""agent/providers."""
