#!/usr/bin/env python3
"""specforge vs OpenAPI Generator, progenitor and Prism: one run, one machine, ratios.

Called by bench/run after it installed the tools. Prints a table per section and
writes BENCHMARKS.md. Every failure of a rival tool is recorded, not fatal.
"""
import datetime
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.environ.get("BENCH_ROOT", os.getcwd())
CACHE = os.environ.get("BENCH_CACHE", os.path.join(ROOT, "bench", ".cache"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "20"))
# longest a scaling case may take before it is reported as stopped
CAP = int(os.environ.get("BENCH_CAP_SECONDS", "300"))
SPECFORGE = os.path.join(ROOT, "target", "release", "specforge")
MOCK = os.path.join(ROOT, "target", "release", "specforge-mock")
OAG = os.path.join(CACHE, "venv", "bin", "openapi-generator-cli")
PRISM = os.path.join(CACHE, "node", "node_modules", ".bin", "prism")
PROGENITOR = os.path.join(CACHE, "cargo", "bin", "cargo-progenitor")
WRK = shutil.which("wrk")
OHA = os.path.join(CACHE, "cargo", "bin", "oha")
WORK = os.path.join(tempfile.gettempdir(), "specforge-bench")
TARGET = os.path.join(WORK, "target")
SPECS = ["woodpecker", "circleci", "quay"]
# (path under the base path, headers) of one GET endpoint per spec, for the load test
ENDPOINTS = {
    "woodpecker": ("/version", {"Authorization": "Bearer bench"}),
    "circleci": ("/me", {"Circle-Token": "bench"}),
    "quay": ("/api/v1/discovery", {"Authorization": "Bearer bench"}),
}
BASE = {"woodpecker": "/api", "circleci": "/api/v2", "quay": ""}
OUT = []  # lines of BENCHMARKS.md
SCALE_RAW, SCALE_EXTRA, SCALE_PAIRS = [], [], []  # filled by scaling(), read by targets()
# the hand-written part of BENCHMARKS.md, after this line, is kept when it is rewritten
KEEP_MARKER = "<!-- bench/run keeps everything below this line -->"


def say(line=""):
    print(line, flush=True)
    OUT.append(line)


def run(cmd, cwd=None, env=None, timeout=3600):
    start = time.perf_counter()
    try:
        p = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
        return p.returncode == 0, time.perf_counter() - start, (p.stdout or "") + (p.stderr or "")
    except subprocess.TimeoutExpired:
        return False, time.perf_counter() - start, "timed out"
    except FileNotFoundError as e:
        return False, 0.0, str(e)


def interleaved(cmds, rounds):
    """Median wall time of each command over `rounds` rounds, every command once per
    round in turn; (None, message) for a command that failed (not run again)."""
    times = {k: [] for k in cmds}
    errors = {k: "" for k in cmds}
    for i in range(rounds):
        for k, cmd_for in cmds.items():
            if errors[k]:
                continue
            ok, t, out = run(cmd_for(i))
            if ok:
                times[k].append(t)
            else:
                errors[k] = first_error(out)
    return {k: (None, errors[k]) if errors[k] else (statistics.median(times[k]), "") for k in cmds}


def first_error(out):
    lines = out.splitlines()
    for i, line in enumerate(lines):
        l = line.strip()
        if "panicked at" in l and i + 1 < len(lines):
            return ("panicked: " + lines[i + 1].strip())[:160]
        if re.search(r"error|exception|panicked|failed|not supported|unsupported", l, re.I):
            return l[:140]
    return (out.strip().splitlines() or ["failed"])[-1][:140]


def spec_path(name):
    return os.path.join(ROOT, "specs", name + ".json")


def fmt_s(t):
    return "fails" if t is None else (f"{t*1000:.0f} ms" if t < 10 else f"{t:.1f} s")


def ratio(other, ours):
    if other is None or ours is None or ours == 0:
        return "-"
    return f"{other/ours:.1f}x"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kb(pid):
    """RSS of a process and its descendants, in kB."""
    children = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(d))
            except (OSError, ValueError, IndexError):
                pass
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            pass
        stack.extend(children.get(p, []))
    return total


def wait_http(url, headers, timeout=120, poll=0.1):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            req = urllib.request.Request(url, headers=headers)
            with urllib.request.urlopen(req, timeout=2) as r:
                r.read()
                return True
        except Exception as e:  # noqa: BLE001 - any answer other than a connection error means it is up
            if hasattr(e, "code"):
                return True
            time.sleep(poll)
    return False


