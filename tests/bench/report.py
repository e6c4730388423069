#!/usr/bin/python3
"""Merges the benchmark parts' outputs into one table (stdout) and one JSON
file. Called by tests/bench/bench.sh:

  report.py WORKDIR OUT.json

WORKDIR holds machine.json, params.json and whatever parts ran:
progcost.json, e2e.jsonl, reaction.txt, loadmem.json, failures.txt.
The targets of issue 5 are evaluated for information only: a benchmark
prints figures, it does not pass or fail on speed.
"""
import json
import os
import re
import statistics
import sys


def load_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(v, spec="%.1f", none="-"):
    return none if v is None else spec % v


# ---------------------------------------------------------------- parts

def testrun_tables(pc, out):
    res = pc["results"]
    base = [r for r in res if r["world"] == "base"]
    out.append("")
    out.append("1. Per-packet cost, BPF_PROG_TEST_RUN: repeat %d, median of %d rounds; "
               "ns/packet, the floor (an empty" % (pc["repeat"], pc["rounds"]))
    out.append("   program of the same type, measured back to back), the cost above it, "
               "and the ratio to it")
    out.append("   %-14s | %-31s | %-31s" % ("", "cgroup_skb (every local socket)",
                                              "tc (every uplink)"))
    out.append("   %-14s | %6s %6s %7s %8s | %6s %6s %7s %8s" % (
        "class", "ns", "floor", "above", "ratio", "ns", "floor", "above", "ratio"))
    classes = []
    for r in base:
        if r["class"] not in classes:
            classes.append(r["class"])
    for c in classes:
        row = "   %-14s" % c
        for hook in ("cgroup_skb", "tc"):
            r = next((x for x in base if x["class"] == c and x["hook"] == hook), None)
            if r:
                row += " | %6.1f %6.1f %7.1f %7.2fx" % (r["ns"], r["floor_ns"],
                                                      r["above_floor_ns"], r["ratio"])
            else:
                row += " | %31s" % "-"
        out.append(row)

    out.append("")
    out.append("2. Scaling: ns above the floor, cgroup_skb/tc, by number of entries in "
               "the map under test")
    out.append("   (endpoints: the map holds %d, apps: %d; larger sizes are capped "
               "there)" % (pc["max_endpoints"], pc["max_apps"]))
    for world in ("lan", "endpoints", "apps"):
        rows = [r for r in res if r["world"] == world]
        sizes = sorted({r["size"] for r in rows})
        if not sizes:
            continue
        out.append("   %-10s %-14s" % (world, "class") +
                   "".join("%14s" % ("%d" % s) for s in sizes))
        classes = []
        for r in rows:
            if r["class"] not in classes:
                classes.append(r["class"])
        for c in classes:
            line = "   %-10s %-14s" % ("", c)
            for s in sizes:
                cg = next((r for r in rows if r["class"] == c and r["size"] == s
                           and r["hook"] == "cgroup_skb"), None)
                tc = next((r for r in rows if r["class"] == c and r["size"] == s
                           and r["hook"] == "tc"), None)
                line += "%14s" % ("%s/%s" % (fmt(cg and cg["above_floor_ns"], "%.0f"),
                                              fmt(tc and tc["above_floor_ns"], "%.0f")))
            out.append(line)

    prof = [r for r in res if r["world"] == "profile"]
    if prof:
        out.append("")
        out.append("3. Profile: one building block per program (tests/bench/prims.bpf.c), "
                   "cgroup_skb, ns above the floor")
        for r in prof:
            out.append("   %-20s %6.1f" % (r["class"], r["above_floor_ns"]))
    progs = pc.get("programs", [])
    if progs:
        out.append("   " + "; ".join("%s: %d instructions (xlated), %d bytes jited" % (
            p["program"], p["xlated_insns"], p["jited_bytes"]) for p in progs))


VARIANTS = ("none", "empty", "ksbpf", "nft_rules", "nft_sets")


