"""The architecture view: the components a person talks about, and the flows between them.

Built on the reference graph's groups and placement (:mod:`.graph`), driven by the tables of
:mod:`.catalog`:

1. Each resource is a *component* (drawn), *plumbing* (folded into what it serves: a badge and
   its address on that node or group) or *structure* (VPCs and subnets: the groups).
2. Plumbing finds what it serves through the arguments its :class:`~.catalog.Fold` names, or
   else through whoever references it, transitively (a KMS key → a log group → a task
   definition → the ECS service). Plumbing that serves nothing is drawn, so nothing vanishes.
3. Edges come from :data:`~.catalog.FLOWS`; an end that is plumbing stands for what it serves
   (a security group rule between two groups → an edge between the components behind them).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from autcloud.agent.diagram import catalog
from autcloud.agent.diagram.catalog import Component, Flow, Fold
from autcloud.agent.diagram.graph import Builder, Resource
from autcloud.agent.diagram.model import (
    CATEGORIES,
    INTERNET,
    SUBNET_KINDS,
    VPC_KINDS,
    Diagram,
    Edge,
    Group,
    LegendEntry,
    Node,
    Plumbing,
    kind_info,
    legend_for,
    references,
)
from autcloud.agent.tfparse import TerraformModule

_TEMPLATE = re.compile(r"\{([^{}]+)\}")
_CALL = re.compile(r"^(\w+)\((.*)\)$")
_VAR = re.compile(r"\bvar\.([A-Za-z0-9_-]+)")
_LOCAL = re.compile(r"\blocal\.([A-Za-z0-9_-]+)")


def build_architecture(module: TerraformModule, title: str = "") -> Diagram:
    """The architecture view of ``module`` (``view="architecture"``)."""
    return _Architecture(module, title).build()


@dataclass
class _Edge:
    labels: list[str]
    via: set[str]


class _Architecture:
    def __init__(self, module: TerraformModule, title: str) -> None:
        self.module = module
        self.title = title
        self.base = Builder(module, title)
        self.base._make_structural_groups()
        self.resources = self.base.resources
        self.referrers: dict[str, list[tuple[str, str]]] = {}
        for resource in self.resources.values():
            for argument, target in resource.refs:
                self.referrers.setdefault(target, []).append((argument, resource.address))
        self.folds: dict[str, Fold] = {}
        self.components: set[str] = set()
        for resource in self.resources.values():
            if resource.kind in VPC_KINDS or resource.kind in SUBNET_KINDS:
                continue
            fold = self._fold_rule(resource)
            if fold is None:
                self.components.add(resource.address)
            else:
                self.folds[resource.address] = fold
        self.owners: dict[str, set[str]] = {}
        for _ in range(6):  # plumbing serving nothing is drawn; what it held then folds into it
            self.owners = {address: self._owners(address, set()) for address in self.folds}
            orphans = {a for a, owners in self.owners.items() if not owners} - self.components
            if not orphans:
                break
            roots = {a for a in orphans if not self._leans_on(a) & orphans}
            self.components |= roots or orphans
        for address in self.components:
            self.owners.pop(address, None)

    # --- what each resource is ---------------------------------------------------------------

    def _fold_rule(self, resource: Resource) -> Fold | None:
        if resource.kind in catalog.FOLDS:
            return catalog.FOLDS[resource.kind]
        if resource.kind in catalog.COMPONENTS:
            return None
        for prefix, fold in catalog.PREFIX_FOLDS:
            if resource.kind.startswith(prefix) and resource.kind not in catalog.COMPONENTS:
                return fold
        # The name rule: aws_s3_bucket_versioning configures the aws_s3_bucket it references.
        parents = [
            (argument, self.resources[target].kind)
            for argument, target in resource.refs
            if resource.kind.startswith(self.resources[target].kind + "_")
        ]
        if parents:
            longest = max(len(kind) for _, kind in parents)
            return Fold(via=tuple(a for a, kind in parents if len(kind) == longest))
        if kind_info(resource.kind)[1] in catalog.COMPONENT_CATEGORIES:
            return None
        return Fold()

    def _leans_on(self, address: str) -> set[str]:
        """The resources a plumbing resource would fold into, were they drawn."""
        fold = self.folds[address]
        resource = self.resources[address]
        if fold.via:
            return {t for a, t in resource.refs if a in fold.via}
        return {
            r
            for a, r in self.referrers.get(address, [])
            if a not in (self.folds[r].peer if r in self.folds else ())
        }

    def _owners(self, address: str, seen: set[str]) -> set[str]:
        """The component addresses (or group ids) a resource serves."""
        if address in self.components:
            return {address}
        resource = self.resources[address]
        if resource.kind in VPC_KINDS or resource.kind in SUBNET_KINDS:
            return {address} if address in self.base.groups else set()
        if address in seen:
            return set()
        seen.add(address)
        fold = self.folds[address]
        if fold.group == "vpc":
            vpc = self.base._vpc_of(address, depth=0)
            return {vpc} if vpc else {self.base._region_group(resource.attributes)}
        if fold.group == "region":
            return {self.base._region_group(resource.attributes)}
        found: set[str] = set()
        if fold.via:
            for argument, target in resource.refs:
                if argument in fold.via:
                    found |= self._owners(target, seen)
            return found
        for argument, referrer in self.referrers.get(address, []):
            rule = self.folds.get(referrer)
            if rule is not None and argument in rule.peer:
                continue
            found |= self._owners(referrer, seen)
        return found

    # --- building -----------------------------------------------------------------------------

    def build(self) -> Diagram:
        served: dict[str, list[str]] = {}
        for address, owners in sorted(self.owners.items()):
            for owner in owners:
                served.setdefault(owner, []).append(address)
        nodes = [self._node(self.resources[a], served.get(a, [])) for a in sorted(self.components)]
        edges = self._edges()
        if any(INTERNET in (e.source, e.target) for e in edges):
            nodes.insert(0, self._internet())
        groups = self._groups(nodes, served)
        plumbing = [
            Plumbing(address, self.resources[address].kind, tuple(sorted(owners)), badge)
            for address, owners in sorted(self.owners.items())
            for badge in [self._badge_text(self.resources[address])]
        ]
        legend = legend_for({node.category for node in nodes})
        only_internet = all(n.id == INTERNET for n in nodes if n.category == "other")
        legend = [
            LegendEntry(
                e.category,
                "Internet" if e.category == "other" and only_internet else e.label,
                e.color,
                e.shape,
                self._legend_icon(e.category, nodes),
            )
            for e in legend
        ]
        for kind in catalog.FLOW_KINDS:
            if any(edge.kind == kind for edge in edges):
                label, color, style = catalog.FLOW_KINDS[kind]
                legend.append(LegendEntry(f"flow:{kind}", label, color, style))
        return Diagram(
            nodes=nodes,
            groups=groups,
            edges=edges,
            legend=legend,
            title=self.title,
            view="architecture",
            plumbing=plumbing,
        )

    @staticmethod
    def _legend_icon(category: str, nodes: list[Node]) -> str | None:
        return next((n.icon for n in nodes if n.category == category and n.icon), None)

    def _component(self, resource: Resource) -> Component:
        known = catalog.COMPONENTS.get(resource.kind)
        if resource.kind in {"aws_lb", "aws_alb"}:
            lb_type = self._text(resource.attributes.get("load_balancer_type")) or "application"
            short, icon = catalog.LOAD_BALANCER_TYPES.get(lb_type, ("Load balancer", None))
            return Component(short, "network", icon, "entry")
        if known is not None:
            return known
        short, category = kind_info(resource.kind)
        return Component(short[:1].upper() + short[1:], category, None, "other")

    def _node(self, resource: Resource, folded: list[str]) -> Node:
        component = self._component(resource)
        attributes = resource.attributes
        count = self._number(attributes.get("count"))
        if component.size:
            size = self._number(_path_value(attributes, component.size))
            count = size if size is not None else count
        multiple = "count" in attributes or "for_each" in attributes or bool(count and count > 1)
        zones = self._zones(resource)
        multi_az = any(_path_value(attributes, a) is True for a in component.multi_az)
        if multi_az and (zones or 0) < 2:
            zones = 2
        subtitle = self._fill(component.subtitle, resource) if component.subtitle else None
        if subtitle:
            subtitle = catalog.ENGINE_WORDS.get(subtitle.split(" ")[0], subtitle)
        badges: list[str] = []
        if multi_az:
            badges.append("Multi-AZ")
        elif zones and zones > 1 and component.tier in {"compute", "network", "entry"}:
            badges.append(f"across {zones} AZs")
        badges.extend(self._badges(folded))
        title = component.label
        if count and count > 1:
            title += f" ×{count}"
        elif multiple:
            title += " ×N"
        lines = [title, resource.name] + ([subtitle] if subtitle else [])
        category = component.category if component.category in CATEGORIES else "other"
        _, color, shape = CATEGORIES[category]
        return Node(
            id=resource.address,
            kind=resource.kind,
            name=resource.name,
            label="\n".join(lines),
            category=category,
            color=color,
            shape=shape,
            group=self.base._placement(resource),
            multiple=multiple,
            details=tuple(folded),
            addresses=(resource.address, *folded),
            badges=tuple(badges),
            icon=component.icon,
            count=count,
            zones=zones if zones and zones > 1 else None,
        )

    def _internet(self) -> Node:
        c = catalog.INTERNET_COMPONENT
        _, color, shape = CATEGORIES[c.category]
        return Node(
            id=INTERNET,
            kind="internet",
            name="internet",
            label="Internet\nusers",
            category=c.category,
            color=color,
            shape=shape,
            group="",
            icon=c.icon,
        )

    def _badges(self, folded: list[str]) -> list[str]:
        counts: dict[str, int] = {}
        plural: dict[str, str] = {}
        for address in folded:
            resource = self.resources[address]
            text = self._badge_text(resource)
            if not text:
                continue
            counts[text] = counts.get(text, 0) + 1
            plural[text] = self.folds[address].plural
        badges = []
        for text, n in counts.items():
            if plural[text]:
                badges.append(f"{n} {plural[text]}" if n > 1 else f"1 {text}")
            else:
                badges.append(text)
        return badges

    def _badge_text(self, resource: Resource) -> str:
        fold = self.folds.get(resource.address)
        if fold is None or not fold.badge:
            return ""
        filled = self._fill(fold.badge, resource)
        if filled is None:  # a value known only at plan time: keep the words
            filled = fold.badge.split("{", 1)[0].strip() or _TEMPLATE.sub("", fold.badge).strip()
        return filled

    def _zones(self, resource: Resource) -> int | None:
        zones: set[str] = set()
        spread = 0
        for subnet in self.base._subnets_of(resource):
            attributes = self.resources[subnet].attributes
            if "count" in attributes:
                spread = max(spread, self._number(attributes["count"]) or 2)
            else:
                zones.add(str(attributes.get("availability_zone", subnet)))
        total = max(spread, len(zones))
        return total or None

    def _groups(self, nodes: list[Node], served: dict[str, list[str]]) -> list[Group]:
        keep = {node.group for node in nodes if node.group}
        for group_id in list(keep):
            group = self.base.groups.get(group_id)
            while group is not None and group.parent:
                keep.add(group.parent)
                group = self.base.groups.get(group.parent)
        order = {"global": 0, "region": 0, "vpc": 1, "az": 2, "subnet": 3}
        groups = []
        for group in sorted(
            (g for g in self.base.groups.values() if g.id in keep),
            key=lambda g: (order[g.kind], g.id),
        ):
            label = group.label
            if group.kind == "subnet" and group.address:
                attributes = self.resources[group.address].attributes
                if "count" in attributes or "for_each" in attributes:
                    n = self._number(attributes.get("count"))
                    tier = "Public subnets" if group.public else "Private subnets"
                    label = f"{tier} {self.resources[group.address].name}" + (
                        f" · {n} AZs" if n else " · one per AZ"
                    )
            folded = served.get(group.id, [])
            groups.append(
                Group(
                    group.id,
                    group.kind,
                    label,
                    group.parent,
                    group.address,
                    group.public,
                    badges=tuple(self._badges(folded)),
                    details=tuple(folded),
                )
            )
        return groups

    # --- flows -------------------------------------------------------------------------------

    def _edges(self) -> list[Edge]:
        found: dict[tuple[str, str, str], _Edge] = {}
        by_kind: dict[str, list[Resource]] = {}
        for resource in self.resources.values():
            by_kind.setdefault(resource.kind, []).append(resource)
        for flow in catalog.FLOWS:
            for resource in by_kind.get(flow.type, []):
                for item in self._items(resource, flow):
                    self._apply(flow, resource, item, found)
        edges = []
        for (source, target, kind), edge in sorted(found.items()):
            edges.append(Edge(source, target, _join(edge.labels), kind, tuple(sorted(edge.via))))
        return edges

    @staticmethod
    def _items(resource: Resource, flow: Flow) -> Iterator[dict[str, Any]]:
        if flow.each is None:
            yield {}
            return
        blocks = resource.attributes.get(flow.each) or []
        for block in blocks if isinstance(blocks, list) else [blocks]:
            if isinstance(block, dict):
                yield block

    def _apply(
        self,
        flow: Flow,
        resource: Resource,
        item: dict[str, Any],
        found: dict[tuple[str, str, str], _Edge],
    ) -> None:
        scope = {"item": item}
        if not self._when(flow, resource, scope, stage="self"):
            return
        for source in self._ends(resource, flow.source, item):
            for target in self._ends(resource, flow.target, item):
                scope = {"item": item}
                if source in self.resources:
                    scope["src"] = self.resources[source].attributes
                if target in self.resources:
                    scope["dst"] = self.resources[target].attributes
                if not self._when(flow, resource, scope, stage="ends"):
                    continue
                label = self._label(flow.label, resource, scope, source, target)
                if not label:
                    continue
                for a in self._endpoints(source, resource):
                    for b in self._endpoints(target, resource, a):
                        if a == b:
                            continue
                        edge = found.setdefault((a, b, flow.kind), _Edge([], set()))
                        if label not in edge.labels:
                            edge.labels.append(label)
                        edge.via.add(resource.address)

    def _when(self, flow: Flow, resource: Resource, scope: dict[str, Any], stage: str) -> bool:
        conditions = [(p, a, True) for p, a in flow.when] + [(p, a, False) for p, a in flow.unless]
        for path, accepted, wanted in conditions:
            head = path.split(".", 1)[0]
            on_ends = head in {"src", "dst"}
            if on_ends != (stage == "ends"):
                continue
            value = self._lookup(path, resource, scope)
            values = value if isinstance(value, list) else [value]
            if any(self._literal(v) in accepted for v in values) != wanted:
                return False
        return True

    def _ends(self, resource: Resource, path: str, item: dict[str, Any]) -> list[str]:
        if path == catalog.SELF:
            return [resource.address]
        if path in {catalog.INTERNET_END, catalog.OUTBOUND_END}:
            return [path]
        if path.startswith("item."):
            value = _path_value(item, path.removeprefix("item."))
        else:
            value = _path_value(resource.attributes, path)
        return sorted(
            {t for _, t in references(value) if t in self.resources and t != resource.address}
        )

    def _endpoints(self, end: str, resource: Resource, source: str | None = None) -> list[str]:
        """The drawn nodes an end stands for."""
        if end == catalog.INTERNET_END:
            return [INTERNET]
        if end == catalog.OUTBOUND_END:
            return [self._way_out(source)]
        if end in self.components:
            return [end]
        owners = self.owners.get(end, set())
        return sorted(o for o in owners if o in self.components)

    def _way_out(self, source: str | None) -> str:
        """A private component reaches the internet through its VPC's NAT gateway."""
        if source is None or source not in self.resources:
            return INTERNET
        group_id = self.base._placement(self.resources[source])
        group = self.base.groups.get(group_id)
        if group is not None and group.kind == "subnet" and group.public:
            return INTERNET
        vpc = self.base._vpc_of_group(group_id) if group is not None else None
        nats = sorted(
            a
            for a in self.components
            if self.resources[a].kind == "aws_nat_gateway"
            and self.base._vpc_of_group(self.base._placement(self.resources[a])) == vpc
        )
        return nats[0] if nats else INTERNET

    # --- labels and values -------------------------------------------------------------------

    def _label(
        self,
        template: str,
        resource: Resource,
        scope: dict[str, Any],
        source: str,
        target: str,
    ) -> str:
        def fill(match: re.Match[str]) -> str:
            expression = match.group(1)
            call = _CALL.match(expression)
            if call is None:
                value = self._literal(self._lookup(expression, resource, scope))
                return "" if value is None else str(value)
            name, args = call.group(1), [a.strip() for a in call.group(2).split(",")]
            if name == "port":
                port = self._number(self._lookup(args[0], resource, scope))
                protocol = self._literal(self._lookup(args[1], resource, scope))
                return _port_words(port, protocol)
            if name == "speaks":
                return self._speaks(target)
            if name == "events":
                kind = self.resources[source].kind if source in self.resources else ""
                return catalog.EVENT_WORDS.get(kind, "events")
            return ""

        return _TEMPLATE.sub(fill, template).strip()

    def _speaks(self, target: str) -> str:
        if target not in self.resources:
            return ""
        resource = self.resources[target]
        template = catalog.SPEAKS.get(resource.kind)
        if template is None:
            return ""
        engine = self._text(resource.attributes.get("engine")) or ""
        port = self._number(resource.attributes.get("port")) or catalog.DEFAULT_PORTS.get(engine)
        words = catalog.ENGINE_WORDS.get(engine, engine.capitalize())
        return template.replace("{engine}", words).replace("{port}", str(port or "")).strip(" :")

    def _lookup(self, path: str, resource: Resource, scope: dict[str, Any]) -> Any:
        head, _, rest = path.partition(".")
        if head in {"item", "src", "dst"}:
            holder = scope.get(head)
            return _path_value(holder, rest) if isinstance(holder, dict) else None
        if head == "self":
            return _path_value(resource.attributes, rest)
        return _path_value(resource.attributes, path)

    def _fill(self, template: str, resource: Resource) -> str | None:
        """A badge or subtitle template filled from the resource; None when a value is unknown."""
        missing = False

        def fill(match: re.Match[str]) -> str:
            nonlocal missing
            expression = match.group(1)
            call = _CALL.match(expression)
            if call is not None and call.group(1) == "tail":
                raw = resource.attributes.get(call.group(2).strip())
                if isinstance(raw, str) and raw:
                    return raw.rsplit(".", 1)[-1].strip("${}")
                missing = True
                return ""
            value = self._literal(_path_value(resource.attributes, expression))
            if value is None:
                missing = True
                return ""
            return str(value)

        text = _TEMPLATE.sub(fill, template).strip()
        return None if missing else text

    def _literal(self, value: Any, depth: int = 0) -> Any:
        """A literal value, following ``var.x`` defaults and ``local.x``; None when unknown."""
        if isinstance(value, list) and len(value) == 1:
            value = value[0]
        if not isinstance(value, str) or "${" not in value:
            return value
        match = re.fullmatch(r"\$\{(var|local)\.([A-Za-z0-9_-]+)\}", value.strip())
        if match is None or depth > 4:
            return None
        if match.group(1) == "var":
            return self.module.variables.get(match.group(2), {}).get("default")
        return self._literal(self.module.locals.get(match.group(2)), depth + 1)

    def _text(self, value: Any) -> str | None:
        literal = self._literal(value)
        return literal if isinstance(literal, str) else None

    def _number(self, value: Any) -> int | None:
        """A count: a literal, a variable's default, or the one numeric variable the
        expression (or a local it names) depends on: ``length(local.azs)`` with
        ``azs = slice(..., 0, var.az_count)`` is ``var.az_count``."""
        literal = self._literal(value)
        if isinstance(literal, bool):
            return None
        if isinstance(literal, int | float):
            return int(literal)
        if isinstance(literal, str) and literal.isdigit():
            return int(literal)
        if not isinstance(value, str):
            return None
        text = value
        for name in _LOCAL.findall(value):
            text += " " + str(self.module.locals.get(name, ""))
        numbers = {
            n: d
            for n in set(_VAR.findall(text))
            for d in [self.module.variables.get(n, {}).get("default")]
            if isinstance(d, int) and not isinstance(d, bool)
        }
        return next(iter(numbers.values())) if len(numbers) == 1 else None


def _path_value(value: Any, path: str) -> Any:
    """The value at a dotted path; lists (repeated blocks) are searched through."""
    for part in path.split(".") if path else []:
        if isinstance(value, list):
            values = [_path_value(v, part) for v in value if isinstance(v, dict)]
            values = [v for v in values if v is not None]
            value = values[0] if len(values) == 1 else (values or None)
        elif isinstance(value, dict):
            value = value.get(part)
        else:
            return None
    return value


def _port_words(port: int | None, protocol: Any) -> str:
    proto = str(protocol).upper() if protocol is not None else ""
    if proto in {"-1", "ALL"}:
        return "all traffic"
    if port is None:
        return proto or "traffic"
    if proto in {"HTTP", "HTTPS", "TLS", "UDP", "GRPC"}:
        return f"{proto} :{port}"
    return f"{catalog.PORT_WORDS.get(port, 'TCP')} :{port}"


def _join(labels: list[str]) -> str:
    """Labels of one flow: a TCP port that another label names in words is dropped."""
    named = {label.rsplit(":", 1)[-1] for label in labels if not label.startswith("TCP ")}
    kept = [label for label in labels if not (label.startswith("TCP :") and label[5:] in named)]
    return ", ".join(kept)
