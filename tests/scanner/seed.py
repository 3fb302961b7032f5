"""Seed an emulated AWS account with every kind the scanner reads (used by tests and the bench).

Each "stack" is a small, realistic application: a VPC with two subnets, gateways and routes,
security groups that reference each other, an instance, an Auto Scaling group behind a load
balancer, databases, caches, a table, containers, a function, a bucket behind CloudFront, and a
queue with its dead-letter queue fed by a topic. Even-numbered stacks carry the project tag.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, cast

import boto3

PROJECT_TAG = ("project", "shop")
OTHER_TAG = ("project", "other")
AMI = "ami-03cf127a"  # one of moto's built-in images
RDS_PASSWORD = "seed-Password-42"  # must never appear in an export
LAMBDA_SECRET = "seed-lambda-secret-value"  # an environment value: never exported


@dataclass
class Seeded:
    """What was created, as ``{terraform kind: {import id: tagged?}}``."""

    ids: dict[str, dict[str, bool]] = field(default_factory=lambda: defaultdict(dict))

    def add(self, kind: str, import_id: str, tagged: bool) -> None:
        self.ids[kind][import_id] = tagged

    @property
    def total(self) -> int:
        return sum(len(ids) for ids in self.ids.values())


class _Clients:
    def __init__(self, endpoint: str, region: str) -> None:
        session = boto3.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name=region
        )
        self._session = session
        self._endpoint = endpoint
        self._cache: dict[str, Any] = {}

    def __getattr__(self, service: str) -> Any:
        if service not in self._cache:
            self._cache[service] = cast(Any, self._session).client(
                service,
                endpoint_url=self._endpoint,
            )
        return self._cache[service]


def _tags(tagged: bool, name: str | None = None) -> list[dict[str, str]]:
    key, value = PROJECT_TAG if tagged else OTHER_TAG
    tags = [{"Key": key, "Value": value}]
    if name:
        tags.append({"Key": "Name", "Value": name})
    return tags


def _spec(resource_type: str, tagged: bool, name: str | None = None) -> list[dict[str, Any]]:
    return [{"ResourceType": resource_type, "Tags": _tags(tagged, name)}]


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return event\n")
    return buffer.getvalue()


def seed_account(endpoint: str, region: str, stacks: int = 2) -> Seeded:
    """Create ``stacks`` application stacks; returns what was created."""
    aws = _Clients(endpoint, region)
    seeded = Seeded()
    role = aws.iam.create_role(RoleName="seed-role", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    code = _zip()
    for index in range(stacks):
        _stack(aws, seeded, region, index, index % 2 == 0, role, code)
    return seeded


def _stack(
    aws: _Clients, seeded: Seeded, region: str, i: int, tagged: bool, role: str, code: bytes
) -> None:
    ec2 = aws.ec2
    tags = _tags(tagged)
    tag_dict = {tag["Key"]: tag["Value"] for tag in tags}
    vpc = ec2.create_vpc(
        CidrBlock=f"10.{i}.0.0/16", TagSpecifications=_spec("vpc", tagged, f"app-{i}")
    )["Vpc"]["VpcId"]
    seeded.add("aws_vpc", vpc, tagged)
    subnets = []
    for zone, offset in (("a", 1), ("b", 2)):
        subnet = ec2.create_subnet(
            VpcId=vpc,
            CidrBlock=f"10.{i}.{offset}.0/24",
            AvailabilityZone=f"{region}{zone}",
            TagSpecifications=_spec(
                "subnet", tagged, f"app-{i}-{'public' if zone == 'a' else 'private'}"
            ),
        )["Subnet"]["SubnetId"]
        subnets.append(subnet)
        seeded.add("aws_subnet", subnet, tagged)
    igw = ec2.create_internet_gateway(TagSpecifications=_spec("internet-gateway", tagged))[
        "InternetGateway"
    ]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    seeded.add("aws_internet_gateway", igw, tagged)
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(
        SubnetId=subnets[0], AllocationId=allocation, TagSpecifications=_spec("natgateway", tagged)
    )["NatGateway"]["NatGatewayId"]
    seeded.add("aws_nat_gateway", nat, tagged)
    table = ec2.create_route_table(
        VpcId=vpc, TagSpecifications=_spec("route-table", tagged, f"app-{i}-public")
    )["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    ec2.associate_route_table(RouteTableId=table, SubnetId=subnets[0])
    seeded.add("aws_route_table", table, tagged)
    seeded.add("aws_route_table_association", f"{subnets[0]}/{table}", tagged)
    main_table = ec2.describe_route_tables(
        Filters=[
            {"Name": "vpc-id", "Values": [vpc]},
            {"Name": "association.main", "Values": ["true"]},
        ]
    )["RouteTables"][0]["RouteTableId"]
    ec2.create_tags(Resources=[main_table], Tags=tags)
    seeded.add("aws_default_route_table", vpc, tagged)

    web = ec2.create_security_group(
        GroupName=f"web-{i}",
        Description="web tier",
        VpcId=vpc,
        TagSpecifications=_spec("security-group", tagged),
    )["GroupId"]
    db = ec2.create_security_group(
        GroupName=f"db-{i}",
        Description="database tier",
        VpcId=vpc,
        TagSpecifications=_spec("security-group", tagged),
    )["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=web,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 443,
                "ToPort": 443,
                "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
            }
        ],
    )
    ec2.authorize_security_group_ingress(
        GroupId=db,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 5432,
                "ToPort": 5432,
                "UserIdGroupPairs": [{"GroupId": web}],
            }
        ],
    )
    for group in (web, db):
        seeded.add("aws_security_group", group, tagged)
        rules = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [group]}])
        for rule in rules["SecurityGroupRules"]:
            kind = "egress" if rule["IsEgress"] else "ingress"
            seeded.add(f"aws_vpc_security_group_{kind}_rule", rule["SecurityGroupRuleId"], tagged)

    instance = ec2.run_instances(
        ImageId=AMI,
        InstanceType="t3.micro",
        MinCount=1,
        MaxCount=1,
        SubnetId=subnets[0],
        SecurityGroupIds=[web],
        TagSpecifications=_spec("instance", tagged, f"bastion-{i}"),
    )["Instances"][0]["InstanceId"]
    seeded.add("aws_instance", instance, tagged)

    elbv2 = aws.elbv2
    lb = elbv2.create_load_balancer(
        Name=f"web-{i}", Subnets=subnets, SecurityGroups=[web], Type="application", Tags=tags
    )["LoadBalancers"][0]["LoadBalancerArn"]
    seeded.add("aws_lb", lb, tagged)
    group_arn = elbv2.create_target_group(
        Name=f"web-{i}", Protocol="HTTP", Port=80, VpcId=vpc, HealthCheckPath="/health", Tags=tags
    )["TargetGroups"][0]["TargetGroupArn"]
    seeded.add("aws_lb_target_group", group_arn, tagged)
    listener = elbv2.create_listener(
        LoadBalancerArn=lb,
        Protocol="HTTP",
        Port=80,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": group_arn}],
    )["Listeners"][0]["ListenerArn"]
    seeded.add("aws_lb_listener", listener, tagged)
    template = ec2.create_launch_template(
        LaunchTemplateName=f"web-{i}",
        LaunchTemplateData={"ImageId": AMI, "InstanceType": "t3.micro"},
    )["LaunchTemplate"]["LaunchTemplateId"]
    aws.autoscaling.create_auto_scaling_group(
        AutoScalingGroupName=f"web-{i}",
        MinSize=1,
        MaxSize=2,
        DesiredCapacity=1,
        LaunchTemplate={"LaunchTemplateId": template, "Version": "$Latest"},
        VPCZoneIdentifier=",".join(subnets),
        TargetGroupARNs=[group_arn],
        Tags=[{**tag, "PropagateAtLaunch": True} for tag in tags],
    )
    seeded.add("aws_autoscaling_group", f"web-{i}", tagged)

    rds = aws.rds
    rds.create_db_subnet_group(
        DBSubnetGroupName=f"db-{i}", DBSubnetGroupDescription="databases", SubnetIds=subnets
    )
    rds.create_db_instance(
        DBInstanceIdentifier=f"orders-{i}",
        Engine="postgres",
        DBInstanceClass="db.t3.micro",
        AllocatedStorage=20,
        MasterUsername="app",
        MasterUserPassword=RDS_PASSWORD,
        DBSubnetGroupName=f"db-{i}",
        VpcSecurityGroupIds=[db],
        Tags=tags,
    )
    seeded.add("aws_db_instance", f"orders-{i}", tagged)
    rds.create_db_cluster(
        DBClusterIdentifier=f"catalog-{i}",
        Engine="aurora-postgresql",
        MasterUsername="app",
        ManageMasterUserPassword=True,
        DBSubnetGroupName=f"db-{i}",
        VpcSecurityGroupIds=[db],
        Tags=tags,
    )
    seeded.add("aws_rds_cluster", f"catalog-{i}", tagged)
    rds.create_db_instance(
        DBInstanceIdentifier=f"catalog-{i}-1",
        Engine="aurora-postgresql",
        DBInstanceClass="db.r6g.large",
        DBClusterIdentifier=f"catalog-{i}",
        Tags=tags,
    )
    seeded.add("aws_rds_cluster_instance", f"catalog-{i}-1", tagged)

    getattr(aws, "lambda").create_function(
        FunctionName=f"resize-{i}",
        Runtime="python3.12",
        Role=role,
        Handler="index.handler",
        Code={"ZipFile": code},
        VpcConfig={"SubnetIds": subnets, "SecurityGroupIds": [web]},
        Environment={"Variables": {"API_TOKEN": LAMBDA_SECRET}},
        Tags=tag_dict,
    )
    seeded.add("aws_lambda_function", f"resize-{i}", tagged)

    bucket = f"shop-assets-{i}"
    aws.s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
    aws.s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": tags})
    seeded.add("aws_s3_bucket", bucket, tagged)

    cache = aws.elasticache
    cache.create_cache_cluster(
        CacheClusterId=f"sessions-{i}",
        Engine="memcached",
        CacheNodeType="cache.t3.micro",
        NumCacheNodes=1,
        Tags=tags,
    )
    seeded.add("aws_elasticache_cluster", f"sessions-{i}", tagged)
    cache.create_replication_group(
        ReplicationGroupId=f"cache-{i}",
        ReplicationGroupDescription="redis",
        Engine="redis",
        CacheNodeType="cache.t3.micro",
        NumCacheClusters=1,
        Tags=tags,
    )
    seeded.add("aws_elasticache_replication_group", f"cache-{i}", tagged)

    aws.dynamodb.create_table(
        TableName=f"carts-{i}",
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        Tags=tags,
    )
    seeded.add("aws_dynamodb_table", f"carts-{i}", tagged)

    ecs = aws.ecs
    lower = [{"key": t["Key"], "value": t["Value"]} for t in tags]
    ecs.create_cluster(clusterName=f"apps-{i}", tags=lower)
    seeded.add("aws_ecs_cluster", f"apps-{i}", tagged)
    ecs.register_task_definition(
        family=f"api-{i}",
        containerDefinitions=[{"name": "api", "image": "nginx", "memory": 512}],
        requiresCompatibilities=["FARGATE"],
        networkMode="awsvpc",
        cpu="256",
        memory="512",
    )
    ecs.create_service(
        cluster=f"apps-{i}",
        serviceName=f"api-{i}",
        taskDefinition=f"api-{i}",
        desiredCount=1,
        launchType="FARGATE",
        networkConfiguration={
            "awsvpcConfiguration": {
                "subnets": subnets,
                "securityGroups": [web],
                "assignPublicIp": "DISABLED",
            }
        },
        loadBalancers=[{"targetGroupArn": group_arn, "containerName": "api", "containerPort": 80}],
        tags=lower,
    )
    seeded.add("aws_ecs_service", f"apps-{i}/api-{i}", tagged)

    aws.eks.create_cluster(
        name=f"k8s-{i}",
        roleArn=role,
        version="1.29",
        resourcesVpcConfig={"subnetIds": subnets, "securityGroupIds": [web]},
        tags=tag_dict,
    )
    seeded.add("aws_eks_cluster", f"k8s-{i}", tagged)

    distribution = aws.cloudfront.create_distribution_with_tags(
        DistributionConfigWithTags={
            "DistributionConfig": {
                "CallerReference": f"assets-{i}",
                "Comment": f"assets-{i}",
                "Enabled": True,
                "Origins": {
                    "Quantity": 1,
                    "Items": [
                        {
                            "Id": "assets",
                            "DomainName": f"{bucket}.s3.{region}.amazonaws.com",
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
            },
            "Tags": {"Items": tags},
        }
    )["Distribution"]["Id"]
    seeded.add("aws_cloudfront_distribution", distribution, tagged)

    sqs = aws.sqs
    dlq = sqs.create_queue(QueueName=f"orders-{i}-dlq", tags=tag_dict)["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    queue = sqs.create_queue(
        QueueName=f"orders-{i}",
        Attributes={
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "5"}),
            "VisibilityTimeout": "60",
        },
        tags=tag_dict,
    )["QueueUrl"]
    seeded.add("aws_sqs_queue", dlq, tagged)
    seeded.add("aws_sqs_queue", queue, tagged)
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    topic = aws.sns.create_topic(Name=f"events-{i}", Tags=tags)["TopicArn"]
    seeded.add("aws_sns_topic", topic, tagged)
    subscription = aws.sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)[
        "SubscriptionArn"
    ]
    seeded.add("aws_sns_topic_subscription", subscription, tagged)
