"""Apply a design with the real terraform and AWS provider against a moto server.

The design's own files are untouched: an ``override.tf`` written beside them points every provider
block (aliases included) at the moto server with test credentials. Resources of a type moto cannot
create (``moto_gaps.py``), and everything that refers to them, are left out with ``-target`` for
the rest, and reported.

Run by hand: ``python -m tests.deploy.harness "a request"`` (starts its own moto server).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import boto3

from autcloud.agent.tfparse import TerraformModule, load_folder
from autcloud.agent.validation.terraform_env import TerraformSetup
from tests.deploy.moto_gaps import gap_name, gap_of

# Provider 5.x endpoint keys for every service a design can use.
ENDPOINT_SERVICES = (
    "acm", "apigateway", "apigatewayv2", "appautoscaling", "appsync", "athena", "autoscaling",
    "backup", "batch", "budgets", "cloudfront", "cloudtrail", "cloudwatch", "cognitoidp",
    "configservice", "dynamodb", "ec2", "ecr", "ecs", "efs", "eks", "elasticache", "elb",
    "elbv2", "events", "firehose", "glue", "guardduty", "iam", "iot", "kafka", "kinesis", "kms",
    "lambda", "logs", "mq", "opensearch", "rds", "redshiftserverless", "route53", "s3",
    "scheduler", "secretsmanager", "securityhub", "servicediscovery", "ses", "sesv2", "sfn",
    "sns", "sqs", "ssm", "sts", "wafv2", "xray",
)  # fmt: skip
# Fixed waits of the provider before it first asks for a resource's state, however quickly the
# emulator has it ready: an apply with such a resource gets that much longer before it counts as
# hung. OpenSearch: waitForDomainCreation sleeps 10 minutes before its first DescribeDomain.
PROVIDER_DELAYS = {"aws_opensearch_domain": 600.0}
_REFERENCE = re.compile(r"\b(aws_[a-z0-9_]+\.[a-z_][a-z0-9_]*)")
_ADDED = re.compile(r"Apply complete! Resources: (\d+) added")
_ERROR = re.compile(r"^Error: (.+)$", re.MULTILINE)


@dataclass
class ApplyOutcome:
    returncode: int
    added: int
    blocks: int  # resource blocks applied (those not left out); count and for_each make more
    errors: list[str] = field(default_factory=list)
    left_out: dict[str, str] = field(default_factory=dict)  # address -> why
    log: str = ""

    @property
    def succeeded(self) -> bool:
        return self.returncode == 0 and not self.errors

    def gaps(self) -> dict[str, str]:
        """The resources left out as moto gaps themselves (not for referring to one), each with
        its gap's name."""
        return {
            address: gap_name(address.split(".")[0], why)
            for address, why in sorted(self.left_out.items())
            if not why.startswith("refers to ")
        }

    def record(self, folder: Path, design: str) -> None:
        """What a catalog design did, for ``scripts/deploy_catalog.py --results`` (one file a
        design, so parallel workers never write the same file)."""
        folder.mkdir(parents=True, exist_ok=True)
        summary = {
            "design": design,
            "applied": self.succeeded,
            "added": self.added,
            "blocks": self.blocks,
            "gaps": self.gaps(),
            "left_out": len(self.left_out),
            "first_error": self.errors[0] if self.errors else "",
        }
        (folder / f"{design}.json").write_text(json.dumps(summary, indent=1), encoding="utf-8")


def override_text(module: TerraformModule, endpoint: str) -> str:
    lines = ["# Written by the apply tests: every provider block talks to the moto server."]
    aliases = [attributes.get("alias") for name, attributes in module.providers if name == "aws"]
    for alias in aliases or [None]:
        lines.append('provider "aws" {')
        if alias:
            lines.append(f"  alias = {json.dumps(alias)}")
        lines += [
            '  access_key                  = "test"',
            '  secret_key                  = "test"',
            "  skip_credentials_validation = true",
            "  skip_metadata_api_check     = true",
            "  s3_use_path_style           = true",
            # moto answers an unimplemented call with HTTP 500, which the provider would retry
            # for many minutes.
            "  max_retries                 = 2",
            "  endpoints {",
            *(f"    {service} = {json.dumps(endpoint)}" for service in ENDPOINT_SERVICES),
            "  }",
            "}",
        ]
    return "\n".join(lines) + "\n"


