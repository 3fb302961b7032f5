"""Each deploy rule on a module that breaks it and on one that keeps it; and the designs the
engine makes keep every rule (the review's findings, which failed before: alarm topics whose key
left CloudWatch out, CloudTrail and GuardDuty publishing to a topic with no policy for them, a
certificate's www. name CloudFront never served)."""

from __future__ import annotations

import asyncio
from functools import cache

import pytest

from autcloud.agent.design import run_design
from autcloud.agent.tfparse import load_texts
from autcloud.agent.validation.deploy_checks import (
    certificate_names,
    cloudfront_log_acls,
    containers,
    deploy_checks,
    dns_delegation,
    gpu_images,
    key_grants,
    lambda_code,
    launch_keys,
    log_targets,
    name_lengths,
    publish_policies,
    windows,
)

RDS = """
resource "aws_db_instance" "main" {
  backup_window      = "%s"
  maintenance_window = "%s"
}
"""


@pytest.mark.parametrize(
    ("backup", "maintenance"),
    [
        ("18:00-19:00", "sun:19:00-sun:20:00"),  # touching: what RDS refused under moto
        ("18:00-19:00", "sun:18:30-sun:19:30"),  # overlapping
        ("23:30-00:30", "mon:00:00-mon:01:00"),  # across midnight
        ("23:30-00:30", "sun:23:45-mon:00:15"),  # across the end of the week
    ],
)
def test_windows_that_meet_are_found(backup: str, maintenance: str) -> None:
    found = list(windows(load_texts({"main.tf": RDS % (backup, maintenance)})))
    assert [f.check_id for f in found] == ["DEPLOY_WINDOWS"]
    assert found[0].address == "aws_db_instance.main"


def test_separate_windows_pass_and_variables_are_resolved() -> None:
    assert not list(windows(load_texts({"main.tf": RDS % ("17:00-18:00", "sun:18:30-sun:19:30")})))
    module = load_texts(
        {
            "main.tf": RDS % ("${var.backup}", "sun:19:00-sun:20:00")
            + 'variable "backup" { default = "18:00-19:00" }\n'
        }
    )
    assert [f.check_id for f in windows(module)] == ["DEPLOY_WINDOWS"]


LOGGING = """
resource "aws_s3_bucket" "logs" { bucket = "l" }
resource "aws_s3_bucket" "data" { bucket = "d" }
resource "aws_s3_bucket_logging" "data" {
  bucket        = aws_s3_bucket.data.id
  target_bucket = aws_s3_bucket.logs.id
  target_prefix = "data/"
}
"""
LOG_POLICY = """
resource "aws_s3_bucket_policy" "logs" {
  bucket = aws_s3_bucket.logs.id
  policy = jsonencode({ Statement = [{ Principal = { Service = "%s" }, Action = "s3:PutObject" }] })
}
"""


def test_a_log_target_without_the_logging_service_in_its_policy_is_found() -> None:
    assert [f.check_id for f in log_targets(load_texts({"main.tf": LOGGING}))] == [
        "DEPLOY_LOG_TARGET"
    ]
    other = LOGGING + LOG_POLICY % "delivery.logs.amazonaws.com"
    assert [f.check_id for f in log_targets(load_texts({"main.tf": other}))] == [
        "DEPLOY_LOG_TARGET"
    ]


def test_a_log_target_that_lets_the_logging_service_write_passes() -> None:
    module = load_texts({"main.tf": LOGGING + LOG_POLICY % "logging.s3.amazonaws.com"})
    assert not list(log_targets(module))


TOPIC = """
resource "aws_kms_key" "main" {
  policy = jsonencode({ Statement = [{ Principal = { Service = [%s] } }] })
}
resource "aws_sns_topic" "alerts" { kms_master_key_id = aws_kms_key.main.id }
resource "aws_cloudwatch_metric_alarm" "cpu" { alarm_actions = [aws_sns_topic.alerts.arn] }
resource "aws_cloudtrail" "main" { sns_topic_name = aws_sns_topic.alerts.name }
"""
TOPIC_POLICY = """
resource "aws_sns_topic_policy" "alerts" {
  arn    = aws_sns_topic.alerts.arn
  policy = jsonencode({ Statement = [{ Principal = { Service = "%s" }, Action = "sns:Publish" }] })
}
"""


