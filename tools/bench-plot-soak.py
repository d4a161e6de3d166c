"""PNG plots and a summary of `make bench-soak` runs (tools/bench-soak.ts's JSON), maintenance off against on:

  <out>.png   over the run's micro-batches: each batch's duration (the CDC job's log) with a rolling p99, and
              per sample (mean over the captured tables): Trino point-lookup and full-scan latency, data and
              delete files, snapshots, current metadata.json size, and the warehouse bytes in MinIO;
              maintenance passes marked.

It prints, per run, each measure early in the run (the samples or batches around batch `--early`, default 100)
against the end (the last fifth of the run), and their ratio: issue 14's soak goal is a ratio of at most 1.2
for the p99 batch duration and both query latencies with maintenance on.

Runs in the cached venv of scripts/bench-venv.sh (matplotlib pinned in versions.json):

  $(bash scripts/bench-venv.sh) tools/bench-plot-soak.py docs/bench/soak-off.json docs/bench/soak-on.json \
      --out docs/bench/soak
"""
import argparse
import json
from datetime import datetime, timezone

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

MEASURES = [  # (key in a table's sample, title, scale)
    ("pointMs", "Trino point lookup, ms (mean over tables)", 1),
    ("scanMs", "Trino full scan (count), ms (mean over tables)", 1),
    ("dataFiles", "data files per table (mean)", 1),
    ("deleteFiles", "delete files per table (mean)", 1),
    ("snapshots", "snapshots per table (mean)", 1),
    ("metadataBytes", "current metadata.json, KiB (mean)", 1 / 1024),
]


def epoch(iso):
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(timezone.utc).timestamp()


def percentile(values, p):
    if not values:
        return None
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(p / 100 * len(s) + 0.5) - 1))]


def mean(values):
    values = [v for v in values if v is not None]
    return sum(values) / len(values) if values else None


def load(path):
    with open(path) as f:
        run = json.load(f)
    t0 = epoch(run["startedAt"])
    samples = [s for s in run["samples"] if s["batchId"] is not None]
    first = samples[0]["batchId"] if samples else 0
    last = samples[-1]["batchId"] if samples else 0
    # The batches of the sampled window, numbered from the window's first batch.
    batches = [b for b in run.get("batchRecords", []) if first <= b["id"] <= last]
    for b in batches:
        b["n"] = b["id"] - first
    for s in samples:
        s["n"] = s["batchId"] - first
        for key, _, scale in MEASURES:
            s[key] = mean([(t.get(key) if t.get(key) is not None else None) for t in s["tables"].values()])
            if s[key] is not None:
                s[key] *= scale
    passes = []
    batch_at = [(epoch(b["at"]), b["n"]) for b in batches]
    for p in run.get("passRecords", []):
        t = epoch(p["at"])
        if t < t0 or not batch_at:
            continue
        # A pass is marked at the batch that ended nearest before the pass ended.
        before = [n for (bt, n) in batch_at if bt <= t]
        passes.append({**p, "n": before[-1] if before else 0})
    return {"label": run["label"], "run": run, "samples": samples, "batches": batches, "passes": passes, "span": last - first}


def summary(r, early):
    """Each measure near batch `early` and over the last fifth of the run, and end / early."""
    rows = []
    span = r["span"]
    end_from = span * 0.8
    b_early = [b["seconds"] for b in r["batches"] if early * 0.5 <= b["n"] <= early * 1.5]
    b_end = [b["seconds"] for b in r["batches"] if b["n"] >= end_from]
    rows.append(("batch duration p99, s", percentile(b_early, 99), percentile(b_end, 99)))
    rows.append(("batch duration p50, s", percentile(b_early, 50), percentile(b_end, 50)))
    s_early = [s for s in r["samples"] if early * 0.5 <= s["n"] <= early * 1.5]
    s_end = [s for s in r["samples"] if s["n"] >= end_from]
    for key, title, _ in MEASURES:
        rows.append((title, mean([s[key] for s in s_early]), mean([s[key] for s in s_end])))
    rows.append(("warehouse, MiB", mean([s["warehouseBytes"] / 2**20 for s in s_early if s["warehouseBytes"]]),
                 mean([s["warehouseBytes"] / 2**20 for s in s_end if s["warehouseBytes"]])))
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("runs", nargs="+")
    ap.add_argument("--out", required=True, help="PNG path without .png")
    ap.add_argument("--early", type=int, default=100, help="the batch the end of the run is compared with")
    a = ap.parse_args()
    runs = [load(p) for p in a.runs]

    for r in runs:
        print(f"{r['label']}: {r['span']} batches sampled, {len(r['batches'])} batch records, "
              f"{len(r['passes'])} maintenance pass(es), {r['run']['writes']} writes, {len(r['run']['tables'])} tables")
        print(f"  {'measure':48} {'near batch ' + str(a.early):>16} {'last fifth':>12} {'ratio':>7}")
        for name, e, end in summary(r, a.early):
            ratio = f"{end / e:.2f}" if e and end is not None else "-"
            fmt = lambda v: "-" if v is None else f"{v:.2f}"  # noqa: E731
            print(f"  {name:48} {fmt(e):>16} {fmt(end):>12} {ratio:>7}")

    fig, axes = plt.subplots(4, 2, figsize=(12, 13))
    axes = axes.flatten()
    ax = axes[0]
    for r in runs:
        xs = [b["n"] for b in r["batches"]]
        ys = [b["seconds"] for b in r["batches"]]
        line = ax.plot(xs, ys, linewidth=0.5, alpha=0.5, label=f"{r['label']}: each batch")[0]
        window = 20
        roll = [percentile(ys[max(0, i - window + 1):i + 1], 99) for i in range(len(ys))]
        ax.plot(xs, roll, linewidth=1.4, color=line.get_color(), label=f"{r['label']}: p99 of the last {window}")
    ax.set_title("micro-batch duration, s (CDC job log)", fontsize=9)
    for i, (key, title, _) in enumerate(MEASURES):
        ax = axes[i + 1]
        for r in runs:
            ax.plot([s["n"] for s in r["samples"]], [s[key] for s in r["samples"]], marker=".", linewidth=0.8,
                    label=r["label"])
        ax.set_title(title, fontsize=9)
    ax = axes[7]
    for r in runs:
        ax.plot([s["n"] for s in r["samples"]], [(s["warehouseBytes"] or 0) / 2**20 for s in r["samples"]],
                marker=".", linewidth=0.8, label=r["label"])
    ax.set_title("warehouse bucket in MinIO, MiB", fontsize=9)
    for ax in axes:
        for r in runs:
            for p in r["passes"]:
                ax.axvline(p["n"], color="grey", linestyle=":", linewidth=0.6)
        ax.set_xlabel("micro-batches since the first sample")
        ax.legend(fontsize=7)
    run0 = runs[0]["run"]
    fig.suptitle(f"bench-soak: {len(run0['tables'])} tables, {run0['rate']} writes/s asked; "
                 f"dotted: maintenance passes; {run0['startedAt'][:16]} UTC", fontsize=10)
    fig.tight_layout()
    fig.savefig(f"{a.out}.png", dpi=100)
    plt.close(fig)
    print(f"wrote {a.out}.png")


if __name__ == "__main__":
    main()
