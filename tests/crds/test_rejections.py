"""Malformed objects are rejected, each with an error that names the field and says what is wrong.

Every case is a valid sample object with one field changed (or removed); the sample itself is
accepted (test_samples_are_accepted), so that change alone is what the apiserver refuses. The
error is expected at the changed field unless the case names another path (``at``): rules that
span fields report where the user has to look.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import pytest

from tests.crds import samples
from tests.crds.apiserver import Invalid
from tests.crds.edits import edited, removing, setting
from tests.crds.manifests import api_for

SAMPLES: dict[str, Callable[[], dict[str, Any]]] = {
    "InfraDesign": samples.infradesign,
    "ProjectTag": samples.projecttag,
    "MonitorTarget": samples.monitortarget,
}
REMOVED = object()  # the value that means "delete the field"
ID, PT, MT = "InfraDesign", "ProjectTag", "MonitorTarget"


class Case(NamedTuple):
    name: str
    kind: str
    field: str
    value: Any
    says: str
    at: str = ""  # where the error is reported, when not at the changed field


METRIC = {"namespace": "AWS/EC2", "name": "CPUUtilization", "stat": "Average"}
GHE_OVER_SSH = {"repository": "git@ghe.acme:acme/infra.git", "githubAPIURL": "https://ghe.acme/v3"}
ONE_ARN = ["arn:aws:ec2:us-east-1:123456789012:instance/i-1"]

CASES = [
    # InfraDesign: the request
    Case("request missing", ID, "spec.request", REMOVED, "Required value"),
    Case("request too long", ID, "spec.request", "x" * 4001, "may not be longer than 4000"),
    Case("request empty", ID, "spec.request", "", "should be at least 1 chars long"),
    Case("request blank", ID, "spec.request", "  \n ", "not only whitespace"),
    Case("request a number", ID, "spec.request", 42, "must be of type string"),
    # InfraDesign: the conversation
    Case("answer without questionId", ID, "spec.conversation[0].questionId", REMOVED,
         "Required value: an answer needs questionId"),
    Case("change with questionId", ID, "spec.conversation[1].questionId", "region", "Forbidden"),
    Case("questionId pattern", ID, "spec.conversation[0].questionId", "Load", "should match"),
    Case("entry type", ID, "spec.conversation[0].type", "question", "Unsupported value"),
    Case("entry too long", ID, "spec.conversation[0].text", "y" * 2001, "Too long"),
    Case("conversation too long", ID, "spec.conversation", [{"type": "change", "text": "x"}] * 101,
         "Too many: 101: must have at most 100 items"),
    Case("duplicate entry id", ID, "spec.conversation[1].id", "m1",
         "Duplicate value: conversation ids must be unique", at="spec.conversation"),
    # InfraDesign: hints
    Case("region pattern", ID, "spec.hints.region", "seoul", "should match"),
    Case("currency", ID, "spec.hints.budget.currency", "EUR", 'supported values: "USD", "KRW"'),
    Case("negative budget", ID, "spec.hints.budget.amount", -5, "should be greater than 0"),
    Case("zero budget", ID, "spec.hints.budget.amount", 0, "should be greater than 0"),
    Case("budget as text", ID, "spec.hints.budget.amount", "800", "must be of type number"),
    Case("availability", ID, "spec.hints.availability", "extreme", "Unsupported value"),
    # InfraDesign: provider
    Case("provider name", ID, "spec.provider.name", "anthropic",
         'supported values: "offline", "openai", "bedrock"'),
    Case("openai without model", ID, "spec.provider.model", REMOVED,
         "Required value: provider.model is required"),
    Case("bedrock without model", ID, "spec.provider", {"name": "bedrock"}, "Required value",
         at="spec.provider.model"),
    Case("baseURL with offline", ID, "spec.provider", {"name": "offline", "baseURL": "https://x"},
         "Forbidden: baseURL applies only to the openai provider", at="spec.provider.baseURL"),
    Case("region with openai", ID, "spec.provider.region", "us-east-1", "Forbidden"),
    # InfraDesign: git and the rest
    Case("repository form", ID, "spec.git.repository", "not a repo", "must be a GitHub owner/repo"),
    Case("credentials in URL", ID, "spec.git.repository", "https://bot:ghp_x@github.com/a/b",
         "carries credentials"),
    Case("GitHub Enterprise over ssh", ID, "spec.git", GHE_OVER_SSH, "GitHub Enterprise",
         at="spec.git.githubAPIURL"),
    Case("git mode", ID, "spec.git.mode", "merge", 'supported values: "pullRequest", "push"'),
    Case("path escapes", ID, "spec.git.path", "../outside", "should match"),
    Case("branch name", ID, "spec.git.baseBranch", "release..1", "not a valid git branch name"),
    Case("author email", ID, "spec.git.author.email", "nobody", "should match"),
    Case("git without repository", ID, "spec.git.repository", REMOVED, "Required value"),
    Case("import without tag", ID, "spec.importExisting.tag", REMOVED, "Required value"),
    Case("object name", ID, "metadata.name", "Web_API", "RFC 1123 subdomain"),
    # ProjectTag
    Case("aws: prefix", PT, "spec.tag.key", "aws:cloudformation:stack", "reserved by AWS"),
    Case("AWS: prefix", PT, "spec.tag.key", "AWS:Project", "reserved by AWS"),
    Case("tag key too long", PT, "spec.tag.key", "k" * 129, "may not be longer than 128"),
    Case("tag value too long", PT, "spec.tag.value", "v" * 257, "may not be longer than 256"),
    Case("tag key characters", PT, "spec.tag.key", "Project<script>", "should match"),
    Case("tag missing", PT, "spec.tag", REMOVED, "Required value"),
    Case("too many regions", PT, "spec.regions", [f"us-east-{n}" for n in range(31)],
         "Too many: 31: must have at most 30 items"),
    Case("no regions", PT, "spec.regions", [], "should have at least 1 items"),
    Case("duplicate region", PT, "spec.regions", ["us-east-1", "us-east-1"],
         'Duplicate value: "us-east-1"', at="spec.regions[1]"),
    Case("region pattern", PT, "spec.regions[0]", "Seoul", "should match"),
    Case("resource kind", PT, "spec.resourceKinds[1]", "ec2:unicorn", "Unsupported value"),
    Case("arn form", PT, "spec.selectors.arns[0]", "s3://assets", "should match '^arn:"),
    Case("vpc id", PT, "spec.selectors.vpcIds[0]", "vpc-XYZ", "should match"),
    Case("mode", PT, "spec.mode", "fix", 'supported values: "report", "enforce"'),
    Case("overwrite", PT, "spec.overwrite", "sometimes", "Unsupported value"),
    Case("interval too short", PT, "spec.schedule.intervalMinutes", 2, "greater than or equal to 5"),
    Case("interval too long", PT, "spec.schedule.intervalMinutes", 1441, "less than or equal to 1440"),
    Case("interval fraction", PT, "spec.schedule.intervalMinutes", 7.5, "must be of type integer"),
    Case("endpoint URL", PT, "spec.endpointURL", "localhost:5000", "should match"),
    # MonitorTarget
    Case("selector and arns", MT, "spec.arns", ONE_ARN, "set exactly one of selector", at="spec"),
    Case("neither selector nor arns", MT, "spec.selector", REMOVED, "set exactly one", at="spec"),
    Case("selector without regions", MT, "spec.regions", REMOVED,
         "Required value: a tag selector needs regions"),
    Case("stat", MT, "spec.metrics[0].stat", "Median", "Unsupported value"),
    Case("period not a multiple of 60", MT, "spec.metrics[0].period", 90, "multiple of 60"),
    Case("period too short", MT, "spec.metrics[0].period", 30, "greater than or equal to 60"),
    Case("metric without namespace", MT, "spec.metrics[0].namespace", REMOVED, "Required value"),
    Case("too many metrics", MT, "spec.metrics", [METRIC] * 201, "Too many: 201"),
    Case("too many dimensions", MT, "spec.metrics[0].dimensions", {f"d{n}": "v" for n in range(31)},
         "must have at most 30"),
    Case("thresholds out of order", MT, "spec.thresholds.idleCpuPercent", 50,
         "idleCpuPercent < overProvisionedCpuPercent", at="spec.thresholds"),
    Case("ratio above 1", MT, "spec.thresholds.alb5xxRatio", 5, "less than or equal to 1"),
    Case("interval zero", MT, "spec.intervalMinutes", 0, "greater than or equal to 1"),
]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=[f"{case.kind}: {case.name}" for case in CASES])
def test_malformed_object_is_rejected_naming_the_field(case: Case) -> None:
    edit = removing(case.field) if case.value is REMOVED else setting(case.field, case.value)
    with pytest.raises(Invalid) as rejection:
        api_for(case.kind).create(edited(SAMPLES[case.kind](), edit))
    path = case.at or case.field
    at_path = [str(error) for error in rejection.value.errors if error.path == path]
    assert at_path, f"no error at {path}: {rejection.value}"
    assert any(case.says in text for text in at_path), f"{case.says!r} not in {at_path}"
    assert path in str(rejection.value)


def test_the_table_has_many_cases_for_each_kind() -> None:
    counts = {kind: sum(case.kind == kind for case in CASES) for kind in SAMPLES}
    assert min(counts.values()) >= 10, counts


@pytest.mark.parametrize("kind", SAMPLES)
def test_samples_are_accepted(kind: str) -> None:
    stored = api_for(kind).create(SAMPLES[kind]())
    assert stored.warnings == []
