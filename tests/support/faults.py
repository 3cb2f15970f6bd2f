"""Real faults for the fault tests: Parley processes started and killed (SIGKILL, SIGTERM), a
TCP proxy in front of PostgreSQL that can be cut and restored (an outage without touching the
shared server), and a Redis server of the test's own to stop and start."""

from __future__ import annotations

import contextlib
import os
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from support.server import LiveServer, environment, free_port

STARTUP_TIMEOUT = 60.0


@dataclass
class Proc:
    """A Parley process of the test's (`run`, `serve` or `worker`), its log beside it."""

    process: subprocess.Popen[bytes]
    log_path: Path
    base_url: str = ""

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def kill(self) -> None:
        """SIGKILL: no clean-up of any kind, as a crash or the OOM killer."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def terminate(self, timeout: float = 30) -> int:
        """SIGTERM, then wait for the process to stop by itself; its exit code."""
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=timeout)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def live(self, database_url: str) -> LiveServer:
        return LiveServer(self.base_url, database_url, self.log_path, self.process)


def start(command: str, tmp_dir: Path, database_url: str, *, name: str,
          extra_env: dict[str, str] | None = None, base_url: str = "") -> Proc:
    """`parley <command>`: a web process (`run`, `serve`) on a free port, up when this
    returns, or a `worker`."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = environment(tmp_dir, database_url, base_url or url, extra_env)
    log_path = tmp_dir / f"{name}.log"
    args = [sys.executable, "-m", "parley", command]
    if command != "worker":
        args += ["--host", "127.0.0.1", "--port", str(port)]
    with log_path.open("ab") as log:
        process = subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT)
    proc = Proc(process, log_path, url if command != "worker" else "")
    if command != "worker":
        _wait_until_up(proc)
    return proc


def _wait_until_up(proc: Proc) -> None:
    import httpx

    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if proc.process.poll() is not None:
            raise RuntimeError(f"Parley exited during start-up:\n{proc.log()[-4000:]}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{proc.base_url}/api/v1/instance", timeout=2).status_code == 200:
                return
        time.sleep(0.1)
    raise RuntimeError(f"Parley did not start:\n{proc.log()[-4000:]}")


@contextlib.contextmanager
def started(command: str, tmp_dir: Path, database_url: str, *, name: str,
            extra_env: dict[str, str] | None = None) -> Iterator[Proc]:
    proc = start(command, tmp_dir, database_url, name=name, extra_env=extra_env)
    try:
        yield proc
    finally:
        proc.stop()


class TcpProxy:
    """Forwards 127.0.0.1:port to a target address in a thread of its own. `cut()` closes
    every connection and refuses new ones, as a database server that went down;
    `restore()` listens again on the same port."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = free_port()
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self.restore()
        self._thread.start()

    def restore(self) -> None:
        with self._lock:
            if self._listener is None:
                listener = socket.socket()
                listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                listener.bind(("127.0.0.1", self.port))
                listener.listen(64)
                listener.setblocking(False)
                self._listener = listener

    def cut(self) -> None:
        with self._lock:
            if self._listener is not None:
                self._listener.close()
                self._listener = None
            for pair in self._pairs:
                for sock in pair:
                    with contextlib.suppress(OSError):
                        sock.shutdown(socket.SHUT_RDWR)
                    sock.close()
            self._pairs.clear()

    def close(self) -> None:
        self._stop.set()
        self.cut()
        self._thread.join(timeout=5)

    def url_for(self, database_url: str) -> str:
        """The same database, reached through the proxy."""
        parts = urlsplit(database_url)
        netloc = parts.netloc.rsplit("@", 1)
        host = f"127.0.0.1:{self.port}"
        return urlunsplit(parts._replace(netloc=f"{netloc[0]}@{host}" if len(netloc) == 2
                                         else host))

    def _serve(self) -> None:
        while not self._stop.is_set():
            selector = selectors.DefaultSelector()
            with self._lock:  # cut() closes sockets under the lock: none closes meanwhile
                listener = self._listener
                if listener is not None:
                    selector.register(listener, selectors.EVENT_READ, None)
                for pair in self._pairs:
                    selector.register(pair[0], selectors.EVENT_READ, pair)
                    selector.register(pair[1], selectors.EVENT_READ, (pair[1], pair[0]))
            try:
                ready = selector.select(timeout=0.05)
            except (OSError, ValueError):  # a socket closed by cut() during the select
                ready = []
            for key, _ in ready:
                with contextlib.suppress(OSError, ValueError):
                    self._ready(key, listener)
            selector.close()

    def _ready(self, key: selectors.SelectorKey, listener: socket.socket | None) -> None:
        with self._lock:
            if key.data is None:
                if listener is not self._listener:
                    return
                with contextlib.suppress(OSError):
                    client, _ = key.fileobj.accept()  # type: ignore[union-attr]
                    client.setblocking(True)
                    upstream = socket.create_connection(self.target, timeout=5)
                    self._pairs.append((client, upstream))
                return
            source, sink = key.data
            if (source, sink) not in self._pairs and (sink, source) not in self._pairs:
                return  # cut meanwhile
            try:
                data = source.recv(65536)
                if data:
                    sink.sendall(data)
                    return
            except OSError:
                pass
            for sock in (source, sink):
                sock.close()
            self._pairs = [p for p in self._pairs if source not in p]


class OwnRedis:
    """A redis-server on a free port, with no persistence, that the test may stop."""

    def __init__(self, tmp_dir: Path) -> None:
        self.port = free_port()
        self.dir = tmp_dir
        self.process: subprocess.Popen[bytes] | None = None

    @staticmethod
    def available() -> bool:
        return shutil.which("redis-server") is not None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.dir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), \
                    socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                if sock.recv(16).startswith(b"+PONG"):
                    return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None


def is_postgres() -> bool:
    return os.environ.get("PARLEY_TEST_DATABASE_URL", "").startswith("postgres")
