#!/usr/bin/env python3
"""Benchmarks clustersim beside its peers, in one run (the machine is shared: only ratios measured
side by side hold).

  Benchmarks/run.sh                 # N = 10^6, 3 repetitions, plus the 10^7 memory check
  python3 Benchmarks/run.py --reps 5 --n 1000000

Model A of ../shared/bench: M/M/1, λ = 0.9, μ = 1, N customers; model B: the open 3-tier network
frontend(4) → auth(2) → db(3) at 40 requests/s, N requests (`--model A|B|all`). clustersim runs the
real command (`clustersim run Benchmarks/mm1.yaml --set stop.requests=N`, `net.yaml` for B) and
is timed as a whole process
(start-up, YAML, simulation, statistics, report files); the peers report their model loop time
(RESULT wall_s, interpreter start excluded), as ../shared/bench defines it. Repetitions are
interleaved so a burst of foreign load does not hit every repetition of one system. Peak memory
(max RSS of the clustersim process, from wait4) is measured at N and at 10·N.
"""
import argparse, json, os, shutil, statistics, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SHARED = os.path.normpath(os.path.join(ROOT, "..", "shared", "bench"))
BIN = os.path.join(ROOT, ".build", "release", "clustersim")
PEERS = os.path.join(HERE, ".peers")          # C peers are built here, never inside ../shared