def versions():
    v = {}
    v["specforge"] = run([SPECFORGE, "--version"])[2].strip()
    v["OpenAPI Generator"] = run([OAG, "version"])[2].strip().splitlines()[-1] if os.path.exists(OAG) else "not installed"
    v["Prism"] = run([PRISM, "--version"])[2].strip() if os.path.exists(PRISM) else "not installed"
    # cargo-progenitor has no --version: ask cargo what it installed
    listed = run(["cargo", "install", "--list", "--root", os.path.join(CACHE, "cargo")])[2]
    prog = re.search(r"^cargo-progenitor (v[\w.\-]+)", listed, re.M)
    v["progenitor"] = prog.group(1) if prog else "not installed"
    v["load generator"] = (run([WRK, "-v"])[2].strip().splitlines() or ["wrk"])[0] if WRK else run([OHA, "--version"])[2].strip()
    v["java"] = run(["java", "-version"])[2].strip().splitlines()[0] if shutil.which("java") else "none"
    v["node"] = run(["node", "--version"])[2].strip()
    return v


def machine():
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            mem = f"{int(f.readline().split()[1]) // 1024 // 1024} GiB"
    except OSError:
        pass
    return f"{os.cpu_count()} cores ({model}), {mem} RAM, {platform.system()} {platform.release()}"


def table(header, rows):
    say("| " + " | ".join(header) + " |")
    say("|" + "|".join("---" for _ in header) + "|")
    for r in rows:
        say("| " + " | ".join(str(c) for c in r) + " |")
    say()


# ---------------------------------------------------------------- 1. generation
def openapi3_input(name):
    """progenitor needs OpenAPI 3.0 with operationIds: our own normalize provides them."""
    out = os.path.join(WORK, "inputs", name + ".openapi3.json")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    run([SPECFORGE, "normalize", "--openapi3", spec_path(name), "-o", out])
    return out


def generation():
    say("## 1. Generation time (median wall time of 5 rounds, each round running every tool once)")
    say()
    rows, results = [], {}
    for name in SPECS:
        spec = spec_path(name)
        out = lambda tool, i: os.path.join(WORK, "gen", tool, name + str(i))  # noqa: E731
        p_in = spec if name == "circleci" else openapi3_input(name)
        # every tool once per round, round after round: a machine that slows down or
        # speeds up during the run moves every tool's times alike, not one tool's
        timed = interleaved({
            "sf": lambda i: [SPECFORGE, "generate", spec, "--out", out("sf", i), "--crate-name", f"sf-{name}"],
            "sfs": lambda i: [SPECFORGE, "generate", spec, "--server", "--out", out("sfs", i), "--crate-name", f"sfs-{name}"],
            "oag_rust": lambda i: [OAG, "generate", "-g", "rust", "-i", spec, "-o", out("oag-rust", i), "--skip-validate-spec", "--package-name", f"oag_{name}"],
            "oag_axum": lambda i: [OAG, "generate", "-g", "rust-axum", "-i", spec, "-o", out("oag-axum", i), "--skip-validate-spec", "--package-name", f"oag_axum_{name}"],
            "prog": lambda i: [PROGENITOR, "progenitor", "-i", p_in, "-o", out("progenitor", i), "-n", f"prog-{name}", "-v", "0.1.0"],
        }, 5)
        (sf, sf_err), (sfs, _), (oag_rust, oag_rust_err), (oag_axum, oag_axum_err), (prog, prog_err) = (
            timed[k] for k in ["sf", "sfs", "oag_rust", "oag_axum", "prog"]
        )
        results[name] = dict(sf=sf, sfs=sfs, oag_rust=oag_rust, oag_axum=oag_axum, prog=prog, errors=dict(oag_rust=oag_rust_err, oag_axum=oag_axum_err, prog=prog_err, sf=sf_err))
        rows.append([name, fmt_s(sf), fmt_s(sfs), f"{fmt_s(oag_rust)} ({ratio(oag_rust, sf)})", f"{fmt_s(oag_axum)} ({ratio(oag_axum, sfs)})", f"{fmt_s(prog)} ({ratio(prog, sf)})"])
    table(["spec", "specforge client", "specforge client+server", "OpenAPI Generator rust (vs client)", "OpenAPI Generator rust-axum (vs client+server)", "progenitor (vs client)"], rows)
    for name, r in results.items():
        for tool, err in r["errors"].items():
            if err:
                say(f"- {name}, {tool}: {err}")
    say("- progenitor reads OpenAPI 3.0 with operationIds only: the Swagger 2.0 specs were given to it as `specforge normalize --openapi3` output.")
    say()
    return results


