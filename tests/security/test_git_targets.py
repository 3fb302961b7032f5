"""Git and model-provider targets: a design's author cannot make the operator a confused deputy.

The finding: ``spec.git.repository`` accepted local paths and ``file://`` (an author committed
into a bare repository on the operator's own disk), and the token from ``spec.git.secretRef``
went to any URL the author named, over plain ``http://`` too. These tests run the operator
(kopf) against the emulated API server (kmock, as tests/operator does) with real bare
repositories, git's own ``git http-backend`` and a plain socket listener on 127.0.0.1 that
records every byte that reaches it. The rule itself (``autcloud.gitsink.policy``) is tested as
a pure function first.
"""

from __future__ import annotations

import asyncio
import base64
import json
import socket
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import kmock
import pytest
import pytest_asyncio

from autcloud.gitsink import GitSinkError, GitTarget
from autcloud.gitsink.policy import (
    TargetPolicy,
    check_git_target,
    check_url,
    host_allowed,
    parse_hosts,
)
from autcloud.operator.infradesign import OperatorRuntime
from autcloud.operator.settings import OperatorSettings
from tests.gitsink.bare_remote import BareRemote
from tests.gitsink.smart_http import SmartHttpRemote
from tests.operator.apiserver import ApiServer
from tests.operator.conftest import launch
from tests.operator.harness import Cluster, OperatorThread, condition, write_kubeconfig

TOKEN = "ghp_confused-deputy-token-4242"
API_KEY = "sk-confused-deputy-key-4242"
WEB_API = "A containerised web API with PostgreSQL in Seoul"
TYPE_LABEL = "autcloud.io/secret-type"

STRICT = TargetPolicy()
EVERYTHING = TargetPolicy(allow_local=True, allow_insecure_http=True)


# --- the rule, as a pure function ------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "rule"),
    [
        ("ext::sh -c touch% /tmp/pwned", "RemoteHelperRefused"),
        ("fd::3", "RemoteHelperRefused"),
        ("testgit::/srv/repo", "RemoteHelperRefused"),
        ("foo://host/repo", "RemoteHelperRefused"),
        ("file:///srv/git/infra.git", "LocalRepositoryRefused"),
        ("FILE:///srv/git/infra.git", "LocalRepositoryRefused"),
        ("/srv/git/infra.git", "LocalRepositoryRefused"),
        ("./infra.git", "LocalRepositoryRefused"),
        ("../infra.git", "LocalRepositoryRefused"),
        ("~/infra.git", "LocalRepositoryRefused"),
        ("http://git.example.com/infra.git", "InsecureHTTPRefused"),
        ("HTTP://git.example.com/infra.git", "InsecureHTTPRefused"),
    ],
)
def test_the_strict_rule_refuses(url: str, rule: str) -> None:
    refusal = check_url(url, credential=True, policy=STRICT, field="spec.git.repository")

    assert refusal is not None and refusal.rule == rule
    assert refusal.message.startswith("spec.git.repository: ")


@pytest.mark.parametrize(
    "url",
    [
        "https://git.example.com/infra.git",
        "ssh://git@git.example.com/infra.git",
        "git@git.example.com:team/infra.git",
        "git://git.example.com/infra.git",
    ],
)
def test_the_strict_rule_accepts_network_remotes(url: str) -> None:
    assert check_url(url, credential=True, policy=STRICT, field="f") is None


def test_plain_http_is_refused_only_when_a_credential_would_be_sent() -> None:
    url = "http://git.example.com/infra.git"

    assert check_url(url, credential=False, policy=STRICT, field="f") is None
    assert check_url(url, credential=True, policy=STRICT, field="f") is not None


def test_each_flag_re_enables_its_own_rule_only() -> None:
    local = TargetPolicy(allow_local=True)
    http = TargetPolicy(allow_insecure_http=True)

    assert check_url("/srv/infra.git", credential=True, policy=local, field="f") is None
    assert check_url("file:///srv/infra.git", credential=True, policy=local, field="f") is None
    assert check_url("/srv/infra.git", credential=True, policy=http, field="f") is not None
    assert check_url("http://h/infra.git", credential=True, policy=http, field="f") is None
    assert check_url("http://h/infra.git", credential=True, policy=local, field="f") is not None


@pytest.mark.parametrize("url", ["ext::sh -c id", "fd::0", "gopher://host/x"])
def test_remote_helpers_stay_refused_whatever_the_flags(url: str) -> None:
    refusal = check_url(url, credential=False, policy=EVERYTHING, field="f")

    assert refusal is not None and refusal.rule == "RemoteHelperRefused"


