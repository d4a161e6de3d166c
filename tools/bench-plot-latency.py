"""PNG plots of a `make bench-latency` run (tools/bench-latency.ts's JSON), beside the JSON:

  <stem>-histogram.png  per source, the commit -> Kafka and commit -> Iceberg (read by Trino) latencies as
                        histograms, with issue 13's light-load goals (p50 1.5 s, p99 3 s) marked;
  <stem>-timeline.png   per source, each change's commit -> Trino latency over the seconds since the
                        stream began; with --restart, the restart, the 10 s threshold and both recovery
                        times (backlog gone; under 10 s for good) are marked.

Runs in the cached venv of scripts/bench-venv.sh (matplotlib pinned in versions.json):

  $(bash scripts/bench-venv.sh) tools/bench-plot-latency.py docs/bench/latency-<label>.json
"""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def plot(path):
    with open(path) as f:
        run = json.load(f)
    stem = path[:-5] if path.endswith(".json") else path
    results = run["results"]
    restart = run.get("restart")
    title = (f"bench-latency: {run['changes']} inserts per source, one every {run['intervalMs']} ms"
             f"{f', {restart} restarted' if restart else ''}; {run.get('at', '')[:16]} UTC")

    fig, axes = plt.subplots(1, len(results), figsize=(5.5 * len(results), 4), squeeze=False)
    for ax, r in zip(axes[0], results):
        kafka = [x["kafka"] / 1000 for x in r["raw"]]
        trino = [x["trino"] / 1000 for x in r["raw"]]
        top = max(kafka + trino)
        bins = [i * top / 40 for i in range(41)]
        ax.hist(kafka, bins=bins, alpha=0.6, label=f"commit -> Kafka (p50 {r['kafkaMs']['median'] / 1000:.2f} s)")
        ax.hist(trino, bins=bins, alpha=0.6, label=f"commit -> Trino (p50 {r['trinoMs']['median'] / 1000:.2f} s, "
                                                   f"p99 {r['trinoMs']['p99'] / 1000:.2f} s)")
        ax.axvline(1.5, color="green", linestyle="--", linewidth=1, label="goal p50 1.5 s")
        ax.axvline(3.0, color="red", linestyle="--", linewidth=1, label="goal p99 3 s")
        ax.set_title(r["source"], fontsize=9)
        ax.set_xlabel("seconds")
        ax.set_ylabel("changes")
        ax.legend(fontsize=7)
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(f"{stem}-histogram.png", dpi=110)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(9, 4))
    t0 = min(x["commit"] for r in results for x in r["raw"])
    for r in results:
        ax.plot([(x["commit"] - t0) / 1000 for x in r["raw"]], [x["trino"] / 1000 for x in r["raw"]],
                marker=".", linewidth=0.8, label=f"{r['source']}: commit -> Trino")
    marked = False
    for r in results:
        x = r.get("restart")
        if not x or marked:
            continue
        marked = True
        ax.axvspan((x["restartAt"] - t0) / 1000, (x["restartedAt"] - t0) / 1000, color="grey", alpha=0.3,
                   label=f"docker restart {x['container']}")
        ax.axhline(x["thresholdMs"] / 1000, color="red", linestyle="--", linewidth=1, label="recovery threshold 10 s")
    for r in results:
        x = r.get("restart")
        color = ax.lines[results.index(r)].get_color()
        if x and x.get("steadyMs") is not None:
            ax.axvline((x["restartAt"] + x["steadyMs"] - t0) / 1000, linestyle=":", linewidth=1.2, color=color,
                       label=f"{r['source']}: backlog gone {x['steadyMs'] / 1000:.1f} s after the restart")
        if x and x.get("recoveryMs") is not None:
            ax.axvline((x["restartAt"] + x["recoveryMs"] - t0) / 1000, linestyle="-.", linewidth=1.2, color=color,
                       label=f"{r['source']}: under 10 s for good {x['recoveryMs'] / 1000:.1f} s after the restart")
    ax.set_xlabel("seconds since the first commit")
    ax.set_ylabel("latency, seconds")
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(f"{stem}-timeline.png", dpi=110)
    plt.close(fig)
    print(f"bench-plot-latency: wrote {stem}-histogram.png and {stem}-timeline.png")


if __name__ == "__main__":
    for p in sys.argv[1:]:
        plot(p)
