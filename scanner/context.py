"""What every collector gets: clients, the account and region, and a pool for per-item calls."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from autcloud.aws import AwsClients, Resource, Where, list_resources
from autcloud.scanner.model import Found
from autcloud.scanner.records import RECORDS

T = TypeVar("T")
R = TypeVar("R")


@dataclass
class ScanContext:
    """Shared by the collectors of one scan.

    ``details`` runs per-item calls (tags of each bucket, listeners of each load balancer). It is
    a pool separate from the one running the collectors, so a collector waiting on its details
    can never starve the pool it runs in.
    """

    clients: AwsClients
    region: str
    account: str
    details: ThreadPoolExecutor

    def client(self, service: str, region: str | None = None) -> Any:
        return self.clients.client(service, region)

    def each(self, function: Callable[[T], R], items: Iterable[T]) -> list[R]:
        """``function`` over ``items`` in the detail pool, results in input order."""
        return list(self.details.map(function, items))

    def resources(self, kind: str, region: str | None = None) -> list[Resource]:
        """The resources of ``kind`` from the AWS layer's table of list calls."""
        where = Where(self.clients, region or self.region, self.account, each=self.each)
        return list_resources(where, kind)

    def found(
        self,
        kind: str,
        key: str,
        *,
        imported_as: str | None = None,
        name: str | None = None,
        tags: Mapping[str, str] | None = None,
        **details: Any,
    ) -> Found:
        """One object of ``kind`` in the scanned region.

        It is imported by its ``key`` (an EC2 ID, an ARN) unless ``imported_as`` says otherwise
        (RDS and ECS import by name), and named after its import ID unless ``name`` is given.
        ``tags`` None: the kind has no tags of its own (listeners, associations).
        """
        import_id = key if imported_as is None else imported_as
        return Found(
            kind=kind,
            key=key,
            import_id=import_id,
            name_hint=import_id if name is None else name,
            region=self.region,
            tags=dict(tags or {}),
            **details,
        )

    def record(
        self,
        kind: str,
        item: Mapping[str, Any],
        *,
        tags: Mapping[str, str] | None = None,
        arguments: Mapping[str, Any] | None = None,
        unrecorded: tuple[str, ...] = (),
        **details: Any,
    ) -> Found:
        """``item``, the API's answer for one object of ``kind``, as :meth:`found` makes it,
        read as ``records.yaml`` says: its key, import ID, name and the arguments read from its
        fields. ``arguments`` are the ones the collector computes, ``unrecorded`` the ones it
        adds to the table's; a ``name`` given is used where the kind's name tag is not set."""
        shape = RECORDS[kind]
        written, table_unrecorded = shape.read(item, arguments or {})
        if shape.import_id is not None:
            details.setdefault("imported_as", item[shape.import_id])
        if shape.name is not None:
            details.setdefault("name", item[shape.name])
        tagged_name = (tags or {}).get(shape.name_tag) if shape.name_tag else None
        if tagged_name:
            details["name"] = tagged_name
        return self.found(
            kind,
            item[shape.key],
            tags=tags,
            arguments=written,
            unrecorded=(*table_unrecorded, *unrecorded),
            **details,
        )
