"""Deploy checks: what real AWS refuses or what would not work, though the files validate and an
emulator applies them. Static (they read the parsed module), so they run in quick validation, and
they report like checkov: an id, the resource, what is wrong and the fix.

- ``DEPLOY_WINDOWS``: a database's or cache's daily backup window overlaps or touches its weekly
  maintenance window (RDS refuses the instance).
- ``DEPLOY_LOG_TARGET``: S3 server access logs go to a bucket whose policy does not let
  ``logging.s3.amazonaws.com`` write (S3 refuses to turn logging on).
- ``DEPLOY_KEY_GRANT``: a service publishes to a topic or sends to a queue encrypted with a
  customer-managed key whose policy does not let that service use it (messages are dropped).
- ``DEPLOY_PUBLISH_POLICY``: an AWS service publishes to a topic or sends to a queue that has no
  policy statement for it (AWS refuses the trail or the notification; events are lost).
- ``DEPLOY_CERT_NAMES``: a CloudFront distribution's aliases and its certificate's names differ (an
  alias the certificate does not cover is refused; a certificate name with no alias is never served).
- ``DEPLOY_LOG_ACL``: CloudFront standard logs go to a bucket with ACLs off (BucketOwnerEnforced,
  the default of new buckets): CloudFront cannot deliver them.
- ``DEPLOY_LAMBDA_CODE``: a function's code is an object of a bucket this apply creates, and nothing
  in the design puts it there (CreateFunction fails). A warning when the design says so itself.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from typing import Any

from autcloud.agent.ledger import attribute_values, instances
from autcloud.agent.tfparse import TerraformModule
from autcloud.agent.validation.report import Finding, StepResult, StepStatus

Rule = Callable[[TerraformModule], Iterator[Finding]]

_DAY = 24 * 60
_WEEK = 7 * _DAY
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_CLOCK = r"(\d{2}):(\d{2})"
_DAILY = re.compile(rf"^{_CLOCK}-{_CLOCK}$")
_WEEKLY = re.compile(rf"^([a-z]{{3}}):{_CLOCK}-([a-z]{{3}}):{_CLOCK}$", re.IGNORECASE)

# (resource type, daily backup attribute, weekly maintenance attribute)
_WINDOWS = (
    ("aws_db_instance", "backup_window", "maintenance_window"),
    ("aws_rds_cluster", "preferred_backup_window", "preferred_maintenance_window"),
    ("aws_elasticache_replication_group", "snapshot_window", "maintenance_window"),
)


def _first(module: TerraformModule, body: dict[str, Any], path: str) -> Any:
    values = attribute_values(module, body, path)
    return values[0] if values else None


def _weekly(text: str) -> tuple[int, int] | None:
    match = _WEEKLY.match(text)
    if not match or match.group(1).lower() not in _DAYS or match.group(4).lower() not in _DAYS:
        return None
    start = (
        _DAYS.index(match.group(1).lower()) * _DAY + int(match.group(2)) * 60 + int(match.group(3))
    )
    end = (
        _DAYS.index(match.group(4).lower()) * _DAY + int(match.group(5)) * 60 + int(match.group(6))
    )
    return start, end if end > start else end + _WEEK


def _daily(text: str) -> list[tuple[int, int]] | None:
    """The daily window on each day of the week, in minutes of the week."""
    match = _DAILY.match(text)
    if not match:
        return None
    start = int(match.group(1)) * 60 + int(match.group(2))
    end = int(match.group(3)) * 60 + int(match.group(4))
    end = end if end > start else end + _DAY
    return [(day * _DAY + start, day * _DAY + end) for day in range(8)]  # day 7 wraps the week


def _meet(a: tuple[int, int], b: tuple[int, int]) -> bool:
    """Whether two intervals overlap or touch, also across the end of the week."""
    return any(a[0] <= b[1] + shift and b[0] + shift <= a[1] for shift in (-_WEEK, 0, _WEEK))


def windows(module: TerraformModule) -> Iterator[Finding]:
    for rtype, backup_path, maintenance_path in _WINDOWS:
        for address, body in instances(module, rtype):
            backup, maintenance = (
                _first(module, body, backup_path),
                _first(module, body, maintenance_path),
            )
            if not isinstance(backup, str) or not isinstance(maintenance, str):
                continue
            daily, weekly = _daily(backup), _weekly(maintenance)
            if daily is None or weekly is None:
                continue
            if any(_meet(day, weekly) for day in daily):
                yield Finding(
                    "DEPLOY_WINDOWS",
                    f"The backup window {backup} overlaps or touches the maintenance window "
                    f"{maintenance}: AWS refuses it. Fix: leave at least a minute between them "
                    "(for example backup 17:00-18:00, maintenance sun:18:30-sun:19:30).",
                    address,
                )


def _refs(value: Any) -> set[str]:
    return set(re.findall(r"\b(aws_[a-z0-9_]+\.[a-z_][a-z0-9_]*)", json.dumps(value)))


def _policies_of(module: TerraformModule, rtype: str, key: str, target: str) -> list[str]:
    """The policy texts of ``rtype`` resources whose ``key`` refers to ``target``."""
    return [
        json.dumps(body.get("policy", ""))
        for _, body in instances(module, rtype)
        if target in _refs(body.get(key))
    ]


def log_targets(module: TerraformModule) -> Iterator[Finding]:
    for address, body in instances(module, "aws_s3_bucket_logging"):
        for target in sorted(
            r for r in _refs(body.get("target_bucket")) if r.startswith("aws_s3_bucket.")
        ):
            policies = _policies_of(module, "aws_s3_bucket_policy", "bucket", target)
            if not any("logging.s3.amazonaws.com" in policy for policy in policies):
                yield Finding(
                    "DEPLOY_LOG_TARGET",
                    f"Access logs go to {target}, whose bucket policy does not let "
                    "logging.s3.amazonaws.com write: S3 refuses to turn logging on "
                    "(InvalidTargetBucketForLogging). Fix: allow s3:PutObject for that service "
                    "principal, conditioned on this account.",
                    address,
                )


# Who writes into a topic or queue: (resource type, attribute that names the destination, service)
_PUBLISHERS = (
    ("aws_cloudwatch_metric_alarm", "alarm_actions", "cloudwatch.amazonaws.com"),
    ("aws_cloudwatch_metric_alarm", "ok_actions", "cloudwatch.amazonaws.com"),
    ("aws_cloudtrail", "sns_topic_name", "cloudtrail.amazonaws.com"),
    ("aws_s3_bucket_notification", "topic", "s3.amazonaws.com"),
    ("aws_s3_bucket_notification", "queue", "s3.amazonaws.com"),
    ("aws_cloudwatch_event_target", "arn", "events.amazonaws.com"),
    ("aws_budgets_budget", "notification", "budgets.amazonaws.com"),
)
# Services that act for the account itself need no resource policy on the destination.
_NEEDS_POLICY = {
    "cloudtrail.amazonaws.com",
    "s3.amazonaws.com",
    "events.amazonaws.com",
    "budgets.amazonaws.com",
}
_DESTINATIONS = {
    "aws_sns_topic": ("aws_sns_topic_policy", "arn", "kms_master_key_id"),
    "aws_sqs_queue": ("aws_sqs_queue_policy", "queue_url", "kms_master_key_id"),
}


def _writers(module: TerraformModule) -> Iterator[tuple[str, str, str]]:
    """(publisher address, destination address, service) for each service that writes somewhere."""
    for rtype, attribute, service in _PUBLISHERS:
        for address, body in instances(module, rtype):
            for destination in sorted(_refs(body.get(attribute))):
                if destination.split(".")[0] in _DESTINATIONS:
                    yield address, destination, service


def key_grants(module: TerraformModule) -> Iterator[Finding]:
    for publisher, destination, service in _writers(module):
        rtype, _, name = destination.partition(".")
        body = module.resources.get(rtype, {}).get(name, {})
        keys = [k for k in _refs(body.get(_DESTINATIONS[rtype][2])) if k.startswith("aws_kms_key.")]
        for key in keys:
            policy = json.dumps(
                module.resources["aws_kms_key"].get(key.partition(".")[2], {}).get("policy", "")
            )
            if service not in policy:
                yield Finding(
                    "DEPLOY_KEY_GRANT",
                    f"{publisher} writes to {destination}, encrypted with {key}, whose policy does "
                    f"not let {service} use it: the messages are dropped. Fix: grant {service} "
                    "kms:GenerateDataKey* and kms:Decrypt in the key policy.",
                    key,
                )


_AUTOSCALING_ROLE = "AWSServiceRoleForAutoScaling"


def launch_keys(module: TerraformModule) -> Iterator[Finding]:
    """Auto Scaling launches through its service-linked role: a customer-managed key on the
    template's disks must grant that role, or every launch fails."""
    scaled = {
        ref
        for _, group in instances(module, "aws_autoscaling_group")
        for ref in _refs(group)
        if ref.startswith("aws_launch_template.")
    }
    for template in sorted(scaled):
        body = module.resources["aws_launch_template"].get(template.partition(".")[2], {})
        for key in sorted(
            r for r in _refs(body.get("block_device_mappings")) if r.startswith("aws_kms_key.")
        ):
            policy = json.dumps(
                module.resources.get("aws_kms_key", {}).get(key.partition(".")[2], {}).get("policy")
            )
            if _AUTOSCALING_ROLE not in policy:
                yield Finding(
                    "DEPLOY_KEY_GRANT",
                    f"{template} encrypts disks with {key}, whose policy does not grant "
                    f"{_AUTOSCALING_ROLE}: Auto Scaling cannot launch the instances. Fix: use the "
                    "AWS managed EBS key, or grant the service-linked role once it exists.",
                    template,
                )


