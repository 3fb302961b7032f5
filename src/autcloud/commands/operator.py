"""``autcloud operator``: run the InfraDesign operator (kopf) against the current cluster.

It logs in like kubectl (in-cluster service account, else KUBECONFIG or ~/.kube/config) and
works until stopped. Redis is optional: with --redis-url, each run's progress events go to the
design's stream for the gateway and chat messages from it are appended to the designs'
conversations. It also handles ProjectTag and MonitorTarget objects and serves Prometheus
/metrics (--metrics-listen). See docs/operator.md.

Designs may not make it push to its own disk (local paths, file://), run git remote helpers
(transport::address) or send a Secret's token over http://; the --allow-* options below relax
that. Git and provider Secrets must be labelled autcloud.io/secret-type: git or llm.

Exit codes: 0 stopped by a signal, 1 leadership lost (--leader-election; the pod restarts and
stands by), 2 usage error (the message names the option and the fix).
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import sys
from typing import Any

from autcloud.commands.parsers import add_command

EXIT_USAGE = 2
ENV_REDIS_URL = "AUTCLOUD_REDIS_URL"
ENV_POD_NAME = "POD_NAME"  # the chat inbox's consumer name (the Helm chart sets it)
ENV_POD_NAMESPACE = "POD_NAMESPACE"  # the leader election's Lease namespace (the chart sets it)
DEFAULT_LEASE_SECONDS = 15
ENV_CHAT_GROUP = "AUTCLOUD_CHAT_GROUP"  # one consumer group per deployment sharing a Redis
DEFAULT_CHAT_GROUP = "autcloud-operator"  # = autcloud.operator.settings.DEFAULT_CHAT_GROUP
ENV_VALIDATION_DEEP = "AUTCLOUD_VALIDATION_DEEP"  # "true": --validate full (the Helm chart)
ENV_API_KEY = "OPENAI_API_KEY"  # the --default-provider openai key, as for `autcloud design`
DEFAULT_METRICS_LISTEN = "0.0.0.0:9090"
LOG_LEVELS = ("debug", "info", "warning", "error")
_NAMESPACE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def register(subparsers: Any) -> None:
    add_command(
        subparsers,
        "operator",
        doc=__doc__,
        values={
            "ENV_POD_NAMESPACE": ENV_POD_NAMESPACE,
            "pod_namespace": os.environ.get(ENV_POD_NAMESPACE),
            "DEFAULT_LEASE_SECONDS": DEFAULT_LEASE_SECONDS,
            "ENV_REDIS_URL": ENV_REDIS_URL,
            "redis_url": os.environ.get(ENV_REDIS_URL),
            "ENV_CHAT_GROUP": ENV_CHAT_GROUP,
            "DEFAULT_CHAT_GROUP": DEFAULT_CHAT_GROUP,
            "chat_group": os.environ.get(ENV_CHAT_GROUP) or DEFAULT_CHAT_GROUP,
            "ENV_VALIDATION_DEEP": ENV_VALIDATION_DEEP,
            "validate": "full" if _env_true(ENV_VALIDATION_DEEP) else "quick",
            "ENV_API_KEY": ENV_API_KEY,
            "DEFAULT_METRICS_LISTEN": DEFAULT_METRICS_LISTEN,
            "LOG_LEVELS": LOG_LEVELS,
        },
    )


def run(args: argparse.Namespace) -> int:
    problem = _check(args)
    if problem:
        print(f"autcloud operator: {problem}", file=sys.stderr)
        return EXIT_USAGE
    import logging

    import kopf

    from autcloud.gitsink import default_cache_dir
    from autcloud.gitsink.policy import parse_hosts
    from autcloud.operator.runner import run as run_operator
    from autcloud.operator.selector import parse_selector
    from autcloud.operator.settings import LeaderElection, OperatorSettings
    from autcloud.operator.spec import ProviderSpec

    level = "debug" if args.verbose else (args.log_level or "info")
    kopf.configure(
        verbose=level == "debug",
        log_format={
            "json": kopf.LogFormat.JSON,
            "full": kopf.LogFormat.FULL,
            "plain": kopf.LogFormat.PLAIN,
        }[args.log_format],
    )
    logging.getLogger().setLevel(level.upper())
    settings = OperatorSettings(
        namespaces=tuple(args.namespace),
        max_concurrent_runs=args.max_concurrent_runs,
        git_cache_dir=args.git_cache or default_cache_dir(),
        redis_url=args.redis_url or None,
        deep_validation=args.validate == "full",
        diagram=not args.no_diagram,
        leader_election=(
            LeaderElection(
                args.leader_election, args.leader_election_namespace, args.lease_duration
            )
            if args.leader_election
            else None
        ),
        selector=parse_selector(args.selector) if args.selector else None,
        metrics_listen=None if args.metrics_listen == "off" else args.metrics_listen,
        pod_name=os.environ.get(ENV_POD_NAME) or socket.gethostname(),
        chat_group=args.chat_group,
        allow_local_repositories=args.allow_local_repositories,
        allow_insecure_http=args.allow_insecure_http,
        allowed_git_hosts=parse_hosts(args.allow_git_host),
        allowed_provider_hosts=parse_hosts(args.allow_provider_host),
        default_llm=ProviderSpec(
            args.default_provider, args.default_model, args.default_base_url or None
        ),
        default_llm_api_key=os.environ.get(ENV_API_KEY) or None,
    )
    from autcloud import tracing

    problem = tracing.start("autcloud-operator")
    if problem:
        print(f"autcloud operator: {problem}", file=sys.stderr)
        return EXIT_USAGE
    try:
        run_operator(settings, liveness_endpoint=args.liveness)
    finally:
        tracing.shutdown()
    return 0


def _check(args: argparse.Namespace) -> str | None:
    if args.max_concurrent_runs < 1:
        return f"--max-concurrent-runs {args.max_concurrent_runs}: give at least 1, e.g. 4"
    for namespace in args.namespace:
        if not _NAMESPACE.match(namespace) or len(namespace) > 63:
            return (
                f"--namespace {namespace!r}: not a namespace name; use lowercase letters, "
                "digits and '-', e.g. --namespace autcloud"
            )
    from autcloud.operator.settings import check_chat_group, parse_listen

    if args.metrics_listen != "off":
        try:
            parse_listen(args.metrics_listen)
        except ValueError as error:
            return f"--metrics-listen: {error}, or off"
    if args.leader_election is not None:
        problem = _check_leader_election(args)
        if problem:
            return problem
    if args.selector is not None:
        from autcloud.operator.selector import parse_selector

        try:
            parse_selector(args.selector)
        except ValueError as error:
            return f"--selector: {error}"
    try:
        check_chat_group(args.chat_group)
    except ValueError as error:
        return f"--chat-group: {error}"
    from autcloud.gitsink.policy import parse_hosts

    for option in ("allow_git_host", "allow_provider_host"):
        try:
            parse_hosts(getattr(args, option))
        except ValueError as error:
            return f"--{option.replace('_', '-')}: {error}"
    if args.default_provider == "openai" and not (args.default_model or "").strip():
        return "--default-provider openai needs --default-model, e.g. --default-model gpt-4o-mini"
    if args.default_provider == "offline" and (args.default_model or args.default_base_url):
        return "--default-model/--default-base-url: only with --default-provider openai"
    if args.default_base_url and not args.default_base_url.startswith(("http://", "https://")):
        return (
            f"--default-base-url {args.default_base_url!r}: give the server's API root, "
            "e.g. http://llm.internal:8000/v1"
        )
    if args.redis_url:
        from autcloud.gateway.redis_url import check_redis_url

        try:
            check_redis_url(args.redis_url)
        except ValueError as error:
            return f"--redis-url: {error}"
    return None


def _check_leader_election(args: argparse.Namespace) -> str | None:
    from autcloud.operator.settings import MIN_LEASE_SECONDS

    if not _NAMESPACE.match(args.leader_election) or len(args.leader_election) > 63:
        return (
            f"--leader-election {args.leader_election!r}: not a Lease name; use lowercase "
            "letters, digits and '-', e.g. --leader-election autcloud-operator"
        )
    namespace = args.leader_election_namespace
    if not namespace:
        return (
            "--leader-election needs the Lease's namespace: give --leader-election-namespace "
            f"NS or set ${ENV_POD_NAMESPACE} (the Helm chart does)"
        )
    if not _NAMESPACE.match(namespace) or len(namespace) > 63:
        return f"--leader-election-namespace {namespace!r}: not a namespace name, e.g. autcloud"
    if args.lease_duration < MIN_LEASE_SECONDS:
        return f"--lease-duration {args.lease_duration}: give at least {MIN_LEASE_SECONDS}, e.g. 15"
    return None


def _env_true(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")