def test_the_allow_list_admits_only_its_hosts() -> None:
    policy = TargetPolicy(allowed_hosts=parse_hosts(["git.example.com", "*.corp.example"]))

    assert (
        check_url("https://git.example.com/a.git", credential=True, policy=policy, field="f")
        is None
    )
    assert (
        check_url("git@git.example.com:a/b.git", credential=True, policy=policy, field="f") is None
    )
    assert (
        check_url("https://x.corp.example/a.git", credential=True, policy=policy, field="f") is None
    )
    refusal = check_url("https://evil.example/a.git", credential=False, policy=policy, field="f")
    assert refusal is not None and refusal.rule == "HostNotAllowed"
    assert "git.example.com" in refusal.message and "--allow-git-host" in refusal.message


def test_host_matching() -> None:
    assert host_allowed("git.example.com:8443", ["git.example.com"])
    assert host_allowed("git.example.com:8443", ["git.example.com:8443"])
    assert not host_allowed("git.example.com:22", ["git.example.com:8443"])
    assert host_allowed("A.Corp.Example", ["*.corp.example"])
    assert not host_allowed("corp.example", ["*.corp.example"])
    assert not host_allowed("evilcorp.example", ["*.corp.example"])
    assert not host_allowed("git.example.com.evil.io", ["git.example.com"])


@pytest.mark.parametrize("entry", ["https://github.com", "github.com/acme", "", "a b"])
def test_allow_list_entries_must_be_host_names(entry: str) -> None:
    with pytest.raises(ValueError, match="not a host name"):
        parse_hosts([entry])


def test_a_github_repository_is_checked_where_the_token_goes_its_api() -> None:
    github = TargetPolicy(allowed_hosts=frozenset({"github.com"}))
    gitlab = TargetPolicy(allowed_hosts=frozenset({"gitlab.com"}))
    target = GitTarget("acme/infra", "designs/web")

    assert check_git_target(target, credential=True, policy=github) is None
    assert check_git_target(target, credential=True, policy=gitlab) is not None
    enterprise = GitTarget("acme/infra", "d", github_api_url="http://ghe.example.com/api/v3")
    refusal = check_git_target(enterprise, credential=True, policy=STRICT)
    assert refusal is not None and refusal.rule == "InsecureHTTPRefused"
    assert "spec.git.githubAPIURL" in refusal.message


def test_a_target_no_back_end_serves_raises_invalid_target() -> None:
    with pytest.raises(GitSinkError) as raised:
        check_git_target(GitTarget("not a repository", "d"), credential=False, policy=STRICT)
    assert raised.value.reason == "InvalidTarget"


def test_the_same_rule_serves_the_provider_url() -> None:
    refusal = check_url(
        "http://llm.internal:8000/v1",
        credential=True,
        policy=STRICT,
        field="spec.provider.baseURL",
        host_flag="--allow-provider-host",
    )
    assert refusal is not None and refusal.rule == "InsecureHTTPRefused"
    assert refusal.message.startswith("spec.provider.baseURL: ")


def test_a_message_never_repeats_credentials_in_the_url() -> None:
    refusal = check_url("http://user:hunter2@h/x.git", credential=True, policy=STRICT, field="f")

    assert refusal is not None and "hunter2" not in refusal.message


# --- the operator end to end ----------------------------------------------------------------


class Listener:
    """A plain TCP listener on 127.0.0.1: it records every byte that arrives and answers 401,
    so no client waits. What arrives here is what the operator sent to the author's URL."""

    def __init__(self) -> None:
        self._socket = socket.create_server(("127.0.0.1", 0))
        self._socket.settimeout(0.05)
        self.port = self._socket.getsockname()[1]
        self.received: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def seen(self) -> bytes:
        return b"".join(self.received)

    def __enter__(self) -> Listener:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(5)
        self._socket.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._socket.accept()
            except TimeoutError:
                continue
            with connection:
                connection.settimeout(2)
                data = b""
                try:
                    while b"\r\n\r\n" not in data:
                        chunk = connection.recv(65536)
                        if not chunk:
                            break
                        data += chunk
                except OSError:
                    pass
                self.received.append(data)
                body = b'{"error": {"message": "no"}}'
                connection.sendall(
                    b"HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\n"
                    b'WWW-Authenticate: Basic realm="x"\r\nConnection: close\r\n'
                    b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
                )


