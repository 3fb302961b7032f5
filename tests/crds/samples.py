"""Valid objects of each kind, each field filled in, for the tests to break one field at a time."""

from __future__ import annotations

from typing import Any


def infradesign() -> dict[str, Any]:
    return {
        "apiVersion": "autcloud.io/v1alpha1",
        "kind": "InfraDesign",
        "metadata": {"name": "web-api", "namespace": "default"},
        "spec": {
            "request": "A web API with PostgreSQL in Seoul",
            "conversation": [
                {"type": "answer", "questionId": "expected_load", "text": "5000 users", "id": "m1"},
                {"type": "change", "text": "Add a Redis cache", "id": "m2"},
            ],
            "hints": {
                "region": "ap-northeast-2",
                "budget": {"amount": 800, "currency": "USD"},
                "availability": "high",
            },
            "provider": {"name": "openai", "model": "gpt-4o-mini", "secretRef": {"name": "llm"}},
            "git": {
                "repository": "acme/infrastructure",
                "baseBranch": "main",
                "path": "designs/web-api",
                "mode": "pullRequest",
                "secretRef": {"name": "github-token"},
                "author": {"name": "AutCloud", "email": "bot@acme.example"},
            },
            "importExisting": {
                "region": "ap-northeast-2",
                "tag": {"key": "Project", "value": "web"},
            },
        },
    }


def infradesign_status() -> dict[str, Any]:
    return {
        "phase": "Ready",
        "observedGeneration": 3,
        "conditions": [
            _condition("Ready", "True", "Committed"),
            _condition("Reconciling", "False", "Idle"),
            _condition("Stalled", "False", "Idle"),
            _condition("Validated", "True", "ChecksPassed"),
            _condition("Committed", "True", "PullRequestOpened"),
        ],
        "questions": [{"id": "expected_load", "text": "How many users?", "default": "1000"}],
        "assumptions": ["Two Availability Zones"],
        "resources": {
            "count": 2,
            "levels": 2,
            "byType": [{"type": "aws_vpc", "count": 1}, {"type": "aws_subnet", "count": 1}],
            "items": [
                {"address": "aws_vpc.main", "type": "aws_vpc", "level": 0, "reason": "network"},
                {"address": "aws_subnet.a", "type": "aws_subnet", "level": 1},
            ],
            "truncated": False,
        },
        "validation": {
            "passed": True,
            "steps": [
                {"name": "fmt", "status": "passed", "durationMs": 12, "findings": 0},
                {"name": "checkov", "status": "skipped", "reason": "checkov is not installed"},
            ],
            "pillars": [
                {"pillar": "Security", "score": 96, "failing": ["CKV_AWS_16"]},
                {"pillar": "Reliability", "score": 100},
                {"pillar": "Sustainability", "assessed": False},
            ],
        },
        "cost": {"monthlyUSD": 612.4, "monthlyKRW": 845000, "asOf": "2025-01-15"},
        "git": {
            "commitSHA": "0123456789abcdef0123456789abcdef01234567",
            "branch": "autcloud/web-api",
            "path": "designs/web-api",
            "pullRequestURL": "https://github.com/acme/infrastructure/pull/7",
            "pullRequestNumber": 7,
        },
        "lastError": {
            "reason": "GitPushFailed",
            "message": "retried",
            "time": "2025-01-15T09:00:00Z",
        },
        "runID": "run-42",
        "inputHash": "sha256:abc",
    }


def projecttag() -> dict[str, Any]:
    return {
        "apiVersion": "autcloud.io/v1alpha1",
        "kind": "ProjectTag",
        "metadata": {"name": "checkout"},
        "spec": {
            "tag": {"key": "Project", "value": "checkout"},
            "regions": ["ap-northeast-2", "us-east-1"],
            "resourceKinds": ["ec2:instance", "rds:db"],
            "selectors": {
                "vpcIds": ["vpc-0a1b2c3d4e5f67890"],
                "namePattern": "^checkout-",
                "arns": ["arn:aws:s3:::checkout-assets"],
            },
            "mode": "report",
            "overwrite": "never",
            "schedule": {"intervalMinutes": 60},
            "credentials": {"secretRef": {"name": "aws"}},
            "endpointURL": "http://127.0.0.1:5000",
        },
    }


def projecttag_status() -> dict[str, Any]:
    arn = "arn:aws:ec2:ap-northeast-2:123456789012:instance/i-0abc"
    return {
        "observedGeneration": 1,
        "conditions": [_condition("Ready", "True", "ScanSucceeded")],
        "counts": {"matched": 10, "tagged": 8, "untagged": 2, "failed": 0},
        "untagged": [{"arn": arn, "kind": "ec2:instance", "region": "ap-northeast-2"}],
        "failed": [],
        "plannedChanges": [{"arn": arn, "add": {"Project": "checkout"}}],
        "lastScanTime": "2025-01-15T09:00:00Z",
        "nextScanTime": "2025-01-15T10:00:00Z",
    }


def monitortarget() -> dict[str, Any]:
    return {
        "apiVersion": "autcloud.io/v1alpha1",
        "kind": "MonitorTarget",
        "metadata": {"name": "checkout"},
        "spec": {
            "selector": {"tag": {"key": "Project", "value": "checkout"}},
            "regions": ["ap-northeast-2"],
            "metrics": [
                {
                    "namespace": "AWS/EC2",
                    "name": "CPUUtilization",
                    "stat": "p99",
                    "period": 300,
                    "dimensions": {"AutoScalingGroupName": "web"},
                }
            ],
            "intervalMinutes": 5,
            "thresholds": {"idleCpuPercent": 3, "alb5xxRatio": 0.02},
        },
    }


def monitortarget_status() -> dict[str, Any]:
    arn = "arn:aws:ec2:ap-northeast-2:123456789012:instance/i-0abc"
    return {
        "observedGeneration": 1,
        "conditions": [_condition("Ready", "True", "Collected")],
        "counts": {"resources": 4, "readings": 12, "insights": 1},
        "readings": [
            {
                "resource": arn,
                "metric": "AWS/EC2/CPUUtilization:Average",
                "value": 1.5,
                "unit": "Percent",
                "timestamp": "2025-01-15T09:00:00Z",
            }
        ],
        "insights": [
            {
                "kind": "Idle",
                "resource": arn,
                "evidence": {
                    "metric": "CPUUtilization:Maximum",
                    "window": "24h",
                    "value": 1.9,
                    "threshold": 5,
                },
                "suggestion": "Stop or remove the instance; it has been idle for a day.",
            }
        ],
        "lastCollectionTime": "2025-01-15T09:00:00Z",
    }


def _condition(kind: str, status: str, reason: str) -> dict[str, Any]:
    return {
        "type": kind,
        "status": status,
        "reason": reason,
        "message": f"{kind} is {status}.",
        "lastTransitionTime": "2025-01-15T09:00:00Z",
        "observedGeneration": 3,
    }
