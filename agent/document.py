"""design.json as one typed document: what the CLI writes, what the operator commits and reads.

:class:`DesignDocument` is the model of the file, field by field; its JSON Schema is published as
docs/design.schema.json (``scripts/design_schema.py`` writes it, a test keeps it current). The
design engine builds the document as a plain dict, in the key order people read it in, and
validates it through this model before anyone sees it (:func:`validated`): the bytes of
design.json stay exactly what the engine wrote, and a field that drifts from the model fails the
run in the tests instead of surprising a reader. Readers (the operator's status and pull request
summary, the CLI's console) read the model, never the dict.

A key that only some documents carry (``refusal``, ``cost``, ``budget`` ...) is optional here
and absent from the file when it does not apply; a key every document carries is required.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from functools import cache
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model
from pydantic.json_schema import SkipJsonSchema

from autcloud.agent.ledger import Ask, AskStatus, LedgerEntry
from autcloud.agent.validation.pillars import Pillar
from autcloud.agent.validation.report import StepStatus

SCHEMA_ID = "https://autcloud.io/schemas/design.schema.json"


# A key some documents leave out: absent, never null (``None`` in the model, not in the schema).
Absent = SkipJsonSchema[None]


class DesignStatus(StrEnum):
    DESIGNED = "designed"
    REFUSED = "refused"
    NEEDS_INPUT = "needs_input"
    INVALID = "invalid"  # designed, but a validation step failed


RefusalCode = Literal[
    "OffTopic", "PromptInjection", "SecretInRequest", "SecretsInInfrastructure", "UnsupportedCloud"
]
# The ids a question can have: the ids `autcloud design --answer ID=VALUE` accepts.
QuestionId = Literal[
    "region", "workload", "database_engine", "availability", "budget", "budget_alternative"
]
StepName = Literal[
    "parse",
    "references",
    "secrets",
    "terraform fmt",
    "terraform validate",
    "checkov",
    "deploy checks",
    "intent",
    "cost",
]


def _schema_extra(schema: dict[str, Any]) -> None:
    """A key that is absent when it does not apply has no default to show: it is never null."""
    for value in schema.get("properties", {}).values():
        if value.get("default", False) is None and "anyOf" not in value:
            del value["default"]


class _Part(BaseModel):
    """A section of design.json: no key the model does not name."""

    model_config = ConfigDict(extra="forbid", frozen=True, json_schema_extra=_schema_extra)


class Refusal(_Part):
    reason: str = Field(description="a sentence for the person: why, and what to ask instead")
    code: RefusalCode = Field(description="a CamelCase reason a program can switch on")


class Question(_Part):
    id: QuestionId = Field(description="answer it with --answer ID=VALUE (or spec.answers)")
    text: str
    default: str = Field(description="what --yes takes")


class Budget(_Part):
    amount: float = Field(description="as stated, in its currency")
    currency: Literal["USD", "KRW"]
    monthly_usd: float


class Requirements(_Part):
    """What was read from the request and the conversation (agent/requirements.py)."""

    language: Literal["en", "ko"]
    project: str
    environment: str
    region: str
    workloads: list[str]
    compute: Literal["ecs", "ec2", "eks", "lambda", "none"]
    databases: list[str] = Field(description="engines")
    features: list[str]
    compliance: list[str]
    high_availability: bool
    budget: Budget | None
    daily_users: int
    requests_per_second: int | None
    domain: str | None
    container_image: str | None
    container_port: int
    alert_emails: list[str]
    min_capacity: int | None
    max_capacity: int | None
    desired_count: int | None
    instance_type: str | None
    db_instance_class: str | None
    cache_node_type: str | None
    storage_gb: int | None
    schedule_expression: str | None
    schedule_timezone: str | None
    log_retention_days: int
    stated: list[str] = Field(description="names of the fields above the person gave")
    services: list[str] = Field(description="capability keys asked for by name")
    params: dict[str, Any] = Field(description="capability parameters stated, by name")
    private: bool = Field(description="'internal only', 'VPN only': no internet-facing entry")
    no_load_balancer: bool
    budget_choice: list[str] = Field(description="the cheaper structures chosen (an answer)")
    asks: list[Ask] = Field(description="every explicit ask, in conversation order")
    ledger: list[LedgerEntry] | Absent = Field(
        None, description="what became of each ask (docs/ledger.schema.json); once planned"
    )


class NoRequirements(_Part):
    """A refused request is never read: ``requirements`` is ``{}``."""


class PlannedResource(_Part):
    # The engine writes every key; a reader also takes lines with only address, type and level.
    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    address: str
    type: str
    level: int = Field(ge=0, description="its dependency level (see levels)")
    reason: str = Field("", description="why the design has it, for a person")
    file: str = Field("", description="the .tf file it is written to")


class Finding(_Part):
    check_id: str = Field(description="e.g. CKV_AWS_16, terraform.validate, intent.region")
    message: str
    address: str
    file: str
    line: int
    severity: Literal["error", "warning"]


class Step(_Part):
    name: StepName
    status: StepStatus
    duration_ms: float
    findings: list[Finding]
    reason: str = Field(description="why it was skipped or failed, or a one-line summary")
    details: dict[str, Any] = Field(
        description="the step's own figures; the cost step's are the document's cost"
    )


class FixIteration(_Part):
    iteration: int = Field(ge=1)
    applied: list[str]
    unfixed: list[str]


class PillarScore(_Part):
    pillar: Pillar
    score: Annotated[int, Field(ge=0, le=100)] | None = Field(
        description="the share of the pillar's checks that passed; null: none ran (not assessed)"
    )
    passed: int
    failed: int
    failing: list[str]
    assessed: bool


class SkippedCheck(_Part):
    """A checkov check skipped by an inline comment in the Terraform."""

    check_id: str
    address: str
    file: str
    line: int
    reason: str


class Validation(_Part):
    passed: bool
    steps: list[Step]
    # Only a design that was validated has these:
    fix_iterations: list[FixIteration] | Absent = None
    pillars: list[PillarScore] | Absent = None
    skipped_checks: list[SkippedCheck] | Absent = None


class RequiredInput(_Part):
    name: str = Field(description="a Terraform variable with no default")
    description: str
    sensitive: bool


class CostLine(_Part):
    address: str
    resource_type: str
    monthly_usd: float
    basis: str = Field(description="the arithmetic, e.g. '2 × db.t4g.medium Multi-AZ × 730 h'")
    priced: bool


class Cost(_Part):
    """The monthly estimate from the shipped price table (docs/cost.md)."""

    region: str
    currency: Literal["USD"]
    total_usd: float
    total_krw: int
    krw_per_usd: float
    krw_rate_note: str
    as_of: str
    source: str
    currency_note: str
    usage: dict[str, float] = Field(description="the usage assumed, by name")
    lines: list[CostLine]
    unpriced: list[str] = Field(description="addresses the table could not price")
    lower_bound: bool = Field(description="true when something is unpriced: 'at least'")
    budget_usd: float | Absent = None
    budget_gap_usd: float | Absent = None


class Alternative(_Part):
    id: str
    change: str
    trade_off: str
    monthly_usd: float
    saves_usd: float
    fits: bool
    drops: list[str] = Field(description="the person's words of asks it would stop honoring")
    applied: bool


class BudgetReport(_Part):
    limit_usd: float
    before_usd: float = Field(description="the design before any structure was applied")
    estimate_usd: float
    alternatives: list[Alternative]


class LedgerSummary(_Part):
    honored: int
    adjusted: int
    unsupported: int
    conflict: int
    superseded: int


class Fallback(_Part):
    address: str
    reason: str
    message: str


class ProviderNotes(_Part):
    model: str
    base_url: str
    accepted: list[str]
    fallbacks: list[Fallback]


def _document_schema_extra(schema: dict[str, Any]) -> None:
    _schema_extra(schema)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = SCHEMA_ID


class DesignDocument(_Part):
    """design.json: the request, what was read from it, the plan, its validation and cost."""

    model_config = ConfigDict(
        title="AutCloud design.json", json_schema_extra=_document_schema_extra
    )

    autcloud_version: str
    status: DesignStatus
    request: str = Field(description="the request, credentials redacted")
    provider: str = Field(description="offline, or openai (an OpenAI-compatible server)")
    region: str | None = Field(description="null when refused")
    requirements: Requirements | NoRequirements
    assumptions: list[str]
    questions: list[Question] = Field(description="open questions (status needs_input)")
    resources: list[PlannedResource]
    levels: list[list[str]] = Field(description="addresses by dependency level")
    validation: Validation
    timings_ms: dict[str, float] = Field(description="per node, 'generate' and 'total'")
    provider_notes: ProviderNotes | Absent = None
    refusal: Refusal | Absent = None
    ledger_summary: LedgerSummary | Absent = None
    region_name: str | Absent = None
    budget: BudgetReport | Absent = None
    required_inputs: list[RequiredInput] | Absent = None
    files: list[str] | Absent = Field(None, description="the .tf files written")
    cost: Cost | None = None
    diagram: list[str] | Absent = Field(None, description="diagram files the CLI wrote")

    @property
    def ledger(self) -> list[LedgerEntry]:
        requirements = self.requirements
        return (requirements.ledger or []) if isinstance(requirements, Requirements) else []

    @property
    def project(self) -> str | None:
        requirements = self.requirements
        return requirements.project if isinstance(requirements, Requirements) else None

    @property
    def budget_usd(self) -> float | None:
        requirements = self.requirements
        if isinstance(requirements, Requirements) and requirements.budget is not None:
            return requirements.budget.monthly_usd
        return None

    def not_honored(self) -> list[LedgerEntry]:
        """Asks built otherwise or not at all (superseded ones were replaced by a later ask)."""
        return [e for e in self.ledger if e.status not in (AskStatus.HONORED, AskStatus.SUPERSEDED)]


def validated(document: Mapping[str, Any]) -> DesignDocument:
    """The document as the model; raises pydantic's ValidationError naming the field."""
    return DesignDocument.model_validate(document)


def design_json_schema() -> dict[str, Any]:
    """The published schema (docs/design.schema.json): the document as the engine writes it."""
    return DesignDocument.model_json_schema(mode="serialization")


Document = DesignDocument | Mapping[str, Any]


@cache
def _section(name: str) -> type[BaseModel]:
    """A model of the one section ``name``, so that an error names it: "questions.0.id"."""
    field = DesignDocument.model_fields[name]
    return create_model("design.json", **{name: (field.annotation, field)})  # type: ignore[call-overload, no-any-return]


def sections(document: Document, *names: str) -> DesignDocument:
    """The document with the sections ``names`` read (each validated, naming the field when it
    is wrong); a reader that needs a few sections pays for those, and takes a document a
    person wrote with only them. A section the document lacks stays unset (None when optional);
    a model is returned as it is."""
    if isinstance(document, DesignDocument):
        return document
    read = {
        name: getattr(_section(name).model_validate({name: document[name]}), name)
        for name in names
        if name in document
    }
    return DesignDocument.model_construct(**read)