def e2e_summary(rows):
    """Per size and variant: medians of the absolute figures, and the median
    [min..max] of each round's ratio to that round's no-kill-switch run."""
    meas = [r for r in rows if "variant" in r]
    loads = {r["size"]: r["nft_load_s"] for r in rows if "nft_load_s" in r}
    summary = []
    for size in sorted({r["size"] for r in meas}):
        by_round = {}
        for r in meas:
            if r["size"] == size:
                by_round.setdefault(r["round"], {})[r["variant"]] = r
        for v in VARIANTS:
            runs = [rd[v] for rd in by_round.values() if v in rd]
            if not runs:
                continue
            s = {"size": size, "variant": v, "rounds": len(runs)}
            for key in ("pps", "rx_pps", "pps_tunnel", "rx_pps_tunnel", "rtt_p50_us",
                        "rtt_p99_us", "tcp_gbps"):
                s[key] = med([r.get(key) for r in runs])
                ratios = [rd[v][key] / rd["none"][key] for rd in by_round.values()
                          if v in rd and "none" in rd and rd[v].get(key) is not None
                          and rd["none"].get(key)]
                s[key + "_ratio"] = med(ratios)
                s[key + "_ratio_min"] = min(ratios) if ratios else None
                s[key + "_ratio_max"] = max(ratios) if ratios else None
            s["eperm"] = sum(r["eperm"] for r in runs)
            if v == "ksbpf":
                for other in ("nft_rules", "nft_sets", "empty"):
                    ratios = [rd["ksbpf"]["pps"] / rd[other]["pps"] for rd in by_round.values()
                              if "ksbpf" in rd and other in rd and rd[other]["pps"]]
                    s["pps_vs_" + other] = med(ratios)
                    s["pps_vs_%s_min" % other] = min(ratios) if ratios else None
                    s["pps_vs_%s_max" % other] = max(ratios) if ratios else None
            if v in ("nft_rules", "nft_sets") and size in loads:
                s["nft_load_s"] = loads[size][v]
            summary.append(s)
    return summary


def e2e_table(summary, out):
    out.append("")
    rounds = max((s["rounds"] for s in summary), default=0)
    out.append("4. End to end, veth pair between two namespaces: ratio to no kill switch "
               "in the same round,")
    out.append("   median [min..max] over %d rounds (variants interleaved); absolute "
               "figures are medians" % rounds)
    out.append("   UDP pps: small packets to the LAN (the allowlist's last entry; "
               "both ksbpf programs), tunnel: through the tunnel")
    out.append("   %-6s %-10s %-20s %-20s %-20s %-20s %-20s %s" % (
        "size", "variant", "UDP pps LAN", "UDP pps tunnel", "RTT p50", "RTT p99",
        "TCP Gbit/s", "absolute (LAN pps, tunnel pps, RTT, TCP)"))

    def cell(s, key):
        if s.get(key + "_ratio") is None:
            return "-"
        return "%.2f [%.2f..%.2f]" % (s[key + "_ratio"], s[key + "_ratio_min"],
                                      s[key + "_ratio_max"])

    for s in summary:
        absolute = "%s, %s pps, %s/%s us, %s Gbit/s" % (
            fmt(s["pps"], "%.0f"), fmt(s["pps_tunnel"], "%.0f"), fmt(s["rtt_p50_us"]),
            fmt(s["rtt_p99_us"]), fmt(s["tcp_gbps"], "%.2f"))
        if s.get("nft_load_s") is not None:
            absolute += ", nft -f %.2f s" % s["nft_load_s"]
        if s["eperm"]:
            absolute += ", %d EPERM!" % s["eperm"]
        out.append("   %-6d %-10s %-20s %-20s %-20s %-20s %-20s %s" % (
            s["size"], s["variant"], cell(s, "pps"), cell(s, "pps_tunnel"),
            cell(s, "rtt_p50_us"), cell(s, "rtt_p99_us"), cell(s, "tcp_gbps"), absolute))
    for s in summary:
        if s["variant"] == "ksbpf" and s.get("pps_vs_nft_rules") is not None:
            out.append("   %-6d ksbpf LAN packet rate: %.2fx nft rules [%.2f..%.2f], "
                       "%.2fx nft sets [%.2f..%.2f]" % (
                           s["size"], s["pps_vs_nft_rules"], s["pps_vs_nft_rules_min"],
                           s["pps_vs_nft_rules_max"], s["pps_vs_nft_sets"] or 0,
                           s["pps_vs_nft_sets_min"] or 0, s["pps_vs_nft_sets_max"] or 0))
    for s in summary:
        if s["variant"] == "ksbpf" and s.get("pps_vs_empty") is not None:
            out.append("   %-6d ksbpf LAN packet rate: %.2fx the empty programs' "
                       "[%.2f..%.2f]" % (s["size"], s["pps_vs_empty"],
                                         s["pps_vs_empty_min"], s["pps_vs_empty_max"]))


