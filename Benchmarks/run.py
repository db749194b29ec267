#!/usr/bin/env python3
"""Benchmarks clustersim beside its peers, in one run (the machine is shared: only ratios measured
side by side hold).

  Benchmarks/run.sh                 # N = 10^6, 3 repetitions, plus the 10^7 memory check
  python3 Benchmarks/run.py --reps 5 --n 1000000

Model A of ../shared/bench: M/M/1, λ = 0.9, μ = 1, N customers. clustersim runs the real command
(`clustersim run Benchmarks/mm1.yaml --set stop.requests=N`) and is timed as a whole process
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


def build_c():
    os.makedirs(PEERS, exist_ok=True)
    out = os.path.join(PEERS, "mm1")
    src = os.path.join(SHARED, "c", "mm1.c")
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


def run_clustersim(n, outdir):
    """Times the whole clustersim process (fork/exec to exit) and reads its own peak RSS from
    wait4, with no wrapper process in between."""
    cmd = [BIN, "run", os.path.join(HERE, "mm1.yaml"), "--set", f"stop.requests={n}", "--out", outdir]
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    err = p.stderr.read().decode()
    if p.returncode != 0:
        sys.exit("clustersim failed:\n" + err)
    rss_kb = usage.ru_maxrss            # kilobytes on Linux
    mean = events = None
    with open(os.path.join(outdir, "summary.csv")) as f:
        for line in f:
            p_ = line.strip().split(",")
            if p_[1] == "all" and p_[2] == "latency_mean":
                mean = float(p_[4])
            if p_[1] == "all" and p_[2] == "events":
                events = float(p_[4])
    return {"lib": "clustersim", "wall_s": wall, "rss_mb": rss_kb / 1024, "mean": mean, "events": events}


def run_peer(name, cmd):
    r = sh(cmd, cwd=SHARED)
    if r.returncode != 0:
        sys.exit(f"{name} failed:\n" + r.stdout + r.stderr)
    rec = result_line(r.stdout)
    return {"lib": name, "wall_s": rec["wall_s"], "mean": rec["mean"], "events": rec["model_events"]}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--no-python", action="store_true", help="skip SimPy and Ciw (they take ~20 s at 10^6)")
    ap.add_argument("--no-memory", action="store_true", help="skip the 10·N peak-memory run")
    a = ap.parse_args()
    if not os.path.exists(BIN):
        sys.exit("build first: swift build -c release (make build)")
    n = a.n
    c_bin = build_c()
    systems = [("clustersim", None),
               ("C + GSL mt19937", [c_bin, str(n), "42", "gsl"]),
               ("C + xoshiro", [c_bin, str(n), "42", "xoshiro"])]
    if not a.no_python and have_python_peers():
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
    print(f"\nmachine: {os.cpu_count()} cores, load average before: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
