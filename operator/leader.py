"""Leader election on a ``coordination.k8s.io/v1`` Lease: one operator replica works, others wait.

The algorithm is client-go's (kube-controller-manager, controller-runtime), so the Lease reads
the same in ``kubectl get lease``: the holder renews ``spec.renewTime`` every *retry* period;
a candidate takes the Lease when its holder is empty or when the record has not changed for
``leaseDurationSeconds`` *as the candidate observed it* (its own clock, never the holder's
timestamps: no clock-skew trouble). Every write is a JSON patch that tests
``metadata.resourceVersion``, so two candidates can never both win one round.

A leader that cannot renew within the *renew deadline* (2/3 of the lease), or finds another
holder, has lost: the caller ends the process at once (:data:`EXIT_LEADERSHIP_LOST`) rather
than let a design run finish beside the new leader. A leader that stops normally empties the
holder, so a standby takes over without waiting for the lease to expire.
"""

from __future__ import annotations

import asyncio
import datetime
import logging
import time
import uuid
from collections.abc import Mapping
from typing import Any

from autcloud.operator.kube import KubeApiError, KubeClient
from autcloud.operator.settings import LeaderElection

log = logging.getLogger("autcloud.operator.leader")
EXIT_LEADERSHIP_LOST = 1
LEASES = "/apis/coordination.k8s.io/v1/namespaces/{namespace}/leases"


def identity_for(pod_name: str) -> str:
    """Unique per process (client-go's ``hostname_uuid``): a restarted pod is a new candidate."""
    return f"{pod_name}_{uuid.uuid4().hex[:8]}"


class LeaseElector:
    def __init__(self, kube: KubeClient, election: LeaderElection, identity: str) -> None:
        self.kube = kube
        self.election = election
        self.identity = identity
        self._observed: tuple[Any, ...] | None = None  # (holder, renewTime, transitions)
        self._observed_at = 0.0  # monotonic time the record last changed, as we saw it

    @property
    def _path(self) -> str:
        election = self.election
        return LEASES.format(namespace=election.namespace) + f"/{election.lease}"

    async def acquire(self) -> None:
        """Return once this process holds the Lease (waits as a standby until then)."""
        waiting_logged = False
        while True:
            holder = await self._try()
            if holder == self.identity:
                log.info(
                    "event=leader_elected lease=%s/%s identity=%s",
                    self.election.namespace,
                    self.election.lease,
                    self.identity,
                )
                return
            if not waiting_logged:
                log.info(
                    "event=standby lease=%s/%s holder=%s takeover_within_s=%.0f",
                    self.election.namespace,
                    self.election.lease,
                    holder or "-",
                    self.election.takeover_seconds,
                )
                waiting_logged = True
            await asyncio.sleep(self.election.retry_seconds)

    async def hold(self) -> str:
        """Renew until leadership is lost; returns why (it never returns while leading)."""
        last_renewal = time.monotonic()
        while True:
            await asyncio.sleep(self.election.retry_seconds)
            holder = await self._try()
            if holder == self.identity:
                last_renewal = time.monotonic()
            elif holder is not None:
                return f"the Lease is held by {holder}"
            elif time.monotonic() - last_renewal > self.election.renew_deadline_seconds:
                return (
                    f"no renewal for {self.election.renew_deadline_seconds:.1f} s "
                    "(the API server did not answer)"
                )

    async def release(self) -> None:
        """Empty the holder, so a standby takes over at once (best effort)."""
        try:
            status, lease = await self.kube.call("GET", self._path)
            if status != 200 or _spec(lease).get("holderIdentity") != self.identity:
                return
            spec = {**_spec(lease), "holderIdentity": None, "renewTime": _micro_time()}
            await self._write(lease, spec)
            log.info("event=leader_released lease=%s", self.election.lease)
        except (KubeApiError, OSError, TimeoutError) as error:
            log.warning("event=leader_release_failed error=%s", type(error).__name__)

    async def _try(self) -> str | None:
        """One round: take or renew the Lease if we may. Returns its holder after the round
        (None: unknown, the API did not answer or another candidate won a write race)."""
        try:
            status, lease = await self.kube.call("GET", self._path)
            if status == 404:
                return await self._create()
            if status != 200:
                raise KubeApiError(f"reading Lease {self.election.lease}: HTTP {status}")
            spec = _spec(lease)
            holder = spec.get("holderIdentity") or None
            record = (holder, spec.get("renewTime"), spec.get("leaseTransitions"))
            now = time.monotonic()
            if record != self._observed:
                self._observed, self._observed_at = record, now
            duration = float(spec.get("leaseDurationSeconds") or self.election.lease_seconds)
            if holder not in (None, self.identity) and now - self._observed_at < duration:
                return str(holder)  # held, and renewed recently as far as we can tell
            stamp = _micro_time()
            new = {
                **spec,
                "holderIdentity": self.identity,
                "leaseDurationSeconds": self.election.lease_seconds,
                "renewTime": stamp,
            }
            if holder != self.identity:
                new["acquireTime"] = stamp
                new["leaseTransitions"] = int(spec.get("leaseTransitions") or 0) + 1
            return self.identity if await self._write(lease, new) else None
        except (KubeApiError, OSError, TimeoutError) as error:
            log.warning("event=lease_unavailable lease=%s error=%s", self.election.lease, error)
            return None

    async def _create(self) -> str | None:
        stamp = _micro_time()
        body = {
            "apiVersion": "coordination.k8s.io/v1",
            "kind": "Lease",
            "metadata": {"name": self.election.lease, "namespace": self.election.namespace},
            "spec": {
                "holderIdentity": self.identity,
                "leaseDurationSeconds": self.election.lease_seconds,
                "acquireTime": stamp,
                "renewTime": stamp,
                "leaseTransitions": 0,
            },
        }
        path = LEASES.format(namespace=self.election.namespace)
        status, _ = await self.kube.call("POST", path, body)
        if status == 409:
            return None  # another candidate created it first; the next round reads it
        if status >= 400:
            raise KubeApiError(f"creating Lease {self.election.lease}: HTTP {status}")
        return self.identity

    async def _write(self, lease: Mapping[str, Any], spec: Mapping[str, Any]) -> bool:
        """Replace the spec if nobody wrote the Lease since we read it (False: somebody did)."""
        version = (lease.get("metadata") or {}).get("resourceVersion")
        operations = [
            {"op": "test", "path": "/metadata/resourceVersion", "value": version},
            {"op": "replace", "path": "/spec", "value": dict(spec)},
        ]
        status, _ = await self.kube.call(
            "PATCH", self._path, operations, content_type="application/json-patch+json"
        )
        if status in (409, 422):
            return False
        if status >= 400:
            raise KubeApiError(f"writing Lease {self.election.lease}: HTTP {status}")
        return True


def _spec(lease: Mapping[str, Any]) -> dict[str, Any]:
    return dict(lease.get("spec") or {})


def _micro_time() -> str:
    """The Lease's MicroTime: RFC 3339 with microseconds."""
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
