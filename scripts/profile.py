#!/usr/bin/env python3
"""Counts the instructions of one table operation with valgrind's callgrind.

    python3 scripts/profile.py            # every operation; rewrites README.md
    python3 scripts/profile.py get_hit    # the named ones; prints only

Builds `benches/ops.rs` (release, with debug info for file names), runs each
operation 100,000 times under `valgrind --tool=callgrind`, counting only
inside its `op_<operation>` function, and prints instructions per operation,
split by the source file they come from (inlined code is counted in its own
file). Instruction counts are repeatable, unlike times: they show what a
change did to the hot path. Operations: get_hit, get_miss, insert_new,
lifecycle, set_contains. With no operation named, the table also replaces
the part of README.md between the `profile-table` markers.
"""

import collections
import json
import os
import pathlib
import re
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
OPERATIONS = ["get_hit", "get_miss", "insert_new", "first_attach", "lifecycle", "set_contains", "short_lived_set"]
ROUNDS = 100_000


def build():
    env = dict(os.environ, CARGO_PROFILE_BENCH_DEBUG="line-tables-only")
    out = subprocess.run(
        ["cargo", "bench", "--bench", "ops", "--no-run", "--message-format=json"],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True,
    ).stdout
    for line in out.splitlines():
        message = json.loads(line)
        if message.get("reason") == "compiler-artifact" and message["target"]["name"] == "ops":
            if message.get("executable"):
                return message["executable"]
    sys.exit("no `ops` executable was built")


def where(path):
    """A short name for the source file that instructions come from."""
    runtime = re.search(r"weakattach/src/(\w+\.rs)", path)
    if runtime:
        return runtime.group(1)
    if "hashbrown" in path or "core_arch" in path or "collections/hash" in path:
        return "hash probe"
    if "sync/atomic.rs" in path:
        return "atomics"
    if "thread_local" in path or "thread/local.rs" in path:
        return "thread-locals"
    if "alloc" in path or "malloc" in path:
        return "allocator"
    if "benches/" in path:
        return "the loop"
    return "core helpers"


def profile(executable, operation):
    with tempfile.TemporaryDirectory() as tmp:
        out = pathlib.Path(tmp) / "callgrind.out"
        subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
             f"--toggle-collect=*op_{operation}*", executable, operation, str(ROUNDS)],
            check=True, capture_output=True,
        )
        report = subprocess.run(
            ["callgrind_annotate", "--inclusive=no", "--threshold=100", str(out)],
            check=True, capture_output=True, text=True,
        ).stdout
    by_file = collections.Counter()
    for line in report.splitlines():
        match = re.match(r"\s*([\d,]+)\s+\([\s\d.]+%\)\s+(\S+?):", line)
        if match:
            by_file[where(match.group(2))] += int(match.group(1).replace(",", ""))
    return by_file


def main():
    operations = sys.argv[1:] or OPERATIONS
    executable = build()
    lines = ["| operation | instructions | where they go |", "|---|---|---|"]
    for operation in operations:
        by_file = profile(executable, operation)
        total = sum(by_file.values()) / ROUNDS
        parts = ", ".join(
            f"{name} {count / ROUNDS:.0f}" for name, count in by_file.most_common() if count / ROUNDS >= 1
        )
        lines.append(f"| {operation} | {total:.0f} | {parts} |")
    table = "\n".join(lines)
    print(table)
    if not sys.argv[1:]:
        readme = README.read_text()
        start, end = "<!-- profile-table:start -->\n", "<!-- profile-table:end -->"
        head, rest = readme.split(start)
        _, tail = rest.split(end)
        README.write_text(head + start + table + "\n" + end + tail)


if __name__ == "__main__":
    main()