# The same emulated cluster and bare remote as tests/operator/conftest.py, built here because
# fixtures do not cross test folders.
@pytest_asyncio.fixture
async def apiserver() -> AsyncIterator[ApiServer]:
    async with ApiServer() as server, kmock.Server(server):
        yield server


@pytest_asyncio.fixture
async def cluster(apiserver: ApiServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cluster:
    url = str(apiserver.url).rstrip("/")
    monkeypatch.setenv("KUBECONFIG", str(write_kubeconfig(tmp_path / "kubeconfig", url)))
    monkeypatch.setenv("HOME", str(tmp_path))
    emulated = Cluster(url)
    await emulated.install_crd()
    return emulated


@pytest.fixture
def remote(tmp_path: Path) -> BareRemote:
    bare = BareRemote(tmp_path / "remote.git")
    bare.commit_as_someone_else("main", {"README.md": b"Infrastructure\n"}, tmp_path / "work")
    return bare


@pytest.fixture
def start_operator(cluster: Cluster) -> Iterator[list[OperatorThread]]:
    started: list[OperatorThread] = []
    yield started
    for thread in started:
        thread.stop()


@pytest.fixture
def listener() -> Iterator[Listener]:
    with Listener() as running:
        yield running


def operator_settings(tmp_path: Path, **flags: Any) -> OperatorSettings:
    """What ``autcloud operator`` builds from its flags (nothing allowed unless given)."""
    return OperatorSettings(
        git_cache_dir=tmp_path / "git-cache",
        diagram=False,
        retry_delay_seconds=1.0,
        secret_recheck_seconds=2.0,
        **flags,
    )


async def create_secret(
    cluster: Cluster, name: str, data: dict[str, str], kind: str | None
) -> None:
    metadata: dict[str, Any] = {"name": name, "namespace": "default"}
    if kind is not None:
        metadata["labels"] = {TYPE_LABEL: kind}
    body = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": metadata,
        "data": {k: base64.b64encode(v.encode()).decode() for k, v in data.items()},
    }
    await cluster._call("POST", "/api/v1/namespaces/default/secrets", body)


async def stalled(cluster: Cluster, name: str, reason: str) -> dict[str, Any]:
    return await cluster.wait_for(
        name,
        lambda obj: condition(obj, "Stalled").get("reason") == reason,
        what=f"Stalled {reason}",
    )


async def warnings(cluster: Cluster, name: str, reason: str) -> list[dict[str, Any]]:
    events = await cluster._call("GET", "/api/v1/namespaces/default/events")
    return [
        e
        for e in events["items"]
        if e.get("involvedObject", {}).get("name") == name and e.get("reason") == reason
    ]


def assert_refused(obj: dict[str, Any], reason: str, fix: str) -> None:
    stalled_condition = condition(obj, "Stalled")
    ready = condition(obj, "Ready")
    assert obj["status"]["phase"] == "Failed"
    assert (stalled_condition["status"], stalled_condition["reason"]) == ("True", reason)
    assert (ready["status"], ready["reason"]) == ("False", reason)
    assert fix in ready["message"], ready["message"]
    assert condition(obj, "Reconciling")["status"] == "False"


@pytest.mark.asyncio
@pytest.mark.parametrize("form", ["file-url", "local-path"])
async def test_a_repository_on_the_operators_disk_is_refused_and_never_pushed_to(
    form: str,
    cluster: Cluster,
    remote: BareRemote,
    start_operator: list[OperatorThread],
    tmp_path: Path,
) -> None:
    runtime = OperatorRuntime(operator_settings(tmp_path))
    launch(start_operator, runtime)
    repository = f"file://{remote.url}" if form == "file-url" else remote.url
    await cluster.apply("web", {"request": WEB_API, "git": {"repository": repository}})

    obj = await stalled(cluster, "web", "LocalRepositoryRefused")

    assert_refused(obj, "LocalRepositoryRefused", "--allow-local-repositories")
    assert remote.branches() == {"main"}
    assert runtime.runs == 0  # checked before designing
    # A permanent refusal waits for a spec change: no retry every few seconds.
    version = obj["metadata"]["resourceVersion"]
    await asyncio.sleep(3.5)  # longer than the retry delay and the Secret recheck of these settings
    again = await cluster.get("web")
    assert again is not None and again["metadata"]["resourceVersion"] == version
    assert len(await warnings(cluster, "web", "LocalRepositoryRefused")) == 1
    assert runtime.runs == 0

    # A spec change is looked at at once: without the git target the design runs.
    await cluster._call(
        "PATCH",
        "/apis/autcloud.io/v1alpha1/namespaces/default/infradesigns/web",
        [{"op": "remove", "path": "/spec/git"}],
        **{"Content-Type": "application/json-patch+json"},
    )
    done = await cluster.wait_for(
        "web", lambda o: o.get("status", {}).get("phase") == "Ready", what="Ready"
    )
    assert condition(done, "Stalled")["status"] == "False"
    assert runtime.runs == 1 and remote.branches() == {"main"}


