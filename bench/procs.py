"""Server processes under test: start, wait until up, read their CPU time and memory, stop."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (all its threads), from /proc/<pid>/stat."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def memory_kb(pid: int) -> dict[str, int]:
    """VmRSS (now) and VmHWM (peak) in kB."""
    found: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key] = int(value.split()[0])
    return found


@dataclass
class Server:
    """A server process we started, and where it listens."""

    name: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path
    extra_pids: list[int] = field(default_factory=list)  # e.g. a separate `parley worker`
    # More web processes sharing the port (scale mode): counted in cpu(), and memory() is
    # the largest of them (the target is per web process).
    siblings: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def web_pids(self) -> list[int]:
        return [self.pid, *(sibling.pid for sibling in self.siblings)]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cpu(self) -> float:
        return sum(cpu_seconds(pid) for pid in self.web_pids)

    def memory(self) -> dict[str, int]:
        each = [memory_kb(pid) for pid in self.web_pids]
        return {key: max(found.get(key, 0) for found in each) for key in ("VmRSS", "VmHWM")}

    def stop(self) -> None:
        for process in [self.process, *self.siblings]:
            _terminate(process)


def _terminate(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


BENCH_SECRET_KEY = "bench-secret-key"  # bench/parley_server.py's
# Tuning knobs a benchmark run may set for the servers and workers it starts.
PASSED_SETTINGS = ("PARLEY_BROADCAST_THRESHOLD", "PARLEY_FANOUT_BATCH_SIZE", "PARLEY_HOME_CAP",
                   "PARLEY_WORKER_CONCURRENCY", "PARLEY_FEDERATION_INSECURE_PEERS")


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("PARLEY_") or k in PASSED_SETTINGS}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(ROOT / "src"),
                                         env.get("PYTHONPATH", "")])
    return env


def _start(name: str, module: str, args: list[str], port: int, probe: str,
           log_dir: Path) -> Server:
    log_dir.mkdir(parents=True, exist_ok=True)
    log = log_dir / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", module, *args, "--port", str(port)],
                                   stdout=out, stderr=subprocess.STDOUT, env=_env(), cwd=ROOT)
    server = Server(name, port, process, log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited; see {log}:\n{log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{server.url}{probe}", timeout=2).status_code < 500:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"{name} did not start in time; see {log}")


def start_parley(db_url: str, port: int, base_url: str, log_dir: Path, *,
                 worker: bool = True, processes: int = 1, redis_url: str = "",
                 name: str = "parley") -> Server:
    """Parley's web process; with `processes` > 1, that many sharing the port (SO_REUSEPORT)."""
    args = ["--db", db_url, "--base-url", base_url]
    if not worker:
        args.append("--no-worker")
    if redis_url:
        args += ["--redis-url", redis_url]
    if processes > 1:
        args.append("--reuse-port")
    server = _start(name, "bench.parley_server", args, port, "/health", log_dir)
    for number in range(1, processes):
        sibling = _start(f"{name}-{number}", "bench.parley_server", args, port, "/health",
                         log_dir)
        server.siblings.append(sibling.process)
    if server.siblings:
        # Their health probe may have been answered by an older sibling on the shared port:
        # give the new ones the few seconds a start takes before the load begins.
        time.sleep(5)
    return server


def start_floor(db_url: str, port: int, base_url: str, log_dir: Path) -> Server:
    return _start("floor", "bench.floor_app", ["--db", db_url, "--base-url", base_url], port,
                  "/api/v1/timelines/home", log_dir)


def start_worker(db_url: str, log_dir: Path, *, redis_url: str = "", number: int = 0,
                 base_url: str = "") -> subprocess.Popen[bytes]:
    """A separate `parley worker` process (scale mode), with the web processes' secret key
    (bench/parley_server.py's: actors' keys are sealed with it) and, given, their base URL
    (what the jobs render ids and links with)."""
    env = _env()
    env["PARLEY_DATABASE_URL"] = db_url
    env["PARLEY_SECRET_KEY"] = BENCH_SECRET_KEY
    if base_url:
        env["PARLEY_BASE_URL"] = base_url
    if redis_url:
        env["PARLEY_REDIS_URL"] = redis_url
    with (log_dir / f"worker-{number}.log").open("wb") as out:
        return subprocess.Popen([sys.executable, "-m", "parley", "worker"], stdout=out,
                                stderr=subprocess.STDOUT, env=env, cwd=ROOT)
