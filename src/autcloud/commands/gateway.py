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
from autcloud.events import CONVERSATION_TEXT_MAX_CHARS
from autcloud.gateway.inputs import DEFAULT_MAX_JSON_DEPTH, DEFAULT_MAX_MESSAGE_CHARS
from autcloud.gateway.limits import (
    DEFAULT_AUTH_CACHE_SIZE,
    DEFAULT_AUTH_CACHE_TTL_S,
    DEFAULT_AUTH_NEGATIVE_TTL_S,
    DEFAULT_REQUESTS_MAX_BYTES,
)

ENV_TOKEN = "AUTCLOUD_GATEWAY_TOKEN"


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "gateway",
        help="serve design events (SSE) and accept chat messages over HTTP",
        description=(
            "A thin HTTP gateway over Redis: GET /v1/namespaces/NS/infradesigns/NAME/events "
            "streams a design's progress (text/event-stream), POST .../messages sends it a "
            "message. See docs/streaming.md."
        ),
    )
    parser.add_argument(
        "--redis-url",
        required=True,
        help="e.g. redis://localhost:6379/0, rediss://... (TLS), "
        "redis+sentinel://host:26379/mymaster/0 or redis+cluster://node-1:6379,node-2:6379 "
        "(Redis Cluster); a password may come from $AUTCLOUD_REDIS_PASSWORD "
        "(docs/streaming.md 'Redis URLs')",
    )
    parser.add_argument(
        "--listen",
        default="127.0.0.1:8080",
        metavar="HOST:PORT",
        help="address to listen on (default: 127.0.0.1:8080)",
    )
    auth = parser.add_mutually_exclusive_group()
    auth.add_argument("--token", help=f"static bearer token for local runs (or set ${ENV_TOKEN})")
    auth.add_argument(
        "--kubernetes-auth",
        action="store_true",
        help="check tokens with TokenReview and access with SubjectAccessReview",
    )
    parser.add_argument("--kubeconfig", help="kubeconfig for --kubernetes-auth outside a cluster")
    parser.add_argument(
        "--cors-origin",
        action="append",
        default=[],
        metavar="ORIGIN",
        help="allow browser calls from this origin (repeat; '*' for any)",
    )
    parser.add_argument(
        "--heartbeat",
        type=float,
        default=15.0,
        metavar="SECONDS",
        help="SSE heartbeat interval (default: 15)",
    )
    parser.add_argument(
        "--queue-limit",
        type=int,
        default=1000,
        metavar="N",
        help="events buffered per client before a slow client is cut off",
    )
    parser.add_argument(
        "--readers",
        type=int,
        default=2,
        metavar="N",
        help="Redis connections that read streams for all clients (default: 2)",
    )
    parser.add_argument(
        "--metrics-listen",
        metavar="HOST:PORT",
        help="also serve /metrics here without a token, for Prometheus (the main address "
        "serves it only with the bearer token); keep it off any ingress",
    )
    parser.add_argument(
        "--log-level",
        type=str.upper,  # any case: --log-level=info and INFO both work
        default="INFO",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="DEBUG, INFO (the default), WARNING or ERROR, in any case",
    )
    limits = parser.add_argument_group(
        "limits", "abuse limits; see docs/security.md 'Gateway limits'"
    )
    limits.add_argument(
        "--max-message-chars",
        type=int,
        default=DEFAULT_MAX_MESSAGE_CHARS,
        metavar="N",
        help="characters (decoded, however escaped) a message's text may hold: at most the "
        "InfraDesign CRD's spec.conversation[].text maxLength, since the message becomes such "
        f"an entry; lower it to refuse shorter texts (default and maximum: "
        f"{DEFAULT_MAX_MESSAGE_CHARS})",
    )
    limits.add_argument(
        "--max-json-depth",
        type=int,
        default=DEFAULT_MAX_JSON_DEPTH,
        metavar="N",
        help=f"nesting of arrays/objects a JSON body may have (default: {DEFAULT_MAX_JSON_DEPTH})",
    )
    limits.add_argument(
        "--header-timeout",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="time for a whole request head, from connecting or the previous response; also "
        "how long an idle connection stays open (default: 10)",
    )
    limits.add_argument(
        "--body-timeout",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="time for a message body once its head arrived (default: 10)",
    )
    limits.add_argument(
        "--message-rate",
        type=float,
        default=1.0,
        metavar="PER_SECOND",
        help="messages per second each identity may send on average; 0: no limit (default: 1)",
    )
    limits.add_argument(
        "--message-burst",
        type=int,
        default=20,
        metavar="N",
        help="messages an identity may send at once before --message-rate applies (default: 20)",
    )
    limits.add_argument(
        "--auth-failure-rate",
        type=float,
        default=0.5,
        metavar="PER_SECOND",
        help="failed authentications per second a client address may make on average; "
        "0: no limit (default: 0.5)",
    )
    limits.add_argument(
        "--auth-failure-burst",
        type=int,
        default=20,
        metavar="N",
        help="failed authentications an address may make at once (default: 20)",
    )
    limits.add_argument(
        "--trusted-proxy-hops",
        type=int,
        default=0,
        metavar="N",
        help="proxies in front of the gateway that append to X-Forwarded-For; the client "
        "address is the N-th entry from the right (default: 0, the peer address)",
    )
    limits.add_argument(
        "--requests-max-bytes",
        type=int,
        default=DEFAULT_REQUESTS_MAX_BYTES,
        metavar="BYTES",
        help="byte budget of the requests stream in Redis "
        f"(default: {DEFAULT_REQUESTS_MAX_BYTES}, 256 MiB)",
    )
    limits.add_argument(
        "--auth-cache-size",
        type=int,
        default=DEFAULT_AUTH_CACHE_SIZE,
        metavar="N",
        help=f"--kubernetes-auth answers kept (LRU; default: {DEFAULT_AUTH_CACHE_SIZE})",
    )
    limits.add_argument(
        "--auth-cache-ttl",
        type=float,
        default=DEFAULT_AUTH_CACHE_TTL_S,
        metavar="SECONDS",
        help=f"how long a 'yes' review is kept (default: {DEFAULT_AUTH_CACHE_TTL_S:g})",
    )
    limits.add_argument(
        "--auth-negative-cache-ttl",
        type=float,
        default=DEFAULT_AUTH_NEGATIVE_TTL_S,
        metavar="SECONDS",
        help="how long a 'no' review (token not valid, access denied) is kept, at most "
        f"--auth-cache-ttl (default: {DEFAULT_AUTH_NEGATIVE_TTL_S:g})",
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
        return 2
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
            return 2
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
        return 2
    problem = _limits_problem(args)
    try:
        check_redis_url(args.redis_url)
    except ValueError as exc:
        problem = problem or f"--redis-url: {exc}"
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    metrics_host: str | None = None
    metrics_port = 0
    if args.metrics_listen:
        try:
            metrics_host, metrics_port = _listen(args.metrics_listen, "--metrics-listen")
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    config = GatewayConfig(
        redis_url=args.redis_url,
        host=host,
        port=port,
        readers=args.readers,
        heartbeat_s=args.heartbeat,
        queue_limit=args.queue_limit,
        cors_origins=tuple(args.cors_origin),
        max_message_chars=args.max_message_chars,
        max_json_depth=args.max_json_depth,
        header_timeout_s=args.header_timeout,
        body_timeout_s=args.body_timeout,
        message_rate=args.message_rate,
        message_burst=args.message_burst,
        auth_failure_rate=args.auth_failure_rate,
        auth_failure_burst=args.auth_failure_burst,
        trusted_proxy_hops=args.trusted_proxy_hops,
        requests_max_bytes=args.requests_max_bytes,
        metrics_host=metrics_host,
        metrics_port=metrics_port,
    )
    from autcloud import tracing

    problem = tracing.start("autcloud-gateway")
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    try:
        asyncio.run(serve(config, authorizer))
    finally:
        tracing.shutdown()
    return 0
