"""PNG plots of a `make bench-sustained` run (tools/bench-sustained.ts's JSON), beside the JSON:

  <stem>-lag.png         over the seconds since the run began, with the rate steps shaded and labelled (and the
                         table maintenance passes hatched, when the JSON has them): each
                         table's commit -> Trino-visible lag (top, issue 13's 10 s bound marked), and the
                         changes per second the source committed, Kafka received (messages less the deletes'
                         tombstones) and the mirror applied, over 10 s windows (bottom), with the offered rate;
  <stem>-throughput.png  per step: offered against achieved source, Kafka and mirror changes/s, with the
                         step's lag p50 / p99 and whether it stayed bounded above each group.

Runs in the cached venv of scripts/bench-venv.sh (matplotlib pinned in versions.json):

  $(bash scripts/bench-venv.sh) tools/bench-plot-sustained.py docs/bench/sustained-<label>.json
"""
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

GOAL_RATE = 10000
GOAL_LAG_S = 10


def shade(ax, run, label=False):
    for i, w in enumerate(run["windows"]):
        a, b = w["startT"] / 1000, w["endT"] / 1000
        ax.axvspan(a, b, color="tab:blue" if i % 2 == 0 else "tab:cyan", alpha=0.08, linewidth=0)
        if label:
            ax.text((a + b) / 2, 0.98, f"{w['rate']:,.0f}/s", transform=ax.get_xaxis_transform(),
                    ha="center", va="top", fontsize=7)
    for j, m in enumerate(run.get("maintenancePasses") or []):
        end = m["t"] / 1000
        ax.axvspan(end - m["seconds"], end, facecolor="none", edgecolor="tab:orange", hatch="//", alpha=0.5, linewidth=0,
                   label="table maintenance pass" if label and j == 0 else None)
    d = run.get("drain")
    if d:
        end = (d["caughtUpT"] if d.get("caughtUpT") is not None else d["stoppedT"]) / 1000
        ax.axvspan(d["stoppedT"] / 1000, max(end, d["stoppedT"] / 1000 + 1), color="grey", alpha=0.12, linewidth=0)
        if label:
            ax.text(d["stoppedT"] / 1000, 0.90, " drain", transform=ax.get_xaxis_transform(), fontsize=7, color="dimgrey")


def rates_between(samples, names, key, window=5):
    """Changes per second over `window` sampling periods (about 10 s), all tables together (x: the later sample)."""
    xs, ys = [], []
    for p, q in zip(samples, samples[window:]):
        dt = (q["t"] - p["t"]) / 1000
        if dt <= 0:
            continue
        vals = [(q["tables"][n].get(key), p["tables"][n].get(key)) for n in names]
        if any(a is None or b is None for a, b in vals):
            continue
        xs.append(q["t"] / 1000)
        ys.append(sum(a - b for a, b in vals) / dt)
    return xs, ys


