"""The provider interface: how one planned resource becomes Terraform text."""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from autcloud.agent.catalog.base import ResourceSpec
from autcloud.agent.requirements import Requirements


class ResourceProvider(Protocol):
    """Generates the Terraform of one resource. Implementations must be safe to call concurrently."""

    name: str

    async def generate(self, spec: ResourceSpec, requirements: Requirements) -> str:
        """The resource's HCL block, ``terraform fmt``-clean."""
        ...


@runtime_checkable
class ReportingProvider(Protocol):
    """A provider with something to tell about its run (e.g. which resources fell back to the
    catalog's rendering); design.json carries it as ``provider_notes``."""

    def report(self) -> dict[str, Any]: ...
