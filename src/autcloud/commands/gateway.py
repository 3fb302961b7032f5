"""``autcloud gateway``: the SSE gateway (live design events out, chat messages in).

Exit codes: 0 stopped by a signal, 2 usage error (the message names the option and the fix).
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import logging
import os
import sys
from typing import Any

# Light modules only (no aiohttp/redis): `autcloud --help` stays fast.
from autcloud.commands.parsers import add_command, settings_from
from autcloud.events import CONVERSATION_TEXT_MAX_CHARS
from autcloud.gateway.inputs import DEFAULT_MAX_JSON_DEPTH, DEFAULT_MAX_MESSAGE_CHARS
from autcloud.gateway.limits import (
    DEFAULT_AUTH_CACHE_SIZE,
    DEFAULT_AUTH_CACHE_TTL_S,
    DEFAULT_AUTH_NEGATIVE_TTL_S,
    DEFAULT_REQUESTS_MAX_BYTES,
)

ENV_TOKEN = "AUTCLOUD_GATEWAY_TOKEN"
EXIT_STOPPED = 0
EXIT_USAGE = 2


def register(subparsers: Any) -> None:
    add_command(
        subparsers,
        "gateway",
        values={
            "ENV_TOKEN": ENV_TOKEN,
            "DEFAULT_MAX_MESSAGE_CHARS": DEFAULT_MAX_MESSAGE_CHARS,
            "DEFAULT_MAX_JSON_DEPTH": DEFAULT_MAX_JSON_DEPTH,
            "DEFAULT_REQUESTS_MAX_BYTES": DEFAULT_REQUESTS_MAX_BYTES,
            "DEFAULT_AUTH_CACHE_SIZE": DEFAULT_AUTH_CACHE_SIZE,
            "DEFAULT_AUTH_CACHE_TTL_S": DEFAULT_AUTH_CACHE_TTL_S,
            "DEFAULT_AUTH_NEGATIVE_TTL_S": DEFAULT_AUTH_NEGATIVE_TTL_S,
        },
    )


def _listen(value: str, option: str = "--listen") -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"{option} {value!r} must be HOST:PORT, e.g. 127.0.0.1:8080")
    return host.strip("[]") or "0.0.0.0", int(port)


def _limits_problem(args: argparse.Namespace) -> str | None:
    """A sentence naming the first option whose value cannot work, or None."""
    positive = {
        "--queue-limit": args.queue_limit,
        "--readers": args.readers,
        "--heartbeat": args.heartbeat,
        "--max-message-chars": args.max_message_chars,
        "--max-json-depth": args.max_json_depth,
        "--header-timeout": args.header_timeout,
        "--body-timeout": args.body_timeout,
        "--message-burst": args.message_burst,
        "--auth-failure-burst": args.auth_failure_burst,
        "--requests-max-bytes": args.requests_max_bytes,
        "--auth-cache-size": args.auth_cache_size,
    }
    for option, value in positive.items():
        if value <= 0:
            return f"{option} must be positive (got {value})"
    not_negative = {
        "--message-rate": args.message_rate,
        "--auth-failure-rate": args.auth_failure_rate,
        "--trusted-proxy-hops": args.trusted_proxy_hops,
        "--auth-cache-ttl": args.auth_cache_ttl,
        "--auth-negative-cache-ttl": args.auth_negative_cache_ttl,
    }
    for option, value in not_negative.items():
        if value < 0:
            return f"{option} must be 0 or more (got {value})"
    if args.max_message_chars > CONVERSATION_TEXT_MAX_CHARS:
        return (
            f"--max-message-chars {args.max_message_chars} is above the InfraDesign CRD's "
            f"spec.conversation[].text maxLength ({CONVERSATION_TEXT_MAX_CHARS}): the cluster "
            "would refuse such messages after the gateway accepted them; use at most "
            f"{CONVERSATION_TEXT_MAX_CHARS}"
        )
    return None


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def run(args: argparse.Namespace) -> int:
    from autcloud.gateway.app import GatewayConfig
    from autcloud.gateway.auth import AllowAllAuthorizer, Authorizer, StaticTokenAuthorizer
    from autcloud.gateway.kube_auth import KubeApiConfig, KubeConfigError, KubernetesAuthorizer
    from autcloud.gateway.redis_url import check_redis_url
    from autcloud.gateway.server import serve

    logging.basicConfig(
        stream=sys.stderr,
        level=args.log_level,
        format="level=%(levelname)s logger=%(name)s %(message)s",
    )
    try:
        host, port = _listen(args.listen)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    token = args.token or os.environ.get(ENV_TOKEN)
    authorizer: Authorizer
    if args.kubernetes_auth:
        try:
            authorizer = KubernetesAuthorizer(
                KubeApiConfig.from_environment(args.kubeconfig),
                cache_ttl_s=args.auth_cache_ttl,
                negative_ttl_s=args.auth_negative_cache_ttl,
                cache_limit=args.auth_cache_size,
            )
        except KubeConfigError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_USAGE
    elif token:
        authorizer = StaticTokenAuthorizer(token)
    elif _is_loopback(host):
        print(
            "warning: no --token or --kubernetes-auth: anyone on this machine may connect",
            file=sys.stderr,
        )
        authorizer = AllowAllAuthorizer()
    else:
        print(
            f"error: --listen {args.listen} is reachable from other machines: "
            f"add --token (or ${ENV_TOKEN}) or --kubernetes-auth",
            file=sys.stderr,
        )
        return EXIT_USAGE
    problem = _limits_problem(args)
    try:
        check_redis_url(args.redis_url)
    except ValueError as exc:
        problem = problem or f"--redis-url: {exc}"
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return EXIT_USAGE
    metrics_host: str | None = None
    metrics_port = 0
    if args.metrics_listen:
        try:
            metrics_host, metrics_port = _listen(args.metrics_listen, "--metrics-listen")
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_USAGE
    config = GatewayConfig(
        host=host,
        port=port,
        cors_origins=tuple(args.cors_origin),
        metrics_host=metrics_host,
        metrics_port=metrics_port,
        # the options that set a field as given (their `setting` in commands.yaml)
        **settings_from(args, "gateway"),
    )
    from autcloud import tracing

    problem = tracing.start("autcloud-gateway")
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return EXIT_USAGE
    try:
        asyncio.run(serve(config, authorizer))
    finally:
        tracing.shutdown()
    return EXIT_STOPPED