def sh(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def build_c(name):
    os.makedirs(PEERS, exist_ok=True)
    out = os.path.join(PEERS, name)
    src = os.path.join(SHARED, "c", name + ".c")
    if not os.path.exists(out) or os.path.getmtime(out) < os.path.getmtime(src):
        r = sh(["gcc", "-O2", "-o", out, src, "-lgsl", "-lgslcblas", "-lm"])
        if r.returncode != 0:
            sys.exit("cannot build the C peer: " + r.stderr)
    return out


def have_python_peers():
    r = sh([sys.executable, "-c", "import simpy, ciw"])
    if r.returncode == 0:
        return True
    req = os.path.join(SHARED, "requirements.txt")
    sys.stderr.write("installing SimPy and Ciw (pip) for the comparison…\n")
    r = sh([sys.executable, "-m", "pip", "install", "-q", "simpy==4.1.2", "ciw==3.2.7"])
    return r.returncode == 0


def result_line(stdout):
    lines = [l for l in stdout.splitlines() if l.startswith("RESULT ")]
    return json.loads(lines[-1][7:]) if lines else None


def run_clustersim(n, outdir, scenario="mm1.yaml", seed=None):
    """Times the whole clustersim process (fork/exec to exit) and reads its own peak RSS from
    wait4, with no wrapper process in between."""
    cmd = [BIN, "run", os.path.join(HERE, scenario), "--set", f"stop.requests={n}", "--out", outdir]
    if seed is not None:
        cmd += ["--seed", str(seed)]
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    err = p.stderr.read().decode()
    if p.returncode != 0:
        sys.exit("clustersim failed:\n" + err)
    rss_kb = usage.ru_maxrss            # kilobytes on Linux
    mean = events = p99 = None
    with open(os.path.join(outdir, "summary.csv")) as f:
        for line in f:
            p_ = line.strip().split(",")
            if p_[1] == "all" and p_[2] == "latency_mean":
                mean = float(p_[4])
            if p_[1] == "all" and p_[2] == "latency_p99":
                p99 = float(p_[4])
            if p_[1] == "all" and p_[2] == "events":
                events = float(p_[4])
    return {"lib": "clustersim", "wall_s": wall, "rss_mb": rss_kb / 1024, "mean": mean, "p99": p99, "events": events}


def run_peer(name, cmd):
    r = sh(cmd, cwd=SHARED)
    if r.returncode != 0:
        sys.exit(f"{name} failed:\n" + r.stdout + r.stderr)
    rec = result_line(r.stdout)
    return {"lib": name, "wall_s": rec["wall_s"], "mean": rec["mean"], "p99": rec.get("p99"), "events": rec["model_events"]}


def t_interval(xs):
    """Mean and 95 % Student-t half-width of independent runs (t quantiles for 2…10 runs)."""
    t95 = {2: 12.706, 3: 4.303, 4: 3.182, 5: 2.776, 6: 2.571, 7: 2.447, 8: 2.365, 9: 2.306, 10: 2.262}
    m = statistics.mean(xs)
    if len(xs) < 2:
        return m, float("nan")
    return m, t95.get(len(xs), 2.0) * statistics.stdev(xs) / len(xs) ** 0.5


def agreement(n, seeds, python_ok):
    """Model B's mean and p99 end-to-end latency from independent seeds of each system, with 95 %
    intervals: clustersim must agree with SimPy and Ciw within their intervals."""
    tmp = tempfile.mkdtemp(prefix="clustersim-agree-")
    c_bin = build_c("net")
    systems = {"clustersim": lambda s: run_clustersim(n, tmp, "net.yaml", seed=s),
               "C + GSL mt19937": lambda s: run_peer("C", [c_bin, str(n), str(s), "gsl"])}
    if python_ok:
        systems["SimPy 4.1.2"] = lambda s: run_peer("SimPy", [sys.executable, "simpy_net.py", "--n", str(n), "--seed", str(s)])
        systems["Ciw 3.2.7"] = lambda s: run_peer("Ciw", [sys.executable, "ciw_net.py", "--n", str(n), "--seed", str(s)])
    res = {}
    try:
        for name, f in systems.items():
            recs = [f(s) for s in seeds]
            res[name] = (t_interval([r["mean"] for r in recs]), t_interval([r["p99"] for r in recs]))
            sys.stderr.write(f"agreement: {name} done\n")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"\nModel B agreement: {len(seeds)} independent seeds × N = {n:,} requests each, 95 % intervals "
          f"(Jackson mean 0.1105103 s)\n")
    print("| system | mean end-to-end s | p99 end-to-end s |")
    print("|---|---:|---:|")
    for name, ((m, hm), (p, hp)) in res.items():
        print(f"| {name} | {m:.5f} ± {hm:.5f} | {p:.4f} ± {hp:.4f} |")
    (cm, chm), (cp, chp) = res["clustersim"]
    # clustersim reads percentiles off its sketch, whose buckets answer with a midpoint at most 1/128
    # of the value away (SimStats.LatencySketch): when every seed lands in one bucket the interval
    # has zero width, so its half-width is never taken below that resolution.
    chp = max(chp, cp / 128)
    print(f"\n(clustersim's p99 half-width includes its sketch's resolution, p99/128 = {cp / 128:.4f} s.)")
    for name in ("SimPy 4.1.2", "Ciw 3.2.7"):
        if name in res:
            (m, hm), (p, hp) = res[name]
            ok_m = abs(cm - m) <= hm + chm
            ok_p = abs(cp - p) <= hp + chp
            print(f"clustersim vs {name}: mean {'agrees' if ok_m else 'DISAGREES'} (|Δ| = {abs(cm - m):.5f} s, "
                  f"half-widths {chm:.5f} + {hm:.5f}), p99 {'agrees' if ok_p else 'DISAGREES'} "
                  f"(|Δ| = {abs(cp - p):.4f} s, half-widths {chp:.4f} + {hp:.4f})")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--model", choices=["A", "B", "all"], default="all")
    ap.add_argument("--no-python", action="store_true", help="skip SimPy and Ciw (they take ~20 s at 10^6)")
    ap.add_argument("--no-memory", action="store_true", help="skip the 10·N peak-memory run")
    ap.add_argument("--agreement-seeds", type=int, default=5,
                    help="model B: independent seeds per system for the latency agreement check (0: skip)")
    ap.add_argument("--agreement-n", type=int, default=200_000)
    a = ap.parse_args()
    if not os.path.exists(BIN):
        sys.exit("build first: swift build -c release (make build)")
    python_ok = not a.no_python and have_python_peers()
    if a.model in ("A", "all"):
        model_a(a, python_ok)
    if a.model in ("B", "all"):
        model_b(a, python_ok)
        if a.agreement_seeds > 0:
            agreement(a.agreement_n, [42 + k for k in range(a.agreement_seeds)], python_ok)
    print(f"\nmachine: {os.cpu_count()} cores, load average now: {os.getloadavg()[0]:.2f}")