def parse_reaction(text):
    res = {}
    pat = re.compile(r"reaction (\S+)\s+n=(\d+) p50=([\d.]+)us p99=([\d.]+)us max=([\d.]+)us"
                     r"(?: \(from the call; after it returned: p50=([\d.]+)us "
                     r"p99=([\d.]+)us max=([\d.]+)us\))?")
    for line in text.splitlines():
        m = pat.search(line)
        if not m:
            continue
        g = m.groups()
        d = {"n": int(g[1]), "p50_us": float(g[2]), "p99_us": float(g[3]),
             "max_us": float(g[4])}
        if g[5]:
            d["after_return"] = {"p50_us": float(g[5]), "p99_us": float(g[6]),
                                 "max_us": float(g[7])}
        res[g[0]] = d
    return res


def reaction_table(react, lm, out):
    out.append("")
    out.append("5. Reaction of the agent: event -> ksbpf_tunnels updated, from the start "
               "of the call that makes the")
    out.append("   event (upper bound) and, in brackets, from its return")
    for kind in ("up", "down", "recreate", "delete"):
        d = react.get(kind)
        if not d:
            continue
        a = d.get("after_return", {})
        out.append("   %-9s n=%-5d p50 %9.1f us  p99 %9.1f us  max %9.1f us   "
                   "[%.1f / %.1f / %.1f us]" % (kind, d["n"], d["p50_us"], d["p99_us"],
                                               d["max_us"], a.get("p50_us", 0),
                                               a.get("p99_us", 0), a.get("max_us", 0)))
    if lm:
        out.append("")
        out.append("6. `ksbpf load` wall time (the process, in the namespace; entering "
                   "it costs %.1f ms)" % lm["load"]["nsenter_ms"])
        for k, d in lm["load"].items():
            if isinstance(d, dict) and d:
                out.append("   %-18s n=%-3d p50 %7.1f ms  p90 %7.1f ms  max %7.1f ms" % (
                    k, d["n"], d["p50_ms"], d["p90_ms"], d["max_ms"]))
        sc = lm.get("syscall_ns")
        if sc:
            out.append("   system call (getppid, median of the runs): %.1f ns without ksbpf, "
                       "%.1f ns loaded (%.2fx: the sys_enter guard of 32-bit setsockopt)"
                       % (sc["off"], sc["on"], sc["on"] / sc["off"] if sc["off"] else 0))
        out.append("")
        out.append("7. Memory: pinned maps (bytes_memlock) and the agent (ksbpf run)")
        mem = lm["memory"]
        keys = sorted(mem, key=lambda k: int(k))
        names = sorted({n for k in keys for n in mem[k]["maps"]})
        out.append("   %-22s" % "LAN entries" + "".join("%14s" % k for k in keys))
        for n in names:
            out.append("   %-22s" % n + "".join(
                "%14s" % ("%.1f KiB" % (mem[k]["maps"].get(n, {}).get("bytes", 0) / 1024))
                for k in keys))
        out.append("   %-22s" % "all maps" + "".join(
            "%14s" % ("%.1f KiB" % (mem[k]["maps_total_bytes"] / 1024)) for k in keys))
        out.append("   %-22s" % "programs" + "".join(
            "%14s" % ("%.1f KiB" % (mem[k]["programs_total_bytes"] / 1024)) for k in keys))
        out.append("   %-22s" % "agent VmRSS (VmHWM)" + "".join(
            "%16s" % ("%s (%s) kB" % (mem[k]["agent"]["vm_rss_kb"], mem[k]["agent"]["vm_hwm_kb"]))
            for k in keys))


