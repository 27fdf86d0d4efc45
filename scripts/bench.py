#!/usr/bin/env python3
"""Regenerates the benchmark table of README.md and docs/bench.svg.

    python3 scripts/bench.py            # run the benchmarks, then write both
    python3 scripts/bench.py --no-run   # only rewrite them from the last run

It runs `cargo bench --bench compare` (criterion) and `cargo bench --bench
memory`, reads criterion's medians from target/criterion, and rewrites the
part of README.md between the `bench-table` markers: absolute medians per
operation, the ratios the contract sets targets for, and the machine.
"""

import json
import pathlib
import platform
import re
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
CRITERION = ROOT / "target" / "criterion"
README = ROOT / "README.md"
CHART = ROOT / "docs" / "bench.svg"
PEERS = ["weakattach", "hashmap", "mutex_hashmap", "weak_table", "dashmap"]
NAMES = {
    "weakattach": "weakattach",
    "hashmap": "HashMap + FxHash (the limit)",
    "mutex_hashmap": "`Mutex<HashMap>`",
    "weak_table": "weak-table",
    "dashmap": "dashmap",
}
WORKLOADS = [
    ("get_hit", "get, hit (100,000 keys, random order)"),
    ("get_miss", "get, miss"),
    ("insert_new", "insert of a new key"),
    ("lifecycle", "key lifecycle: make, attach a box, drop"),
    ("get_or_insert_with_hit", "get_or_insert_with, hit"),
    ("set_contains", "set contains"),
]


def run(cmd):
    print("+", " ".join(cmd), file=sys.stderr)
    return subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True, text=True).stdout


def median_ns(group, bench):
    """Median time of one operation, in nanoseconds, or None."""
    base = CRITERION / group / bench / "new"
    try:
        estimates = json.loads((base / "estimates.json").read_text())
        info = json.loads((base / "benchmark.json").read_text())
    except FileNotFoundError:
        return None
    per_iteration = estimates["median"]["point_estimate"]
    elements = (info.get("throughput") or {}).get("Elements") or 1
    return per_iteration / elements


def machine():
    cpu = platform.processor() or platform.machine()
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
            if line.startswith("Model name:"):
                cpu = line.split(":", 1)[1].strip()
    except FileNotFoundError:
        pass
    cores = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    rustc = subprocess.run(["rustc", "--version"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    return f"{cpu}, {cores} cores, {rustc}, {time.strftime('%Y-%m-%d')}"


def fmt(ns):
    if ns is None:
        return "–"
    return f"{ns:.1f} ns" if ns < 1000 else f"{ns / 1000:.2f} µs"


def verdict(ok):
    return "met" if ok else "**not met**"


def table(memory):
    rows = ["| workload | " + " | ".join(NAMES[p] for p in PEERS) + " |",
            "|---|" + "---|" * len(PEERS)]
    for group, label in WORKLOADS:
        cells = [fmt(median_ns(group, p)) for p in PEERS]
        rows.append(f"| {label} | " + " | ".join(cells) + " |")
    rows.append("| bytes per entry | " + " | ".join(
        f"{memory[p]:.0f}" if p in memory else "–" for p in PEERS) + " |")

    get = {p: median_ns("get_hit", p) for p in PEERS}
    life = {p: median_ns("lifecycle", p) for p in PEERS}
    one = median_ns("readers", "weakattach_1_thread")
    two = median_ns("readers", "weakattach_2_threads")
    targets = [
        ("get hit vs HashMap", get["weakattach"] / get["hashmap"], "≤ 2×", get["weakattach"] <= 2 * get["hashmap"]),
        ("get hit: weak-table / weakattach", get["weak_table"] / get["weakattach"], "≥ 4×", get["weak_table"] >= 4 * get["weakattach"]),
        ("get hit: dashmap / weakattach", get["dashmap"] / get["weakattach"], "> 1×", get["dashmap"] > get["weakattach"]),
        ("lifecycle vs HashMap", life["weakattach"] / life["hashmap"], "≤ 2×", life["weakattach"] <= 2 * life["hashmap"]),
        ("lifecycle: weak-table / weakattach", life["weak_table"] / life["weakattach"], "≥ 2×", life["weak_table"] >= 2 * life["weakattach"]),
        ("two readers: throughput / one reader", one / two, "≥ 1.6×", one / two >= 1.6),
    ]
    rows += ["", "| ratio | measured | target | |", "|---|---|---|---|"]
    for name, ratio, target, ok in targets:
        rows.append(f"| {name} | {ratio:.2f}× | {target} | {verdict(ok)} |")
    rows += ["", f"Anchor: {memory.get('anchor', 8):.0f} bytes. Medians of one "
             f"`cargo bench` run on {machine()}; regenerate with "
             "`python3 scripts/bench.py`.", "", "![benchmarks](docs/bench.svg)"]
    return "\n".join(rows)


def chart():
    groups = [(g, label) for g, label in WORKLOADS if median_ns(g, "weakattach")]
    peers = [p for p in PEERS if p != "mutex_hashmap"]
    colors = {"weakattach": "#d9480f", "hashmap": "#495057", "weak_table": "#1c7ed6", "dashmap": "#37b24d"}
    bar, gap, left, top = 14, 18, 300, 40
    height = top + len(groups) * (len(peers) * bar + gap) + 40
    values = [median_ns(g, p) for g, _ in groups for p in peers if median_ns(g, p)]
    scale = 560 / max(values)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="900" height="{height}" font-family="sans-serif" font-size="12">',
           '<rect width="100%" height="100%" fill="white"/>',
           '<text x="10" y="22" font-size="15">Median time per operation (ns), shorter is better</text>']
    y = top
    for group, label in groups:
        out.append(f'<text x="10" y="{y + len(peers) * bar / 2 + 4}">{label}</text>')
        for p in peers:
            ns = median_ns(group, p)
            if ns is not None:
                w = max(1, ns * scale)
                out.append(f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar - 2}" fill="{colors[p]}"/>')
                out.append(f'<text x="{left + w + 4:.1f}" y="{y + bar - 4}">{ns:.1f}</text>')
            y += bar
        y += gap
    x = 10
    for p in peers:
        out.append(f'<rect x="{x}" y="{height - 22}" width="12" height="12" fill="{colors[p]}"/>')
        out.append(f'<text x="{x + 16}" y="{height - 12}">{NAMES[p]}</text>')
        x += 40 + 7 * len(NAMES[p])
    out.append("</svg>")
    CHART.parent.mkdir(exist_ok=True)
    CHART.write_text("\n".join(out) + "\n")


def main():
    memory_file = ROOT / "target" / "bench-memory.txt"
    if "--no-run" not in sys.argv:
        run(["cargo", "bench", "--bench", "compare"])
        memory_file.write_text(run(["cargo", "bench", "--bench", "memory"]))
    memory = {}
    for line in memory_file.read_text().splitlines():
        match = re.match(r"memory/(\w+) ([\d.]+)", line)
        if match:
            memory[match[1]] = float(match[2])
    text = README.read_text()
    start, end = "<!-- bench-table:start -->", "<!-- bench-table:end -->"
    before, rest = text.split(start, 1)
    _, after = rest.split(end, 1)
    README.write_text(before + start + "\n" + table(memory) + "\n" + end + after)
    chart()
    print(f"wrote {README.name} and {CHART.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
