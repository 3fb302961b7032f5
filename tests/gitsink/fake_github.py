"""A stand-in for the GitHub REST endpoints the git sink uses (GitHub itself cannot run here).

It keeps a real object model — blobs, trees and commits with git's own object ids, refs that
refuse a non-fast-forward update, pull requests — so the sink's requests are checked against
GitHub's semantics, not just recorded. Every request is logged as a :class:`Call` for tests that
assert the exact sequence. ``fail_next`` makes the next matching request fail with a chosen
status and headers; ``before`` runs a hook before a matching request (e.g. to move a branch as a
concurrent writer would).

What GitHub checks, it checks too (the answers are GitHub's own): the token (a wrong one is
401 "Bad credentials"; none is 404 for reads of a private repository and 401 "Requires
authentication" for writes; a read-only one is 403 on writes), a second open pull request for
the same head and base (422 "A pull request already exists for owner:branch."), that a pull
request's base and head branches exist (422, naming the field), ``state`` open/closed/all and
``per_page``/``page`` with a ``Link`` header when listing pull requests, and tree paths (a
leading ``/``, ``..``, ``.``, ``.git`` or an empty segment is a 422).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal
from urllib.parse import parse_qs, urlencode, urlsplit

Listing = dict[str, tuple[str, str, str]]  # path -> (mode, type, sha): files only, nested paths
Access = Literal["read", "write"]

TOKEN = "ghp_TESTTOKEN_do_not_leak_1234567890"  # the token a FakeGitHub accepts unless told
DOCS = "https://docs.github.com/rest"


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    authorization: str


@dataclass
class _Failure:
    method: str
    pattern: re.Pattern[str]
    status: int
    body: dict[str, Any]
    headers: dict[str, str]
    times: int


@dataclass
class FakeRepository:
    owner: str
    name: str
    blobs: dict[str, bytes] = field(default_factory=dict)
    trees: dict[str, Listing] = field(default_factory=dict)
    commits: dict[str, dict[str, Any]] = field(default_factory=dict)
    refs: dict[str, str] = field(default_factory=dict)  # "heads/main" -> commit sha
    pulls: list[dict[str, Any]] = field(default_factory=list)
    private: bool = True  # anonymous reads are answered 404, as GitHub hides private ones

    def open_pull(self, head: str, base: str = "main", title: str = "by hand") -> dict[str, Any]:
        """Open a pull request as a person (or another writer) would; GitHub's rules apply."""
        if any(
            p["state"] == "open" and p["head_ref"] == head and p["base_ref"] == base
            for p in self.pulls
        ):
            raise ValueError(f"A pull request already exists for {self.owner}:{head}.")
        pull = {
            "number": len(self.pulls) + 1,
            "state": "open",
            "title": title,
            "body": None,
            "head_ref": head,
            "base_ref": base,
        }
        self.pulls.append(pull)
        return pull

    # -- the object model -------------------------------------------------------------------
    def store_blob(self, data: bytes) -> str:
        sha = hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
        self.blobs[sha] = data
        return sha

    def store_tree(self, listing: Listing) -> str:
        """Store a tree (and every subtree) with git's real ids; the root's id."""
        nested: dict[str, Any] = {}
        for path, entry in listing.items():
            *folders, name = path.split("/")
            node = nested
            for folder in folders:
                node = node.setdefault(folder, {})
            node[name] = entry
        return self._hash_tree(nested, "")

    def _hash_tree(self, node: dict[str, Any], prefix: str) -> str:
        records = []
        flat: Listing = {}
        for name, value in node.items():
            if isinstance(value, dict):
                sha = self._hash_tree(value, f"{prefix}{name}/")
                records.append((name + "/", b"40000 " + name.encode() + b"\0" + bytes.fromhex(sha)))
                flat.update({f"{name}/{path}": entry for path, entry in self.trees[sha].items()})
            else:
                mode, _, sha = value
                records.append((name, f"{mode} {name}".encode() + b"\0" + bytes.fromhex(sha)))
                flat[name] = value
        body = b"".join(record for _, record in sorted(records))
        sha = hashlib.sha1(b"tree %d\0" % len(body) + body).hexdigest()
        self.trees[sha] = flat
        return sha

    def store_commit(self, tree: str, parents: list[str], message: str) -> str:
        data = {"tree": tree, "parents": parents, "message": message, "n": len(self.commits)}
        sha = hashlib.sha1(json.dumps(data, sort_keys=True).encode()).hexdigest()
        author = {"name": "Someone", "email": "someone@example.com", "date": "2025-01-01T00:00:00Z"}
        self.commits[sha] = {**data, "author": author, "committer": author}
        return sha

    def commit_files(self, branch: str, files: dict[str, bytes], message: str = "human") -> str:
        """Commit ``files`` (merged over the branch's tree) as a person would; the new sha."""
        parent = self.refs.get(f"heads/{branch}")
        listing = dict(self.trees[self.commits[parent]["tree"]]) if parent else {}
        listing.update({p: ("100644", "blob", self.store_blob(d)) for p, d in files.items()})
        sha = self.store_commit(self.store_tree(listing), [parent] if parent else [], message)
        self.refs[f"heads/{branch}"] = sha
        return sha

    def files(self, branch: str) -> dict[str, bytes]:
        """The content of a branch, path -> bytes."""
        tree = self.commits[self.refs[f"heads/{branch}"]]["tree"]
        return {path: self.blobs[sha] for path, (_, _, sha) in self.trees[tree].items()}

    def history(self, branch: str) -> list[str]:
        shas, sha = [], self.refs.get(f"heads/{branch}")
        while sha:
            shas.append(sha)
            parents = self.commits[sha]["parents"]
            sha = parents[0] if parents else None
        return shas

    def is_ancestor(self, ancestor: str, sha: str) -> bool:
        pending = [sha]
        while pending:
            current = pending.pop()
            if current == ancestor:
                return True
            pending.extend(self.commits[current]["parents"])
        return False