# ---------------------------------------------------------------- targets

def targets(pc, summary, react):
    t = []

    def add(name, met, figure):
        t.append({"target": name, "met": met, "figure": figure})

    if pc:
        res = pc["results"]
        # Packets through a tunnel meet the cgroup_skb program only: TC
        # programs sit on the uplinks.
        tun = [r for r in res if r["class"] == "tunnel" and r["hook"] == "cgroup_skb"
               and r["world"] in ("lan", "endpoints")]
        if tun:
            worst = max(r["above_floor_ns"] for r in tun)
            add("tunnel path under 30 ns above the floor (cgroup_skb, LAN and endpoint sizes)",
                worst < 30, "max %.1f ns above the floor" % worst)
            apps = [r["above_floor_ns"] for r in res if r["class"] == "tunnel"
                    and r["hook"] == "cgroup_skb" and r["world"] == "apps"]
            if apps:
                add("tunnel path under 30 ns above the floor with apps listed (cgroup_skb)",
                    max(apps) < 30, "max %.1f ns above the floor" % max(apps))
            # Flat: the largest size costs within 10% of the smallest (the
            # spread over all sizes is shown too: at ~40 ns, 1 ns is 2.5%).
            for world in ("lan", "endpoints", "apps"):
                rows = sorted((r for r in res if r["world"] == world and
                               r["class"] == "tunnel" and r["hook"] == "cgroup_skb"),
                              key=lambda r: r["size"])
                v = [r["above_floor_ns"] for r in rows]
                if len(v) > 1 and min(v) > 0:
                    change = v[-1] / v[0] - 1
                    add("tunnel path flat (within 10%%) from %d to %d %s entries (cgroup_skb)" % (
                        rows[0]["size"], rows[-1]["size"], world), abs(change) <= 0.10,
                        "%.0f -> %.0f ns above the floor (%+.0f%%; all sizes %.0f..%.0f)" % (
                            v[0], v[-1], change * 100, min(v), max(v)))
        at10k = [r for r in res if r["class"] != "tunnel" and (
            (r["world"] in ("lan", "apps") and r["size"] == 10000) or
            (r["world"] == "endpoints" and r["size_requested"] == 10000) or
            r["world"] == "base")]
        at10k = [r for r in at10k if not r["class"].startswith("tunnel")]
        if at10k:
            worst = max(at10k, key=lambda r: r["above_floor_ns"])
            over = sorted({"%s/%s %s" % (r["world"], r["class"], r["hook"]) for r in at10k
                           if r["above_floor_ns"] >= 100})
            add("every other class under 100 ns above the floor at 10,000 entries",
                not over, "worst %.0f ns (%s/%s, %s); %d of %d over 100 ns" % (
                    worst["above_floor_ns"], worst["world"], worst["class"], worst["hook"],
                    len(over), len({"%s/%s %s" % (r["world"], r["class"], r["hook"])
                                    for r in at10k})))
    ks = [s for s in summary if s["variant"] == "ksbpf" and s.get("pps_ratio") is not None]
    if ks:
        worst = min(ks, key=lambda s: s["pps_ratio"])
        add("UDP packet rate with ksbpf at least 0.95x no kill switch at every size (LAN)",
            all(s["pps_ratio"] >= 0.95 for s in ks),
            ", ".join("%d: %.2fx" % (s["size"], s["pps_ratio"]) for s in ks))
        kt = [s for s in ks if s.get("pps_tunnel_ratio") is not None]
        if kt:
            add("UDP packet rate with ksbpf at least 0.95x no kill switch at every size (tunnel)",
                all(s["pps_tunnel_ratio"] >= 0.95 for s in kt),
                ", ".join("%d: %.2fx" % (s["size"], s["pps_tunnel_ratio"]) for s in kt))
        big = [s for s in ks if s["size"] == 10000 and s.get("pps_vs_nft_rules") is not None]
        if big:
            s = big[0]
            add("at 10,000 entries at least 5x the packet rate of nft rules",
                s["pps_vs_nft_rules"] >= 5, "%.1fx" % s["pps_vs_nft_rules"])
            add("at 10,000 entries above nft sets", s["pps_vs_nft_sets"] > 1,
                "%.2fx" % s["pps_vs_nft_sets"])
    ud = [react[k] for k in ("up", "down") if k in react]
    if ud:
        worst = max(d["p99_us"] for d in ud)
        add("reaction p99 under 1 ms from an admin up/down event", worst < 1000,
            "p99 %.0f us (up/down, from the start of the call)" % worst)
    return t


