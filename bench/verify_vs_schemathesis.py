#!/usr/bin/env python3
"""specforge verify and Schemathesis against the same planted-bug server
(examples/planted-bugs: ten kinds of contract bug), with the same time budget.
Prints which planted bugs each tool found, what else it reported, and both run
times side by side.

    bench/verify_vs_schemathesis.py [--budget SECONDS] [--seed N]

Installs the pinned Schemathesis (the one .ci/schemathesis uses) into
target/schemathesis-venv when missing. Each tool gets a fresh server, so neither
sees the other's data.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SPEC = os.path.join(ROOT, "examples/planted-bugs/openapi.yaml")
VENV = os.path.join(ROOT, "target/schemathesis-venv")
SCHEMATHESIS_VERSION = "4.32.5"

# (number, kind, a pattern over one finding's text: method, path and reasons)
BUGS = [
    (1, "wrong type in a response field", r'GET /items\b(?!/).*"\d+" is not of type "integer"'),
    (2, "missing required field", r'"email" is a required property'),
    (3, "undocumented status", r"(status 202 is not documented|Received: 202)"),
    (4, "wrong content type", r"text/html"),
    (5, "500 on a boundary value", r"limit=100.*(500|Server error)|(500|Server error).*limit=100"),
    (6, "invalid body accepted with 2xx", r"POST /items.*(accepted with 201|ST201)|(ST201|Schema-violating request accepted).*POST .*?/items\b(?!/)"),
    (7, "required query parameter ignored", r"(required query parameter 'q')|(parameter `q` in query)"),
    (8, "wrong response header", r"(X-Rate-Limit|x-rate-limit|GET /quota.*Response header)"),
    (9, "broken after create/delete", r"(read it after the delete|Deleted resource still available)"),
    (10, "null where not nullable", r'null is not of type "string"'),
]


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def start_server():
    proc = subprocess.Popen(
        [os.path.join(ROOT, "target/release/planted-bugs-example"), "0"],
        stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    url = re.search(r"http://\S+", line).group(0)
    return proc, url


def classify(findings):
    found = {}
    for text in findings:
        flat = " ".join(text.split())
        for number, _, pattern in BUGS:
            if re.search(pattern, flat, re.S):
                found.setdefault(number, text)
    return found


def run_specforge(budget, seed):
    server, url = start_server()
    try:
        started = time.monotonic()
        out = subprocess.run(
            [os.path.join(ROOT, "target/release/specforge"), "verify", SPEC, "--url", url,
             "--cases", "20", "--negative", "--chains", "--concurrency", "4",
             "--seed", str(seed), "--max-time", str(budget), "--format", "json", "--quiet"],
            capture_output=True, text=True)
        elapsed = time.monotonic() - started
    finally:
        server.kill()
    doc = json.loads(out.stdout)
    findings = [
        f"{c['method']} {c['path']} ({c['case']}): " + "; ".join(c["reasons"])
        for c in doc["cases"] if c["verdict"] == "failed"
    ]
    return elapsed, len(doc["cases"]), findings


def run_schemathesis(budget, seed):
    exe = os.path.join(VENV, "bin/schemathesis")
    server, url = start_server()
    with tempfile.TemporaryDirectory() as work:
        junit = os.path.join(work, "junit.xml")
        try:
            started = time.monotonic()
            out = subprocess.run(
                [exe, "run", SPEC, "--url", url, "--checks", "all", "--max-time", str(budget),
                 "--seed", str(seed), "--report", "junit", "--report-junit-path", junit, "--no-color"],
                capture_output=True, text=True, cwd=work)
            elapsed = time.monotonic() - started
        finally:
            server.kill()
        cases = re.search(r"(\d+) generated", out.stdout)
        findings = []
        if os.path.exists(junit):
            for tc in ET.parse(junit).iter("testcase"):
                for failure in tc:
                    # one finding per "N. Test Case ID" block
                    for block in re.split(r"\n\d+\. Test Case ID: ", "\n" + (failure.text or "")):
                        if block.strip():
                            curls = re.findall(r"curl -X (\w+) .*?(https?://\S+)", block)
                            where = " ".join(f"{m} {re.sub(r'^https?://[^/]+', '', u)}" for m, u in curls)
                            findings.append(f"{tc.get('name')} [{where}]: {block.strip()}")
    return elapsed, int(cases.group(1)) if cases else 0, findings


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--budget", type=int, default=30, help="seconds per tool (default 30)")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    sh(["cargo", "build", "--release", "--quiet", "-p", "specforge-cli", "-p", "planted-bugs-example"], cwd=ROOT)
    exe = os.path.join(VENV, "bin/schemathesis")
    version = subprocess.run([exe, "--version"], capture_output=True, text=True).stdout if os.path.exists(exe) else ""
    if SCHEMATHESIS_VERSION not in version:
        sh([sys.executable, "-m", "venv", VENV])
        sh([os.path.join(VENV, "bin/pip"), "install", "--quiet", f"schemathesis=={SCHEMATHESIS_VERSION}"])
    ours_time, ours_cases, ours = run_specforge(args.budget, args.seed)
    st_time, st_cases, theirs = run_schemathesis(args.budget, args.seed)
    ours_found, st_found = classify(ours), classify(theirs)
    print(f"planted-bug server, budget {args.budget} s per tool, seed {args.seed}\n")
    print(f"{'#':>2}  {'planted bug':<34}  {'specforge verify':<16}  Schemathesis {SCHEMATHESIS_VERSION}")
    for number, kind, _ in BUGS:
        mark = lambda found: "found" if number in found else "MISSED"
        print(f"{number:>2}  {kind:<34}  {mark(ours_found):<16}  {mark(st_found)}")
    print()
    print(f"{'':<38}  {'specforge verify':<16}  Schemathesis")
    print(f"{'planted bugs found':<38}  {len(ours_found):<16}  {len(st_found)}")
    print(f"{'requests / test cases':<38}  {ours_cases:<16}  {st_cases}")
    print(f"{'findings reported':<38}  {len(ours):<16}  {len(theirs)}")
    print(f"{'run time (s)':<38}  {ours_time:<16.2f}  {st_time:.2f}")
    if ours_time > 0:
        print(f"{'time ratio (Schemathesis / specforge)':<38}  {st_time / ours_time:.1f}x")
    extra = [t for t in theirs if not any(re.search(p, ' '.join(t.split()), re.S) for _, _, p in BUGS)]
    if extra:
        print("\nSchemathesis also reported (not a planted bug):")
        for t in extra:
            print("  - " + " ".join(t.split())[:160])
    extra = [t for t in ours if not any(re.search(p, ' '.join(t.split()), re.S) for _, _, p in BUGS)]
    if extra:
        print("\nspecforge verify also reported (not a planted bug):")
        for t in extra:
            print("  - " + " ".join(t.split())[:160])


if __name__ == "__main__":
    main()
