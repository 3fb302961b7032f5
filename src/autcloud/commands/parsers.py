"""How a command adds itself to ``autcloud``: its sub-parser built from the command table.

``commands.yaml`` beside this module holds every command's summary, exit codes and options (see
its header for the fields); this module reads it once, checks it, and builds argparse from it.
A command module gives the values the table names in braces (defaults from the environment,
constants other modules own) and its docstring, shown as ``autcloud NAME --help``'s text.
"""

from __future__ import annotations

import argparse
import copy
import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autcloud.agent.datafile import load_yaml_unique_keys

TABLE = Path(__file__).with_name("commands.yaml")

# The value types an option may name: what argparse calls on each word given.
TYPES: dict[str, Callable[[str], Any]] = {
    "path": Path,
    "int": int,
    "float": float,
    "upper": str.upper,  # any case given, kept in upper case
    "lower": str.lower,
}
ACTIONS = ("store_true", "append")
# The fields an option may have that argparse takes as they are.
PLAIN_FIELDS = ("action", "nargs", "dest", "metavar", "choices", "default", "required", "help")
FIELDS = (*PLAIN_FIELDS, "also", "type", "group", "exclusive", "setting")
COMMAND_FIELDS = ("summary", "description", "exits", "groups", "options")
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


class CommandTableError(ValueError):
    """commands.yaml is not as its header describes (the message names the place and the fix)."""


@dataclass(frozen=True)
class Option:
    """One argument of a command: its flags (or positional name) and argparse's keywords."""

    flags: tuple[str, ...]
    keywords: Mapping[str, Any]
    group: str | None = None
    exclusive: str | None = None
    setting: str | None = None

    @property
    def dest(self) -> str:
        """The attribute argparse stores the value in."""
        return str(self.keywords.get("dest") or self.flags[0].lstrip("-").replace("-", "_"))


@dataclass(frozen=True)
class Command:
    name: str
    summary: str
    exits: Mapping[int, str]
    options: tuple[Option, ...]
    description: str | None = None
    groups: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


def command_names() -> tuple[str, ...]:
    """Every command, in the order ``autcloud --help`` lists them."""
    return tuple(command_table())


@functools.cache
def command_table() -> Mapping[str, Command]:
    """The commands of commands.yaml, checked."""
    return read_table(TABLE)


def read_table(path: Path) -> dict[str, Command]:
    """The commands of a command table, checked (:class:`CommandTableError` names the place)."""
    data = load_yaml_unique_keys(path)
    sets = {
        name: tuple(_option(f"{path.name}: option_sets.{name}", entry, {}) for entry in entries)
        for name, entries in data["option_sets"].items()
    }
    return {
        name: _command(f"{path.name}: commands.{name}", name, entry, sets)
        for name, entry in data["commands"].items()
    }


def _command(
    where: str, name: str, entry: dict[str, Any], sets: Mapping[str, tuple[Option, ...]]
) -> Command:
    unknown = sorted(set(entry) - set(COMMAND_FIELDS))
    if unknown:
        raise CommandTableError(f"{where}: unknown field {unknown[0]!r}; use {COMMAND_FIELDS}")
    missing = [key for key in ("summary", "exits", "options") if key not in entry]
    if missing:
        raise CommandTableError(f"{where}: no {missing[0]!r}; every command needs one")
    groups = entry.get("groups", {})
    options: list[Option] = []
    for item in entry["options"]:
        if "use" in item:
            if item["use"] not in sets:
                raise CommandTableError(
                    f"{where}: use {item['use']!r} is not an option set; use one of {sorted(sets)}"
                )
            options.extend(sets[item["use"]])
        else:
            options.append(_option(where, item, groups))
    return Command(
        name=name,
        summary=entry["summary"],
        exits=entry["exits"],
        options=tuple(options),
        description=entry.get("description"),
        groups=groups,
    )


def _option(where: str, item: dict[str, Any], groups: Mapping[str, Any]) -> Option:
    if len(item) != 1:
        raise CommandTableError(f"{where}: {item!r}: give one FLAG: {{fields}} an entry")
    ((flag, fields),) = item.items()
    where = f"{where} {flag}"
    fields = fields or {}
    unknown = sorted(set(fields) - set(FIELDS))
    if unknown:
        raise CommandTableError(f"{where}: unknown field {unknown[0]!r}; use one of {FIELDS}")
    if fields.get("action", "store") not in ("store", *ACTIONS):
        raise CommandTableError(f"{where}: action {fields['action']!r}; use one of {ACTIONS}")
    if fields.get("type", "path") not in TYPES:
        raise CommandTableError(f"{where}: type {fields['type']!r}; use one of {tuple(TYPES)}")
    if "group" in fields and fields["group"] not in groups:
        raise CommandTableError(f"{where}: group {fields['group']!r}; name one of its groups")
    keywords = {key: value for key, value in fields.items() if key in PLAIN_FIELDS}
    if "type" in fields:
        keywords["type"] = TYPES[fields["type"]]
    return Option(
        flags=(flag, *fields.get("also", ())),
        keywords=keywords,
        group=fields.get("group"),
        exclusive=fields.get("exclusive"),
        setting=fields.get("setting"),
    )


def settings_from(args: argparse.Namespace, command: str) -> dict[str, Any]:
    """The values of ``command``'s options that name a ``setting``, by that setting."""
    return {
        option.setting: getattr(args, option.dest)
        for option in command_table()[command].options
        if option.setting is not None
    }


def add_command(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    *,
    doc: str | None = None,
    values: Mapping[str, Any] | None = None,
) -> argparse.ArgumentParser:
    """The sub-parser of command ``name`` with its options, ``values`` filling the table's
    ``{NAME}``s. Its summary shows in ``autcloud --help``; its description, or else ``doc`` (the
    command module's docstring: usage, what it writes, exit codes) with its line breaks kept, in
    ``autcloud NAME --help``."""
    command = command_table()[name]
    parser = subparsers.add_parser(
        name,
        help=command.summary,
        description=command.description or doc,
        formatter_class=(
            argparse.HelpFormatter if command.description else argparse.RawDescriptionHelpFormatter
        ),
    )
    groups: dict[str, argparse._ArgumentGroup] = {}
    exclusive: dict[str, argparse._MutuallyExclusiveGroup] = {}
    for option in command.options:
        container: argparse._ActionsContainer = parser
        if option.group is not None:
            if option.group not in groups:
                groups[option.group] = parser.add_argument_group(**command.groups[option.group])
            container = groups[option.group]
        if option.exclusive is not None:
            if option.exclusive not in exclusive:
                exclusive[option.exclusive] = parser.add_mutually_exclusive_group()
            container = exclusive[option.exclusive]
        where = f"{TABLE.name}: commands.{name} {option.flags[0]}"
        keywords = {
            key: _filled(copy.deepcopy(value), values or {}, where)
            for key, value in option.keywords.items()
        }
        container.add_argument(*option.flags, **keywords)
    return parser


def _filled(value: Any, values: Mapping[str, Any], where: str) -> Any:
    """``"{NAME}"`` as the value ``values`` gives; ``{NAME}`` in a text written out."""
    if not isinstance(value, str):
        return value
    try:
        whole = _PLACEHOLDER.fullmatch(value)
        return values[whole[1]] if whole else value.format_map(values)
    except KeyError as missing:
        raise CommandTableError(
            f"{where}: {{{missing.args[0]}}} is not among the values its command module gives "
            f"({', '.join(sorted(values)) or 'none'}); add it there or write the value"
        ) from None
