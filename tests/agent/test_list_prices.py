"""The cost engine's monthly figures equal AWS list prices, worked out by hand.

The other cost tests compute their expectations with the same table look-up the engine uses, so
a wrong price in the table passes them. Here every expected figure is a literal, worked out from
the on-demand list price on AWS's price pages (Linux, shared tenancy; quoted in the comment),
730 hours a month, for a dozen resources in three regions. A literal that stops matching means
the table moved away from the list price (or the list price changed: update both, by hand).
"""

from __future__ import annotations

import pytest

from autcloud.agent.cost import UsageAssumptions, estimate_cost
from autcloud.agent.tfparse import load_texts

# The usage the literals assume: the engine's defaults (730 h, 10 GB through a NAT gateway,
# 1 LCU, 50 GB in S3), with S3 requests left out so a bucket costs its storage alone.
USAGE = UsageAssumptions(s3_put_requests_per_month=0, s3_get_requests_per_month=0)

TERRAFORM = """
resource "aws_instance" "m5_large" {
  ami           = "ami-12345678"
  instance_type = "m5.large"
}
resource "aws_instance" "t3_micro" {
  ami           = "ami-12345678"
  instance_type = "t3.micro"
}
resource "aws_instance" "t3_medium" {
  ami           = "ami-12345678"
  instance_type = "t3.medium"
}
resource "aws_nat_gateway" "main" {
  allocation_id = "eipalloc-1"
  subnet_id     = "subnet-1"
}
resource "aws_lb" "web" {
  load_balancer_type = "application"
}
resource "aws_s3_bucket" "assets" {}
resource "aws_ebs_volume" "data" {
  availability_zone = "a"
  size              = 100
  type              = "gp3"
}
resource "aws_db_instance" "postgres" {
  engine            = "postgres"
  instance_class    = "db.t3.micro"
  allocated_storage = 20
}
resource "aws_db_instance" "mysql" {
  engine            = "mysql"
  instance_class    = "db.m5.large"
  allocated_storage = 100
  multi_az          = true
}
resource "aws_eks_cluster" "main" {
  name     = "main"
  role_arn = "arn:aws:iam::123456789012:role/eks"
}
"""