def test_a_publisher_the_topic_key_does_not_grant_is_found() -> None:
    module = load_texts({"main.tf": TOPIC % '"cloudtrail.amazonaws.com"'})
    found = list(key_grants(module))
    assert [(f.check_id, f.address) for f in found] == [("DEPLOY_KEY_GRANT", "aws_kms_key.main")]
    assert "cloudwatch.amazonaws.com" in found[0].message


def test_a_key_granting_every_publisher_passes() -> None:
    module = load_texts(
        {"main.tf": TOPIC % '"cloudtrail.amazonaws.com", "cloudwatch.amazonaws.com"'}
    )
    assert not list(key_grants(module))


def test_a_service_publisher_without_a_topic_statement_is_found() -> None:
    module = load_texts({"main.tf": TOPIC % '"cloudtrail.amazonaws.com"'})
    found = list(publish_policies(module))
    assert [(f.check_id, f.address) for f in found] == [
        ("DEPLOY_PUBLISH_POLICY", "aws_sns_topic.alerts")
    ]
    assert "cloudtrail.amazonaws.com" in found[0].message  # alarms act for the account itself


def test_a_topic_policy_for_the_service_passes() -> None:
    text = TOPIC % '"cloudtrail.amazonaws.com"' + TOPIC_POLICY % "cloudtrail.amazonaws.com"
    assert not list(publish_policies(load_texts({"main.tf": text})))


CDN = """
resource "aws_acm_certificate" "cdn" {
  domain_name               = var.domain_name
  subject_alternative_names = ["www.${var.domain_name}"]
}
resource "aws_cloudfront_distribution" "main" {
  aliases = %s
  viewer_certificate { acm_certificate_arn = aws_acm_certificate.cdn.arn }
}
"""


def test_a_certificate_name_without_an_alias_is_found() -> None:
    found = list(certificate_names(load_texts({"main.tf": CDN % "[var.domain_name]"})))
    assert [f.check_id for f in found] == ["DEPLOY_CERT_NAMES"]
    assert "not served: www.${var.domain_name}" in found[0].message


def test_aliases_matching_the_certificate_pass() -> None:
    text = CDN % '[var.domain_name, "www.${var.domain_name}"]'
    assert not list(certificate_names(load_texts({"main.tf": text})))


@cache
def _deploy_step(request: str) -> dict[str, object]:
    result = asyncio.run(run_design(request, assume_defaults=True))
    steps: dict[str, dict[str, object]] = {
        step["name"]: step for step in result.document["validation"]["steps"]
    }
    return steps["deploy checks"]


@pytest.mark.parametrize(
    "request_text",
    [
        "A containerised web API with PostgreSQL in Seoul, highly available",
        "A static marketing site with a CDN for example-startup.com in Frankfurt",
        "Highly available web service with PostgreSQL, Redis, a CDN and WAF for shop.example.com in Seoul",
        "A security baseline with GuardDuty, Security Hub and CloudTrail for our AWS account in Seoul",
        "A web API on ECS with a monthly budget of 300 USD in Tokyo",
        "S3 uploads publish to an SNS topic that fans out to two SQS queues, Lambda consumers, Seoul",
    ],
)
def test_the_engine_s_designs_keep_every_deploy_rule(request_text: str) -> None:
    step = _deploy_step(request_text)
    assert step["status"] == "passed", step["findings"]


def test_the_step_reports_like_checkov() -> None:
    step = deploy_checks(load_texts({"main.tf": RDS % ("18:00-19:00", "sun:19:00-sun:20:00")}))
    assert step.name == "deploy checks" and not step.ok
    finding = step.findings[0]
    assert (finding.check_id, finding.address) == ("DEPLOY_WINDOWS", "aws_db_instance.main")
    assert "Fix:" in finding.message


FUNCTION = """
resource "aws_s3_bucket" "artifacts" { bucket = "artifacts" }
variable "lambda_runtime" { default = "%s" }
resource "aws_lambda_function" "api" {
  runtime   = var.lambda_runtime
  s3_bucket = aws_s3_bucket.artifacts.id
  s3_key    = %s
}
"""
PACKAGE = """
resource "aws_s3_object" "lambda_package" {
  bucket = aws_s3_bucket.artifacts.id
  key    = "lambda/app.zip"
}
"""


