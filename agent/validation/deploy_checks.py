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
- ``DEPLOY_DNS_DELEGATION``: a certificate validates through records in a hosted zone this apply
  creates: its name servers are new, so validation waits until the registrar is pointed at them
  (apply hangs, then fails after 45 minutes). A warning when the zone is an opt-in the design
  explains (a ``count`` on a variable that is on by default).
- ``DEPLOY_NAME_LENGTH``: a name, with the variables' defaults, breaks the service's limit (load
  balancers and target groups 32 characters, buckets 3-63 lowercase, IAM roles 64, ...). A
  warning when only the longest project name the ``project`` variable allows would break it.
- ``DEPLOY_GPU_AMI``: NVIDIA GPU instances launch from plain Amazon Linux, which has no GPU
  driver (the GPU is invisible to the application).
- ``DEPLOY_CONTAINER``: a task runs a well-known image on another port than the one it listens on
  (health checks never pass), or with a read-only root filesystem and none of the writable paths
  the image needs (it exits at start).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from autcloud.agent.catalog.compute import is_nvidia_gpu
from autcloud.agent.datafile import load_yaml_unique_keys
from autcloud.agent.ledger import attribute_values, instances
from autcloud.agent.tfparse import TerraformModule
from autcloud.agent.validation.report import Finding, StepResult

Rule = Callable[[TerraformModule], Iterator[Finding]]


def _facts() -> dict[str, Any]:
    """deploy_facts.yaml: what AWS accepts at deploy time, per resource type."""
    return dict(load_yaml_unique_keys(Path(__file__).resolve().with_name("deploy_facts.yaml")))


_FACTS = _facts()
# (resource type, daily backup attribute, weekly maintenance attribute)
_WINDOWS = tuple((w["type"], w["backup"], w["maintenance"]) for w in _FACTS["windows"])
# (resource type, attribute that names the destination, the service that writes)
_PUBLISHERS = tuple((p["type"], p["attribute"], p["service"]) for p in _FACTS["publishers"])
_NEEDS_POLICY = frozenset(_FACTS["needs_policy"])
# destination type -> (its policy's type, the policy's reference argument, its KMS key argument)
_DESTINATIONS = {
    rtype: (d["policy"], d["reference"], d["key"]) for rtype, d in _FACTS["destinations"].items()
}
# (resource type, name argument) -> the longest name AWS accepts
NAME_LIMITS: dict[tuple[str, str], int] = {
    (rtype, argument): int(limit)
    for rtype, limits in _FACTS["name_limits"].items()
    for argument, limit in limits.items()
}
# image pattern -> (the port it listens on, paths it writes at start); the first match wins
KNOWN_IMAGES: tuple[tuple[re.Pattern[str], int, tuple[str, ...]], ...] = tuple(
    (re.compile(i["image"]), int(i["port"]), tuple(i["writes"])) for i in _FACTS["known_images"]
)

_DAY = 24 * 60
_WEEK = 7 * _DAY
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_CLOCK = r"(\d{2}):(\d{2})"
_DAILY = re.compile(rf"^{_CLOCK}-{_CLOCK}$")
_WEEKLY = re.compile(rf"^([a-z]{{3}}):{_CLOCK}-([a-z]{{3}}):{_CLOCK}$", re.IGNORECASE)


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


# --- DNS delegation ---------------------------------------------------------------------------


def _managed_zones(module: TerraformModule, value: Any, depth: int = 0) -> set[str]:
    """The hosted zones this apply creates that a value refers to (not data sources)."""
    text = json.dumps(value)
    found = {
        f"aws_route53_zone.{name}"
        for name in re.findall(r"(?<!data\.)\baws_route53_zone\.(\w+)", text)
    }
    if depth < 3:
        for name in re.findall(r"\blocal\.([a-z_][a-z0-9_]*)", text):
            found |= _managed_zones(module, module.locals.get(name), depth + 1)
    return found