# ---------------------------------------------------------------- 2. compile cost
def rust_lines(d):
    n = 0
    for dirpath, _, files in os.walk(d):
        if "target" in dirpath:
            continue
        for f in files:
            if f.endswith(".rs"):
                with open(os.path.join(dirpath, f), errors="replace") as fh:
                    n += sum(1 for _ in fh)
    return n


def ensure_workspace(d):
    toml = os.path.join(d, "Cargo.toml")
    if os.path.exists(toml):
        with open(toml) as f:
            text = f.read()
        if "[workspace]" not in text:
            with open(toml, "a") as f:
                f.write("\n[workspace]\n")


def crate_name(d):
    m = re.search(r'^name\s*=\s*"([^"]+)"', open(os.path.join(d, "Cargo.toml")).read(), re.M)
    return m.group(1) if m else None


def check_crate(d):
    """(compiles, seconds of a cold `cargo check` of the crate alone, error).

    Dependencies are built first; then the crate's own artifacts are removed
    (`cargo clean -p`) and it is checked again without incremental compilation:
    what a user sees on a fresh checkout with a warm dependency cache."""
    if not os.path.exists(os.path.join(d, "Cargo.toml")):
        return False, None, "no crate generated"
    ensure_workspace(d)
    env = dict(os.environ, CARGO_TARGET_DIR=TARGET, CARGO_INCREMENTAL="0")
    ok, _, out = run(["cargo", "check", "--quiet"], cwd=d, env=env)
    if not ok:
        return False, None, first_error(out)
    name = crate_name(d)
    if name:
        run(["cargo", "clean", "--quiet", "-p", name], cwd=d, env=env)
    ok, t, out = run(["cargo", "check", "--quiet"], cwd=d, env=env)
    return ok, t, "" if ok else first_error(out)


def compile_cost():
    say(f"## 2. Compile cost of the generated client (cold `cargo check` of the crate, `CARGO_INCREMENTAL=0`, dependencies built first)")
    say()
    rows, results = [], {}
    for name in SPECS:
        row = [name]
        for tool in ["sf", "oag-rust", "progenitor"]:
            d = os.path.join(WORK, "gen", tool, name + "0")
            lines = rust_lines(d) if os.path.isdir(d) else 0
            ok, t, err = check_crate(d)
            results[(name, tool)] = t if ok else None
            row.append(f"{'compiles' if ok else 'does not compile'}, {fmt_s(t) if ok else err}, {lines} lines")
        rows.append(row)
    table(["spec", "specforge", "OpenAPI Generator rust", "progenitor"], rows)
    return results


# ---------------------------------------------------------------- 3. mock throughput
def load(url, headers):
    if WRK:
        cmd = [WRK, "-t2", "-c32", f"-d{SECONDS}s", "--latency"]
        for k, v in headers.items():
            cmd += ["-H", f"{k}: {v}"]
        ok, _, out = run(cmd + [url], timeout=SECONDS + 60)
        rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
        p50 = re.search(r"50%\s+([\d.]+)(\w+)", out)
        p99 = re.search(r"99%\s+([\d.]+)(\w+)", out)
        non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
        sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
        total = re.search(r"(\d+) requests in", out)

        def ms(m):
            if not m:
                return None
            v, unit = float(m.group(1)), m.group(2)
            return v / 1000 if unit == "us" else v * 1000 if unit == "s" else v

        errors = (int(non2xx.group(1)) if non2xx else 0) + (sum(int(x) for x in sock.groups()) if sock else 0)
        return dict(rps=float(rps.group(1)) if rps else 0.0, p50=ms(p50), p99=ms(p99), errors=errors, total=int(total.group(1)) if total else 0)
    cmd = [OHA, "-z", f"{SECONDS}s", "-c", "32", "--no-tui", "-j"]
    for k, v in headers.items():
        cmd += ["-H", f"{k}: {v}"]
    ok, _, out = run(cmd + [url], timeout=SECONDS + 60)
    try:
        j = json.loads(out[out.index("{"):])
        s = j["summary"]
        lat = j.get("latencyPercentiles", {})
        errors = sum(v for k, v in j.get("statusCodeDistribution", {}).items() if not k.startswith("2")) + sum(j.get("errorDistribution", {}).values())
        return dict(rps=s["requestsPerSec"], p50=lat.get("p50", 0) * 1000, p99=lat.get("p99", 0) * 1000, errors=errors, total=0)
    except (ValueError, KeyError):
        return dict(rps=0.0, p50=None, p99=None, errors=-1, total=0)


