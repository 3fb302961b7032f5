"""What a catalog building block produces: resources, variables and outputs, as data."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from autcloud.agent.hcl import Block, Call, Expr
from autcloud.agent.requirements import Requirements
from autcloud.agent.tfparse import TerraformModule

T = TypeVar("T")

# Files a person would open, in the order a reader meets them.
TOPICS = (
    "network",
    "security",
    "edge",
    "compute",
    "data",
    "storage",
    "messaging",
    "analytics",
    "observability",
)
_REFERENCE = re.compile(r"(?<![\w.\"])((?:data\.)?aws_[a-z0-9_]+\.[a-z_][a-z0-9_]*)")
_VARIABLE = re.compile(r"(?<![\w.])var\.([a-z_][a-z0-9_]*)")
_LOCAL = re.compile(r"(?<![\w.])local\.([a-z_][a-z0-9_]*)")


def policy_document(statements: list[dict[str, Any]]) -> Call:
    """An IAM policy document (identity, trust, key, bucket or topic policy) of ``statements``."""
    return Call("jsonencode", {"Version": "2012-10-17", "Statement": statements})


def policy_statements(policy: Any) -> list[dict[str, Any]]:
    """The statements of a policy document, rendered (``jsonencode``) or not: appending adds one."""
    document = policy.argument if isinstance(policy, Call) else policy
    statements: list[dict[str, Any]] = document["Statement"]
    return statements


def from_source(
    sid: str, service: str, action: str, resource: Expr, source: Expr, match: str = "ArnLike"
) -> dict[str, Any]:
    """A resource-policy statement letting one AWS service act only on behalf of one source."""
    return {
        "Sid": sid,
        "Effect": "Allow",
        "Principal": {"Service": service},
        "Action": action,
        "Resource": resource,
        "Condition": {match: {"aws:SourceArn": source}},
    }


def deny_without_tls(sid: str, principal: Any, action: str, resource: Any) -> dict[str, Any]:
    """A resource-policy statement refusing ``action`` on ``resource`` to any request made
    without TLS."""
    return {
        "Sid": sid,
        "Effect": "Deny",
        "Principal": principal,
        "Action": action,
        "Resource": resource,
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def gather_statement(bp: Blueprint, address: str, statement: dict[str, Any]) -> bool:
    """Adds ``statement`` (once per Sid) to the resource policy at ``address``, which a queue or
    topic has one of; False when that policy does not exist yet."""
    existing = bp.find(address)
    if existing is None:
        return False
    statements = policy_statements(existing.body["policy"])
    if not any(s.get("Sid") == statement["Sid"] for s in statements):
        statements.append(statement)
    return True


def assume_role(service: str) -> Call:
    """The trust policy that lets one AWS service assume a role."""
    return policy_document(
        [{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": service}}]
    )


def interp(template: str) -> Expr:
    """A string with interpolations, e.g. ``interp("${local.name}-vpc")``.

    A template that is one interpolation and nothing else becomes the bare expression, as
    ``terraform fmt`` writes it (``"${local.name}"`` → ``local.name``).
    """
    whole = re.fullmatch(r"\$\{([^{}]+)\}", template)
    if whole:
        return Expr(whole.group(1))
    return Expr('"' + template.replace('"', '\\"') + '"')


@dataclass
class ResourceSpec:
    """One resource (or data source) of a design, before any text is generated."""

    type: str
    name: str
    topic: str
    reason: str
    body: dict[str, Any] = field(default_factory=dict)
    data_source: bool = False
    comments: tuple[str, ...] = ()  # e.g. "checkov:skip=CKV_AWS_xx:reason"
    block: str = ""  # the catalog block that produced it

    @property
    def address(self) -> str:
        return f"{'data.' if self.data_source else ''}{self.type}.{self.name}"

    def skip(self, check: str, why: str) -> None:
        """Tells checkov to skip ``check`` here; ``why`` is the reason its finding does not apply."""
        self.comments = (*self.comments, f"checkov:skip={check}:{why}")

    def unskip(self, *checks: str) -> None:
        """Drops the checkov skips of ``checks``: what they excused is now done."""
        self.comments = tuple(
            c for c in self.comments if not any(c.startswith(f"checkov:skip={k}:") for k in checks)
        )

    def to_block(self) -> Block:
        kind = "data" if self.data_source else "resource"
        return Block(kind, (self.type, self.name), self.body, comments=self.comments)

    def references(self) -> set[str]:
        """Addresses of the other resources this one refers to."""
        return {
            match for match in _REFERENCE.findall(_expressions(self.body)) if match != self.address
        }

    def variables(self) -> set[str]:
        return set(_VARIABLE.findall(_expressions(self.body)))

    def locals(self) -> set[str]:
        return set(_LOCAL.findall(_expressions(self.body)))


@dataclass(frozen=True)
class Variable:
    name: str
    type: str  # HCL type expression: string, number, bool, list(string), ...
    description: str
    default: Any = None
    sensitive: bool = False
    validation: tuple[str, str] | None = None  # (condition, error_message)

    def to_block(self) -> Block:
        body: dict[str, Any] = {"description": self.description, "type": Expr(self.type)}
        if self.default is not None:
            body["default"] = self.default
        if self.sensitive:
            body["sensitive"] = True
        if self.validation:
            condition, message = self.validation
            body["validation"] = Block(
                "validation", body={"condition": Expr(condition), "error_message": message}
            )
        return Block("variable", (self.name,), body)


@dataclass(frozen=True)
class Output:
    name: str
    value: str  # an expression
    description: str
    sensitive: bool = False

    def to_block(self) -> Block:
        body: dict[str, Any] = {"description": self.description, "value": Expr(self.value)}
        if self.sensitive:
            body["sensitive"] = True
        return Block("output", (self.name,), body)


@dataclass
class Blueprint:
    """What the chosen building blocks add up to, before generation."""

    resources: list[ResourceSpec] = field(default_factory=list)
    variables: dict[str, Variable] = field(default_factory=dict)
    outputs: list[Output] = field(default_factory=list)
    locals: dict[str, Any] = field(default_factory=dict)
    needs_us_east_1: bool = False  # CloudFront certificates and WAF live there
    # Other regions a design reaches (disaster-recovery copies): provider alias -> region code.
    provider_regions: dict[str, str] = field(default_factory=dict)
    blocks: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # design decisions worth telling the person

    def add(self, *resources: ResourceSpec) -> None:
        self.resources.extend(resources)

    def var(self, variable: Variable) -> Expr:
        self.variables.setdefault(variable.name, variable)
        return Expr(f"var.{variable.name}")

    def out(self, *outputs: Output) -> None:
        self.outputs.extend(outputs)

    def find(self, address: str) -> ResourceSpec | None:
        return next((r for r in self.resources if r.address == address), None)

    def has(self, address: str) -> bool:
        return self.find(address) is not None

    def require(self, address: str, note: str) -> ResourceSpec | None:
        """The resource at ``address`` that an option applies to; when the design has none, the
        ``note`` tells the person why the option was not applied, and the answer is None."""
        found = self.find(address)
        if found is None:
            self.notes.append(note)
        return found


@dataclass
class Context:
    """The requirements plus the sizing decisions every block shares."""

    req: Requirements
    az_count: int
    nat_per_az: bool
    multi_az_data: bool
    size_steps_down: int = 0  # how far sizes were stepped down to meet the budget

    def sized(self, ladder: Sequence[T], natural: int) -> T:
        """The ladder's entry at ``natural``, stepped down for the budget (never below the first)."""
        return ladder[max(0, min(natural, len(ladder) - 1) - self.size_steps_down)]

    @property
    def ha(self) -> bool:
        return self.req.high_availability