def dns_delegation(module: TerraformModule) -> Iterator[Finding]:
    zones = module.resources.get("aws_route53_zone", {})
    for address, body in instances(module, "aws_acm_certificate_validation"):
        records = {
            r.partition(".")[2]
            for r in _refs(body.get("validation_record_fqdns"))
            if r.startswith("aws_route53_record.")
        }
        created: set[str] = set()
        for record in records:
            zone_ref = module.resources.get("aws_route53_record", {}).get(record, {}).get("zone_id")
            created |= _managed_zones(module, zone_ref)
        for zone in sorted(created):
            count = zones.get(zone.partition(".")[2], {}).get("count")
            choice = re.search(r"var\.([a-z_][a-z0-9_]*)\s*\?\s*1\s*:\s*0", str(count or ""))
            opted_in = choice is not None and module.variables.get(choice.group(1), {}).get(
                "default"
            ) in (True, "true")
            if count is not None and not opted_in:
                continue  # created only when someone opts in (and the design says what follows)
            yield Finding(
                "DEPLOY_DNS_DELEGATION",
                f"{address} waits for DNS records in {zone}, which this apply creates: until the "
                "domain's registrar points at its new name servers the certificate is never "
                "issued, and apply hangs for 45 minutes, then fails. Fix: use the hosted zone that "
                "already exists (a data source), or apply the zone first, delegate, then the rest.",
                address,
                severity="warning" if opted_in else "error",
            )


# --- name limits ------------------------------------------------------------------------------

# The longest name per resource type and argument: NAME_LIMITS (deploy_facts.yaml).
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]*[a-z0-9]$")
_LONGEST_PROJECT = re.compile(r"\{1,(\d+)\}\$")  # the project variable's validation pattern


def _expand(
    module: TerraformModule, text: str, overrides: dict[str, str], depth: int = 0
) -> str | None:
    """A name with every ${var.x} and ${local.x} replaced by its value; None if it holds anything else."""

    def value(match: re.Match[str]) -> str:
        scope, name = match.group(1), match.group(2)
        if scope == "var" and name in overrides:
            return overrides[name]
        found = (
            module.variables.get(name, {}).get("default")
            if scope == "var"
            else module.locals.get(name)
        )
        if not isinstance(found, str | int) or isinstance(found, bool):
            raise LookupError(name)
        expanded = _expand(module, str(found), overrides, depth + 1) if depth < 4 else None
        if expanded is None:
            raise LookupError(name)
        return expanded

    try:
        expanded = re.sub(r"\$\{(var|local)\.([a-z_][a-z0-9_]*)\}", value, text)
    except LookupError:
        return None
    return None if "${" in expanded else expanded


def _longest_project(module: TerraformModule) -> str | None:
    for validation in module.variables.get("project", {}).get("validation", []) or []:
        found = _LONGEST_PROJECT.search(str(validation.get("condition", "")))
        if found:
            return "p" * (int(found.group(1)) + 1)
    return None


def name_lengths(module: TerraformModule) -> Iterator[Finding]:
    longest = _longest_project(module)
    for (rtype, argument), limit in NAME_LIMITS.items():
        for address, body in instances(module, rtype):
            text = body.get(argument)
            if not isinstance(text, str):
                continue
            name = _expand(module, text, {})
            if name is None:
                continue
            problem = _name_problem(rtype, argument, name, limit)
            if problem:
                yield Finding(
                    "DEPLOY_NAME_LENGTH",
                    f"{address}: {argument} {name!r} {problem}: AWS refuses it. Fix: shorten the "
                    "name (or its prefix), or use substr() to cap it.",
                    address,
                )
                continue
            worst = _expand(module, text, {"project": longest}) if longest else None
            problem = _name_problem(rtype, argument, worst, limit) if worst else None
            if problem:
                yield Finding(
                    "DEPLOY_NAME_LENGTH",
                    f"{address}: with the longest project name the project variable allows, "
                    f"{argument} {worst!r} {problem}. Fix: cap it with substr(), or allow "
                    "shorter project names.",
                    address,
                    severity="warning",
                )


def _name_problem(rtype: str, argument: str, name: str, limit: int) -> str | None:
    if len(name) > limit:
        return f"is {len(name)} characters, over the limit of {limit}"
    if (
        rtype == "aws_s3_bucket"
        and argument == "bucket"
        and not (len(name) >= 3 and _BUCKET.match(name) and ".." not in name)
    ):
        return "is not 3-63 lowercase letters, digits, dots and hyphens"
    return None