def test_a_function_whose_code_nothing_uploads_is_found() -> None:
    module = load_texts({"main.tf": FUNCTION % ("python3.12", '"lambda/app.zip"')})
    found = list(lambda_code(module))
    assert [(f.check_id, f.severity) for f in found] == [("DEPLOY_LAMBDA_CODE", "error")]
    assert not deploy_checks(module).ok


def test_compiled_code_the_design_cannot_make_is_a_warning() -> None:
    module = load_texts({"main.tf": FUNCTION % ("java21", '"lambda/app.zip"')})
    assert [f.severity for f in lambda_code(module)] == ["warning"]
    assert deploy_checks(module).ok


def test_a_function_reading_an_uploaded_object_passes() -> None:
    text = FUNCTION % ("python3.12", "aws_s3_object.lambda_package.key") + PACKAGE
    assert not list(lambda_code(load_texts({"main.tf": text})))


def test_serverless_designs_upload_a_starter_package_the_runtime_can_run() -> None:
    import base64
    import io
    import zipfile

    for request, handler_file in (
        ("Serverless HTTP API with Lambda and DynamoDB in Seoul", "app.py"),
        ("Serverless HTTP API with Lambda on Node.js 20 and DynamoDB in Seoul", "app.mjs"),
    ):
        result = asyncio.run(run_design(request, assume_defaults=True))
        module = load_texts(result.files)
        package = module.resources["aws_s3_object"]["lambda_package"]
        archive = zipfile.ZipFile(io.BytesIO(base64.b64decode(package["content_base64"])))
        assert archive.namelist() == [handler_file]
        for function in module.resources["aws_lambda_function"].values():
            assert function["s3_key"] == "${aws_s3_object.lambda_package.key}"


CDN_LOGS = """
resource "aws_s3_bucket" "access_logs" { bucket = "l" }
resource "aws_s3_bucket_ownership_controls" "access_logs" {
  bucket = aws_s3_bucket.access_logs.id
  rule { object_ownership = "%s" }
}
resource "aws_cloudfront_distribution" "main" {
  logging_config { bucket = aws_s3_bucket.access_logs.bucket_domain_name }
}
"""


def test_cloudfront_logs_into_a_bucket_without_acls_are_found() -> None:
    found = list(cloudfront_log_acls(load_texts({"main.tf": CDN_LOGS % "BucketOwnerEnforced"})))
    assert [f.check_id for f in found] == ["DEPLOY_LOG_ACL"]


def test_cloudfront_logs_into_a_bucket_accepting_acls_pass() -> None:
    module = load_texts({"main.tf": CDN_LOGS % "BucketOwnerPreferred"})
    assert not list(cloudfront_log_acls(module))


FLEET = """
resource "aws_kms_key" "main" { policy = jsonencode({ Statement = [] }) }
resource "aws_launch_template" "app" {
  block_device_mappings {
    ebs {
      encrypted = true
      %s
    }
  }
}
resource "aws_autoscaling_group" "app" {
  launch_template { id = aws_launch_template.app.id }
}
"""


def test_an_auto_scaled_disk_key_that_leaves_out_the_service_linked_role_is_found() -> None:
    module = load_texts({"main.tf": FLEET % "kms_key_id = aws_kms_key.main.arn"})
    assert [(f.check_id, f.address) for f in launch_keys(module)] == [
        ("DEPLOY_KEY_GRANT", "aws_launch_template.app")
    ]


def test_disks_on_the_aws_managed_key_pass() -> None:
    assert not list(launch_keys(load_texts({"main.tf": FLEET % ""})))


def test_the_engine_s_fleets_launch() -> None:
    for request in (
        "EC2 auto scaling group of t3.medium instances behind a load balancer with MySQL in Sydney",
        "ECS on EC2 instances (not Fargate) for a web API in Seoul",
    ):
        step = _deploy_step(request)
        assert step["status"] == "passed", step["findings"]


# --- DNS delegation ---------------------------------------------------------------------------

ZONE_AND_CERTIFICATE = """
%s
resource "aws_acm_certificate" "app" { domain_name = "api.example.com" }
resource "aws_route53_record" "app_validation" { zone_id = %s }
resource "aws_acm_certificate_validation" "app" {
  certificate_arn         = aws_acm_certificate.app.arn
  validation_record_fqdns = [for record in aws_route53_record.app_validation : record.fqdn]
}
"""


