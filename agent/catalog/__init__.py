"""agent/catalog."""
