"""What a publish reports back to its caller."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PublishResult:
    """The commit that holds the design, where it is, and whether this publish made it.

    ``changed=False`` means the folder already held exactly these files: no commit was made and
    ``commit_sha`` is the existing head. ``branch`` is the branch that holds the content (the base
    branch when a pull-request publish finds its content already there, with no design branch).
    """

    commit_sha: str
    branch: str
    pull_request_url: str | None
    changed: bool
