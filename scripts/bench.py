#!/usr/bin/env python3
"""Regenerates the benchmark table of README.md and docs/bench.svg.

    python3 scripts/bench.py            # three runs of the benchmarks, then write both
    python3 scripts/bench.py --runs 5   # more runs
    python3 scripts/bench.py --no-run   # only rewrite them from the saved runs

Each run is one `cargo bench --bench compare` (criterion): every workload on
weakattach and its peers, side by side in one process. After each run the
script reads criterion's median per benchmark from target/criterion and keeps
it in target/bench-runs.json. The table shows, per cell, the median of the
runs' medians and their spread (lowest–highest); the ratios of SPEC §7 are
taken from those medians. `cargo bench --bench memory` (a counting
allocator, deterministic) runs once. `cargo bench --bench paired` runs as
often as the comparison: it times the lookups of every peer in alternation,
round after round, and reports per-round ratios, which a machine whose
memory latency drifts does not skew; its table shows the median of the
runs' medians and their spread. A target that both benchmarks time (a hit
of `get`, the first attach, the short-lived set) shows both ratios and is
met only where both are.

Before any ratio is trusted, the baselines are checked against what the
machine itself charges (the `calibrate` group): a HashMap insert+remove of a
boxed value must cost between one and four box allocations, a HashMap lookup
less than one. A baseline outside that range is reported as broken.
"""

import json
import pathlib
import re
import statistics
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
CRITERION = ROOT / "target" / "criterion"
RUNS_FILE = ROOT / "target" / "bench-runs.json"
MEMORY_FILE = ROOT / "target" / "bench-memory.txt"
PAIRED_FILE = ROOT / "target" / "bench-paired.json"
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
    ("insert_new", "first attach into a table of 100,000"),
    ("lifecycle", "key lifecycle: make, attach a box, drop"),
    ("get_or_insert_with_hit", "get_or_insert_with, hit"),
    ("set_contains", "set contains"),
    ("short_lived_set", "short-lived set: new, 16 inserts, 32 contains, drop"),
]


def run(cmd):
    print("+", " ".join(cmd), file=sys.stderr)
    return subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True, text=True).stdout


def read_criterion():
    """Every benchmark's median time per operation (ns) in the last run."""
    found = {}
    for estimates in CRITERION.glob("*/*/new/estimates.json"):
        bench_dir = estimates.parent.parent
        info = json.loads((estimates.parent / "benchmark.json").read_text())
        per_iteration = json.loads(estimates.read_text())["median"]["point_estimate"]
        elements = (info.get("throughput") or {}).get("Elements") or 1
        found[f"{bench_dir.parent.name}/{bench_dir.name}"] = per_iteration / elements
    return found


RUNS = []
PAIRED = []


def samples(group, bench):
    return [r[f"{group}/{bench}"] for r in RUNS if f"{group}/{bench}" in r]


def median(group, bench):
    values = samples(group, bench)
    return statistics.median(values) if values else None


