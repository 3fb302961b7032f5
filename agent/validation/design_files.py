"""Write a design's files (name → text) into a folder, refusing names that would escape it.

Both tool runners (terraform, checkov) scan a folder on disk; the design lives in memory as a
mapping of relative file names to their text. A name is data from the design engine (and, through
follow-up requests, from users), so it is checked before it touches the file system.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path, PurePosixPath


class DesignFileError(ValueError):
    """A file name that cannot be written safely; the message names the file and the fix."""


def checked_name(name: str) -> PurePosixPath:
    """``name`` as a safe relative path, or :class:`DesignFileError` saying what is wrong."""
    if not name or not name.strip():
        raise DesignFileError(
            "files: a file has an empty name; give every file a name like main.tf"
        )
    path = PurePosixPath(name)
    if "\\" in name or "\x00" in name:
        raise DesignFileError(f"files[{name!r}]: use '/' separators and printable characters only")
    if path.is_absolute() or ".." in path.parts:
        raise DesignFileError(
            f"files[{name!r}]: the name must be relative and stay inside the design folder "
            "(no leading '/', no '..')"
        )
    if path.parts[0] == ".terraform":
        raise DesignFileError(
            f"files[{name!r}]: Terraform's working folder is managed by the validator; "
            "leave .terraform/ out of the design"
        )
    return path


def write_design(files: Mapping[str, str], folder: Path) -> list[Path]:
    """Write every file under ``folder`` (created if needed); return the paths written."""
    targets = [(folder.joinpath(*checked_name(name).parts), text) for name, text in files.items()]
    written = []
    for target, text in targets:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        written.append(target)
    return written