@pytest.mark.asyncio
async def test_allow_local_repositories_re_enables_file_urls_and_paths(
    cluster: Cluster,
    remote: BareRemote,
    start_operator: list[OperatorThread],
    tmp_path: Path,
) -> None:
    launch(
        start_operator, OperatorRuntime(operator_settings(tmp_path, allow_local_repositories=True))
    )
    await cluster.apply("web", {"request": WEB_API, "git": {"repository": f"file://{remote.url}"}})
    await cluster.apply("api", {"request": WEB_API, "git": {"repository": remote.url}})

    for name in ("web", "api"):
        done = await cluster.wait_for(
            name, lambda o: o.get("status", {}).get("phase") == "Ready", what="Ready"
        )
        assert done["status"]["git"]["commitSHA"] == remote.head(f"autcloud/{name}")


@pytest.mark.asyncio
async def test_a_token_is_never_sent_over_http_and_the_listener_sees_nothing(
    cluster: Cluster, listener: Listener, start_operator: list[OperatorThread], tmp_path: Path
) -> None:
    runtime = OperatorRuntime(operator_settings(tmp_path))
    launch(start_operator, runtime)
    await create_secret(cluster, "gh", {"token": TOKEN}, "git")
    git = {"repository": f"{listener.url}/infra.git", "secretRef": {"name": "gh"}}
    await cluster.apply("web", {"request": WEB_API, "git": git})

    obj = await stalled(cluster, "web", "InsecureHTTPRefused")

    assert_refused(obj, "InsecureHTTPRefused", "https://")
    assert "--allow-insecure-http" in condition(obj, "Ready")["message"]
    await asyncio.sleep(1.0)
    assert listener.received == []
    assert runtime.runs == 0
    visible = json.dumps(obj) + json.dumps(await warnings(cluster, "web", "InsecureHTTPRefused"))
    assert TOKEN not in visible


@pytest.mark.asyncio
async def test_allow_insecure_http_pushes_with_the_token_to_a_real_git_server(
    cluster: Cluster, start_operator: list[OperatorThread], tmp_path: Path
) -> None:
    served = BareRemote(tmp_path / "served" / "infra.git")
    with SmartHttpRemote(tmp_path / "served", "x-access-token", TOKEN) as server:
        launch(
            start_operator, OperatorRuntime(operator_settings(tmp_path, allow_insecure_http=True))
        )
        await create_secret(cluster, "gh", {"token": TOKEN}, "git")
        git = {"repository": f"{server.url}/infra.git", "secretRef": {"name": "gh"}}
        await cluster.apply("web", {"request": WEB_API, "git": git})

        done = await cluster.wait_for(
            "web", lambda o: o.get("status", {}).get("phase") == "Ready", timeout=30, what="Ready"
        )

    assert done["status"]["git"]["commitSHA"] == served.head("autcloud/web")
    assert server.expected in server.seen_authorization


@pytest.mark.asyncio
@pytest.mark.parametrize("kind", [None, "llm"])
async def test_a_git_secret_without_the_git_label_is_refused_and_its_token_never_sent(
    kind: str | None,
    cluster: Cluster,
    listener: Listener,
    start_operator: list[OperatorThread],
    tmp_path: Path,
) -> None:
    # Every other rule is relaxed: only the label stands between the token and the listener.
    settings = operator_settings(tmp_path, allow_insecure_http=True)
    runtime = OperatorRuntime(settings)
    launch(start_operator, runtime)
    await create_secret(cluster, "db-password", {"token": TOKEN}, kind)
    git = {"repository": f"{listener.url}/infra.git", "secretRef": {"name": "db-password"}}
    await cluster.apply("web", {"request": WEB_API, "git": git})

    obj = await stalled(cluster, "web", "SecretNotLabeled")

    assert_refused(obj, "SecretNotLabeled", "autcloud.io/secret-type=git")
    assert runtime.runs == 0
    assert listener.received == []
    assert TOKEN not in json.dumps(obj)


