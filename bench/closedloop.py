"""Closed-loop maximum throughput with wrk (Debian's `wrk`), driven by a generated Lua script
that cycles through prebuilt requests (each with its own bearer token and path)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

from bench.openloop import Call

LUA = """
local data = %(data)s
local reqs = {}
local i = 0
init = function(args)
  for k, r in ipairs(data) do
    local h = {["Authorization"] = "Bearer " .. r[3]}
    if r[4] ~= "" then h["Content-Type"] = "application/json" end
    reqs[k] = wrk.format(r[1], r[2], h, r[4] ~= "" and r[4] or nil)
  end
  i = math.random(#reqs)
end
request = function()
  i = i + 1
  if i > #reqs then i = 1 end
  return reqs[i]
end
done = function(summary, latency, requests)
  io.write(string.format(
    'WRKJSON {"requests": %%d, "duration_us": %%d, "non2xx": %%d, "errors": %%d, '
    .. '"p50_us": %%d, "p90_us": %%d, "p99_us": %%d, "max_us": %%d}\\n',
    summary.requests, summary.duration, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max))
end
"""


def _lua_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _parse(call: Call) -> tuple[str, str, str, str]:
    head, _, body = call.raw.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    method, path, _ = lines[0].split(" ", 2)
    token = next((line.split(" ", 2)[2] for line in lines if line.startswith("Authorization")),
                 "")
    return method, path, token, body.decode()


def write_script(calls: list[Call], path: Path) -> Path:
    rows = ",\n".join("{" + ",".join(_lua_string(part) for part in _parse(call)) + "}"
                      for call in calls)
    path.write_text(LUA % {"data": "{\n" + rows + "\n}"})
    return path


def wrk(url: str, calls: list[Call], script: Path, *, seconds: float, connections: int,
        threads: int = 1) -> dict[str, Any]:
    """Run wrk against `url` cycling through `calls`; requests/s and latency percentiles."""
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is not installed: apt-get install -y wrk")
    write_script(calls, script)
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, int(seconds))}s",
               "--timeout", "30s", "-s", str(script), url]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    match = re.search(r"^WRKJSON (.*)$", output, re.MULTILINE)
    if match is None:
        raise RuntimeError(f"wrk printed no summary:\n{output}")
    result: dict[str, Any] = json.loads(match.group(1))
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    result["command"] = " ".join(command)
    return result
