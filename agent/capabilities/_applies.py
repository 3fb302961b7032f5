"""When a capability is wanted, for modules that declare several capabilities (cache_options,
database_options, dynamodb_options). Declares no capability itself."""

from __future__ import annotations

from autcloud.agent.requirements import Requirements


def built_by_first(req: Requirements) -> bool:
    """Never wanted on its own: the module's first capability builds every option asked, once."""
    return False