class FakeGitHub:
    """The server: start with ``with FakeGitHub() as github:``; PyGithub's base_url is ``url``."""

    def __init__(self, tokens: Mapping[str, Access] | None = None) -> None:
        """``tokens``: the tokens GitHub knows and what they may do (default: TOKEN may write)."""
        self.tokens: dict[str, Access] = dict(tokens if tokens is not None else {TOKEN: "write"})
        self.repositories: dict[str, FakeRepository] = {}
        self.calls: list[Call] = []
        self._failures: list[_Failure] = []
        self._hooks: list[tuple[str, re.Pattern[str], Callable[[], object]]] = []
        self._lock = threading.Lock()
        self.truncated_trees: set[str] = set()  # listings answered as too big (truncated)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def __enter__(self) -> FakeGitHub:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def add_repository(
        self, owner: str, name: str, files: dict[str, bytes] | None
    ) -> FakeRepository:
        """A repository whose main branch holds ``files`` (None: an empty repository)."""
        repo = FakeRepository(owner, name)
        if files is not None:
            repo.commit_files("main", files, "Initial commit")
        self.repositories[f"{owner}/{name}"] = repo
        return repo

    def fail_next(
        self,
        method: str,
        path_pattern: str,
        status: int,
        body: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        times: int = 1,
    ) -> None:
        body = body or {"message": f"failure {status}"}
        self._failures.append(
            _Failure(method, re.compile(path_pattern), status, body, headers or {}, times)
        )

    def before(self, method: str, path_pattern: str, hook: Callable[[], object]) -> None:
        """Run ``hook`` once, just before the first request matching method and path."""
        self._hooks.append((method, re.compile(path_pattern), hook))

    def requests(self) -> list[tuple[str, str]]:
        """The (method, path) of every call so far, in order."""
        return [(call.method, call.path) for call in self.calls]

    def writes(self) -> list[tuple[str, str]]:
        return [(m, p) for m, p in self.requests() if m != "GET"]

    # -- HTTP ---------------------------------------------------------------------------------
    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_: Any) -> None:  # keep the test output clean
                pass

            def do_GET(self) -> None:
                self._serve("GET")

            def do_POST(self) -> None:
                self._serve("POST")

            def do_PATCH(self) -> None:
                self._serve("PATCH")

            def do_DELETE(self) -> None:
                self._serve("DELETE")

            def _serve(self, method: str) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw) if raw else None
                query = {key: values[0] for key, values in parse_qs(parts.query).items()}
                call = Call(method, parts.path, query, body, self.headers.get("Authorization", ""))
                status, payload, headers = fake._respond(call)
                data = b"" if status == 204 else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

        return Handler

    def _respond(self, call: Call) -> tuple[int, Any, dict[str, str]]:
        with self._lock:
            self.calls.append(call)
            for hook in list(self._hooks):
                if hook[0] == call.method and hook[1].search(call.path):
                    self._hooks.remove(hook)
                    hook[2]()
            for failure in self._failures:
                if failure.method == call.method and failure.pattern.search(call.path):
                    failure.times -= 1
                    if failure.times <= 0:
                        self._failures.remove(failure)
                    return failure.status, failure.body, failure.headers
            try:
                return self._route(call)
            except _Answer as answer:
                payload: dict[str, Any] = {"message": answer.message, "documentation_url": DOCS}
                if answer.errors:
                    payload["errors"] = answer.errors
                return answer.status, payload, {}

    def _route(self, call: Call) -> tuple[int, Any, dict[str, str]]:
        access = self._access(call)
        match = re.match(r"^/repos/([^/]+)/([^/]+)(/.*)?$", call.path)
        if not match or f"{match[1]}/{match[2]}" not in self.repositories:
            raise _Answer(404, "Not Found")
        repo = self.repositories[f"{match[1]}/{match[2]}"]
        if access is None and call.method == "GET" and repo.private:
            raise _Answer(404, "Not Found")  # GitHub does not say a private one exists
        if access is None and call.method != "GET":
            raise _Answer(401, "Requires authentication")
        if call.method != "GET" and access != "write":
            raise _Answer(403, "Resource not accessible by personal access token")
        rest = match[3] or ""
        for method, pattern, action in _ROUTES:
            found = re.match(pattern, rest)
            if method == call.method and found:
                answer = action(self, repo, call, *found.groups())
                status, payload = answer[0], answer[1]
                return status, payload, answer[2] if len(answer) > 2 else {}
        raise _Answer(404, "Not Found")

    def _access(self, call: Call) -> Access | None:
        """What the request's token may do; None without one. A wrong token is a 401."""
        if not call.authorization:
            return None
        scheme, _, token = call.authorization.partition(" ")
        access = self.tokens.get(token) if scheme.lower() in ("token", "bearer") else None
        if access is None:
            raise _Answer(401, "Bad credentials")
        return access

    # -- endpoints ------------------------------------------------------------------------------
    def _repo_url(self, repo: FakeRepository) -> str:
        return f"{self.url}/repos/{repo.owner}/{repo.name}"

    def _get_repo(self, repo: FakeRepository, call: Call) -> tuple[int, Any]:
        return 200, {
            "id": 1,
            "name": repo.name,
            "full_name": f"{repo.owner}/{repo.name}",
            "owner": {"login": repo.owner},
            "url": self._repo_url(repo),
            "html_url": f"https://github.example/{repo.owner}/{repo.name}",
            "default_branch": "main",
        }

    def _ref_json(self, repo: FakeRepository, ref: str) -> dict[str, Any]:
        sha = repo.refs[ref]
        return {
            "ref": f"refs/{ref}",
            "url": f"{self._repo_url(repo)}/git/refs/{ref}",
            "object": {
                "sha": sha,
                "type": "commit",
                "url": f"{self._repo_url(repo)}/git/commits/{sha}",
            },
        }

    def _get_ref(self, repo: FakeRepository, call: Call, ref: str) -> tuple[int, Any]:
        if not repo.refs:
            raise _Answer(409, "Git Repository is empty.")
        if ref not in repo.refs:
            raise _Answer(404, "Not Found")
        return 200, self._ref_json(repo, ref)

    def _update_ref(self, repo: FakeRepository, call: Call, ref: str) -> tuple[int, Any]:
        sha = call.body["sha"]
        if ref not in repo.refs:
            raise _Answer(422, "Reference does not exist")
        if sha not in repo.commits:
            raise _Answer(422, "Object does not exist")
        if not call.body.get("force") and not repo.is_ancestor(repo.refs[ref], sha):
            raise _Answer(422, "Update is not a fast forward")
        repo.refs[ref] = sha
        return 200, self._ref_json(repo, ref)

    def _delete_ref(self, repo: FakeRepository, call: Call, ref: str) -> tuple[int, Any]:
        if ref not in repo.refs:
            raise _Answer(422, "Reference does not exist")  # GitHub's answer, not a 404
        del repo.refs[ref]
        return 204, None

    def _create_ref(self, repo: FakeRepository, call: Call) -> tuple[int, Any]:
        ref = call.body["ref"].removeprefix("refs/")
        if ref in repo.refs:
            raise _Answer(422, "Reference already exists")
        if call.body["sha"] not in repo.commits:
            raise _Answer(422, "Object does not exist")
        repo.refs[ref] = call.body["sha"]
        return 201, self._ref_json(repo, ref)

    def _commit_json(self, repo: FakeRepository, sha: str) -> dict[str, Any]:
        commit = repo.commits[sha]
        base = self._repo_url(repo)
        return {
            "sha": sha,
            "url": f"{base}/git/commits/{sha}",
            "message": commit["message"],
            "author": commit["author"],
            "committer": commit["committer"],
            "tree": {"sha": commit["tree"], "url": f"{base}/git/trees/{commit['tree']}"},
            "parents": [{"sha": p, "url": f"{base}/git/commits/{p}"} for p in commit["parents"]],
        }

    def _get_commit(self, repo: FakeRepository, call: Call, sha: str) -> tuple[int, Any]:
        if sha not in repo.commits:
            raise _Answer(404, "Not Found")
        return 200, self._commit_json(repo, sha)

    def _create_commit(self, repo: FakeRepository, call: Call) -> tuple[int, Any]:
        body = call.body
        if body["tree"] not in repo.trees or any(p not in repo.commits for p in body["parents"]):
            raise _Answer(422, "Tree or parent does not exist")
        sha = repo.store_commit(body["tree"], body["parents"], body["message"])
        repo.commits[sha]["author"] = body.get("author", repo.commits[sha]["author"])
        repo.commits[sha]["committer"] = body.get("committer", repo.commits[sha]["committer"])
        return 201, self._commit_json(repo, sha)

    def _create_blob(self, repo: FakeRepository, call: Call) -> tuple[int, Any]:
        if call.body.get("encoding") != "base64":
            raise _Answer(422, "this fake only takes base64")
        sha = repo.store_blob(base64.b64decode(call.body["content"]))
        return 201, {"sha": sha, "url": f"{self._repo_url(repo)}/git/blobs/{sha}"}

    def _tree_json(self, repo: FakeRepository, sha: str, recursive: bool) -> dict[str, Any]:
        listing = repo.trees[sha]
        entries: dict[str, tuple[str, str, str]] = {}
        for path, entry in listing.items():
            parts = path.split("/")
            if not recursive and len(parts) > 1:
                subtree = self._subtree_sha(repo, listing, parts[0])
                entries[parts[0]] = ("040000", "tree", subtree)
                continue
            for depth in range(1, len(parts)):
                folder = "/".join(parts[:depth])
                entries.setdefault(
                    folder, ("040000", "tree", self._subtree_sha(repo, listing, folder))
                )
            entries[path] = entry
        return {
            "sha": sha,
            "url": f"{self._repo_url(repo)}/git/trees/{sha}",
            "tree": [
                {"path": p, "mode": m, "type": t, "sha": s}
                for p, (m, t, s) in sorted(entries.items())
            ],
            "truncated": sha in self.truncated_trees,
        }

    def _subtree_sha(self, repo: FakeRepository, listing: Listing, folder: str) -> str:
        inner = {p[len(folder) + 1 :]: e for p, e in listing.items() if p.startswith(folder + "/")}
        return repo.store_tree(inner)

    def _get_tree(self, repo: FakeRepository, call: Call, sha: str) -> tuple[int, Any]:
        if sha not in repo.trees:
            raise _Answer(404, "Not Found")
        return 200, self._tree_json(repo, sha, call.query.get("recursive") == "1")

    def _create_tree(self, repo: FakeRepository, call: Call) -> tuple[int, Any]:
        base = call.body.get("base_tree")
        if base is not None and base not in repo.trees:
            raise _Answer(422, "base_tree is not a valid tree")
        listing: Listing = dict(repo.trees[base]) if base else {}
        for entry in call.body["tree"]:
            path = entry["path"]
            _check_tree_path(path)
            if entry.get("sha", "missing") is None:
                if path not in listing:
                    raise _Answer(422, f"path {path!r} does not exist: cannot delete it")
                del listing[path]
            elif entry["type"] == "blob":
                if entry["sha"] not in repo.blobs:
                    raise _Answer(422, f"tree.sha {entry['sha']} is not a valid blob")
                listing[path] = (entry["mode"], "blob", entry["sha"])
            else:
                raise _Answer(422, "this fake only takes blob entries")
        sha = repo.store_tree(listing)
        return 201, self._tree_json(repo, sha, recursive=False)

    def _pull_json(self, repo: FakeRepository, pull: dict[str, Any]) -> dict[str, Any]:
        return {
            **pull,
            "url": f"{self._repo_url(repo)}/pulls/{pull['number']}",
            "html_url": f"https://github.example/{repo.owner}/{repo.name}/pull/{pull['number']}",
            "head": {"ref": pull["head_ref"], "label": f"{repo.owner}:{pull['head_ref']}"},
            "base": {"ref": pull["base_ref"]},
        }

    def _list_pulls(self, repo: FakeRepository, call: Call) -> tuple[int, Any, dict[str, str]]:
        state = call.query.get("state", "open")
        if state not in ("open", "closed", "all"):
            raise _Answer(
                422,
                "Validation Failed",
                [{"resource": "Issue", "field": "state", "code": "invalid", "value": state}],
            )
        owner, _, head = call.query.get("head", ":").partition(":")
        found = [
            self._pull_json(repo, pull)
            for pull in reversed(repo.pulls)  # GitHub's default order: newest first
            if state in ("all", pull["state"])
            and (not head or (pull["head_ref"] == head and owner == repo.owner))
            and pull["base_ref"] == call.query.get("base", pull["base_ref"])
        ]
        per_page = min(int(call.query.get("per_page", "30")), 100)
        page = int(call.query.get("page", "1"))
        headers: dict[str, str] = {}
        if page * per_page < len(found):
            query = {**call.query, "page": str(page + 1)}
            link = f"{self.url}{call.path}?{urlencode(query)}"
            headers["Link"] = f'<{link}>; rel="next"'
        return 200, found[(page - 1) * per_page : page * per_page], headers

    def _create_pull(self, repo: FakeRepository, call: Call) -> tuple[int, Any]:
        head, base = call.body["head"], call.body["base"]
        head_branch = head.split(":", 1)[1] if ":" in head else head  # "owner:branch" or "branch"
        for field_name, branch in (("base", base), ("head", head_branch)):
            if f"heads/{branch}" not in repo.refs:
                invalid = {"resource": "PullRequest", "field": field_name, "code": "invalid"}
                raise _Answer(422, "Validation Failed", [invalid])
        head = head_branch
        if any(
            p["state"] == "open" and p["head_ref"] == head and p["base_ref"] == base
            for p in repo.pulls
        ):
            exists = f"A pull request already exists for {repo.owner}:{head}."
            raise _Answer(
                422,
                "Validation Failed",
                [{"resource": "PullRequest", "code": "custom", "message": exists}],
            )
        if repo.is_ancestor(repo.refs[f"heads/{head}"], repo.refs[f"heads/{base}"]):
            errors = [
                {
                    "resource": "PullRequest",
                    "code": "custom",
                    "message": f"No commits between {base} and {head}",
                }
            ]  # GitHub's shape
            raise _Answer(422, "Validation Failed", errors)
        pull = repo.open_pull(head, base, call.body["title"])
        pull["body"] = call.body.get("body")
        return 201, self._pull_json(repo, pull)

    def _update_pull(self, repo: FakeRepository, call: Call, number: str) -> tuple[int, Any]:
        if not 1 <= int(number) <= len(repo.pulls):
            raise _Answer(404, "Not Found")
        pull = repo.pulls[int(number) - 1]
        if call.body.get("state") == "open" and pull["state"] == "closed":
            others = [p for p in repo.pulls if p is not pull and p["state"] == "open"]
            if any(
                p["head_ref"] == pull["head_ref"] and p["base_ref"] == pull["base_ref"]
                for p in others
            ):
                exists = f"A pull request already exists for {repo.owner}:{pull['head_ref']}."
                raise _Answer(
                    422,
                    "Validation Failed",
                    [{"resource": "PullRequest", "code": "custom", "message": exists}],
                )
        pull.update({key: call.body[key] for key in ("title", "body", "state") if key in call.body})
        return 200, self._pull_json(repo, pull)