def left_out(module: TerraformModule) -> dict[str, str]:
    """Resources of a moto gap, and every resource that refers to one (transitively)."""
    refers: dict[str, set[str]] = {}
    excluded: dict[str, str] = {}
    for rtype, name, attributes in module.iter_resources():
        text = json.dumps(attributes)
        refers[f"{rtype}.{name}"] = set(_REFERENCE.findall(text))
        why = gap_of(rtype, attributes)
        if why is not None:
            excluded[f"{rtype}.{name}"] = why
    changed = True
    while changed:
        changed = False
        for address, targets in refers.items():
            if address in excluded:
                continue
            cause = next((t for t in targets if t in excluded), None)
            if cause is not None:
                excluded[address] = f"refers to {cause}, which is left out"
                changed = True
    return excluded


def required_inputs(module: TerraformModule, endpoint: str) -> dict[str, str]:
    """Values for the variables a user must supply (design.json ``required_inputs``), made in
    the emulated account as the variable's description tells the user to."""
    values: dict[str, str] = {}
    region = str(module.variables.get("region", {}).get("default", "us-east-1"))
    for name, variable in module.variables.items():
        if "default" in variable:
            continue
        if name.endswith("certificate_arn"):
            acm = boto3.client(
                "acm",
                endpoint_url=endpoint,
                region_name=region,
                aws_access_key_id="test",
                aws_secret_access_key="test",
            )
            values[name] = acm.request_certificate(DomainName="app.example.com")["CertificateArn"]
        elif re.search(r"(password|secret|client_id)$", name):
            # Credentials the user brings from elsewhere (an identity provider, a secret store):
            # moto checks none, so any value that passes the variable's own validation does.
            values[name] = f"ApplyTest-{name.replace('_', '-')}-0123456789"
        else:
            raise ValueError(f"variable {name} has no default and the apply tests cannot make one")
    existing_zone(module, endpoint, region)
    return values


