"""The files of a publish, checked and placed under the target folder.

Both back ends publish the same thing: a mapping from repository path to bytes that replaces
everything under the folder. Paths are checked here once, so neither back end can be led out of
the folder (``..``), into ``.git``, or into a half-file, half-folder tree.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

from autcloud.gitsink.errors import invalid_target
from autcloud.gitsink.target import ROOT

FILE_MODE = "100644"


@dataclass(frozen=True)
class FolderContent:
    """``files`` keyed by their path in the repository, all under ``folder`` ("" is the root)."""

    folder: str
    files: Mapping[str, bytes]

    def owns(self, repository_path: str) -> bool:
        """Whether a path of the repository lies in the folder (and so is replaced)."""
        return not self.folder or repository_path.startswith(self.folder + "/")


def place(folder: str, files: Mapping[str, bytes]) -> FolderContent:
    """Check the folder and file names and return the files keyed by repository path."""
    folder_parts = _parts(folder, "path", allow_root=True)
    if not files:
        raise invalid_target("files: empty; a publish needs at least one file")
    placed: dict[str, bytes] = {}
    for name, content in files.items():
        if not isinstance(content, bytes):
            raise invalid_target(f"files[{name!r}]: content must be bytes (encode text as UTF-8)")
        repository_path = "/".join([*folder_parts, *_parts(name, f"files[{name!r}]")])
        if repository_path in placed:
            raise invalid_target(f"files[{name!r}]: names the same file as another entry")
        placed[repository_path] = content
    _refuse_file_folder_clash(placed)
    return FolderContent("/".join(folder_parts), placed)


def git_blob_sha(content: bytes) -> str:
    """The object id git gives these bytes (lets the GitHub back end skip unchanged blobs)."""
    return hashlib.sha1(b"blob %d\0" % len(content) + content, usedforsecurity=False).hexdigest()


def _parts(path: str, field: str, *, allow_root: bool = False) -> list[str]:
    if allow_root and path.strip() == ROOT:
        return []
    if not path or not path.strip():
        hint = " or '.' for the repository root" if allow_root else ""
        raise invalid_target(f"{field}: empty; give a relative folder such as 'designs/web'{hint}")
    if "\\" in path or "\0" in path or path.startswith("/"):
        raise invalid_target(
            f"{field}: {path!r} must be a relative path with '/' separators, e.g. 'designs/web'"
        )
    parts = [part for part in path.split("/") if part not in ("", ".")]
    for part in parts:
        if part == ".." or part.lower() == ".git":
            raise invalid_target(f"{field}: {path!r} may not contain '..' or '.git'")
    if not parts:
        raise invalid_target(f"{field}: {path!r} names no file or folder")
    return parts


def _refuse_file_folder_clash(placed: Mapping[str, bytes]) -> None:
    for path in placed:
        parent = path.rpartition("/")[0]
        while parent:
            if parent in placed:
                raise invalid_target(
                    f"files: {parent!r} is both a file and a folder (of {path!r}); rename one"
                )
            parent = parent.rpartition("/")[0]