def _check_tree_path(path: str) -> None:
    """GitHub's checks of a tree entry's path (its answers, word for word)."""
    if path.startswith("/"):
        raise _Answer(422, "tree.path cannot start with a slash")
    if path.endswith("/"):
        raise _Answer(422, "tree.path cannot end with a slash")
    if any(part in ("", ".", "..") or part.lower() == ".git" for part in path.split("/")):
        raise _Answer(422, "tree.path contains a malformed path component")


class _Answer(Exception):  # noqa: N818  (an answer, not an error)
    def __init__(self, status: int, message: str, errors: list[Any] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors


_ROUTES: list[tuple[str, str, Callable[..., tuple[Any, ...]]]] = [
    ("GET", r"^$", FakeGitHub._get_repo),
    ("GET", r"^/git/ref/(.+)$", FakeGitHub._get_ref),
    ("PATCH", r"^/git/refs/(.+)$", FakeGitHub._update_ref),
    ("POST", r"^/git/refs$", FakeGitHub._create_ref),
    ("DELETE", r"^/git/refs/(.+)$", FakeGitHub._delete_ref),
    ("GET", r"^/git/commits/([0-9a-f]{40})$", FakeGitHub._get_commit),
    ("POST", r"^/git/commits$", FakeGitHub._create_commit),
    ("POST", r"^/git/blobs$", FakeGitHub._create_blob),
    ("GET", r"^/git/trees/([0-9a-f]{40})$", FakeGitHub._get_tree),
    ("POST", r"^/git/trees$", FakeGitHub._create_tree),
    ("GET", r"^/pulls$", FakeGitHub._list_pulls),
    ("POST", r"^/pulls$", FakeGitHub._create_pull),
    ("PATCH", r"^/pulls/(\d+)$", FakeGitHub._update_pull),
]


def iter_bodies(calls: list[Call], method: str, path: str) -> Iterator[Any]:
    return (call.body for call in calls if call.method == method and call.path == path)
