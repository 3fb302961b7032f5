import asyncio
from functools import cache
from typing import Any

from autcloud.agent.design import run_design
from autcloud.agent.tfparse import TerraformModule, load_texts


@cache
def _design(request: str) -> tuple[TerraformModule, dict[str, dict[str, Any]]]:
    result = asyncio.run(run_design(request, assume_defaults=True))
    ledger = {entry["key"]: entry for entry in result.document["requirements"]["ledger"]}
    return load_texts(result.files), ledger


def _evidence(entry: dict[str, Any]) -> list[str]:
    return [e["address"] for e in entry["evidence"]]


EN = "A containerised MQTT broker behind a network load balancer on TCP port 1883"
KO = "컨테이너 기반 MQTT 브로커, 네트워크 로드밸런서 TCP 포트 1883"


def test_an_english_request_builds_a_network_load_balancer_on_the_stated_port() -> None:
    module, _ = _design(EN)
    assert module.resources["aws_lb"]["nlb"]["load_balancer_type"] == "network"
    assert module.resources["aws_lb"]["nlb"]["enable_cross_zone_load_balancing"] is True
    listener = module.resources["aws_lb_listener"]["nlb_tcp"]
    assert listener["protocol"] == "TCP"
    assert module.variables["nlb_port"]["default"] == 1883


def test_the_ecs_service_is_registered_with_the_network_load_balancer() -> None:
    module, _ = _design(EN)
    service = module.resources["aws_ecs_service"]["app"]
    assert "aws_lb_target_group.nlb" in str(service["load_balancer"])


def test_a_korean_request_builds_the_network_load_balancer_on_the_stated_port() -> None:
    module, _ = _design(KO)
    assert module.variables["nlb_port"]["default"] == 1883


def test_a_private_request_makes_the_network_load_balancer_internal() -> None:
    module, _ = _design("An EC2 fleet behind an NLB on tcp 9000, internal only")
    assert module.resources["aws_lb"]["nlb"]["internal"] is True
    assert "aws_lb_target_group.nlb" in str(
        module.resources["aws_autoscaling_group"]["app"]["target_group_arns"]
    )


def test_the_ledger_honors_the_nlb_and_its_port_with_evidence() -> None:
    _, ledger = _design(EN)
    assert ledger["service.nlb"]["status"] == "honored"
    assert _evidence(ledger["service.nlb"]) == ["aws_lb.nlb"]
    assert ledger["nlb.port"]["status"] == "honored"
    assert _evidence(ledger["nlb.port"]) == ["aws_lb_listener.nlb_tcp"]


def test_a_request_not_naming_an_nlb_builds_none() -> None:
    module, _ = _design("A containerised web API with PostgreSQL")
    assert "nlb" not in module.resources["aws_lb"]