def machine():
    cpu = "unknown CPU"
    for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
        if line.startswith("Model name:"):
            cpu = line.split(":", 1)[1].strip()
    cores = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    rustc = subprocess.run(["rustc", "--version"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    return f"{cpu}, {cores} cores, {rustc}, {time.strftime('%Y-%m-%d')}"


def fmt(ns):
    if ns is None:
        return "–"
    return f"{ns:.1f} ns" if ns < 1000 else f"{ns / 1000:.2f} µs"


def cell(group, bench):
    values = samples(group, bench)
    if not values:
        return "–"
    return f"{fmt(statistics.median(values))} ({fmt(min(values))}–{fmt(max(values))})"


def verdict(ok):
    return "met" if ok else "**not met**"


def ratio_row(name, value, target, ok):
    return f"| {name} | {value:.2f}× | {target} | {verdict(ok)} |"


def table(memory):
    rows = ["| workload | " + " | ".join(NAMES[p] for p in PEERS) + " |",
            "|---|" + "---|" * len(PEERS)]
    for group, label in WORKLOADS:
        rows.append(f"| {label} | " + " | ".join(cell(group, p) for p in PEERS) + " |")
    rows.append("| bytes per entry (`u64` value) | " + " | ".join(
        f"{memory[f'memory/{p}']:.1f}" if f"memory/{p}" in memory else "–" for p in PEERS) + " |")
    rows.append("| bytes kept after 200,000 keys died | " + " | ".join(
        f"{memory[f'kept/{p}']:,.0f}" if f"kept/{p}" in memory else "–" for p in PEERS) + " |")
    rows.append("| bytes of a table with one entry | " + " | ".join(
        f"{memory[f'one/{p}']:,.0f}" if f"one/{p}" in memory else "–" for p in PEERS) + " |")

    box = median("calibrate", "box_alloc_free")
    rmw = median("calibrate", "atomic_rmw")
    life_hashmap = median("lifecycle", "hashmap")
    get_hashmap = median("get_hit", "hashmap")
    rows += ["", f"Calibration on this machine: a box allocated and freed {fmt(box)}, "
             f"an uncontended atomic read-modify-write {fmt(rmw)}."]
    checks = [
        ("HashMap insert+remove of a box / one box", life_hashmap / box, 1 <= life_hashmap / box <= 4),
        ("HashMap lookup / one box", get_hashmap / box, get_hashmap / box < 1),
    ]
    rows += ["", "| baseline check | measured | expected | |", "|---|---|---|---|"]
    rows += [f"| {n} | {v:.2f}× | {'1–4×' if 'insert' in n else '< 1×'} | "
             f"{'sound' if ok else '**broken**'} |" for n, v, ok in checks]

    get = {p: median("get_hit", p) for p in PEERS}
    life = {p: median("lifecycle", p) for p in PEERS}
    one, two = median("readers", "weakattach_1_thread"), median("readers", "weakattach_2_threads")
    disjoint = median("readers", "weakattach_2_threads_disjoint")
    h_one, h_two = median("readers", "hashmap_1_thread"), median("readers", "hashmap_2_threads")
    small, large = median("many_tables", "weakattach_100"), median("many_tables", "weakattach_10000")
    scaling, plain_scaling = one / two, h_one / h_two
    # Where the paired benchmark timed a workload in alternation, the two
    # harnesses err in opposite directions: criterion times each peer alone,
    # so drift between peers moves its ratio, and the alternation cools each
    # peer's caches with the others' passes, which costs a peer bound by
    # memory more than one bound by atomics. So the row shows both ratios
    # (the paired runs' median of medians, and the criterion runs' ratio of
    # medians), and the verdict takes the larger: a target is met only where
    # both agree.
    def both_row(name, group, criterion_peer, paired_key, paired_peer, target, limit):
        alone = median(group, "weakattach") / median(group, criterion_peer)
        key = f"paired/{paired_key}/weakattach_over_{paired_peer}"
        paired = [run[key] for run in PAIRED if key in run]
        if not paired:
            return ratio_row(name, alone, target, alone <= limit)
        paired = statistics.median(paired)
        return (f"| {name} | {paired:.2f}× in alternation, {alone:.2f}× alone | {target} | "
                f"{verdict(max(paired, alone) <= limit)} |")

    targets = [
        both_row("get hit (100,000 keys) / `Mutex<HashMap>`", "get_hit", "mutex_hashmap",
                 "get_hit_100k", "mutex_hashmap", "≤ 1.0×", 1.0),
        ratio_row("get hit / dashmap", get["weakattach"] / get["dashmap"], "< 1×", get["weakattach"] < get["dashmap"]),
        ratio_row("get hit / weak-table", get["weakattach"] / get["weak_table"], "< 1×",
                  get["weakattach"] < get["weak_table"]),
        ratio_row("lifecycle / dashmap", life["weakattach"] / life["dashmap"], "≤ 1×",
                  life["weakattach"] <= life["dashmap"]),
        ratio_row("lifecycle / HashMap", life["weakattach"] / life["hashmap"], "≤ 2×",
                  life["weakattach"] <= 2 * life["hashmap"]),
        both_row("first attach / weak-table", "insert_new", "weak_table", "first_attach", "weak_table",
                 "≤ 1×", 1.0),
        both_row("short-lived set / weak-table", "short_lived_set", "weak_table", "short_lived_set",
                 "weak_table", "≤ 1×", 1.0),
        both_row("short-lived set / `HashSet<usize>`", "short_lived_set", "hashmap", "short_lived_set",
                 "hashset", "≤ 2×", 2.0),
        ratio_row("two readers / one (same keys)", scaling, "≥ 1.8×, or ≥ 0.95× the HashMap's "
                  f"{plain_scaling:.2f}×", scaling >= 1.8 or scaling >= 0.95 * plain_scaling),
        ratio_row("two readers / one (disjoint keys)", one / disjoint, "≥ 1.8×, or ≥ 0.95× the HashMap's",
                  one / disjoint >= 1.8 or one / disjoint >= 0.95 * plain_scaling),
        ratio_row("one key in 10,000 tables / in 100, per table", large / small, "≈ 1× (O(1) per attach)",
                  large / small <= 1.5),
    ]
    per_entry = memory.get("memory/weakattach", 0)
    kept = max(memory.get("kept/weakattach", 0), memory.get("kept/weakattach_set", 0))
    targets.append(f"| bytes per entry | {per_entry:.1f} | ≤ 48 | {verdict(per_entry <= 48)} |")
    targets.append(f"| bytes kept after mass death (map, set) | {memory.get('kept/weakattach', 0):,.0f}, "
                   f"{memory.get('kept/weakattach_set', 0):,.0f} | ≤ 524,288 | {verdict(kept <= 524288)} |")
    rows += ["", "| SPEC §7 target | measured | target | |", "|---|---|---|---|"] + targets
    rows += ["", f"Medians of {len(RUNS)} `cargo bench --bench compare` runs (each cell: median, then the "
             f"lowest and highest of the runs' medians) on {machine()}. Regenerate with "
             "`python3 scripts/bench.py`.", "", "![benchmarks](docs/bench.svg)"]
    return "\n".join(rows)


def chart():
    groups = [(g, label) for g, label in WORKLOADS if median(g, "weakattach")]
    peers = [p for p in PEERS if p != "mutex_hashmap"]
    colors = {"weakattach": "#d9480f", "hashmap": "#495057", "weak_table": "#1c7ed6", "dashmap": "#37b24d"}
    bar, gap, left, top = 14, 18, 330, 40
    height = top + len(groups) * (len(peers) * bar + gap) + 40
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="900" height="{height}" font-family="sans-serif" font-size="12">',
           '<rect width="100%" height="100%" fill="white"/>',
           '<text x="10" y="22" font-size="15">Median time per operation, relative to the slowest peer '
           '(shorter is better)</text>']
    y = top
    for group, label in groups:
        out.append(f'<text x="10" y="{y + len(peers) * bar / 2 + 4}">{label}</text>')
        values = [median(group, p) for p in peers if median(group, p)]
        scale = 480 / max(values)
        for p in peers:
            ns = median(group, p)
            if ns is not None:
                w = max(1, ns * scale)
                out.append(f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar - 2}" fill="{colors[p]}"/>')
                out.append(f'<text x="{left + w + 4:.1f}" y="{y + bar - 4}">{fmt(ns)}</text>')
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


def figures(output):
    """The `name value` lines of a benchmark's output."""
    found = {}
    for line in output.splitlines():
        match = re.match(r"(\S+/\S+) ([\d.]+)$", line)
        if match:
            found[match[1]] = float(match[2])
    return found


PAIRED_WORKLOADS = [
    ("get_hit_100k", "get, hit, 100,000 keys", ["hashmap", "mutex_hashmap", "dashmap", "weak_table"]),
    ("get_hit_1m", "get, hit, 1,000,000 keys", ["hashmap", "mutex_hashmap", "dashmap", "weak_table"]),
    ("set_contains_100k", "set contains, 100,000 keys (against `HashSet<u64>`)", ["hashset"]),
    ("short_lived_set", "short-lived set: new, 16 inserts, 32 contains, drop (against `HashSet<usize>`)",
     ["hashset", "weak_table"]),
    ("first_attach", "first attach: 1,000 fresh keys into a table of 100,000, per insert",
     ["hashmap", "dashmap", "weak_table"]),
]


def paired_table(runs):
    """Per workload: weakattach's time and its per-round ratio to each peer."""
    def cell(name, unit):
        values = [run[name] for run in runs if name in run]
        if not values:
            return "–"
        mid = statistics.median(values)
        if unit == "ns":
            return f"{mid:.1f} ns ({min(values):.1f}–{max(values):.1f})"
        return f"{mid:.2f}× ({min(values):.2f}–{max(values):.2f})"
    lines = ["| workload | weakattach | ÷ HashMap + FxHash | ÷ `Mutex<HashMap>` | ÷ dashmap | ÷ weak-table |",
             "|---|---|---|---|---|---|"]
    for key, title, peers in PAIRED_WORKLOADS:
        ratios = []
        for peer in ["hashmap", "mutex_hashmap", "dashmap", "weak_table"]:
            if peer in peers:
                ratios.append(cell(f"paired/{key}/weakattach_over_{peer}", "x"))
            elif peer == "hashmap" and "hashset" in peers:
                ratios.append(cell(f"paired/{key}/weakattach_over_hashset", "x"))
            else:
                ratios.append("–")
        lines.append(f"| {title} | {cell(f'paired/{key}/weakattach', 'ns')} | " + " | ".join(ratios) + " |")
    # The baseline, checked before its ratios are read: in alternation a
    # peer's pass starts with caches that the other peers' passes filled, so
    # the HashMap lookup costs more than when it is timed alone, but never
    # less, and not past what a miss to memory costs a few times over.
    alone = median("get_hit", "hashmap")
    paired_hashmap = [run["paired/get_hit_100k/hashmap"] for run in runs
                      if "paired/get_hit_100k/hashmap" in run]
    if alone and paired_hashmap:
        ratio = statistics.median(paired_hashmap) / alone
        lines.append("")
        lines.append("| baseline check | measured | expected | |")
        lines.append("|---|---|---|---|")
        lines.append(f"| HashMap lookup in alternation / timed alone (100,000 keys) | {ratio:.2f}× "
                     f"({statistics.median(paired_hashmap):.1f} ns / {alone:.1f} ns) | 1–5×: "
                     f"colder caches, never warmer | {'sound' if 1 <= ratio <= 5 else '**broken**'} |")
    lines.append("")
    lines.append(f"Medians of {len(runs)} `cargo bench --bench paired` runs (each cell: median, "
                 f"then the lowest and highest of the runs' medians); a ratio is taken within "
                 f"each round of the alternation, then its median over the rounds. "
                 f"{machine()}.")
    return "\n".join(lines)


def main():
    runs = 3
    if "--runs" in sys.argv:
        runs = int(sys.argv[sys.argv.index("--runs") + 1])
    if "--no-run" not in sys.argv:
        collected = []
        for _ in range(runs):
            run(["cargo", "bench", "--bench", "compare"])
            collected.append(read_criterion())
        RUNS_FILE.write_text(json.dumps(collected))
        MEMORY_FILE.write_text(run(["cargo", "bench", "--bench", "memory"]))
        paired = [figures(run(["cargo", "bench", "--bench", "paired"])) for _ in range(runs)]
        PAIRED_FILE.write_text(json.dumps(paired))
    RUNS.extend(json.loads(RUNS_FILE.read_text()))
    PAIRED.extend(json.loads(PAIRED_FILE.read_text()))
    memory = {}
    for line in MEMORY_FILE.read_text().splitlines():
        match = re.match(r"(\w+/\w+) ([\d.]+)", line)
        if match:
            memory[match[1]] = float(match[2])
    text = README.read_text()
    start, end = "<!-- bench-table:start -->", "<!-- bench-table:end -->"
    before, rest = text.split(start, 1)
    _, after = rest.split(end, 1)
    text = before + start + "\n" + table(memory) + "\n" + end + after
    start, end = "<!-- paired-table:start -->", "<!-- paired-table:end -->"
    before, rest = text.split(start, 1)
    _, after = rest.split(end, 1)
    paired = json.loads(PAIRED_FILE.read_text())
    README.write_text(before + start + "\n" + paired_table(paired) + "\n" + end + after)
    chart()
    print(f"wrote {README.name} and {CHART.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
