"""Providers turn a planned resource into Terraform text; the offline one is the default."""
