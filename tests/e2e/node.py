"""Start ``signalroom`` as a real subprocess on a free loopback port, for end-to-end tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Node:
    def __init__(self, process: subprocess.Popen[str], port: int, log: Path) -> None:
        self.process, self.port, self.log = process, port, log
        self.base = f"http://127.0.0.1:{port}"

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def wait_until_healthy(node: Node, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if node.process.poll() is not None:
            raise AssertionError(
                f"signalroom exited with {node.process.returncode}:\n{node.output()}"
            )
        try:
            if httpx.get(f"{node.base}/api/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"signalroom did not become healthy in {timeout_s}s:\n{node.output()}")


@contextmanager
def running_node(args: Sequence[str], tmp_path: Path, port: int | None = None) -> Iterator[Node]:
    port = port or free_port()
    log = tmp_path / f"node-{port}.log"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with log.open("w") as sink:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "signalroom.cli",
                *args,
                "--port",
                str(port),
                "--host",
                "127.0.0.1",
            ],
            stdout=sink,
            stderr=subprocess.STDOUT,
            env=env,
            text=True,
        )
    node = Node(process, port, log)
    try:
        wait_until_healthy(node)
        yield node
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
