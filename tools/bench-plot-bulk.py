"""PNG plots of a `make bench-bulk` run (tools/bench-bulk.ts's JSON), beside the JSON:

  <stem>-throughput.png  rows/s per phase and source: end to end (commit -> mirror equal through Trino)
                         and Debezium -> Kafka (commit -> the phase's last change event in Kafka);
  <stem>-progress.png    per source and phase, over seconds since the commit: the source's rows (all at
                         the commit), the change events seen in Kafka and the mirror's rows done, sampled
                         about every second; the gap between source and mirror is the lag in rows.

Runs in the cached venv of scripts/bench-venv.sh (matplotlib pinned in versions.json):

  $(bash scripts/bench-venv.sh) tools/bench-plot-bulk.py docs/bench/bulk-<label>.json
"""
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def plot(path):
    with open(path) as f:
        run = json.load(f)
    stem = path[:-5] if path.endswith(".json") else path
    results = run["results"]
    load = run.get("machine", {}).get("before", {}).get("uptime", "")
    title = f"bench-bulk {run.get('label', '')}: {run.get('rows')} rows, {run.get('at', '')[:16]} UTC"

    # Throughput per phase.
    labels, e2e, kafka = [], [], []
    for s in results:
        for p in s["phases"]:
            labels.append(f"{s['source'].split()[0]}\n{p['phase']}")
            e2e.append(p["rowsPerSec"])
            kafka.append(p["kafkaRowsPerSec"] or 0)
    fig, ax = plt.subplots(figsize=(max(6, 1.4 * len(labels)), 4.5))
    x = range(len(labels))
    w = 0.38
    b1 = ax.bar([i - w / 2 for i in x], e2e, w, label="end to end (commit -> mirror equal)")
    b2 = ax.bar([i + w / 2 for i in x], kafka, w, label="commit -> all events in Kafka")
    ax.bar_label(b1, fmt="%.0f", fontsize=8)
    ax.bar_label(b2, fmt="%.0f", fontsize=8)
    ax.axhline(20000, color="red", linestyle="--", linewidth=1, label="issue 13 goal: 20,000 rows/s")
    ax.set_xticks(list(x), labels)
    ax.set_ylabel("rows/s")
    ax.set_yscale("log")
    ax.set_title(f"{title}\n{load}", fontsize=9)
    ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    out1 = f"{stem}-throughput.png"
    fig.savefig(out1, dpi=100)
    plt.close(fig)

    # Progress and lag over time.
    n_src = len(results)
    n_ph = max(len(s["phases"]) for s in results)
    fig, axes = plt.subplots(n_src, n_ph, figsize=(4.2 * n_ph, 3.3 * n_src), squeeze=False)
    for i, s in enumerate(results):
        for j in range(n_ph):
            ax = axes[i][j]
            if j >= len(s["phases"]):
                ax.axis("off")
                continue
            p = s["phases"][j]
            t = [x["t"] / 1000 for x in p["samples"]]
            ax.plot(t, [x["mirror"] for x in p["samples"]], label="mirror (Trino)", marker=".", markersize=3)
            if any(x["kafka"] is not None for x in p["samples"]):
                ax.plot(t, [x["kafka"] or 0 for x in p["samples"]], label="events in Kafka", linestyle="--")
            ax.axhline(p["rows"], color="grey", linewidth=1, label="source (at commit)")
            if p.get("kafkaAllMs") is not None:
                ax.axvline(p["kafkaAllMs"] / 1000, color="orange", linewidth=0.8, linestyle=":")
            ax.set_title(f"{s['source']} {p['phase']}: {p['rowsPerSec']:.0f} rows/s", fontsize=9)
            ax.set_xlabel("s since the commit")
            ax.set_ylabel("rows done")
            ax.legend(fontsize=7, loc="lower right")
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    out2 = f"{stem}-progress.png"
    fig.savefig(out2, dpi=100)
    plt.close(fig)
    print(f"bench-plot-bulk: wrote {out1} and {out2}")


if __name__ == "__main__":
    if len(sys.argv) != 2 or not os.path.isfile(sys.argv[1]):
        sys.exit("usage: bench-plot-bulk.py docs/bench/bulk-<label>.json")
    plot(sys.argv[1])
