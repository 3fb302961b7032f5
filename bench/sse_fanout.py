"""SSE fan-out: 1,000 concurrent clients on one gateway process, publish→deliver latency.

Starts its own redis-server (free port, no persistence) and one gateway process, then client
processes that hold the SSE connections (so the gateway's process is measured alone), and
publishes events at fixed rates. Prints, per rate: publish→deliver latency p50/p99 (the
publisher's wall clock in the event to the client's on receipt), delivered events/s, and the
gateway's memory per idle client; then ``redis-benchmark`` on the same machine as the ceiling.

    .venv/bin/python bench/sse_fanout.py [--clients 1000] [--designs 100] [--seconds 10]

Everything runs on 127.0.0.1 and stops by itself. Targets (docs/streaming.md): p99 ≤ 100 ms at
1,000 clients and ≥ 5,000 delivered events/s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
TOKEN = "bench-token"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def raise_fd_limit() -> None:
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


# --- Client process -------------------------------------------------------------------------


async def client_main(base: str, first: int, count: int, designs: int) -> None:
    """Hold ``count`` SSE connections; on stdin EOF, print latency samples as JSON."""
    import aiohttp

    latencies: list[float] = []
    received = 0
    connected = 0

    async def one(index: int, session: aiohttp.ClientSession) -> None:
        # A lean SSE reader (whole chunks, not lines): the clients share the gateway's two
        # cores, so every cycle they save is one the gateway can use.
        nonlocal received, connected
        url = f"{base}/v1/namespaces/bench/infradesigns/d{index % designs}/events"
        headers = {"Authorization": f"Bearer {TOKEN}"}
        async with session.get(url, headers=headers, params={"since": "now"}) as response:
            connected += 1
            pending = b""
            async for chunk in response.content.iter_any():
                now = time.time()
                frames = (pending + chunk).split(b"\n\n")
                pending = frames.pop()
                for frame in frames:
                    at = frame.find(b'"sent":')
                    if at >= 0:
                        latencies.append(now - float(frame[at + 7 : frame.index(b"}", at)]))
                        received += 1

    connector = aiohttp.TCPConnector(limit=0)
    timeout = aiohttp.ClientTimeout(total=None, sock_read=None)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        tasks = [asyncio.create_task(one(first + i, session)) for i in range(count)]
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader()
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
        while True:
            line = (await reader.readline()).decode().strip()
            if line in ("", "quit"):
                break
            if line == "status":
                print(json.dumps({"connected": connected}), flush=True)
            elif line == "reset":
                latencies.clear()
                received = 0
            elif line == "report":
                print(json.dumps({"received": received, "latencies": latencies}), flush=True)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


class ClientProcess:
    def __init__(self, base: str, first: int, count: int, designs: int) -> None:
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--client", base, str(first), str(count), str(designs)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=REPO,
            preexec_fn=raise_fd_limit,
        )

    def ask(self, command: str) -> dict[str, Any]:
        assert self.process.stdin and self.process.stdout
        self.process.stdin.write(f"{command}\n".encode())
        self.process.stdin.flush()
        if command in ("reset",):
            return {}
        answer: dict[str, Any] = json.loads(self.process.stdout.readline())
        return answer

    def stop(self) -> None:
        if self.process.poll() is None:
            assert self.process.stdin
            self.process.stdin.close()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()


# --- Orchestration --------------------------------------------------------------------------


async def publish(redis_url: str, designs: int, rate: int, seconds: float) -> int:
    """Publish ``rate`` events/s round-robin over the designs for ``seconds``; returns count."""
    from redis.asyncio import Redis

    redis = Redis.from_url(redis_url)
    sent = 0
    start = time.monotonic()
    while (elapsed := time.monotonic() - start) < seconds:
        batch = int(rate * elapsed) - sent  # catch up to the schedule, in one pipeline
        if batch > 0:
            async with redis.pipeline(transaction=False) as pipe:
                for _ in range(batch):
                    data = json.dumps({"v": 1, "sent": time.time()})
                    pipe.xadd(
                        f"autcloud:events:bench:d{sent % designs}",
                        {"event": "bench.tick", "data": data},
                        maxlen=1000,
                    )
                    sent += 1
                await pipe.execute()
        await asyncio.sleep(0.005)
    await redis.aclose()
    return sent


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def redis_benchmark(port: int) -> str:
    tool = shutil.which("redis-benchmark")
    if not tool:
        return "redis-benchmark not installed"
    lines = []
    for command in (["PING"], ["XADD", "bench:ceiling", "MAXLEN", "~", "1000", "*", "f", "v"]):
        result = subprocess.run(
            [tool, "-p", str(port), "-n", "100000", "-c", "50", "-q", *command],
            capture_output=True,
            text=True,
            timeout=120,
        )
        figure = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else "?"
        lines.append(f"  {' '.join(command[:1])}: {figure.split(':', 1)[-1].strip()}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--designs", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument(
        "--rates",
        default="100,500,1000",
        help="events published per second (across all designs), comma-separated",
    )
    parser.add_argument("--client-processes", type=int, default=2)
    parser.add_argument("--client", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client:
        base, first, count, designs = args.client
        asyncio.run(client_main(base, int(first), int(count), int(designs)))
        return 0

    redis_bin = shutil.which("redis-server")
    if not redis_bin:
        print("redis-server is not installed (apt-get install redis-server)", file=sys.stderr)
        return 1
    raise_fd_limit()
    redis_port, gateway_port = free_port(), free_port()
    redis_url = f"redis://127.0.0.1:{redis_port}/0"
    base = f"http://127.0.0.1:{gateway_port}"
    redis = subprocess.Popen(
        [
            redis_bin,
            "--port",
            str(redis_port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
    )
    gateway = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import asyncio; from autcloud.gateway.app import GatewayConfig; "
            "from autcloud.gateway.auth import StaticTokenAuthorizer; "
            "from autcloud.gateway.server import serve; "
            f"asyncio.run(serve(GatewayConfig(redis_url={redis_url!r}, port={gateway_port}), "
            f"StaticTokenAuthorizer({TOKEN!r})))",
        ],
        cwd=REPO,
        preexec_fn=raise_fd_limit,
        stderr=subprocess.DEVNULL,
    )
    clients: list[ClientProcess] = []
    try:
        time.sleep(1.5)
        idle_before = rss_kib(gateway.pid)
        per_process = args.clients // args.client_processes
        clients = [
            ClientProcess(base, i * per_process, per_process, args.designs)
            for i in range(args.client_processes)
        ]
        deadline = time.monotonic() + 60
        while sum(c.ask("status")["connected"] for c in clients) < per_process * len(clients):
            if time.monotonic() > deadline:
                print("clients did not all connect", file=sys.stderr)
                return 1
            time.sleep(0.5)
        time.sleep(1.0)
        idle_after = rss_kib(gateway.pid)
        total_clients = per_process * len(clients)
        print(
            f"SSE fan-out on one gateway process ({os.cpu_count()} cores, clients in "
            f"{len(clients)} other processes, {args.designs} designs, "
            f"{total_clients // args.designs} watchers each)"
        )
        print(
            f"  memory per idle client: {(idle_after - idle_before) / total_clients:.1f} KiB "
            f"(gateway RSS {idle_before / 1024:.0f} → {idle_after / 1024:.0f} MiB)"
        )
        for rate in (int(r) for r in args.rates.split(",")):
            for client in clients:
                client.ask("reset")
            started = time.monotonic()
            cpu_before = cpu_seconds(gateway.pid)
            clients_cpu_before = sum(cpu_seconds(c.process.pid) for c in clients)
            sent = asyncio.run(publish(redis_url, args.designs, rate, args.seconds))
            time.sleep(1.0)  # let the last events arrive
            elapsed = time.monotonic() - started - 1.0
            gateway_cpu = (cpu_seconds(gateway.pid) - cpu_before) / (elapsed + 1.0)
            clients_cpu = (
                sum(cpu_seconds(c.process.pid) for c in clients) - clients_cpu_before
            ) / (elapsed + 1.0)
            reports = [c.ask("report") for c in clients]
            latencies = [x for r in reports for x in r["latencies"]]
            received = sum(r["received"] for r in reports)
            expected = sent * total_clients // args.designs
            print(
                f"  publish {rate:>5}/s: delivered {received / elapsed:>8,.0f} events/s "
                f"({received}/{expected}), latency p50 {percentile(latencies, 0.5) * 1000:.1f} ms,"
                f" p99 {percentile(latencies, 0.99) * 1000:.1f} ms, "
                f"max {max(latencies, default=0) * 1000:.0f} ms, gateway CPU {gateway_cpu:.0%}, clients CPU {clients_cpu:.0%}"
            )
        if os.environ.get("BENCH_DEBUG"):
            import urllib.request

            with urllib.request.urlopen(f"{base}/metrics") as answer:
                print(
                    "\n".join(
                        line
                        for line in answer.read().decode().splitlines()
                        if "latency" in line and not line.startswith("#")
                    )
                )
        print("redis-benchmark on the same machine (the ceiling, 50 connections):")
        print(redis_benchmark(redis_port))
    finally:
        for client in clients:
            client.stop()
        gateway.terminate()
        gateway.wait(10)
        redis.kill()
        redis.wait(5)
    return 0


if __name__ == "__main__":
    sys.exit(main())