# (region, address, monthly USD worked out by hand). An instance carries its 8 GB gp3 root volume.
LIST_PRICES = [
    # --- us-east-1 (N. Virginia) ---
    # m5.large $0.096/h; gp3 $0.08/GB-month: 730 × 0.096 + 8 × 0.08 = 70.08 + 0.64
    ("us-east-1", "aws_instance.m5_large", 70.72),
    # t3.micro $0.0104/h: 730 × 0.0104 + 8 × 0.08 = 7.592 + 0.64
    ("us-east-1", "aws_instance.t3_micro", 8.232),
    # NAT gateway $0.045/h and $0.045/GB processed: 730 × 0.045 + 10 × 0.045 = 32.85 + 0.45
    ("us-east-1", "aws_nat_gateway.main", 33.30),
    # ALB $0.0225/h + $0.008/LCU-hour: 730 × 0.0225 + 730 × 0.008 = 16.425 + 5.84
    ("us-east-1", "aws_lb.web", 22.265),
    # S3 Standard $0.023/GB-month (first 50 TB): 50 × 0.023
    ("us-east-1", "aws_s3_bucket.assets", 1.15),
    # EBS gp3 $0.08/GB-month: 100 × 0.08
    ("us-east-1", "aws_ebs_volume.data", 8.00),
    # RDS for PostgreSQL db.t3.micro Single-AZ $0.018/h; gp2 storage $0.115/GB-month:
    # 730 × 0.018 + 20 × 0.115 = 13.14 + 2.30
    ("us-east-1", "aws_db_instance.postgres", 15.44),
    # RDS for MySQL db.m5.large Multi-AZ $0.342/h (2 × $0.171); Multi-AZ gp2 $0.23/GB-month:
    # 730 × 0.342 + 100 × 0.23 = 249.66 + 23.00
    ("us-east-1", "aws_db_instance.mysql", 272.66),
    # EKS cluster $0.10/h: 730 × 0.10
    ("us-east-1", "aws_eks_cluster.main", 73.00),
    # --- eu-west-1 (Ireland) ---
    # m5.large $0.107/h; gp3 $0.088/GB-month: 730 × 0.107 + 8 × 0.088 = 78.11 + 0.704
    ("eu-west-1", "aws_instance.m5_large", 78.814),
    # t3.micro $0.0114/h: 730 × 0.0114 + 8 × 0.088 = 8.322 + 0.704
    ("eu-west-1", "aws_instance.t3_micro", 9.026),
    # t3.medium $0.0456/h: 730 × 0.0456 + 8 × 0.088 = 33.288 + 0.704
    ("eu-west-1", "aws_instance.t3_medium", 33.992),
    # NAT gateway $0.048/h and $0.048/GB: 730 × 0.048 + 10 × 0.048 = 35.04 + 0.48
    ("eu-west-1", "aws_nat_gateway.main", 35.52),
    # ALB $0.0252/h + $0.008/LCU-hour: 730 × 0.0252 + 730 × 0.008 = 18.396 + 5.84
    ("eu-west-1", "aws_lb.web", 24.236),
    # S3 Standard $0.023/GB-month: 50 × 0.023
    ("eu-west-1", "aws_s3_bucket.assets", 1.15),
    # EBS gp3 $0.088/GB-month: 100 × 0.088
    ("eu-west-1", "aws_ebs_volume.data", 8.80),
    # EKS cluster $0.10/h everywhere: 730 × 0.10
    ("eu-west-1", "aws_eks_cluster.main", 73.00),
    # --- ap-northeast-2 (Seoul) ---
    # m5.large $0.118/h; gp3 $0.0912/GB-month: 730 × 0.118 + 8 × 0.0912 = 86.14 + 0.7296
    ("ap-northeast-2", "aws_instance.m5_large", 86.8696),
    # t3.micro $0.013/h: 730 × 0.013 + 8 × 0.0912 = 9.49 + 0.7296
    ("ap-northeast-2", "aws_instance.t3_micro", 10.2196),
    # t3.medium $0.052/h: 730 × 0.052 + 8 × 0.0912 = 37.96 + 0.7296
    ("ap-northeast-2", "aws_instance.t3_medium", 38.6896),
    # NAT gateway $0.059/h and $0.059/GB: 730 × 0.059 + 10 × 0.059 = 43.07 + 0.59
    ("ap-northeast-2", "aws_nat_gateway.main", 43.66),
    # ALB $0.0225/h + $0.008/LCU-hour (as in N. Virginia): 16.425 + 5.84
    ("ap-northeast-2", "aws_lb.web", 22.265),
    # S3 Standard $0.025/GB-month: 50 × 0.025
    ("ap-northeast-2", "aws_s3_bucket.assets", 1.25),
    # EBS gp3 $0.0912/GB-month: 100 × 0.0912
    ("ap-northeast-2", "aws_ebs_volume.data", 9.12),
    # EKS cluster $0.10/h: 730 × 0.10
    ("ap-northeast-2", "aws_eks_cluster.main", 73.00),
]


@pytest.mark.parametrize(("region", "address", "monthly_usd"), LIST_PRICES)
def test_the_monthly_figure_is_the_list_price_worked_out_by_hand(
    region: str, address: str, monthly_usd: float
) -> None:
    estimate = estimate_cost(load_texts({"main.tf": TERRAFORM}), region, USAGE)
    line = next(line for line in estimate.lines if line.address == address)

    assert line.priced
    assert line.monthly_usd == pytest.approx(monthly_usd, abs=1e-9), line.basis


def test_the_pinned_items_span_three_regions_and_every_kind_of_charge() -> None:
    regions = {region for region, _, _ in LIST_PRICES}
    types = {address.split(".")[0] for _, address, _ in LIST_PRICES}

    assert regions == {"us-east-1", "eu-west-1", "ap-northeast-2"}
    assert {
        "aws_instance",
        "aws_db_instance",
        "aws_nat_gateway",
        "aws_lb",
        "aws_s3_bucket",
    } <= types