def publish_policies(module: TerraformModule) -> Iterator[Finding]:
    for publisher, destination, service in _writers(module):
        if service not in _NEEDS_POLICY:
            continue
        policy_type, key, _ = _DESTINATIONS[destination.split(".")[0]]
        policies = _policies_of(module, policy_type, key, destination)
        if not any(service in policy for policy in policies):
            yield Finding(
                "DEPLOY_PUBLISH_POLICY",
                f"{publisher} ({service}) writes to {destination}, which has no {policy_type} "
                f"statement for {service}: AWS refuses it or drops what it sends. Fix: allow "
                f"{service} to write, conditioned on {publisher}'s ARN.",
                destination,
            )


def certificate_names(module: TerraformModule) -> Iterator[Finding]:
    for address, body in instances(module, "aws_cloudfront_distribution"):
        certificates = {
            ref.replace("aws_acm_certificate_validation.", "aws_acm_certificate.")
            for ref in _refs(body.get("viewer_certificate"))
            if ref.startswith("aws_acm_certificate")
        }
        aliases = set(_strings(_first(module, body, "aliases")))
        for certificate in sorted(certificates):
            cert = module.resources.get("aws_acm_certificate", {}).get(
                certificate.partition(".")[2]
            )
            if cert is None:
                continue
            names = {
                *_strings(cert.get("domain_name")),
                *_strings(cert.get("subject_alternative_names")),
            }
            unserved = sorted(names - aliases)
            uncovered = sorted(aliases - names)
            if unserved or uncovered:
                yield Finding(
                    "DEPLOY_CERT_NAMES",
                    f"{certificate} names {', '.join(sorted(names))} but the distribution's aliases "
                    f"are {', '.join(sorted(aliases)) or 'none'}"
                    + (f"; not served: {', '.join(unserved)}" if unserved else "")
                    + (f"; not covered: {', '.join(uncovered)}" if uncovered else "")
                    + ". Fix: give the distribution an alias (and a DNS record) for every "
                    "certificate name, and the certificate every alias.",
                    address,
                )


