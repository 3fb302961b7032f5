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
from pathlib import Path
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
    parser = add_command(
        subparsers,
        "operator",
        summary="run the InfraDesign operator against the current Kubernetes cluster",
        doc=__doc__,
    )
    scope = parser.add_mutually_exclusive_group()
    scope.add_argument(
        "--namespace",
        "-n",
        action="append",
        default=[],
        metavar="NS",
        help="watch only this namespace (repeatable)",
    )
    scope.add_argument(
        "--all-namespaces",
        "-A",
        action="store_true",
        help="watch every namespace (the default when no --namespace is given)",
    )
    replicas = parser.add_mutually_exclusive_group()
    replicas.add_argument(
        "--standalone",
        action="store_true",
        help="run as the only replica, handling objects at once (the default)",
    )
    replicas.add_argument(
        "--leader-election",
        metavar="LEASE",
        help="run as one of several replicas: work only while holding the coordination.k8s.io "
        "Lease LEASE, wait as a standby otherwise (docs/operator.md)",
    )
    parser.add_argument(
        "--leader-election-namespace",
        metavar="NS",
        default=os.environ.get(ENV_POD_NAMESPACE),
        help=f"the Lease's namespace (default: ${ENV_POD_NAMESPACE}, which the Helm chart sets)",
    )
    parser.add_argument(
        "--lease-duration",
        type=int,
        default=DEFAULT_LEASE_SECONDS,
        metavar="SECONDS",
        help="a standby takes over at most this long (plus 2/15 of it) after the leader "
        f"stopped renewing (default: {DEFAULT_LEASE_SECONDS})",
    )
    parser.add_argument(
        "--selector",
        "-l",
        metavar="SELECTOR",
        help="handle only objects whose labels match, e.g. autcloud.io/shard=a or "
        "'team in (payments,search)' (kubectl's syntax): shards objects between releases",
    )
    parser.add_argument(
        "--max-concurrent-runs",
        type=int,
        default=4,
        metavar="N",
        help="design runs at the same time across all objects (default: 4)",
    )
    parser.add_argument(
        "--git-cache",
        type=Path,
        default=None,
        metavar="DIR",
        help="where plain-git remotes are cached (default: $XDG_CACHE_HOME/autcloud/git)",
    )
    parser.add_argument(
        "--redis-url",
        default=os.environ.get(ENV_REDIS_URL),
        metavar="URL",
        help="publish progress events to and take chat messages from Redis, e.g. "
        "redis://localhost:6379/0, rediss://... (TLS), redis+sentinel://host:26379/mymaster/0 or "
        "redis+cluster://node-1:6379,node-2:6379 (Redis Cluster) "
        f"(or ${ENV_REDIS_URL}; a password may come from $AUTCLOUD_REDIS_PASSWORD)",
    )
    parser.add_argument(
        "--chat-group",
        default=os.environ.get(ENV_CHAT_GROUP) or DEFAULT_CHAT_GROUP,
        metavar="NAME",
        help="the chat inbox's Redis consumer group; give each operator deployment sharing a "
        f"Redis its own (default: {DEFAULT_CHAT_GROUP}, or ${ENV_CHAT_GROUP})",
    )
    parser.add_argument(
        "--validate",
        choices=("quick", "full"),
        default="full" if _env_true(ENV_VALIDATION_DEEP) else "quick",
        help="quick: parse, references, secrets, fmt; full: also terraform validate and checkov "
        f"(default: quick, or full when ${ENV_VALIDATION_DEEP} is true)",
    )
    parser.add_argument(
        "--no-diagram", action="store_true", help="do not commit diagram.svg (needs graphviz)"
    )
    model = parser.add_argument_group(
        "the model of designs whose spec.provider names none (docs/operator.md)"
    )
    model.add_argument(
        "--default-provider",
        type=str.lower,
        choices=("offline", "openai"),
        default="offline",
        help="offline (built in, no network; the default) or openai (any OpenAI-compatible "
        f"server; its API key from ${ENV_API_KEY})",
    )
    model.add_argument(
        "--default-model", metavar="MODEL", help="model id for --default-provider openai"
    )
    model.add_argument(
        "--default-base-url",
        metavar="URL",
        help="API root for --default-provider openai, e.g. http://llm.internal:8000/v1 "
        "(default: the OpenAI API)",
    )
    parser.add_argument(
        "--liveness",
        metavar="URL",
        help="serve a liveness probe, e.g. http://0.0.0.0:8080/healthz",
    )
    parser.add_argument(
        "--metrics-listen",
        default=DEFAULT_METRICS_LISTEN,
        metavar="HOST:PORT",
        help=f"serve Prometheus /metrics here (default: {DEFAULT_METRICS_LISTEN}; 'off' disables)",
    )
    parser.add_argument(
        "--log-level",
        type=str.lower,  # any case: the chart and most tools write INFO
        choices=LOG_LEVELS,
        default=None,
        help="debug, info (the default), warning or error, in any case; -v is --log-level debug",
    )
    parser.add_argument(
        "--log-format",
        choices=("json", "full", "plain"),
        default="full",
        help="json: one JSON object a line (for log collectors); default: full",
    )
    parser.add_argument("--verbose", "-v", action="store_true", help="log debug details")
    targets = parser.add_argument_group(
        "where designs may send files and credentials (docs/security.md)"
    )
    targets.add_argument(
        "--allow-local-repositories",
        action="store_true",
        help="accept spec.git.repository as a local path or file:// URL, i.e. a repository on "
        "the operator's own disk (local demo and tests only; the Helm chart never sets it)",
    )
    targets.add_argument(
        "--allow-insecure-http",
        action="store_true",
        help="send a Secret's token or API key to http:// git remotes and model servers "
        "(in clear; default: refused, https:// only)",
    )
    targets.add_argument(
        "--allow-git-host",
        action="append",
        default=[],
        metavar="HOST",
        help="git hosts designs may push to, e.g. github.com, git.example.com:8443 or "
        "*.example.com (repeatable; default: any host)",
    )
    targets.add_argument(
        "--allow-provider-host",
        action="append",
        default=[],
        metavar="HOST",
        help="hosts spec.provider.baseURL may name (repeatable; default: any host)",
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