def serve_and_load(cmd, url, headers):
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        if not wait_http(url, headers):
            return None
        rss_start = rss_kb(proc.pid) / 1024
        result = load(url, headers)
        result["rss_start_mb"] = rss_start
        result["rss_mb"] = rss_kb(proc.pid) / 1024
        return result
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def throughput():
    say(f"## 3. Mock throughput and latency ({SECONDS} s per case, 32 connections, 2 load threads, same GET endpoint)")
    say()
    rows, results = [], {}
    for name in SPECS:
        path, headers = ENDPOINTS[name]
        for mode in ["static", "dynamic"]:
            port = free_port()
            sf = serve_and_load([MOCK, spec_path(name), "--port", str(port)] + (["--dynamic"] if mode == "dynamic" else []), f"http://127.0.0.1:{port}{BASE[name]}{path}", headers)
            port = free_port()
            # Prism ignores the base path (servers / basePath): it serves the spec's paths at the root
            pr = serve_and_load([PRISM, "mock", "-p", str(port), "-h", "127.0.0.1"] + (["-d"] if mode == "dynamic" else []) + [spec_path(name)], f"http://127.0.0.1:{port}{path}", headers)
            results[(name, mode)] = (sf, pr)

            def cell(r):
                if r is None:
                    return "did not start"
                return f"{r['rps']:.0f} req/s, p50 {r['p50']:.2f} ms, p99 {r['p99']:.2f} ms, {r['errors']} errors, {r['rss_mb']:.0f} MB"

            rows.append([name, mode, BASE[name] + path, cell(sf), cell(pr), ratio(sf["rps"] if sf else None, pr["rps"] if pr else None)])
    table(["spec", "mode", "endpoint", "specforge-mock", "Prism", "throughput ratio"], rows)
    say("Errors are non-2xx answers plus socket errors. RSS is measured after the run.")
    say()
    say("RSS of specforge-mock after start-up (before any load): " + ", ".join(
        f"{name} {results[(name, 'static')][0]['rss_start_mb']:.0f} MB" for name in SPECS if results[(name, 'static')][0]))
    say()
    return results


# ---------------------------------------------------------------- 4. scaling
def synthetic(copies):
    with open(spec_path("quay")) as f:
        quay = json.load(f)
    out = dict(quay)
    out["paths"], out["definitions"] = {}, {}
    for i in range(copies):
        suffix = "" if i == 0 else f"_c{i}"
        prefix = "" if i == 0 else f"/copy{i}"
        text = json.dumps(quay["paths"])
        defs = json.dumps(quay.get("definitions", {}))
        if i:
            text = re.sub(r'"#/definitions/([^"]+)"', lambda m: f'"#/definitions/{m.group(1)}{suffix}"', text)
            defs = re.sub(r'"#/definitions/([^"]+)"', lambda m: f'"#/definitions/{m.group(1)}{suffix}"', defs)
            text = re.sub(r'"operationId": "([^"]+)"', lambda m: f'"operationId": "{m.group(1)}{suffix}"', text)
        for p, item in json.loads(text).items():
            out["paths"][prefix + p] = item
        for k, v in json.loads(defs).items():
            out["definitions"][k + suffix] = v
    path = os.path.join(WORK, "inputs", f"quay_x{copies}.json")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(out, f)
    return path