def cloudfront_log_acls(module: TerraformModule) -> Iterator[Finding]:
    for address, body in instances(module, "aws_cloudfront_distribution"):
        buckets = {r for r in _refs(body.get("logging_config")) if r.startswith("aws_s3_bucket.")}
        for bucket in sorted(buckets):
            ownership = [
                _first(module, controls, "rule.object_ownership")
                for _, controls in instances(module, "aws_s3_bucket_ownership_controls")
                if bucket in _refs(controls.get("bucket"))
            ]
            if not ownership or "BucketOwnerEnforced" in ownership:
                yield Finding(
                    "DEPLOY_LOG_ACL",
                    f"{address} writes standard logs to {bucket}, whose ACLs are off "
                    "(BucketOwnerEnforced): CloudFront delivers logs through an ACL grant and "
                    "cannot. Fix: object_ownership = BucketOwnerPreferred on that bucket.",
                    address,
                )


def lambda_code(module: TerraformModule) -> Iterator[Finding]:
    created_buckets = {
        f"aws_s3_bucket.{name}" for name in module.resources.get("aws_s3_bucket", {})
    }
    for address, body in instances(module, "aws_lambda_function"):
        if body.get("filename") or body.get("image_uri"):
            continue
        bucket = _refs(body.get("s3_bucket")) & created_buckets
        uploaded = any(ref.startswith("aws_s3_object.") for ref in _refs(body.get("s3_key")))
        if bucket and not uploaded:
            yield Finding(
                "DEPLOY_LAMBDA_CODE",
                f"The code of {address} is read from {min(bucket)}, which this apply creates empty: "
                "CreateFunction fails. Fix: upload the package (an aws_s3_object, or your pipeline) "
                "before the function is created.",
                address,
                # Compiled code (Java, Go on provided) cannot be made here: the design tells the
                # person to upload it, so this is a reminder, not a broken design.
                severity="error" if _interpreted(_first(module, body, "runtime")) else "warning",
            )


def _interpreted(runtime: Any) -> bool:
    return isinstance(runtime, str) and runtime.startswith(("python", "nodejs"))


def _strings(value: Any) -> list[str]:
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return [value] if isinstance(value, str) else []


RULES: tuple[Rule, ...] = (
    windows,
    log_targets,
    key_grants,
    launch_keys,
    publish_policies,
    certificate_names,
    cloudfront_log_acls,
    lambda_code,
)


def deploy_checks(module: TerraformModule) -> StepResult:
    started = time.perf_counter()
    findings = [finding for rule in RULES for finding in rule(module)]
    errors = [f for f in findings if f.severity == "error"]
    status = StepStatus.FAILED if errors else StepStatus.PASSED
    reason = f"{len(findings)} deploy problem(s)" if findings else f"{len(RULES)} deploy rules hold"
    return StepResult(
        "deploy checks",
        status,
        round((time.perf_counter() - started) * 1000, 2),
        findings,
        reason=reason,
    )
