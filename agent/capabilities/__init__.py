"""AWS capabilities: one module each, found by the planner through the registry."""