def start_once(spec):
    """Time to the first answer of one start of the mock (polled every 10 ms) and its
    RSS then, in MB; (None, RSS) where it did not answer within CAP seconds."""
    port = free_port()
    start = time.perf_counter()
    proc = subprocess.Popen([MOCK, spec, "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        up = wait_http(f"http://127.0.0.1:{port}/api/v1/discovery", {"Authorization": "Bearer b"}, timeout=CAP, poll=0.01)
        t = time.perf_counter() - start
        return (t if up else None), rss_kb(proc.pid) / 1024
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def median_run(results):
    """The median of (time, ...) results by time, or the first failed one."""
    failed = [r for r in results if r[0] is None]
    if failed:
        return failed[0]
    results = sorted(results, key=lambda r: r[0])
    return results[len(results) // 2]


def peak_rss_run(cmd, timeout):
    """run() plus the child's peak RSS in MB (GNU time), or None where it is missing."""
    gnu_time = shutil.which("time") or ("/usr/bin/time" if os.path.exists("/usr/bin/time") else None)
    if not gnu_time:
        ok, t, out = run(cmd, timeout=timeout)
        return ok, t, out, None
    ok, t, out = run([gnu_time, "-f", "PEAK_RSS_KB=%M"] + cmd, timeout=timeout)
    m = re.search(r"PEAK_RSS_KB=(\d+)", out)
    return ok, t, out, (int(m.group(1)) / 1024 if m else None)


def exponent(a, b, size_a, size_b):
    """Local growth exponent: log(b/a) / log(size_b/size_a); 1.0 is linear."""
    import math
    if not a or not b or size_a == size_b:
        return None
    return math.log(b / a) / math.log(size_b / size_a)


def scaling():
    say("## 4. Scaling: Quay replicated 1x to 100x (paths and schemas copied under new names)")
    say()
    say("Growth exponent: log(time ratio) / log(operations ratio) against the previous row; 1.0 is linear. "
        "Generation: the median of three runs; mock start-up: the median of five starts, polled every 10 ms. "
        "Both in rounds, each round running every size once, so that a machine that drifts during the run moves every size alike.")
    say()
    sizes = [1, 3, 10, 30, 100]
    specs, ops = {}, {}
    for copies in sizes:
        specs[copies] = spec_path("quay") if copies == 1 else synthetic(copies)
        _, _, out = run([SPECFORGE, "inspect", specs[copies]])
        m = re.search(r"operations:\s+(\d+)", out)
        ops[copies] = int(m.group(1)) if m else copies
    # every size once per round, round after round (as in section 1): a machine that
    # slows down or speeds up during the run moves every size alike, not one size
    gens = {c: [] for c in sizes}
    lines = {}
    for _ in range(3):
        for copies in sizes:
            if gens[copies] and not gens[copies][-1][0]:
                continue  # failed (or stopped at CAP) once: not again
            out_dir = os.path.join(WORK, "gen", "scale", str(copies))
            shutil.rmtree(out_dir, ignore_errors=True)
            gens[copies].append(peak_rss_run([SPECFORGE, "generate", specs[copies], "--server", "--out", out_dir], CAP))
            if gens[copies][-1][0] and copies not in lines:
                lines[copies] = rust_lines(out_dir)  # the same crate every round: counted once
    starts = {c: [] for c in sizes}
    for _ in range(5):
        for copies in sizes:
            if starts[copies] and starts[copies][-1][0] is None:
                continue
            starts[copies].append(start_once(specs[copies]))
    rows, raw = [], []
    for copies in sizes:
        n = ops[copies]
        done = gens[copies]
        ok, gen_t, gen_out, gen_rss = (median_run([(g[1], g) for g in done])[1] if all(g[0] for g in done)
                                       else next(g for g in done if not g[0]))
        unformatted = "rustfmt failed" in gen_out or "could not be run" in gen_out
        st, rss = median_run(starts[copies])
        prev = raw[-1] if raw else None
        gen_exp = exponent(prev[1], gen_t, prev[0], n) if prev and ok else None
        st_exp = exponent(prev[2], st, prev[0], n) if prev and st else None
        raw.append((n, gen_t if ok else None, st))
        gen_cell = fmt_s(gen_t) if ok else (f"> {CAP} s (stopped)" if gen_out == "timed out" else "fails: " + first_error(gen_out))
        if unformatted:
            gen_cell += " (NOT fully formatted)"
        st_cell = fmt_s(st) if st is not None else f"> {CAP} s (stopped)"
        fmt_exp = lambda e: "-" if e is None else f"{e:.2f}"
        rows.append([f"{copies}x", n, gen_cell, fmt_exp(gen_exp), "-" if gen_rss is None else f"{gen_rss:.0f} MB", lines.get(copies, 0),
                     st_cell, fmt_exp(st_exp), f"{rss:.0f} MB"])
    table(["size", "operations", "generate --server", "growth", "generate peak RSS", "generated lines",
           "mock start-up", "growth", "mock RSS after start-up"], rows)
    # the growth exponent between every pair of sizes, not only neighbours
    pairs = []
    for i in range(len(raw)):
        for j in range(i + 1, len(raw)):
            for k, what in [(1, "generate"), (2, "mock start-up")]:
                e = exponent(raw[i][k], raw[j][k], raw[i][0], raw[j][0])
                if e is not None:
                    pairs.append((e, what, raw[i][0], raw[j][0]))
    if pairs:
        worst = max(pairs)
        say(f"Largest growth exponent over every pair of sizes: {worst[0]:.2f} ({worst[1]}, {worst[2]} to {worst[3]} operations).")
        say()
    SCALE_RAW[:] = [dict(ops=n, gen=g, start=st) for n, g, st in raw]
    SCALE_EXTRA[:] = [dict(gen_rss=r[4], start_rss=r[8], gen=r[2], start=r[6]) for r in rows]
    SCALE_PAIRS[:] = pairs
    return rows


def reading(gen, thr, comp=None, scale=None):
    say("## Reading")
    say()
    lead, trail = [], []
    for name, r in gen.items():
        for key, label, ours in [("oag_rust", "OpenAPI Generator `rust`", r["sf"]), ("oag_axum", "OpenAPI Generator `rust-axum`", r["sfs"]), ("prog", "progenitor", r["sf"])]:
            other = r[key]
            if other is None:
                lead.append(f"{name}: {label} fails where specforge generates ({r['errors'][key] or 'error'})")
            elif ours is not None and other > ours:
                lead.append(f"{name}: generation {other/ours:.1f}x faster than {label}")
            elif ours is not None:
                trail.append(f"{name}: generation {ours/other:.1f}x slower than {label}")
    for (name, mode), (sf, pr) in thr.items():
        if sf and pr and pr["rps"] > 0:
            (lead if sf["rps"] >= pr["rps"] else trail).append(f"{name} {mode} mock: {sf['rps']/pr['rps']:.1f}x Prism's throughput, p99 {sf['p99']:.2f} ms vs {pr['p99']:.2f} ms, {sf['rss_mb']:.0f} MB vs {pr['rss_mb']:.0f} MB")
        elif sf and not pr:
            lead.append(f"{name} {mode}: Prism did not serve this spec")
    for name in SPECS:
        ours = (comp or {}).get((name, "sf"))
        for tool, label in [("oag-rust", "OpenAPI Generator `rust`"), ("progenitor", "progenitor")]:
            other = (comp or {}).get((name, tool))
            if ours is not None and other is None:
                lead.append(f"{name}: the generated client compiles; {label}'s does not")
            elif ours is not None and other is not None and other < ours:
                trail.append(f"{name}: `cargo check` of the generated client takes {ours/other:.1f}x {label}'s")
    if scale and len(scale) >= 2:
        worst = max([float(r[3]) for r in scale if r[3] != "-"] + [float(r[7]) for r in scale if r[7] != "-"] + [0.0])
        (trail if worst > 1.1 else lead).append(
            f"scaling: largest growth exponent {worst:.2f} (1.0 is linear) up to {scale[-1][0]}; " + "; ".join(f"{r[0]}: generate {r[2]}, start-up {r[6]}" for r in scale))
    say("Where specforge leads:")
    for l in lead:
        say(f"- {l}")
    say()
    say("Where it trails:")
    for t in trail or ["nothing measured here"]:
        say(f"- {t}")
    say()


def targets(gen, comp, thr):
    """The scale issue's targets, each met or missed, with the numbers."""
    say("## Targets")
    say()
    rows = []

    def row(what, target, measured, met):
        rows.append([what, target, measured, "met" if met else "**missed**"])

    for name, r in gen.items():
        if r["sfs"] and r["oag_axum"]:
            x = r["oag_axum"] / r["sfs"]
            row(f"{name}: generation, client + server, vs OpenAPI Generator `rust-axum`", ">= 20x", f"{x:.1f}x ({fmt_s(r['sfs'])} vs {fmt_s(r['oag_axum'])})", x >= 20)
        if r["sf"] and r["prog"]:
            x = r["prog"] / r["sf"]
            row(f"{name}: generation, client only, vs progenitor", ">= 3x", f"{x:.1f}x ({fmt_s(r['sf'])} vs {fmt_s(r['prog'])})", x >= 3)
    ours = (comp or {}).get(("circleci", "sf"))
    other = (comp or {}).get(("circleci", "oag-rust"))
    if ours and other:
        row("circleci: cold `cargo check` of the client vs OpenAPI Generator `rust`", "<= theirs", f"{fmt_s(ours)} vs {fmt_s(other)}", ours <= other)
    for name in ["woodpecker", "quay"]:
        ours, other = (comp or {}).get((name, "sf")), (comp or {}).get((name, "progenitor"))
        if ours and other:
            row(f"{name}: cold `cargo check` of the client vs progenitor", "<= theirs", f"{fmt_s(ours)} vs {fmt_s(other)}", ours <= other)
        elif ours:
            row(f"{name}: cold `cargo check` of the client vs progenitor", "<= theirs (where progenitor's compiles)", f"{fmt_s(ours)}; progenitor's does not compile", True)
    for (name, mode), (sf, pr) in thr.items():
        if sf and pr and pr["rps"] > 0:
            x = sf["rps"] / pr["rps"]
            row(f"{name} {mode}: mock throughput vs Prism", ">= 25x", f"{x:.1f}x", x >= 25)
        if mode == "static" and sf:
            row(f"{name}: mock RSS after start-up", "<= 30 MB", f"{sf['rss_start_mb']:.0f} MB", sf["rss_start_mb"] <= 30)
    if SCALE_PAIRS:
        for what in ["generate", "mock start-up"]:
            worst = max((p for p in SCALE_PAIRS if p[1] == what), default=None)
            if worst:
                row(f"scaling: {what}, growth exponent over every pair of sizes", "<= 1.1", f"{worst[0]:.2f} ({worst[2]} to {worst[3]} operations)", worst[0] <= 1.1)
    if SCALE_RAW and SCALE_RAW[-1]["ops"] >= 20000:
        last, extra = SCALE_RAW[-1], SCALE_EXTRA[-1]
        gen_rss = float(extra["gen_rss"].split()[0]) if extra["gen_rss"] != "-" else None
        start_rss = float(extra["start_rss"].split()[0])
        row("100x Quay: mock ready", "<= 5 s", extra["start"], last["start"] is not None and last["start"] <= 5)
        row("100x Quay: mock RSS after start-up", "<= 700 MB", f"{start_rss:.0f} MB", start_rss <= 700)
        formatted = "NOT fully formatted" not in extra["gen"]
        row("100x Quay: generate --server, fully formatted", "<= 60 s", extra["gen"], last["gen"] is not None and last["gen"] <= 60 and formatted)
        row("100x Quay: generate --server peak RSS", "<= 2 GB", extra["gen_rss"], gen_rss is not None and gen_rss <= 2048)
    table(["target", "wanted", "measured", ""], rows)
    missed = sum(1 for r in rows if r[3] != "met")
    say(f"{len(rows) - missed} of {len(rows)} targets met in this run.")
    say()


def main():
    if sys.argv[1:] == ["scaling"]:
        # just the growth rows, printed (no rival tools needed)
        os.makedirs(WORK, exist_ok=True)
        scaling()  # say() prints as it goes
        return
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK, exist_ok=True)
    say("# Benchmarks")
    say()
    say(f"Written by `bench/run` on {datetime.date.today().isoformat()}, on {machine()}.")
    say("Every number in this file comes from that one run on that one machine.")
    say()
    for k, v in versions().items():
        say(f"- {k}: {v}")
    say()
    gen = generation()
    comp = compile_cost()
    thr = throughput()
    scale = scaling()
    targets(gen, comp, thr)
    reading(gen, thr, comp, scale)
    path = os.path.join(ROOT, "BENCHMARKS.md")
    kept = ""
    if os.path.exists(path):
        with open(path) as f:
            old = f.read()
        if KEEP_MARKER in old:
            kept = old[old.index(KEEP_MARKER):]
    with open(path, "w") as f:
        f.write("\n".join(OUT) + "\n" + (("\n" + kept) if kept else KEEP_MARKER + "\n"))
    print("wrote BENCHMARKS.md", file=sys.stderr)


if __name__ == "__main__":
    main()
