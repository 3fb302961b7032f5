"""agent/validation."""
