"""Adoption is a no-op: ``terraform plan`` of a scan imports everything and changes nothing.

Real parts: the ``autcloud scan`` command run as a user runs it (a subprocess), the real
terraform and AWS provider 5.x (from the local mirror), and a moto server over HTTP standing in
for AWS — the same server and the same ``override.tf`` (every provider endpoint pointed at moto)
as the apply tests of tests/deploy. The account is seeded with boto3 with every kind the scanner
exports, in more than one shape (deletion protection on and off, access logs, a non-default
deregistration delay, enhanced monitoring, versioning, FIFO queues ...).

What is emulated beyond moto itself:
- moto stores only the load balancer attributes it is given, where AWS reports them all; the
  seed sets every attribute AWS reports, with AWS's defaults, so the account answers as AWS does.
- ElastiCache replication groups are not seeded: moto creates no member clusters, so the
  provider cannot read one back (DescribeCacheClusters answers CacheClusterNotFound).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from autcloud.agent.tfparse import load_folder
from autcloud.agent.validation.terraform_env import TerraformSetup
from tests.deploy.conftest import moto_account, terraform_ready  # noqa: F401 (fixtures)
from tests.deploy.harness import override_text
from tests.scanner.conftest import REGION, MotoServer
from tests.scanner.seed import AMI, _Clients, _zip
from tests.scanner.test_scan_account import SCANNED_KINDS

pytestmark = pytest.mark.slow

PLAN_LINE = "0 to add, 0 to change, 0 to destroy."
MOTO_CANNOT_READ_BACK = {"aws_elasticache_replication_group"}  # see the module's docstring
# What AWS reports for an application load balancer nobody configured (moto stores only what
# it is given). The seed overrides some of these per load balancer.
ALB_DEFAULT_ATTRIBUTES = {
    "access_logs.s3.enabled": "false",
    "access_logs.s3.bucket": "",
    "access_logs.s3.prefix": "",
    "connection_logs.s3.enabled": "false",
    "connection_logs.s3.bucket": "",
    "connection_logs.s3.prefix": "",
    "client_keep_alive.seconds": "3600",
    "deletion_protection.enabled": "false",
    "idle_timeout.timeout_seconds": "60",
    "routing.http.desync_mitigation_mode": "defensive",
    "routing.http.drop_invalid_header_fields.enabled": "false",
    "routing.http.preserve_host_header.enabled": "false",
    "routing.http.x_amzn_tls_version_and_cipher_suite.enabled": "false",
    "routing.http.xff_client_port.enabled": "false",
    "routing.http.xff_header_processing.mode": "append",
    "routing.http2.enabled": "true",
    "waf.fail_open.enabled": "false",
    "zonal_shift.config.enabled": "false",
}


def seed_adoption_account(endpoint: str, region: str) -> None:
    """One application, every kind the scanner exports, hardened and not."""
    aws = _Clients(endpoint, region)
    ec2 = aws.ec2
    role = aws.iam.create_role(RoleName="app-role", AssumeRolePolicyDocument="{}")["Role"]["Arn"]

    # Network
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16", TagSpecifications=_name("vpc", "app"))["Vpc"][
        "VpcId"
    ]
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    subnets = []
    for zone, offset, name in (("a", 1, "public"), ("b", 2, "private")):
        subnet = ec2.create_subnet(
            VpcId=vpc,
            CidrBlock=f"10.20.{offset}.0/24",
            AvailabilityZone=f"{region}{zone}",
            TagSpecifications=_name("subnet", f"app-{name}"),
        )["Subnet"]["SubnetId"]
        subnets.append(subnet)
    ec2.modify_subnet_attribute(SubnetId=subnets[0], MapPublicIpOnLaunch={"Value": True})
    igw = ec2.create_internet_gateway(TagSpecifications=_name("internet-gateway", "app"))[
        "InternetGateway"
    ]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=subnets[0], AllocationId=allocation)["NatGateway"]
    public = ec2.create_route_table(VpcId=vpc, TagSpecifications=_name("route-table", "public"))[
        "RouteTable"
    ]["RouteTableId"]
    ec2.create_route(RouteTableId=public, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    ec2.associate_route_table(RouteTableId=public, SubnetId=subnets[0])
    private = ec2.create_route_table(VpcId=vpc, TagSpecifications=_name("route-table", "private"))[
        "RouteTable"
    ]["RouteTableId"]
    ec2.create_route(
        RouteTableId=private, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat["NatGatewayId"]
    )
    ec2.associate_route_table(RouteTableId=private, SubnetId=subnets[1])

    web = ec2.create_security_group(GroupName="web", Description="web tier", VpcId=vpc)["GroupId"]
    db = ec2.create_security_group(GroupName="db", Description="database tier", VpcId=vpc)[
        "GroupId"
    ]
    ec2.authorize_security_group_ingress(
        GroupId=web,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
        ],
    )  # fmt: skip
    ec2.authorize_security_group_ingress(
        GroupId=db,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 5432,
                "ToPort": 5432,
                "UserIdGroupPairs": [{"GroupId": web, "Description": "from the web tier"}],
            }
        ],
    )

    # Compute
    ec2.run_instances(
        ImageId=AMI,
        InstanceType="t3.micro",
        MinCount=1,
        MaxCount=1,
        SubnetId=subnets[0],
        SecurityGroupIds=[web],
        TagSpecifications=_name("instance", "bastion"),
    )

    # Storage: a log bucket without versioning or logging, an assets bucket with both
    s3 = aws.s3
    location = {"LocationConstraint": region}
    s3.create_bucket(Bucket="app-logs-bucket", CreateBucketConfiguration=location)
    s3.create_bucket(Bucket="app-assets-bucket", CreateBucketConfiguration=location)
    s3.put_bucket_versioning(
        Bucket="app-assets-bucket", VersioningConfiguration={"Status": "Enabled"}
    )
    s3.put_bucket_acl(Bucket="app-logs-bucket", ACL="log-delivery-write")
    s3.put_bucket_logging(
        Bucket="app-assets-bucket",
        BucketLoggingStatus={
            "LoggingEnabled": {"TargetBucket": "app-logs-bucket", "TargetPrefix": "assets/"}
        },
    )

    # Load balancing: a hardened public ALB and an internal one left at AWS's defaults
    elbv2 = aws.elbv2
    web_lb = elbv2.create_load_balancer(
        Name="web", Subnets=subnets, SecurityGroups=[web], Type="application"
    )["LoadBalancers"][0]["LoadBalancerArn"]
    hardened = {
        **ALB_DEFAULT_ATTRIBUTES,
        "access_logs.s3.enabled": "true",
        "access_logs.s3.bucket": "app-logs-bucket",
        "access_logs.s3.prefix": "web",
        "deletion_protection.enabled": "true",
        "idle_timeout.timeout_seconds": "120",
        "routing.http.drop_invalid_header_fields.enabled": "true",
    }
    _lb_attributes(elbv2, web_lb, hardened)
    web_group = elbv2.create_target_group(
        Name="web", Protocol="HTTP", Port=8080, VpcId=vpc, HealthCheckPath="/health"
    )["TargetGroups"][0]["TargetGroupArn"]
    elbv2.modify_target_group_attributes(
        TargetGroupArn=web_group,
        Attributes=[{"Key": "deregistration_delay.timeout_seconds", "Value": "30"}],
    )
    elbv2.create_listener(
        LoadBalancerArn=web_lb,
        Protocol="HTTP",
        Port=80,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": web_group}],
    )
    admin_lb = elbv2.create_load_balancer(
        Name="admin", Subnets=subnets, SecurityGroups=[web], Scheme="internal"
    )["LoadBalancers"][0]["LoadBalancerArn"]
    _lb_attributes(elbv2, admin_lb, ALB_DEFAULT_ATTRIBUTES)
    admin_group = elbv2.create_target_group(Name="admin", Protocol="HTTP", Port=80, VpcId=vpc)[
        "TargetGroups"
    ][0]["TargetGroupArn"]
    elbv2.create_listener(
        LoadBalancerArn=admin_lb,
        Protocol="HTTP",
        Port=80,
        DefaultActions=[
            {
                "Type": "fixed-response",
                "FixedResponseConfig": {"StatusCode": "404", "ContentType": "text/plain"},
            }
        ],
    )

    template = ec2.create_launch_template(
        LaunchTemplateName="workers", LaunchTemplateData={"ImageId": AMI, "InstanceType": "t3.micro"}
    )["LaunchTemplate"]["LaunchTemplateId"]  # fmt: skip
    aws.autoscaling.create_auto_scaling_group(
        AutoScalingGroupName="workers",
        MinSize=1,
        MaxSize=3,
        DesiredCapacity=1,
        LaunchTemplate={"LaunchTemplateId": template, "Version": "$Latest"},
        VPCZoneIdentifier=",".join(subnets),
        TargetGroupARNs=[admin_group],
        HealthCheckType="ELB",
        HealthCheckGracePeriod=120,
    )

    # Databases: one hardened (deletion protection, enhanced monitoring), one not
    rds = aws.rds
    rds.create_db_subnet_group(
        DBSubnetGroupName="app", DBSubnetGroupDescription="databases", SubnetIds=subnets
    )
    rds.create_db_instance(
        DBInstanceIdentifier="orders",
        Engine="postgres",
        DBInstanceClass="db.t3.micro",
        AllocatedStorage=20,
        MasterUsername="app",
        MasterUserPassword="seed-Password-42",
        DBSubnetGroupName="app",
        VpcSecurityGroupIds=[db],
        DeletionProtection=True,
        MonitoringInterval=60,
        MonitoringRoleArn=role,
        BackupRetentionPeriod=7,
        StorageEncrypted=True,
        MultiAZ=True,
    )
    rds.create_db_instance(
        DBInstanceIdentifier="reports",
        Engine="mysql",
        DBInstanceClass="db.t3.micro",
        AllocatedStorage=20,
        MasterUsername="app",
        MasterUserPassword="seed-Password-42",
        DBSubnetGroupName="app",
        VpcSecurityGroupIds=[db],
        DeletionProtection=False,
        BackupRetentionPeriod=0,
    )
    rds.create_db_cluster(
        DBClusterIdentifier="catalog",
        Engine="aurora-postgresql",
        MasterUsername="app",
        ManageMasterUserPassword=True,
        DBSubnetGroupName="app",
        VpcSecurityGroupIds=[db],
        DeletionProtection=True,
    )
    rds.create_db_instance(
        DBInstanceIdentifier="catalog-1",
        Engine="aurora-postgresql",
        DBInstanceClass="db.r6g.large",
        DBClusterIdentifier="catalog",
    )
    aws.elasticache.create_cache_cluster(
        CacheClusterId="sessions",
        Engine="memcached",
        CacheNodeType="cache.t3.micro",
        NumCacheNodes=1,
    )
    dynamodb = aws.dynamodb
    dynamodb.create_table(
        TableName="carts",
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
    )
    dynamodb.create_table(
        TableName="orders",
        BillingMode="PROVISIONED",
        ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5},
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
            {"AttributeName": "customer", "AttributeType": "S"},
        ],
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by-customer",
                "KeySchema": [{"AttributeName": "customer", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
                "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5},
            }
        ],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
        DeletionProtectionEnabled=True,
    )

    # Functions and containers
    getattr(aws, "lambda").create_function(
        FunctionName="resize",
        Runtime="python3.12",
        Role=role,
        Handler="index.handler",
        Code={"ZipFile": _zip()},
        MemorySize=256,
        Timeout=30,
        VpcConfig={"SubnetIds": subnets, "SecurityGroupIds": [web]},
    )
    ecs = aws.ecs
    ecs.create_cluster(
        clusterName="apps", settings=[{"name": "containerInsights", "value": "enabled"}]
    )
    ecs.register_task_definition(
        family="api",
        containerDefinitions=[{"name": "api", "image": "nginx", "memory": 512}],
        requiresCompatibilities=["FARGATE"],
        networkMode="awsvpc",
        cpu="256",
        memory="512",
    )
    ecs.create_service(
        cluster="apps",
        serviceName="api",
        taskDefinition="api",
        desiredCount=2,
        launchType="FARGATE",
        networkConfiguration={
            "awsvpcConfiguration": {
                "subnets": subnets,
                "securityGroups": [web],
                "assignPublicIp": "DISABLED",
            }
        },
        loadBalancers=[{"targetGroupArn": web_group, "containerName": "api", "containerPort": 80}],
    )
    aws.eks.create_cluster(
        name="k8s",
        roleArn=role,
        version="1.29",
        resourcesVpcConfig={"subnetIds": subnets, "securityGroupIds": [web]},
    )

    # Edge and messaging
    aws.cloudfront.create_distribution(
        DistributionConfig={
            "CallerReference": "assets",
            "Comment": "assets",
            "Enabled": True,
            "Origins": {
                "Quantity": 1,
                "Items": [
                    {
                        "Id": "assets",
                        "DomainName": f"app-assets-bucket.s3.{region}.amazonaws.com",
                        "S3OriginConfig": {"OriginAccessIdentity": ""},
                    }
                ],
            },
            "DefaultCacheBehavior": {
                "TargetOriginId": "assets",
                "ViewerProtocolPolicy": "redirect-to-https",
                "MinTTL": 0,
                "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
                "TrustedSigners": {"Enabled": False, "Quantity": 0},
            },
        }
    )
    sqs = aws.sqs
    dlq = sqs.create_queue(QueueName="orders-dlq", Attributes={"MessageRetentionPeriod": "1209600"})
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq["QueueUrl"], AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    queue = sqs.create_queue(
        QueueName="orders",
        Attributes={
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "5"}),
            "VisibilityTimeout": "60",
        },
    )["QueueUrl"]
    sqs.create_queue(
        QueueName="payments.fifo",
        Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"},
    )
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    sns = aws.sns
    topic = sns.create_topic(Name="events", Attributes={"DisplayName": "Events"})["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    sns.create_topic(Name="ledger.fifo", Attributes={"FifoTopic": "true"})


def _name(resource_type: str, name: str) -> list[dict[str, Any]]:
    return [{"ResourceType": resource_type, "Tags": [{"Key": "Name", "Value": name}]}]


def _lb_attributes(elbv2: Any, arn: str, attributes: dict[str, str]) -> None:
    elbv2.modify_load_balancer_attributes(
        LoadBalancerArn=arn, Attributes=[{"Key": k, "Value": v} for k, v in attributes.items()]
    )


def _differences(before: Any, after: Any, path: str = "") -> list[str]:
    """Each attribute whose planned value differs from the imported one, as ``path: a -> b``."""
    if isinstance(before, dict) and isinstance(after, dict):
        return [
            line
            for key in sorted(set(before) | set(after))
            for line in _differences(before.get(key), after.get(key), f"{path}.{key}" if path else key)
        ]  # fmt: skip
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        return [
            line
            for index, (b, a) in enumerate(zip(before, after, strict=True))
            for line in _differences(b, a, f"{path}[{index}]")
        ]
    if before != after:
        return [f"{path}: {json.dumps(before)} -> {json.dumps(after)}"]
    return []


def _not_adopted(plan: dict[str, Any]) -> list[str]:
    """Every planned change that is not a plain import, with the attributes it would change."""
    lines = []
    for change in plan.get("resource_changes", []):
        detail = change["change"]
        if detail["actions"] == ["no-op"] and detail.get("importing"):
            continue
        imported = "imported, then " if detail.get("importing") else ""
        lines.append(f"{change['address']}: {imported}{'+'.join(detail['actions'])}")
        unknown = detail.get("after_unknown") or {}
        lines += [
            f"    {line}"
            for line in _differences(detail.get("before") or {}, detail.get("after") or {})
            if unknown.get(line.split(":")[0].split(".")[0].split("[")[0]) is not True
        ]
    return lines


@pytest.mark.usefixtures("aws_env", "terraform_ready")
def test_a_scan_of_a_seeded_account_plans_as_imports_only(
    moto_account: MotoServer,  # noqa: F811 (the apply tests' moto server fixture)
    tmp_path: Path,
) -> None:
    moto_account.reset()
    seed_adoption_account(moto_account.url, REGION)
    out = tmp_path / "adopted"
    scan = subprocess.run(
        [sys.executable, "-m", "autcloud", "scan", "--region", REGION, "--out", str(out),
         "--endpoint-url", moto_account.url, "--json"],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert scan.returncode == 0, scan.stderr[-3000:]
    summary = json.loads(scan.stdout)
    assert summary["failed_kinds"] == []

    module = load_folder(out)
    imports = len(module.imports)
    assert imports == len(list(module.iter_resources()))
    assert set(module.resources) >= SCANNED_KINDS - MOTO_CANNOT_READ_BACK
    # The hardened settings are exported as they are live, never weakened to a default.
    web_lb = module.resources["aws_lb"]["web"]
    assert web_lb["enable_deletion_protection"] is True and web_lb["idle_timeout"] == 120
    assert web_lb["access_logs"][0]["bucket"] == "app-logs-bucket"
    assert module.resources["aws_lb_target_group"]["web"]["deregistration_delay"] == "30"
    orders = module.resources["aws_db_instance"]["orders"]
    assert orders["deletion_protection"] is True and orders["monitoring_interval"] == 60
    assert module.resources["aws_db_instance"]["reports"]["deletion_protection"] is False
    (out / "override.tf").write_text(override_text(module, moto_account.url), encoding="utf-8")
    setup = TerraformSetup.discover()
    env = {
        **setup.subprocess_env(),
        "TF_CLI_CONFIG_FILE": str(setup.cli_config_file()),
        "TF_IN_AUTOMATION": "1",
    }

    def terraform(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [setup.terraform or "terraform", *args, "-no-color"],
            cwd=out, env=env, capture_output=True, text=True, timeout=900, check=False,
        )  # fmt: skip

    init = terraform("init", "-input=false")
    assert init.returncode == 0, init.stderr
    plan = terraform("plan", "-input=false", "-out=adopt.tfplan", "-parallelism=10")
    assert plan.returncode == 0, plan.stderr[-5000:]
    shown = terraform("show", "-json", "adopt.tfplan")
    assert shown.returncode == 0, shown.stderr
    not_adopted = _not_adopted(json.loads(shown.stdout))
    assert not_adopted == [], "the plan changes what it adopts:\n" + "\n".join(not_adopted)
    assert f"Plan: {imports} to import, {PLAN_LINE}" in plan.stdout, plan.stdout[-3000:]