def plot(path):
    with open(path) as f:
        run = json.load(f)
    stem = path[:-5] if path.endswith(".json") else path
    samples = run["samples"]
    names = [t["name"] for t in run["tables"]]
    opts = run["options"]
    title = (f"bench-sustained {run.get('label', '')}: {len(names)} tables, steps of {opts['stepMs'] / 1000:.0f} s, "
             f"{run.get('at', '')[:16]} UTC")
    load = run.get("machine", {}).get("before", {}).get("uptime", "")

    # Lag and rates over time.
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(12, 7.5), sharex=True, gridspec_kw={"height_ratios": [3, 2]})
    for n in names:
        pts = [(s["t"] / 1000, s["tables"][n]["lagMs"] / 1000) for s in samples if s["tables"].get(n, {}).get("lagMs") is not None]
        ax1.plot([p[0] for p in pts], [p[1] for p in pts], marker=".", markersize=2, linewidth=0.8, label=n)
    ax1.axhline(GOAL_LAG_S, color="red", linestyle="--", linewidth=1, label=f"issue 13: p99 <= {GOAL_LAG_S} s")
    shade(ax1, run, label=True)
    ax1.set_ylabel("commit -> Trino lag (s)")
    ax1.set_ylim(bottom=0)
    ax1.legend(fontsize=7, loc="upper left")
    ax1.set_title(f"{title}\n{load}", fontsize=9)

    # Kafka messages include one tombstone per delete: scale by the run's changes / (changes + deletes).
    ops = [t["ops"] for t in run["tables"]]
    changes = sum(o["insert"] + o["update"] + o["delete"] + o["heartbeat"] for o in ops)
    deletes = sum(o["delete"] for o in ops)
    k = changes / (changes + deletes) if changes + deletes else 1
    for key, label, style, scale in (("committed", "source (committed)", "-", 1), ("kafka", "Kafka (messages less tombstones)", "--", k),
                                     ("applied", "mirror (applied)", "-", 1)):
        xs, ys = rates_between(samples, names, key)
        ax2.plot(xs, [y * scale for y in ys], linestyle=style, linewidth=0.9, label=label)
    sx, sy = [], []
    for w in run["windows"]:
        sx += [w["startT"] / 1000, w["endT"] / 1000]
        sy += [w["rate"], w["rate"]]
    ax2.plot(sx, sy, color="black", linewidth=1, drawstyle="steps-post", label="offered")
    shade(ax2, run)
    ax2.set_ylabel("changes/s (10 s windows)")
    ax2.set_xlabel("s since the run began")
    ax2.set_ylim(bottom=0)
    ax2.legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    out1 = f"{stem}-lag.png"
    fig.savefig(out1, dpi=100)
    plt.close(fig)

    # Throughput per step.
    steps = run["steps"]
    fig, ax = plt.subplots(figsize=(max(7, 1.6 * len(steps) + 2), 4.8))
    x = list(range(len(steps)))
    w = 0.2
    series = [("offered", [s["rate"] for s in steps]), ("source", [s["sourceRate"] for s in steps]),
              ("Kafka", [s["kafkaRate"] or 0 for s in steps]), ("mirror", [s["mirrorRate"] or 0 for s in steps])]
    for j, (label, ys) in enumerate(series):
        bars = ax.bar([i + (j - 1.5) * w for i in x], ys, w, label=label)
        ax.bar_label(bars, fmt="%.0f", fontsize=6, rotation=90, padding=2)
    ax.axhline(GOAL_RATE, color="red", linestyle="--", linewidth=1, label=f"issue 13 goal: {GOAL_RATE:,} changes/s")
    top = max([GOAL_RATE] + [max(ys) for _, ys in series if ys]) * 12
    ax.set_yscale("log")
    ax.set_ylim(50, top)
    for i, s in enumerate(steps):
        lag = s["lagMs"]
        p50 = "-" if lag["p50"] is None else f"{lag['p50'] / 1000:.1f}"
        p99 = "-" if lag["p99"] is None else f"{lag['p99'] / 1000:.1f}"
        verdict = "bounded" if s["decision"]["bounded"] else "NOT bounded"
        ax.text(i, 0.97, f"lag p50 {p50} s\np99 {p99} s\n{verdict}{' (cut)' if s.get('aborted') else ''}",
                ha="center", va="top", fontsize=7, color="black" if s["decision"]["bounded"] else "red",
                transform=ax.get_xaxis_transform())
    ax.set_xticks(x, [f"{s['rate']:,.0f}/s\n{s['seconds']:.0f} s" for s in steps])
    ax.set_ylabel("changes/s (log)")
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    out2 = f"{stem}-throughput.png"
    fig.savefig(out2, dpi=100)
    plt.close(fig)
    print(f"bench-plot-sustained: wrote {out1} and {out2}")


if __name__ == "__main__":
    if len(sys.argv) != 2 or not os.path.isfile(sys.argv[1]):
        sys.exit("usage: bench-plot-sustained.py docs/bench/sustained-<label>.json")
    plot(sys.argv[1])