def main():
    work, out_path = sys.argv[1], sys.argv[2]
    machine = load_json(os.path.join(work, "machine.json")) or {}
    params = load_json(os.path.join(work, "params.json")) or {}
    pc = load_json(os.path.join(work, "progcost.json"))
    rows = []
    try:
        with open(os.path.join(work, "e2e.jsonl")) as f:
            rows = [json.loads(line) for line in f if line.strip()]
    except OSError:
        pass
    summary = e2e_summary(rows)
    try:
        react = parse_reaction(open(os.path.join(work, "reaction.txt")).read())
    except OSError:
        react = {}
    lm = load_json(os.path.join(work, "loadmem.json"))
    try:
        failures = [l.strip() for l in open(os.path.join(work, "failures.txt")) if l.strip()]
    except OSError:
        failures = []
    try:
        skipped = [l.strip() for l in open(os.path.join(work, "skipped.txt")) if l.strip()]
    except OSError:
        skipped = []

    out = []
    out.append("=" * 78)
    out.append("ksbpf benchmarks%s — %s" % (" (quick smoke run)" if params.get("quick") else "",
                                         machine.get("date", "")))
    out.append("machine: %s CPUs, %s, Linux %s, clocksource %s; commit %s" % (
        machine.get("nproc"), machine.get("cpu"), machine.get("kernel"),
        machine.get("clocksource"), machine.get("commit")))
    if pc:
        testrun_tables(pc, out)
    if summary:
        e2e_table(summary, out)
    if react or lm:
        reaction_table(react, lm, out)
    tg = targets(pc, summary, react)
    if tg:
        out.append("")
        out.append("8. Targets of issue 5 (information, not a test)")
        for x in tg:
            out.append("   %-7s %s: %s" % ("met" if x["met"] else "MISSED", x["target"],
                                           x["figure"]))
    for s in skipped:
        out.append(s if "SKIPPED" in s else "SKIPPED: %s" % s)
    for f in failures:
        out.append("FAILED: %s" % f)
    out.append("=" * 78)
    print("\n".join(out))

    doc = {"machine": machine, "params": params, "testrun": pc,
           "e2e": {"summary": summary, "runs": rows}, "reaction": react,
           "load": lm and lm["load"], "memory": lm and lm["memory"],
           "lanfill_ms": lm and lm.get("lanfill_ms"), "targets": tg,
           "skipped": skipped, "failures": failures}
    os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
    with open(out_path, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    print("figures written to %s" % out_path)


if __name__ == "__main__":
    main()
