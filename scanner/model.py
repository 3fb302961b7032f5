"""What a scan finds, as plain data: one :class:`Found` per cloud object.

Collectors describe each object directly in the Terraform provider's vocabulary (argument
names, nested blocks), so the exporter only has to name things and resolve references. A value
that points at another cloud object is a :class:`Ref`: the exporter turns it into
``aws_vpc.main.id`` when the target was exported too, or keeps the literal ID otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from autcloud.agent.hcl import Block

GLOBAL_REGION = "global"


@dataclass(frozen=True)
class Ref:
    """A reference to another found object, by its key (an ID, ARN or one of its aliases)."""

    key: str
    attribute: str = "id"
    literal: str | None = None  # the text kept when the target is not exported (default: key)

    @property
    def fallback(self) -> str:
        return self.key if self.literal is None else self.literal


@dataclass(frozen=True)
class Json:
    """A value rendered as ``jsonencode(...)``; it may contain :class:`Ref` values."""

    value: Any


@dataclass
class Found:
    """One cloud object: how to write it as Terraform, how to import it, and why it was skipped.

    ``key`` is unique across every kind (EC2 IDs, ARNs, queue URLs), so references need no type.
    ``aliases`` are other keys the object can be referenced by (an ARN, a DNS name).
    ``parent`` scopes objects without tags of their own (listeners, rules) to their owner.
    """

    kind: str  # the Terraform resource type, e.g. "aws_vpc"
    key: str
    import_id: str
    name_hint: str
    region: str
    tags: dict[str, str] = field(default_factory=dict)
    arguments: dict[str, Any] = field(default_factory=dict)
    blocks: dict[str, Block | list[Block]] = field(default_factory=dict)
    ignore_changes: tuple[str, ...] = ()
    aliases: dict[str, str] = field(default_factory=dict)
    parent: str | None = None
    skip_reason: str | None = None  # set: found and listed, but not exported
    notes: tuple[str, ...] = ()  # what the export deliberately leaves out (secrets, code)
    # Arguments with a provider default that an import records no value for (terraform-only
    # settings, or AWS did not report them): not written, and ignored, so that adopting the
    # object never resets them to the provider's default.
    unrecorded: tuple[str, ...] = ()
    taggable: bool = True  # False: the provider has no `tags` argument for this kind

    @property
    def exported(self) -> bool:
        return self.skip_reason is None


@dataclass(frozen=True)
class KindFailure:
    """A kind that could not be scanned (permission missing, API not offered), and why."""

    kind: str
    code: str
    message: str


def user_tags(tags: dict[str, str]) -> dict[str, str]:
    """Tags Terraform may set: ``aws:`` tags are reserved by AWS and cannot be written."""
    return {k: v for k, v in sorted(tags.items()) if not k.startswith("aws:")}