def test_a_certificate_validated_in_a_zone_this_apply_creates_is_found() -> None:
    module = load_texts(
        {
            "main.tf": ZONE_AND_CERTIFICATE
            % (
                'resource "aws_route53_zone" "main" { name = "example.com" }',
                "aws_route53_zone.main.zone_id",
            )
        }
    )
    found = list(dns_delegation(module))
    assert [(f.check_id, f.severity) for f in found] == [("DEPLOY_DNS_DELEGATION", "error")]
    assert found[0].address == "aws_acm_certificate_validation.app"


def test_an_existing_zone_or_an_opt_in_zone_passes() -> None:
    existing = ZONE_AND_CERTIFICATE % (
        'data "aws_route53_zone" "main" { name = "example.com" }',
        "data.aws_route53_zone.main.zone_id",
    )
    assert not list(dns_delegation(load_texts({"main.tf": existing})))
    opt_in = ZONE_AND_CERTIFICATE % (
        'variable "create_dns_zone" { default = false }\n'
        'resource "aws_route53_zone" "main" {\n  count = var.create_dns_zone ? 1 : 0\n'
        '  name = "example.com"\n}\n'
        "locals { zone_id = one(aws_route53_zone.main[*].zone_id) }",
        "local.zone_id",
    )
    assert not list(dns_delegation(load_texts({"main.tf": opt_in})))
    # Opted in by default: the person must know about the two-step apply.
    on = opt_in.replace("default = false", "default = true")
    assert [f.severity for f in dns_delegation(load_texts({"main.tf": on}))] == ["warning"]


def test_a_domain_design_uses_the_existing_zone_and_says_how_to_create_one() -> None:
    result = asyncio.run(
        run_design(
            "A containerised web API with PostgreSQL in Seoul on api.shop.co.kr with CloudFront",
            assume_defaults=True,
        )
    )
    files = "\n".join(result.files.values())
    assert 'data "aws_route53_zone" "main"' in files
    assert "count   = var.create_dns_zone ? 1 : 0" in files
    assert 'default     = "shop.co.kr"' in files  # the registrable domain is the zone
    assert any("create_dns_zone = true" in note for note in result.document["assumptions"])
    step = next(s for s in result.document["validation"]["steps"] if s["name"] == "deploy checks")
    assert not [f for f in step["findings"] if f["check_id"] == "DEPLOY_DNS_DELEGATION"]


# --- name limits ------------------------------------------------------------------------------

NAMED = """
variable "project" {
  default = "%s"
  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,20}$", var.project))
    error_message = "short"
  }
}
locals { name = "${var.project}-prod" }
resource "aws_lb" "main" { name = "${local.name}-public-alb" }
resource "aws_s3_bucket" "b" { bucket = "%s" }
"""


def test_names_over_the_limit_with_the_defaults_are_errors() -> None:
    module = load_texts({"main.tf": NAMED % ("a-very-long-project", "Bad_Bucket")})
    found = {(f.address, f.severity) for f in name_lengths(module)}
    assert found == {("aws_lb.main", "error"), ("aws_s3_bucket.b", "error")}


def test_a_name_only_the_longest_allowed_project_breaks_is_a_warning() -> None:
    module = load_texts({"main.tf": NAMED % ("app", "app-prod-data")})
    found = [(f.address, f.severity) for f in name_lengths(module)]
    assert found == [("aws_lb.main", "warning")]  # 21 + 5 + 11 = 37 > 32


def test_short_and_capped_names_pass() -> None:
    module = load_texts(
        {
            "main.tf": (NAMED % ("app", "app-prod-data")).replace(
                '"${local.name}-public-alb"', 'substr("${local.name}-public-alb", 0, 32)'
            )
        }
    )
    assert not list(name_lengths(module))


# --- containers -------------------------------------------------------------------------------

TASK = """
variable "container_image" { default = "%s" }
variable "container_port" { default = %d }
resource "aws_ecs_task_definition" "app" {
  container_definitions = jsonencode([{
    name                   = "app"
    image                  = %s
    readonlyRootFilesystem = true
    mountPoints            = [%s]
    portMappings           = [{ containerPort = var.container_port, protocol = "tcp" }]
  }])
}
"""
NGINX = "public.ecr.aws/nginx/nginx:stable"
NGINX_MOUNTS = (
    '{ sourceVolume = "c", containerPath = "/var/cache/nginx" }, '
    '{ sourceVolume = "r", containerPath = "/var/run" }'
)


