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
    parser.add_argument("--redis-url", required=True, help="e.g. redis://localhost:6379/0")
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
    parser.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING"])


def _listen(value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"--listen {value!r} must be HOST:PORT, e.g. 127.0.0.1:8080")
    return host.strip("[]") or "0.0.0.0", int(port)


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
            authorizer = KubernetesAuthorizer(KubeApiConfig.from_environment(args.kubeconfig))
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
    if args.queue_limit < 1 or args.readers < 1 or args.heartbeat <= 0:
        print("error: --queue-limit, --readers and --heartbeat must be positive", file=sys.stderr)
        return 2
    config = GatewayConfig(
        redis_url=args.redis_url,
        host=host,
        port=port,
        readers=args.readers,
        heartbeat_s=args.heartbeat,
        queue_limit=args.queue_limit,
        cors_origins=tuple(args.cors_origin),
    )
    asyncio.run(serve(config, authorizer))
    return 0
