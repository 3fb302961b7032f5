from typing import Any

from autcloud.agent.capabilities import client_vpn, site_vpn


def _read(capability: Any, key: str, text: str) -> Any:
    parameter = next(p for p in capability.CAPABILITY.parameters if p.key == key)
    return [value for _, value in parameter.read(text)]


def test_client_cidr_handed_out_to_clients_is_read() -> None:
    text = "a Client VPN endpoint handing out 10.100.0.0/22 to clients"
    assert _read(client_vpn, "vpn.client_cidr", text) == ["10.100.0.0/22"]


def test_saml_sso_near_vpn_reads_federated_authentication() -> None:
    text = "a Client VPN into the VPC using SSO via our SAML IdP"
    assert _read(client_vpn, "vpn.authentication", text) == ["federated-authentication"]


def test_saml_without_vpn_is_not_a_vpn_authentication() -> None:
    assert _read(client_vpn, "vpn.authentication", "Cognito with SAML SSO") == []


def test_vpn_associated_with_two_subnets_reads_two() -> None:
    text = "AWS Client VPN, associated with two private subnets"
    assert _read(client_vpn, "vpn.subnet_associations", text) == [2]


def test_bgp_asn_of_office_router_is_read() -> None:
    text = "a Site-to-Site VPN to our office router 203.0.113.25 (BGP ASN 65010)"
    assert _read(site_vpn, "vpn.bgp_asn", text) == [65010]


def test_as_of_a_year_is_not_an_asn() -> None:
    assert _read(site_vpn, "vpn.bgp_asn", "a VPN as of 2024") == []
