"""agent/cost."""
