"""How long a cost estimate takes: parsing a design versus pricing it.

Run: .venv/bin/python bench/cost_estimate.py
"""

from __future__ import annotations

import time

from autcloud.agent.cost import estimate_cost
from autcloud.agent.tfparse import load_texts

_ONE_SERVICE = """
resource "aws_nat_gateway" "nat_{i}" {{}}
resource "aws_db_instance" "db_{i}" {{
  instance_class    = "db.t4g.medium"
  multi_az          = true
  allocated_storage = 20
}}
resource "aws_ecs_task_definition" "task_{i}" {{
  cpu                      = "512"
  memory                   = "1024"
  requires_compatibilities = ["FARGATE"]
}}
resource "aws_ecs_service" "svc_{i}" {{
  task_definition = aws_ecs_task_definition.task_{i}.arn
  launch_type     = "FARGATE"
  desired_count   = 2
}}
resource "aws_security_group" "sg_{i}" {{}}
resource "aws_cloudwatch_log_group" "logs_{i}" {{ retention_in_days = 30 }}
"""


def main() -> None:
    services = 10
    text = "".join(_ONE_SERVICE.format(i=i) for i in range(services))
    started = time.perf_counter()
    module = load_texts({"main.tf": text})
    parsed = time.perf_counter()
    rounds = 100
    for _ in range(rounds):
        result = estimate_cost(module, "ap-northeast-2")
    priced = time.perf_counter()
    print(f"resources: {len(result.lines)}")
    print(f"parse (python-hcl2): {(parsed - started) * 1000:.1f} ms")
    print(f"estimate: {(priced - parsed) / rounds * 1000:.2f} ms per run ({rounds} runs)")


if __name__ == "__main__":
    main()