@pytest.mark.asyncio
async def test_a_remote_helper_is_refused_even_with_every_allow_flag(
    cluster: Cluster, apiserver: ApiServer, start_operator: list[OperatorThread], tmp_path: Path
) -> None:
    # The CRD's rule refuses this at admission (the emulator too); an object stored before
    # the rule existed was never checked, so the operator must refuse it itself.
    marker = tmp_path / "pwned"
    settings = operator_settings(tmp_path, allow_local_repositories=True, allow_insecure_http=True)
    launch(start_operator, OperatorRuntime(settings))
    spec = {"request": WEB_API, "git": {"repository": f"ext::sh -c touch% {marker}"}}
    with pytest.raises(AssertionError, match="HTTP 422"):
        await cluster.apply("web", spec)
    await apiserver.store_unchecked("InfraDesign", "default", "web", spec)

    obj = await stalled(cluster, "web", "RemoteHelperRefused")

    assert_refused(obj, "RemoteHelperRefused", "https://")
    assert not marker.exists()


@pytest.mark.asyncio
async def test_the_git_host_allow_list_refuses_other_hosts_and_admits_its_own(
    cluster: Cluster, listener: Listener, start_operator: list[OperatorThread], tmp_path: Path
) -> None:
    hosts = frozenset({"git.example.com"})
    settings = operator_settings(tmp_path, allowed_git_hosts=hosts)
    launch(start_operator, OperatorRuntime(settings))
    await cluster.apply("web", {"request": WEB_API, "git": {"repository": listener.url + "/a.git"}})

    obj = await stalled(cluster, "web", "HostNotAllowed")

    assert_refused(obj, "HostNotAllowed", "--allow-git-host")
    assert listener.received == []

    start_operator.pop().stop()
    allowed = operator_settings(tmp_path, allowed_git_hosts=frozenset({"127.0.0.1"}))
    launch(start_operator, OperatorRuntime(allowed))
    await cluster.apply("api", {"request": WEB_API, "git": {"repository": listener.url + "/a.git"}})
    await cluster.wait_for(
        "api",
        lambda o: condition(o, "Stalled").get("reason") == "GitAuthFailed",
        timeout=30,
        what="the push that reached the listener",
    )
    assert b"/a.git/info/refs" in listener.seen()


@pytest.mark.asyncio
async def test_a_provider_key_is_never_sent_over_http_unless_allowed(
    cluster: Cluster, listener: Listener, start_operator: list[OperatorThread], tmp_path: Path
) -> None:
    await create_secret(cluster, "llm", {"apiKey": API_KEY}, "llm")
    provider = {
        "name": "openai",
        "model": "gpt-4o-mini",
        "baseURL": f"{listener.url}/v1",
        "secretRef": {"name": "llm"},
    }
    spec = {"request": WEB_API, "assumeDefaults": True, "provider": provider}
    runtime = OperatorRuntime(operator_settings(tmp_path))
    launch(start_operator, runtime)
    await cluster.apply("web", spec)

    obj = await stalled(cluster, "web", "InsecureHTTPRefused")

    assert_refused(obj, "InsecureHTTPRefused", "spec.provider.baseURL")
    assert runtime.runs == 0 and listener.received == []
    assert API_KEY not in json.dumps(obj)

    start_operator.pop().stop()
    launch(start_operator, OperatorRuntime(operator_settings(tmp_path, allow_insecure_http=True)))
    await cluster.apply("api", spec)
    await cluster.wait_for(
        "api", lambda o: o.get("status", {}).get("phase") == "Ready", timeout=60, what="Ready"
    )
    assert f"Bearer {API_KEY}".encode() in listener.seen()


@pytest.mark.asyncio
async def test_a_provider_secret_without_the_llm_label_is_refused(
    cluster: Cluster, listener: Listener, start_operator: list[OperatorThread], tmp_path: Path
) -> None:
    await create_secret(cluster, "gh", {"apiKey": API_KEY}, "git")
    provider = {
        "name": "openai",
        "model": "gpt-4o-mini",
        "baseURL": f"{listener.url}/v1",
        "secretRef": {"name": "gh"},
    }
    runtime = OperatorRuntime(operator_settings(tmp_path, allow_insecure_http=True))
    launch(start_operator, runtime)
    await cluster.apply("web", {"request": WEB_API, "provider": provider})

    obj = await stalled(cluster, "web", "SecretNotLabeled")

    assert_refused(obj, "SecretNotLabeled", "autcloud.io/secret-type=llm")
    assert runtime.runs == 0 and listener.received == []
