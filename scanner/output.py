"""Write a scan's folder: Terraform, import blocks, inventory and diagram — all or nothing.

Everything is written into a hidden staging folder next to the target and moved into place in
one rename at the end, so a failure (or an interrupted run) never leaves a half-written export.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from autcloud.agent.diagram import DiagramRenderError, build_diagram, write_diagram
from autcloud.agent.tfparse import load_texts
from autcloud.scanner.export import export
from autcloud.scanner.inventory import inventory, to_json
from autcloud.scanner.runner import ScanResult

log = logging.getLogger("autcloud.scanner")

INVENTORY_FILE = "inventory.json"


class OutputFolderError(ValueError):
    """The output folder cannot be used; the message says what to do."""


@dataclass
class WrittenScan:
    folder: Path
    files: list[str]
    addresses: dict[str, str]
    warnings: list[str] = field(default_factory=list)


def check_output_folder(folder: Path, replace: bool = False) -> None:
    """Refuse a folder that holds files (unless ``replace``), before any AWS call is made."""
    if folder.exists() and not folder.is_dir():
        raise OutputFolderError(f"--out {folder}: is a file; give a folder path")
    if folder.is_dir() and any(folder.iterdir()) and not replace:
        raise OutputFolderError(
            f"--out {folder}: the folder is not empty; choose a new folder or pass --force "
            "to replace its contents"
        )


def write_scan(
    result: ScanResult,
    folder: Path,
    *,
    replace: bool = False,
    diagram_formats: tuple[str, ...] = ("json", "svg"),
) -> WrittenScan:
    check_output_folder(folder, replace)
    exported = export(result.resources, result.region)
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    warnings: list[str] = []
    try:
        for name, text in exported.files.items():
            (staging / name).write_text(text, encoding="utf-8")
        data = inventory(result, exported.addresses)
        (staging / INVENTORY_FILE).write_text(to_json(data), encoding="utf-8")
        title = f"Scan of {result.account} {result.region}" + (
            f" ({result.tag})" if result.tag else ""
        )
        diagram = build_diagram(load_texts(exported.files), title)
        formats = diagram_formats
        if "svg" in formats or "png" in formats:
            try:
                write_diagram(staging, diagram, formats)
            except DiagramRenderError as error:  # the export is still whole without a picture
                warnings.append(str(error))
                write_diagram(staging, diagram, tuple(f for f in formats if f in {"json", "dot"}))
        else:
            write_diagram(staging, diagram, formats)
        _move_into_place(staging, folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    files = sorted(path.name for path in folder.iterdir())
    for warning in warnings:
        log.warning("scan.output_warning %s", warning)
    return WrittenScan(folder, files, exported.addresses, warnings)


def _move_into_place(staging: Path, folder: Path) -> None:
    if folder.exists():
        # Replace (only reached when allowed): keep the old copy until the new one is in place.
        old = folder.with_name(f".{folder.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        folder.rename(old)
        staging.rename(folder)
        shutil.rmtree(old, ignore_errors=True)
    else:
        staging.rename(folder)
