"""kopf handlers for ProjectTag, and the translation both account kinds share.

A ProjectTag (and a MonitorTarget, ``monitortarget.py``) is reconciled on create, spec change
and operator start, and again whenever its schedule says a re-scan is due: a timer checks every
``accounts_check_seconds`` whether the time the last reconcile asked for
(``requeue_after_s``: the spec's interval, or 60 s after a throttled or unreachable AWS) has
passed. The domain call (:mod:`autcloud.accounts`) runs in a thread; its status patch goes to
the status subresource, its events become Kubernetes Events. Credentials come from the Secret
named in ``spec.credentials.secretRef`` (read through the Kubernetes API, never logged), or the
operator's own AWS identity. Timers make kopf keep its finalizer on these objects (so it can
stop them cleanly); deleting one never touches AWS.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import aiohttp
import kopf

from autcloud.accounts import AwsClients, CredentialsSecretError, MetricsRegistry
from autcloud.accounts import reconcile_project_tag as reconcile_project_tag_domain
from autcloud.accounts.conditions import AccountResult
from autcloud.accounts.errors import Failure
from autcloud.aws import SECRET_KEYS
from autcloud.operator.kube import KubeApiError, KubeClient
from autcloud.operator.settings import GROUP, PROJECT_TAGS, VERSION, OperatorSettings
from autcloud.tracing import tracer

log = logging.getLogger("autcloud.operator.accounts")

_LOCK = "autcloud.reconcile_lock"  # memo key: one reconcile of an object at a time


# spec, clients, previous status, generation, "namespace/name" -> result (runs in a thread)
DomainReconcile = Callable[[dict[str, Any], AwsClients, dict[str, Any], int, str], AccountResult]


@dataclass
class AccountsContext:
    """What the ProjectTag and MonitorTarget handlers share in one operator process."""

    settings: OperatorSettings
    metrics: MetricsRegistry
    kube: Callable[[], KubeClient | None]  # the client kopf's login made (None before login)
    # (kind, namespace, name) → monotonic time the next reconcile is due. In memory: after a
    # restart the resume handler reconciles every object once, which sets it again.
    due: dict[tuple[str, str, str], float] = field(default_factory=dict)

    def is_due(self, kind: str, namespace: str, name: str) -> bool:
        """A re-scan is due once the time the last reconcile asked for has passed (drift).

        Before the first reconcile of this process there is no due time: the create/resume
        handler runs that one."""
        due = self.due.get((kind, namespace, name))
        return due is not None and time.monotonic() >= due


def legacy_ids(registrar: str, *handlers: str) -> tuple[str, str, str]:
    """The ids kopf gave each kind's handlers when they were written out per kind (their
    qualified names), so objects handled before keep matching their handlers."""
    reconcile, timer, delete = (f"{registrar}.<locals>.{handler}" for handler in handlers)
    return reconcile, timer, delete


def register_account_kind(
    registry: kopf.OperatorRegistry,
    context: AccountsContext,
    kind: str,
    plural: str,
    domain: DomainReconcile,
    *,
    ids: tuple[str, str, str],
    forget: Callable[[str], None] = lambda owner: None,
) -> None:
    """The handlers of one account kind (ProjectTag, MonitorTarget): reconcile on create, spec
    change and start; again from a timer once the schedule says so; forget on delete.

    ``ids`` name the (reconcile, timer, delete) handlers, kept stable because kopf records
    handler ids in the objects it handles (see :func:`legacy_ids`); ``forget`` gets
    ``namespace/name`` on delete. Deletion never touches AWS."""
    reconcile_id, timer_id, delete_id = ids
    mine = context.settings.label_filter()  # --selector: only the objects of this shard

    @kopf.on.resume(GROUP, VERSION, plural, id=reconcile_id, when=mine, registry=registry)
    @kopf.on.create(GROUP, VERSION, plural, id=reconcile_id, when=mine, registry=registry)
    @kopf.on.update(
        GROUP, VERSION, plural, id=reconcile_id, field="spec", when=mine, registry=registry
    )
    async def reconcile(
        meta: kopf.Meta, body: kopf.Body, patch: kopf.Patch, memo: kopf.Memo, **_: Any
    ) -> None:
        if meta.get("deletionTimestamp"):
            return
        await reconcile_account_object(kind, context, domain, body, patch, memo)

    @kopf.timer(
        GROUP,
        VERSION,
        plural,
        id=timer_id,
        interval=context.settings.accounts_check_seconds,
        when=mine,
        registry=registry,
    )
    async def rescan(
        meta: kopf.Meta,
        name: str,
        namespace: str | None,
        body: kopf.Body,
        patch: kopf.Patch,
        memo: kopf.Memo,
        **_: Any,
    ) -> None:
        if context.is_due(kind, namespace or "", name) and not meta.get("deletionTimestamp"):
            await reconcile_account_object(kind, context, domain, body, patch, memo)

    @kopf.on.delete(GROUP, VERSION, plural, id=delete_id, when=mine, registry=registry)
    async def forget_object(
        name: str, namespace: str | None, logger: kopf.Logger, **_: Any
    ) -> None:
        forget(f"{namespace}/{name}")
        context.due.pop((kind, namespace or "", name), None)
        logger.info("event=account_object_deleted kind=%s object=%s/%s", kind, namespace, name)


def register_project_tags(registry: kopf.OperatorRegistry, context: AccountsContext) -> None:
    """ProjectTag handlers. Deleting one changes nothing in AWS: tags stay on the resources."""

    def domain(
        spec: dict[str, Any], clients: AwsClients, status: dict[str, Any], gen: int, _: str
    ) -> AccountResult:
        return reconcile_project_tag_domain(
            spec, clients=clients, previous_status=status, generation=gen
        )

    register_account_kind(
        registry,
        context,
        "ProjectTag",
        PROJECT_TAGS,
        domain,
        ids=legacy_ids(
            "register_project_tags",
            "reconcile_project_tag",
            "rescan_project_tag",
            "forget_project_tag",
        ),
    )


async def reconcile_account_object(
    kind: str,
    context: AccountsContext,
    domain: DomainReconcile,
    body: kopf.Body,
    patch: kopf.Patch,
    memo: kopf.Memo,
) -> None:
    """Read credentials, run the domain reconcile in a thread, write status and Events."""
    lock: asyncio.Lock = memo.setdefault(_LOCK, asyncio.Lock())
    async with lock:
        spec, status = body.spec, body.status
        namespace, name = body.metadata.namespace or "", body.metadata.name or ""
        generation = int(body.meta.get("generation") or 1)
        owner = f"{namespace}/{name}"
        clients, secret_problem = await _clients(context, kind, namespace, spec)
        if clients is None:
            result = _secret_not_found(secret_problem, status, generation, context.settings)
        else:
            attributes = {"k8s.namespace.name": namespace, "autcloud.object": name}
            with (
                context.metrics.reconcile(kind),
                tracer().start_as_current_span(f"reconcile {kind}", attributes=attributes),
            ):
                result = await asyncio.to_thread(
                    domain, dict(spec), clients, dict(status), generation, owner
                )
            context.metrics.aws_api_calls.labels(kind).inc(clients.counter.total)
        if result.failure is not None:
            context.metrics.reconcile_errors.labels(kind, result.failure.reason).inc()
        for key, value in result.status_patch.items():
            patch.status[key] = value
        for event_type, reason, message in result.events:
            kopf.event(body, type=event_type, reason=reason, message=message)
        context.due[(kind, namespace, name)] = time.monotonic() + result.requeue_after_s
        ready: Mapping[str, Any] = next(
            (c for c in result.status_patch.get("conditions", ()) if c.get("type") == "Ready"), {}
        )
        log.info(
            "event=reconciled kind=%s object=%s ready=%s reason=%s next_in_s=%.0f",
            kind,
            owner,
            ready.get("status", "-"),
            ready.get("reason", "-"),
            result.requeue_after_s,
        )


async def _clients(
    context: AccountsContext, kind: str, namespace: str, spec: Mapping[str, Any]
) -> tuple[AwsClients | None, str]:
    """AWS clients for the spec, or None and a sentence saying what is wrong with the Secret."""
    ref = (spec.get("credentials") or {}).get("secretRef") or {}
    secret_name = ref.get("name")
    if not secret_name:
        # The operator's own AWS identity. boto3 reads files setting up a session: in a thread.
        return await asyncio.to_thread(AwsClients.from_spec, spec), ""
    kube = context.kube()
    if kube is None:
        raise kopf.TemporaryError("not logged in to Kubernetes yet", delay=5)
    data: dict[str, str] = {}
    try:
        for key in SECRET_KEYS:
            value = await kube.read_secret(namespace, secret_name, key)
            if value is not None:
                data[key] = value
    except (KubeApiError, aiohttp.ClientError, TimeoutError) as error:
        code = _http_code(error)
        context.metrics.kubernetes_api_errors.labels("get", code).inc()
        if code == "403":  # RBAC: the chart's rbac.secretNames does not list it
            return None, (
                f"the operator may not read Secret {namespace}/{secret_name} "
                "(spec.credentials.secretRef.name): add it to the chart's rbac.secretNames, "
                "or name a Secret listed there"
            )
        raise kopf.TemporaryError(
            f"reading Secret {namespace}/{secret_name} failed ({code}); retrying", delay=30
        ) from None
    if not data:
        return None, (
            f"Secret {namespace}/{secret_name} (spec.credentials.secretRef.name) does not exist "
            f"or holds none of {', '.join(SECRET_KEYS[:2])}; create it in this namespace"
        )
    try:
        return await asyncio.to_thread(AwsClients.from_spec, spec, data), ""
    except CredentialsSecretError as error:
        return None, str(error)  # names the missing key, never a value


def _secret_not_found(
    message: str, status: Mapping[str, Any], generation: int, settings: OperatorSettings
) -> AccountResult:
    return AccountResult.from_failure(
        Failure("SecretNotFound", message, stalled=True),
        status,
        now=datetime.now(UTC),
        generation=generation,
        stalled_requeue_s=settings.secret_recheck_seconds,
    )


def _http_code(error: BaseException) -> str:
    found = re.search(r"HTTP (\d{3})", str(error))
    return found.group(1) if found else type(error).__name__