def _expressions(value: Any) -> str:
    """All expression text inside a body, for reference scanning."""
    parts: list[str] = []

    def walk(item: Any) -> None:
        if isinstance(item, Expr):
            parts.append(item.text)
        elif isinstance(item, Call):
            walk(item.argument)
        elif isinstance(item, Block):
            walk(item.body)
        elif isinstance(item, dict):
            for nested in item.values():
                walk(nested)
        elif isinstance(item, list | tuple):
            for nested in item:
                walk(nested)

    walk(value)
    return "\n".join(parts)


def tags(name: str, **extra: str) -> dict[str, Any]:
    """Per-resource tags; project-wide tags come from the provider's default_tags."""
    return {"Name": interp(f"${{local.name}}-{name}"), **extra}


def unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def module_of(bp: Blueprint) -> TerraformModule:
    """The blueprint as a parsed Terraform module would read, without rendering and parsing it
    (so the planner can price alternatives in microseconds)."""
    module = TerraformModule()
    for spec in bp.resources:
        target = module.data if spec.data_source else module.resources
        target.setdefault(spec.type, {})[spec.name] = _plain(spec.body)
    for variable in bp.variables.values():
        module.variables[variable.name] = {"type": variable.type, "default": variable.default}
    module.locals.update({name: _plain(value) for name, value in bp.locals.items()})
    return module


def _plain(value: Any) -> Any:
    if isinstance(value, Expr):
        return "${" + value.text + "}"
    if isinstance(value, Call):
        # The references inside stay visible (the ledger proves wiring by them).
        inner = ", ".join(sorted(set(_REFERENCE.findall(_expressions(value.argument)))))
        return "${" + value.function + "(" + (inner or "...") + ")}"
    if isinstance(value, Block):
        return [_plain(value.body)]
    if isinstance(value, list) and value and all(isinstance(item, Block) for item in value):
        return [_plain(item.body) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items() if item is not None}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value
