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


def test_a_udp_listener_is_built_with_a_udp_target_group_and_udp_firewall() -> None:
    module, ledger = _design(
        "Game servers: a Network Load Balancer with a UDP listener on 7777 sending traffic to an "
        "autoscaling group of c6i.large instances"
    )
    assert module.resources["aws_lb_listener"]["nlb_tcp"]["protocol"] == "UDP"
    assert module.variables["nlb_port"]["default"] == 7777
    assert module.resources["aws_lb_target_group"]["nlb"]["protocol"] == "UDP"
    rule = module.resources["aws_vpc_security_group_ingress_rule"]["nlb_tcp_in"]
    assert rule["ip_protocol"] == "udp"
    assert ledger["nlb.protocol"]["status"] == "honored"


def test_tls_ended_at_the_nlb_gets_a_tls_listener_and_the_stated_backend_port() -> None:
    module, ledger = _design(
        "EC2 오토스케일링 그룹 MQTT 브로커. 단말이 8883 포트 TLS로 붙는데 NLB에서 TLS 종료하고 "
        "뒤로는 1883 TCP로 넘겨주세요. 인증서는 ACM으로 mqtt.kickgo.co.kr"
    )
    listener = module.resources["aws_lb_listener"]["nlb_tcp"]
    assert listener["protocol"] == "TLS"
    assert listener["ssl_policy"].startswith("ELBSecurityPolicy-TLS13")
    assert module.variables["nlb_port"]["default"] == 8883
    assert module.variables["nlb_target_port"]["default"] == 1883
    assert module.resources["aws_lb_target_group"]["nlb"]["protocol"] == "TCP"
    assert ledger["nlb.target_port"]["status"] == "honored"