def model_b(a, python_ok):
    n = a.n
    c_bin = build_c("net")
    systems = [("clustersim", None),
               ("C + GSL mt19937", [c_bin, str(n), "42", "gsl"]),
               ("C + xoshiro", [c_bin, str(n), "42", "xoshiro"])]
    if python_ok:
        systems += [("SimPy 4.1.2", [sys.executable, "simpy_net.py", "--n", str(n), "--seed", "42"]),
                    ("Ciw 3.2.7", [sys.executable, "ciw_net.py", "--n", str(n), "--seed", "42"])]
    runs = {name: [] for name, _ in systems}
    tmp = tempfile.mkdtemp(prefix="clustersim-bench-")
    try:
        for rep in range(a.reps):
            for name, cmd in systems:
                rec = run_clustersim(n, tmp, "net.yaml") if cmd is None else run_peer(name, cmd)
                runs[name].append(rec)
                sys.stderr.write(f"B rep {rep + 1}/{a.reps} {name:<16} {rec['wall_s']:.3f} s  mean {rec['mean']:.4f}\n")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    med = {k: statistics.median(r["wall_s"] for r in v) for k, v in runs.items()}
    cs = n / med["clustersim"]
    print(f"\nModel B (3-tier network, 40/s), N = {n:,} requests, median of {a.reps} interleaved repetitions\n")
    print("| system | timed | wall s | requests/s | model events/s | clustersim ÷ system | mean end-to-end s | p99 s |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for name, v in runs.items():
        w = med[name]
        timed = "whole process" if name == "clustersim" else "model loop"
        p99 = v[0].get("p99")
        print(f"| {name} | {timed} | {w:.3f} | {n / w:,.0f} | {4 * n / w:,.0f} | {cs / (n / w):.2f}× | {v[0]['mean']:.5f} | "
              f"{p99 if p99 is None else format(p99, '.4f')} |")
    gsl = n / med["C + GSL mt19937"]
    print(f"\ntargets (model B): clustersim ≥ 0.3× C+GSL: {cs / gsl:.2f}×", end="")
    if "SimPy 4.1.2" in med:
        print(f"; ≥ 10× SimPy: {cs / (n / med['SimPy 4.1.2']):.1f}×", end="")
    print()


def model_a(a, python_ok):
    n = a.n
    c_bin = build_c("mm1")
    systems = [("clustersim", None),
               ("C + GSL mt19937", [c_bin, str(n), "42", "gsl"]),
               ("C + xoshiro", [c_bin, str(n), "42", "xoshiro"])]
    if python_ok:
        systems += [("SimPy 4.1.2", [sys.executable, "simpy_mm1.py", "--n", str(n), "--seed", "42"]),
                    ("Ciw 3.2.7", [sys.executable, "ciw_mm1.py", "--n", str(n), "--seed", "42"])]
    runs = {name: [] for name, _ in systems}
    tmp = tempfile.mkdtemp(prefix="clustersim-bench-")
    try:
        for rep in range(a.reps):
            for name, cmd in systems:
                rec = run_clustersim(n, tmp) if cmd is None else run_peer(name, cmd)
                runs[name].append(rec)
                sys.stderr.write(f"rep {rep + 1}/{a.reps} {name:<16} {rec['wall_s']:.3f} s  mean {rec['mean']:.4f}\n")
        mem_big = None
        if not a.no_memory:
            mem_big = run_clustersim(10 * n, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    med = {k: statistics.median(r["wall_s"] for r in v) for k, v in runs.items()}
    cs = n / med["clustersim"]
    print(f"\nModel A (M/M/1, λ = 0.9, μ = 1), N = {n:,} customers, median of {a.reps} interleaved repetitions\n")
    print("| system | timed | wall s | customers/s | model events/s | clustersim ÷ system | mean response (10) |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for name, v in runs.items():
        w = med[name]
        timed = "whole process" if name == "clustersim" else "model loop"
        ratio = cs / (n / w)
        print(f"| {name} | {timed} | {w:.3f} | {n / w:,.0f} | {2 * n / w:,.0f} | {ratio:.2f}× | {v[0]['mean']:.4f} |")
    if mem_big:
        small = statistics.median(r["rss_mb"] for r in runs["clustersim"])
        print(f"\nclustersim peak memory: {small:.1f} MiB at N = {n:,}, {mem_big['rss_mb']:.1f} MiB at N = {10 * n:,} "
              f"({100 * (mem_big['rss_mb'] / small - 1):+.1f}%); {n * 10 / mem_big['wall_s']:,.0f} customers/s at 10·N")
    gsl = n / med["C + GSL mt19937"]
    print(f"\ntargets: clustersim ≥ 0.5× C+GSL: {cs / gsl:.2f}×", end="")
    if "SimPy 4.1.2" in med:
        print(f"; ≥ 50× SimPy: {cs / (n / med['SimPy 4.1.2']):.1f}×", end="")
    if "Ciw 3.2.7" in med:
        print(f"; Ciw: {cs / (n / med['Ciw 3.2.7']):.0f}×", end="")
    print()


if __name__ == "__main__":
    main()
