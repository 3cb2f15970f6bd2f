"""Turns a run's results.json into markdown tables, the targets verdict and PNG plots."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench.ops import OPS


def _fmt(value: float | None, digits: int = 0) -> str:
    if value is None:
        return "-"
    return f"{value:,.{digits}f}"


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def cpu_table(r: dict[str, Any]) -> str:
    parley, floor = r["cpu"]["parley"], r["cpu"]["floor"]
    rows = []
    for op in OPS:
        if op not in parley:
            continue
        p, f = parley[op], floor.get(op)
        ratio = p["cpu_us_per_op"] / f["cpu_us_per_op"] if f else None
        rows.append([op, _fmt(p["rps"]), _fmt(p["cpu_us_per_op"]), _fmt(p["db_cpu_us_per_op"]),
                     _fmt(p["p50_us"] / 1000, 1), _fmt(p["p99_us"] / 1000, 1),
                     str(p["non2xx"] + p["errors"]),
                     _fmt(f["rps"]) if f else "-", _fmt(f["cpu_us_per_op"]) if f else "-",
                     _fmt(ratio, 2) + "x" if ratio else "-"])
    return _table(["operation", "Parley req/s", "Parley CPU-µs/op", "DB CPU-µs/op",
                   "p50 ms", "p99 ms", "errors", "floor req/s", "floor CPU-µs/op",
                   "Parley/floor"], rows)


def flat_table(r: dict[str, Any]) -> str:
    flat = r["flat"]
    base = None
    rows = []
    for followees in sorted(flat, key=int):
        p, f = flat[followees]["parley"], flat[followees]["floor"]
        base = base or p["cpu_us_per_op"]
        rows.append([f"{int(followees):,}", _fmt(p["cpu_us_per_op"]), _fmt(f["cpu_us_per_op"]),
                     _fmt(p["cpu_us_per_op"] / base, 2) + "x", _fmt(p["rps"])])
    return _table(["followees", "Parley CPU-µs/op", "floor CPU-µs/op", "vs 10 followees",
                   "Parley req/s"], rows)


def growth_table(r: dict[str, Any]) -> str:
    growth = r["growth"]
    big, small = growth["home20"], growth["home20_fewer_posts"]
    rows = [[f"{count:,}", _fmt(side["cpu_us_per_op"]),
             ", ".join(_fmt(s) for s in side.get("slices_cpu_us", [])), _fmt(side["rps"]),
             _fmt(side["p99_us"] / 1000, 1)]
            for count, side in ((growth["fewer_posts"], small), (growth["posts"], big))]
    return _table(["posts", "Parley CPU-µs/op", "per round", "req/s", "p99 ms"], rows)


def curve_table(r: dict[str, Any]) -> str:
    rows = []
    for name, points in r["curve"].items():
        for point in points:
            ops = point["ops_ms"]
            every = list(ops.values())
            count = sum(v["count"] for v in every) or 1
            p50 = max((v["p50"] for v in every), default=None)
            p99 = max((v["p99"] for v in every), default=None)
            errors = sum(point["errors"].values()) + sum(
                n for key, n in point["statuses"].items() if not key.endswith(" 200"))
            rows.append([name, _fmt(point["rate"]), _fmt(point["achieved_rate"], 1),
                         _fmt(p50, 1), _fmt(p99, 1), _fmt(point["cpu_us_per_op"]),
                         str(errors), str(count)])
    return _table(["load", "offered req/s", "achieved req/s", "worst-op p50 ms",
                   "worst-op p99 ms", "CPU-µs/req", "errors", "requests"], rows)


def compose_table(r: dict[str, Any]) -> str:
    rows = []
    for label, point in r["compose"].items():
        ops = point["ops_ms"].get("compose", {})
        rows.append([label, _fmt(point["rate"], 1), _fmt(ops.get("p50"), 1),
                     _fmt(ops.get("p99"), 1), _fmt(ops.get("max"), 1), str(ops.get("count", 0))])
    return _table(["author", "posts/s", "p50 ms", "p99 ms", "max ms", "posts"], rows)


def storm_table(r: dict[str, Any]) -> str:
    storm = r["storm"]
    rows = []
    for label in ("quiet", "storm"):
        ops: dict[str, Any] = next(iter(storm[label]["ops_ms"].values()), {})
        rows.append([label, _fmt(storm["read_rate"]), _fmt(ops.get("p50"), 1),
                     _fmt(ops.get("p99"), 1), _fmt(ops.get("max"), 1),
                     str(sum(storm[label]["errors"].values()))])
    reads = _table(["home reads", "req/s", "p50 ms", "p99 ms", "max ms", "errors"], rows)
    posts = [[str(i + 1) + (" (broadcast: sampled homes)" if p.get("broadcast") else ""),
              _fmt(p.get("compose_ms"), 1), f"{p['delivered']:,}/{p['expected']:,}",
              _fmt(p["full_delivery_s"], 2), _fmt(p["deliveries_per_s"])]
             for i, p in enumerate(storm["posts"])]
    for key, label in (("fanout_10k", "10k-follower post, no read load"),
                       ("hybrid_off", "celebrity post, hybrid off, no read load")):
        if key in storm:
            p = storm[key]
            posts.append([label, _fmt(p.get("compose_ms"), 1),
                          f"{p['delivered']:,}/{p['expected']:,}",
                          _fmt(p["full_delivery_s"], 2), _fmt(p["deliveries_per_s"])])
    return reads + "\n\n" + _table(["celebrity post", "compose ms", "delivered",
                                     "full delivery s (from the send)",
                                     "deliveries/s (from the post's creation)"], posts)


def soak_table(r: dict[str, Any]) -> str:
    soak = r["soak"]
    rows = [[_fmt(w["t_s"]), _fmt(w["requests"]), _fmt(w["p50_ms"], 1), _fmt(w["p99_ms"], 1),
             str(w["errors"] + w["non_2xx"]), _fmt(w["rss_kb"] / 1024, 1), _fmt(w["cpu_s"], 1),
             _fmt(w["stream_events"]), _fmt(w["streams_ended"])] for w in soak["windows"]]
    capacity = r.get("soak_capacity")
    measured = (f" (half the mix's measured capacity, {capacity['rps']:g} requests/s: wrk "
                f"{capacity['wrk_rps']:g}/s, its fan-out drained in {capacity['drain_s']:g} s)"
                if capacity else "")
    return (f"{soak['rate']:g} requests/s{measured} for {soak['seconds']:g} s, "
            f"{soak['streams']} user streams open; each row is one window\n\n"
            + _table(["t (s)", "requests", "p50 ms", "p99 ms", "errors", "RSS MB", "CPU s",
                      "stream events", "streams ended"], rows))


def resources_table(r: dict[str, Any]) -> str:
    mem, db = r.get("memory_kb", {}), r["database"]
    seconds = r["manifest"].get("seconds", {})
    rows = [
        ["Parley RSS now / peak", f"{mem.get('parley', {}).get('VmRSS', 0) / 1024:,.0f} / "
                                  f"{mem.get('parley', {}).get('VmHWM', 0) / 1024:,.0f} MB"],
        ["floor RSS now / peak", f"{mem.get('floor', {}).get('VmRSS', 0) / 1024:,.0f} / "
                                 f"{mem.get('floor', {}).get('VmHWM', 0) / 1024:,.0f} MB"],
        ["database size", f"{db['database_bytes'] / 2**20:,.0f} MB"],
        ["timeline entries", f"{db['timeline_entries']:,}"],
        ["bytes per timeline entry (table + indexes)", _fmt(db["bytes_per_entry"], 1)],
        ["network", f"{r['manifest']['accounts']:,} accounts, {r['manifest']['follows']:,} "
                    f"follows, {r['manifest']['posts']:,} posts"],
        ["load time", f"{seconds.get('total', 0):,.0f} s "
                      f"(home timelines {seconds.get('home_timelines', 0):,.0f} s)"],
        ["machine load (1/5/15 min) before / after",
         f"{_loads(r['machine']['load_before'])} / {_loads(r['machine'].get('load_after'))}"],
        ["code", r["machine"].get("code", "?")],
    ]
    return _table(["resource", "value"], rows)


def _loads(values: list[float] | None) -> str:
    return " ".join(f"{v:.1f}" for v in values) if values else "?"


def _p99(point: dict[str, Any]) -> float | None:
    ops: dict[str, Any] = next(iter(point["ops_ms"].values()), {})
    value: float | None = ops.get("p99")
    return value


def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def targets(r: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(target, measured, verdict) for each target of issue 5 the run covers."""
    out: list[tuple[str, str, str]] = []

    def add(name: str, value: float | None, limit: float, unit: str, lower: bool = True) -> None:
        if value is None:
            out.append((name, "not measured", "-"))
            return
        met = value <= limit if lower else value >= limit
        out.append((name, f"{value:,.2f}{unit}", "met" if met else "NOT met"))

    if "cpu" in r:
        parley, floor = r["cpu"]["parley"], r["cpu"]["floor"]

        def cpu(side: dict[str, Any], op: str) -> float | None:
            return side[op]["cpu_us_per_op"] if op in side else None

        add("home 20 CPU ≤ 2x floor", _ratio(cpu(parley, "home20"), cpu(floor, "home20")), 2,
            "x")
        add("context of 30 ≤ 2x home 20", _ratio(cpu(parley, "context"), cpu(parley, "home20")),
            2, "x")
    if "flat" in r:
        costs = {int(k): v["parley"]["cpu_us_per_op"] for k, v in r["flat"].items()}
        within = [c for k, c in costs.items() if k <= 5000]
        add("home cost flat ±20 % from 10 to 5,000 followees (max/min)",
            max(within) / min(within) if within else None, 1.2, "x")
    if "growth" in r:
        growth = r["growth"]
        ratio = _ratio(growth["home20"]["cpu_us_per_op"],
                       growth["home20_fewer_posts"]["cpu_us_per_op"])
        name = "home cost flat ±20 % as posts grow 10x (all / a tenth)"
        if ratio is None:
            out.append((name, "not measured", "-"))
        else:
            out.append((name, f"{ratio:,.2f}x", "met" if 1 / 1.2 <= ratio <= 1.2 else "NOT met"))
    if "compose" in r:
        p99 = [v["ops_ms"].get("compose", {}).get("p99") for v in r["compose"].values()]
        add("compose p99, biggest audience ≤ 1.5x smallest", _ratio(p99[0], p99[-1]), 1.5, "x")
    if "storm" in r:
        posts = r["storm"]["posts"]
        rates = [p["deliveries_per_s"] for p in posts if p["deliveries_per_s"]]
        if not rates and r["storm"].get("hybrid_off", {}).get("deliveries_per_s"):
            # A broadcast celebrity writes no homes: the write rate is its hybrid-off post's.
            rates = [r["storm"]["hybrid_off"]["deliveries_per_s"]]
        add("fan-out ≥ 100,000 deliveries/s (median post)",
            sorted(rates)[len(rates) // 2] if rates else 0.0, 100_000, "/s", lower=False)
        ten_k = r["storm"].get("fanout_10k", {}).get("deliveries_per_s")
        if ten_k:
            add("fan-out ≥ 100,000 deliveries/s (10k-follower post)", ten_k, 100_000, "/s",
                lower=False)
        fulls = [p["full_delivery_s"] for p in posts]
        worst = None if not fulls or None in fulls else max(fulls)
        limit = 2.0 if r.get("backend") == "sqlite" else 1.0
        add(f"celebrity post fully delivered ≤ {limit:g} s (worst)", worst, limit, " s")
        quiet = _p99(r["storm"]["quiet"])
        stormy = _p99(r["storm"]["storm"])
        add("read p99 in the storm ≤ 2x without", _ratio(stormy, quiet), 2, "x")
    if "soak" in r:
        soak = r["soak"]
        add("soak: zero errors", soak["errors"], 0, "")
        add("soak: RSS flat within 10 % (max/min after the first window)",
            soak["rss_growth"] * 100 if soak["rss_growth"] is not None else None, 10, " %")
        add("soak: p99 stable (median p99, last third / first third)",
            _ratio(soak["p99_last_ms"], soak["p99_first_ms"]), 1.5, "x")
    peak = r.get("memory_kb", {}).get("parley", {}).get("VmHWM")
    add("≤ 150 MB RSS per web process (peak)", peak / 1024 if peak else None, 150, " MB")
    return out


def plot_curves(r: dict[str, Any], path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4), dpi=80)
    for name, points in r["curve"].items():
        rates = [p["rate"] for p in points]
        for q, style in (("p50", "--"), ("p99", "-")):
            values = [max((v[q] for v in p["ops_ms"].values()), default=0) for p in points]
            ax.plot(rates, values, style, marker="o", label=f"{name} {q}")
    ax.set_xlabel("offered load (requests/s, open loop)")
    ax.set_ylabel("latency (ms, from scheduled send)")
    ax.set_yscale("log")
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def plot_fanout(r: dict[str, Any], path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4), dpi=80)
    storm = r["storm"]
    # Broadcast posts reach readers without rows (their curves are 10 sampled homes): the
    # write fan-outs are the 10k-follower post and the celebrity's post with hybrid off.
    series = [(f"post {i + 1}", post) for i, post in enumerate(storm["posts"])
              if int(post.get("expected", 0)) > 100]
    series += [(label, storm[key]) for key, label in (
        ("fanout_10k", "10k-follower post"), ("hybrid_off", "100k post, hybrid off"))
        if storm.get(key)]
    for label, post in series:
        if post.get("curve"):
            xs, ys = zip(*post["curve"], strict=True)
            ax.plot(xs, ys, label=label)
    ax.set_xlabel("seconds since the post was made")
    ax.set_ylabel("home timelines delivered")
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def plot_soak(r: dict[str, Any], path: Path, title: str) -> None:
    """p50 and p99 (left axis) and the web process's RSS (right axis) per window."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    windows = r["soak"]["windows"]
    minutes = [w["t_s"] / 60 for w in windows]
    fig, ax = plt.subplots(figsize=(7, 4), dpi=80)
    for q, style in (("p50_ms", "--"), ("p99_ms", "-")):
        ax.plot(minutes, [w[q] for w in windows], style, marker="o", label=q.split("_")[0])
    ax.set_xlabel("minutes")
    ax.set_ylabel("latency (ms, from scheduled send)")
    ax.set_yscale("log")
    rss = ax.twinx()
    rss.plot(minutes, [w["rss_kb"] / 1024 for w in windows], ":", color="grey", label="RSS")
    rss.set_ylabel("RSS (MB)")
    rss.set_ylim(0, max(w["rss_kb"] for w in windows) / 1024 * 1.3)
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    fig.legend(fontsize=7, loc="lower left")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def render(run_dir: Path, images: Path, name: str) -> str:
    """The markdown section of one run; its plots go to `images` as <name>-*.png."""
    r = json.loads((run_dir / "results.json").read_text())
    images.mkdir(parents=True, exist_ok=True)
    title = f"tier {r['manifest']['tier']} on {r['backend']}"
    parts = [f"### {title} — run {run_dir.name}", ""]
    verdicts = targets(r)
    parts += [_table(["target", "measured", "verdict"], [list(v) for v in verdicts]), ""]
    for key, heading, render_table in (
            ("cpu", "CPU per operation (wrk, closed loop, side by side)", cpu_table),
            ("flat", "Home page cost vs followees", flat_table),
            ("growth", "Home page cost as posts grow 10x (two servers side by side)",
             growth_table),
            ("curve", "Latency vs offered load (open loop)", curve_table),
            ("compose", "Compose latency by audience", compose_table),
            ("storm", "Celebrity storm", storm_table),
            ("soak", "Soak (mixed load at half capacity)", soak_table)):
        if key in r:
            parts += [f"#### {heading}", "", render_table(r), ""]
    if "curve" in r:
        plot_curves(r, images / f"{name}-latency.png", f"Latency vs offered load, {title}")
        parts += [f"![latency vs load](benchmarks/{name}-latency.png)", ""]
    if "storm" in r:
        plot_fanout(r, images / f"{name}-fanout.png", f"Fan-out delivered vs time, {title}")
        parts += [f"![fan-out vs time](benchmarks/{name}-fanout.png)", ""]
    if "soak" in r:
        plot_soak(r, images / f"{name}-soak.png", f"Soak, {title}")
        parts += [f"![soak: p99 and RSS over time](benchmarks/{name}-soak.png)", ""]
    parts += ["#### Resources", "", resources_table(r), ""]
    return "\n".join(parts)