def existing_zone(module: TerraformModule, endpoint: str, region: str) -> None:
    """A design that serves its domain from the account's existing hosted zone (create_dns_zone
    = false, the default for a domain alone) looks it up by name: make it, as the design's
    assumption tells the user it must exist."""
    create = module.variables.get("create_dns_zone", {}).get("default")
    zone = module.variables.get("dns_zone_name", {}).get("default")
    if create is not False or not isinstance(zone, str):
        return
    route53 = boto3.client(
        "route53",
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    known = route53.list_hosted_zones_by_name(DNSName=zone).get("HostedZones", [])
    if not any(z["Name"].rstrip(".") == zone for z in known):
        route53.create_hosted_zone(Name=zone, CallerReference=f"apply-test-{zone}")


def apply(folder: Path, endpoint: str, *, timeout: float = 1200) -> ApplyOutcome:
    """``terraform init`` and ``apply`` of ``folder`` against the moto server at ``endpoint``."""
    setup = TerraformSetup.discover()
    if setup.terraform is None or setup.unavailable_reason:
        raise RuntimeError(setup.unavailable_reason or "terraform is not installed")
    module = load_folder(folder)
    (folder / "override.tf").write_text(override_text(module, endpoint), encoding="utf-8")
    excluded = left_out(module)
    applied_types = {
        rtype for rtype, name, _ in module.iter_resources() if f"{rtype}.{name}" not in excluded
    }
    timeout += max((PROVIDER_DELAYS.get(rtype, 0.0) for rtype in applied_types), default=0.0)
    targets = [
        f"-target={rtype}.{name}"
        for rtype, name, _ in module.iter_resources()
        if f"{rtype}.{name}" not in excluded
    ]
    env = {
        **setup.subprocess_env(),
        "TF_CLI_CONFIG_FILE": str(setup.cli_config_file()),
        "TF_IN_AUTOMATION": "1",
    }

    def terraform(*args: str) -> subprocess.CompletedProcess[str]:
        command = [setup.terraform or "terraform", *args, "-no-color", "-input=false"]
        try:
            return subprocess.run(
                command,
                cwd=folder,
                env=env,
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as expired:
            # A resource waiting for a state moto never reports: a failure with its log.
            output = expired.stdout.decode() if isinstance(expired.stdout, bytes) else ""
            # Only those that never finished: "Still creating" is printed by every resource
            # that takes more than ten seconds, most of which complete.
            started = set(re.findall(r"^(\S+): Still creating", output, re.MULTILINE))
            done = set(re.findall(r"^(\S+): Creation (?:complete|errored)", output, re.MULTILINE))
            waiting = sorted(started - done)
            message = f"Error: terraform {args[0]} timed out after {timeout:.0f} s"
            if waiting:
                message += f" waiting for {', '.join(waiting)}"
            return subprocess.CompletedProcess(command, 124, output, message + "\n")

    try:
        values = required_inputs(module, endpoint)
    except ValueError as problem:
        # Reported like any other failure, so the first error says why (it was empty).
        return ApplyOutcome(2, 0, 0, [f"harness: {problem}"], excluded, str(problem))
    inputs = [f"-var={name}={value}" for name, value in values.items()]
    init = terraform("init")
    if init.returncode != 0:
        return ApplyOutcome(
            init.returncode, 0, 0, _errors(init, init.stderr), excluded, init.stderr
        )
    extra = targets if excluded else []
    run = terraform("apply", "-auto-approve", "-parallelism=20", *inputs, *extra)
    log = run.stdout + run.stderr
    added = _ADDED.search(log)
    return ApplyOutcome(
        returncode=run.returncode,
        added=int(added.group(1)) if added else 0,
        blocks=len(list(module.iter_resources())) - len(excluded),
        errors=_errors(run, log),
        left_out=excluded,
        log=log,
    )


def _errors(run: subprocess.CompletedProcess[str], log: str) -> list[str]:
    """Terraform's errors, each with the resource it names; a failure that printed no
    "Error:" line (a crash, a killed provider) still reports its last words."""
    found: list[str] = []
    at = 0
    for message in _ERROR.findall(run.stderr):
        # Each occurrence in turn: two resources can fail with the same summary.
        at = log.find(message, at)
        found.append(_first_lines(message, log[max(at, 0) :]))
        at = at + 1 if at >= 0 else 0
    if found or run.returncode == 0:
        return found
    last = [line.strip() for line in (run.stderr or log).splitlines() if line.strip()]
    return [f"?: {' | '.join(last[-3:])}" if last else "?: terraform failed and printed nothing"]


def _first_lines(message: str, log: str) -> str:
    """The error with the resource it names ("with aws_db_instance.main")."""
    at = log.find(message)
    following = log[at : at + 1500]
    resource = re.search(r"with (\S+),", following)
    return f"{resource.group(1) if resource else '?'}: {message}"


def _main(request: str) -> int:
    import asyncio

    from autcloud.agent.design import run_design
    from tests.scanner.conftest import start_moto, stop

    server = start_moto({"MOTO_IAM_LOAD_MANAGED_POLICIES": "true"})
    try:
        result = asyncio.run(run_design(request, assume_defaults=True))
        with tempfile.TemporaryDirectory() as work:
            folder = Path(work)
            for name, text in result.files.items():
                (folder / name).write_text(text, encoding="utf-8")
            outcome = apply(folder, server.url)
    finally:
        stop(server)
    print(f"added {outcome.added} resources ({outcome.blocks} blocks); exit {outcome.returncode}")
    for address, why in outcome.left_out.items():
        print(f"  left out {address}: {why}")
    for error in outcome.errors:
        print(f"  error {error}")
    return 0 if outcome.succeeded else 1


if __name__ == "__main__":
    sys.exit(_main(" ".join(sys.argv[1:])))