def test_nginx_on_8080_with_a_read_only_root_is_found_twice() -> None:
    module = load_texts({"main.tf": TASK % (NGINX, 8080, f'"{NGINX}"', "")})
    found = list(containers(module))
    assert [f.check_id for f in found] == ["DEPLOY_CONTAINER", "DEPLOY_CONTAINER"]
    assert "listens on port 80" in found[0].message and found[0].severity == "error"
    assert "/var/cache/nginx" in found[1].message


def test_a_placeholder_image_in_a_variable_on_another_port_is_a_warning() -> None:
    module = load_texts({"main.tf": TASK % (NGINX, 3000, "var.container_image", NGINX_MOUNTS)})
    assert [f.severity for f in containers(module)] == ["warning"]


def test_nginx_on_80_with_its_paths_mounted_and_unknown_images_pass() -> None:
    good = TASK % (NGINX, 80, "var.container_image", NGINX_MOUNTS)
    assert not list(containers(load_texts({"main.tf": good})))
    own = TASK % (
        "123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/api:1",
        3000,
        "var.container_image",
        "",
    )
    assert not list(containers(load_texts({"main.tf": own})))


def test_the_default_service_runs_its_placeholder_where_it_listens_and_can_write() -> None:
    result = asyncio.run(
        run_design("A containerised web API with PostgreSQL in Seoul", assume_defaults=True)
    )
    step = next(s for s in result.document["validation"]["steps"] if s["name"] == "deploy checks")
    assert step["findings"] == []
    files = "\n".join(result.files.values())
    assert 'default     = "public.ecr.aws/nginx/nginx:stable"' in files
    assert "default     = 80" in files
    assert 'containerPath = "/var/cache/nginx"' in files


def test_the_engine_s_names_fit_any_project_name_the_variable_allows() -> None:
    for request in (
        "A containerised web API with PostgreSQL in Seoul, highly available",
        "ingest clickstream with Kinesis into a data lake queried by Athena in Seoul",
    ):
        step = _deploy_step(request)
        findings: list[dict[str, object]] = step["findings"]  # type: ignore[assignment]
        names = [f for f in findings if f["check_id"] == "DEPLOY_NAME_LENGTH"]
        assert names == []


# --- GPU images -------------------------------------------------------------------------------

GPU_TEMPLATE = """
data "aws_ssm_parameter" "ami" { name = "%s" }
resource "aws_launch_template" "app" {
  image_id      = data.aws_ssm_parameter.ami.value
  instance_type = "%s"
}
"""
PLAIN_AL2023 = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"
DLAMI = "/aws/service/deeplearning/ami/x86_64/base-oss-nvidia-driver-gpu-amazon-linux-2023/latest/ami-id"


def test_a_gpu_instance_on_plain_amazon_linux_is_found() -> None:
    found = list(gpu_images(load_texts({"main.tf": GPU_TEMPLATE % (PLAIN_AL2023, "g5.xlarge")})))
    assert [(f.check_id, f.address) for f in found] == [
        ("DEPLOY_GPU_AMI", "aws_launch_template.app")
    ]


@pytest.mark.parametrize(
    ("ami", "instance_type"), [(DLAMI, "g5.xlarge"), (PLAIN_AL2023, "m7i.large")]
)
def test_the_deep_learning_ami_or_a_cpu_instance_passes(ami: str, instance_type: str) -> None:
    assert not list(gpu_images(load_texts({"main.tf": GPU_TEMPLATE % (ami, instance_type)})))


def test_a_gpu_fleet_launches_from_the_deep_learning_ami_with_room_for_it() -> None:
    result = asyncio.run(
        run_design("a GPU inference server with g5.xlarge in Seoul", assume_defaults=True)
    )
    files = "\n".join(result.files.values())
    assert "base-oss-nvidia-driver-gpu-amazon-linux-2023" in files
    assert "volume_size           = 100" in files
    step = next(s for s in result.document["validation"]["steps"] if s["name"] == "deploy checks")
    assert step["findings"] == []
