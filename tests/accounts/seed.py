"""Seed a moto account with one untagged resource of (nearly) every supported kind."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from typing import Any, cast

import boto3

AMI = "ami-03cf127a"  # one of moto's built-in images
ACCOUNT = "123456789012"  # moto's account


class Aws:
    """boto3 clients for the seeding, created on first use."""

    def __init__(self, endpoint: str, region: str) -> None:
        self.region = region
        self._session = boto3.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name=region
        )
        self._endpoint = endpoint
        self._cache: dict[str, Any] = {}

    def __getattr__(self, service: str) -> Any:
        if service.startswith("_"):
            raise AttributeError(service)
        if service not in self._cache:
            self._cache[service] = cast(Any, self._session).client(
                service, endpoint_url=self._endpoint
            )
        return self._cache[service]


@dataclass
class Seeded:
    arns: dict[str, str] = field(default_factory=dict)  # kind -> ARN of the seeded resource
    vpc_id: str = ""
    instance_id: str = ""


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return event\n")
    return buffer.getvalue()


def seed_kinds(aws: Aws) -> Seeded:
    """One resource of each kind the tests cover, none tagged with the project tag."""
    region, seeded = aws.region, Seeded()
    arn = f"arn:aws:ec2:{region}:{ACCOUNT}"
    ec2 = aws.ec2
    vpc = ec2.create_vpc(
        CidrBlock="10.0.0.0/16",
        TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": "shop-vpc"}]}],
    )["Vpc"]["VpcId"]
    seeded.vpc_id = vpc
    subnets = [
        ec2.create_subnet(
            VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"{region}{zone}"
        )["Subnet"]["SubnetId"]
        for i, zone in ((1, "a"), (2, "b"))
    ]
    group = ec2.create_security_group(GroupName="web", Description="web", VpcId=vpc)["GroupId"]
    instance = ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1, SubnetId=subnets[0])[
        "Instances"
    ][0]["InstanceId"]
    seeded.instance_id = instance
    volume = ec2.create_volume(AvailabilityZone=f"{region}a", Size=8)["VolumeId"]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=subnets[0], AllocationId=allocation)["NatGateway"][
        "NatGatewayId"
    ]
    seeded.arns.update(
        {
            "ec2:vpc": f"{arn}:vpc/{vpc}",
            "ec2:subnet": f"{arn}:subnet/{subnets[0]}",
            "ec2:security-group": f"{arn}:security-group/{group}",
            "ec2:instance": f"{arn}:instance/{instance}",
            "ec2:volume": f"{arn}:volume/{volume}",
            "ec2:internet-gateway": f"{arn}:internet-gateway/{igw}",
            "ec2:natgateway": f"{arn}:natgateway/{nat}",
        }
    )
    seeded.arns["rds:db"] = aws.rds.create_db_instance(
        DBInstanceIdentifier="orders",
        DBInstanceClass="db.t3.micro",
        Engine="postgres",
        AllocatedStorage=20,
        MasterUsername="admin1",
        MasterUserPassword="seed-Password-42",
    )["DBInstance"]["DBInstanceArn"]
    aws.s3.create_bucket(
        Bucket="shop-assets", CreateBucketConfiguration={"LocationConstraint": region}
    )
    seeded.arns["s3:bucket"] = "arn:aws:s3:::shop-assets"
    role = aws.iam.create_role(RoleName="fn", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    seeded.arns["lambda:function"] = (
        aws.awslambda.create_function(
            FunctionName="resize",
            Runtime="python3.12",
            Role=role,
            Handler="index.handler",
            Code={"ZipFile": _zip()},
        )["FunctionArn"]
        if False
        else _lambda(aws, role)
    )
    seeded.arns["elasticache:cluster"] = aws.elasticache.create_cache_cluster(
        CacheClusterId="sessions", Engine="redis", CacheNodeType="cache.t3.micro", NumCacheNodes=1
    )["CacheCluster"]["ARN"]
    seeded.arns["elasticloadbalancing:loadbalancer"] = aws.elbv2.create_load_balancer(
        Name="web", Subnets=subnets, SecurityGroups=[group]
    )["LoadBalancers"][0]["LoadBalancerArn"]
    seeded.arns["elasticloadbalancing:targetgroup"] = aws.elbv2.create_target_group(
        Name="web", Protocol="HTTP", Port=80, VpcId=vpc
    )["TargetGroups"][0]["TargetGroupArn"]
    aws.dynamodb.create_table(
        TableName="carts",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    seeded.arns["dynamodb:table"] = f"arn:aws:dynamodb:{region}:{ACCOUNT}:table/carts"
    aws.sqs.create_queue(QueueName="jobs")
    seeded.arns["sqs:queue"] = f"arn:aws:sqs:{region}:{ACCOUNT}:jobs"
    seeded.arns["sns:topic"] = aws.sns.create_topic(Name="alerts")["TopicArn"]
    aws.logs.create_log_group(logGroupName="/shop/app")
    seeded.arns["logs:log-group"] = f"arn:aws:logs:{region}:{ACCOUNT}:log-group:/shop/app"
    seeded.arns["secretsmanager:secret"] = aws.secretsmanager.create_secret(
        Name="db-url", SecretString="x"
    )["ARN"]
    seeded.arns["ecs:cluster"] = aws.ecs.create_cluster(clusterName="shop")["cluster"]["clusterArn"]
    return seeded


def _lambda(aws: Aws, role: str) -> str:
    client = cast(Any, aws._session).client("lambda", endpoint_url=aws._endpoint)
    answer = client.create_function(
        FunctionName="resize",
        Runtime="python3.12",
        Role=role,
        Handler="index.handler",
        Code={"ZipFile": _zip()},
    )
    return str(answer["FunctionArn"])