# --- containers -------------------------------------------------------------------------------
# Known images: KNOWN_IMAGES (deploy_facts.yaml).


def _field(definitions: str, key: str) -> list[str]:
    return re.findall(rf'\b{key}\s*=\s*("[^"]*"|[A-Za-z0-9_.\[\]]+)', definitions)


def _literal(module: TerraformModule, token: str) -> Any:
    if token.startswith('"'):
        return token.strip('"')
    if token.startswith("var."):
        return module.variables.get(token[4:], {}).get("default")
    return token


def containers(module: TerraformModule) -> Iterator[Finding]:
    for address, body in instances(module, "aws_ecs_task_definition"):
        definitions = str(body.get("container_definitions", ""))
        images = _field(definitions, "image")
        if len(images) != 1:  # one container: its port and paths are unambiguous
            continue
        image = _literal(module, images[0])
        known = next(
            (k for k in KNOWN_IMAGES if isinstance(image, str) and k[0].search(image)), None
        )
        if known is None:
            continue
        _, listens, writes = known
        ports = [_literal(module, p) for p in _field(definitions, "containerPort")]
        wrong = [p for p in ports if str(p) != str(listens)]
        if wrong:
            yield Finding(
                "DEPLOY_CONTAINER",
                f"{address} runs {image}, which listens on port {listens}, but maps container "
                f"port {wrong[0]}: the load balancer's health checks never pass. Fix: container "
                f"port {listens}, or an image that listens on {wrong[0]}.",
                address,
                # A variable's default is a placeholder the person replaces with their image
                # (the design says so); a literal image is what will run.
                severity="warning" if images[0].startswith("var.") else "error",
            )
        if re.search(r"readonlyRootFilesystem\s*=\s*true", definitions):
            mounted = {path.strip('"') for path in _field(definitions, "containerPath")}
            missing = [path for path in writes if path not in mounted]
            if missing:
                yield Finding(
                    "DEPLOY_CONTAINER",
                    f"{address} runs {image} with a read-only root filesystem, but it writes "
                    f"{', '.join(missing)} at start and exits. Fix: mount a task volume at "
                    f"{', '.join(missing)}.",
                    address,
                )


# --- GPU images -------------------------------------------------------------------------------


def gpu_images(module: TerraformModule) -> Iterator[Finding]:
    for rtype, image_key in (("aws_launch_template", "image_id"), ("aws_instance", "ami")):
        for address, body in instances(module, rtype):
            instance_type = _first(module, body, "instance_type")
            if not isinstance(instance_type, str) or not is_nvidia_gpu(instance_type):
                continue
            parameters = set(
                re.findall(r"data\.aws_ssm_parameter\.(\w+)", json.dumps(body.get(image_key)))
            )
            for name in sorted(parameters):
                path = str(module.data.get("aws_ssm_parameter", {}).get(name, {}).get("name", ""))
                if "ami-amazon-linux-latest" in path:
                    yield Finding(
                        "DEPLOY_GPU_AMI",
                        f"{address} launches {instance_type} (NVIDIA GPU) from {path}, plain "
                        "Amazon Linux without the GPU driver: the application cannot see the GPU. "
                        "Fix: the Deep Learning Base AMI (/aws/service/deeplearning/ami/<arch>/"
                        "base-oss-nvidia-driver-gpu-amazon-linux-2023/latest/ami-id).",
                        address,
                    )


RULES: tuple[Rule, ...] = (
    windows,
    log_targets,
    key_grants,
    launch_keys,
    publish_policies,
    certificate_names,
    cloudfront_log_acls,
    lambda_code,
    dns_delegation,
    name_lengths,
    containers,
    gpu_images,
)


def deploy_checks(module: TerraformModule) -> StepResult:
    started = time.perf_counter()
    findings = [finding for rule in RULES for finding in rule(module)]
    errors = [f for f in findings if f.severity == "error"]
    reason = f"{len(findings)} deploy problem(s)" if findings else f"{len(RULES)} deploy rules hold"
    return StepResult.from_findings("deploy checks", started, findings, reason, failed=bool(errors))
