#!/usr/bin/env python3
"""60 s soak of specforge-mock --proxy against a flaky upstream.

The upstream (here, plain asyncio) answers most requests well and the rest
badly: it resets before the head, resets mid-body, hangs past the proxy's
upstream timeout, answers bytes that are not HTTP, and every few seconds stops
listening for a while (refusals). Clients hammer the proxy over fresh
connections; at the end the proxy gets SIGTERM. Printed: requests answered,
report lines, lines per upstream-error kind, lost exchanges (answered requests
without a report line), and the proxy's exit time.

    python3 bench/soak.py [seconds] [clients]
"""
import asyncio, collections, json, os, random, signal, socket, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SECONDS = float(sys.argv[1]) if len(sys.argv) > 1 else 60
CLIENTS = int(sys.argv[2]) if len(sys.argv) > 2 else 32
MOCK = os.path.join(ROOT, "target", "release", "specforge-mock")
rng = random.Random(20261123)
GOOD = b'{"version":"2.0.0","source":"https://example.com"}'


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Upstream:
    def __init__(self, port):
        self.port = port
        self.server = None
        self.modes = collections.Counter()

    async def handle(self, reader, writer):
        try:
            await reader.readuntil(b"\r\n\r\n")
        except Exception:
            writer.close()
            return
        roll = rng.random()
        try:
            if roll < 0.70:
                self.modes["ok"] += 1
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\nconnection: close\r\n\r\n" % len(GOOD) + GOOD)
            elif roll < 0.78:
                self.modes["reset_before_head"] += 1
                writer.transport.abort()
                return
            elif roll < 0.86:
                self.modes["reset_mid_body"] += 1
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 500\r\n\r\n{\"version\":")
                await writer.drain()
                writer.transport.abort()
                return
            elif roll < 0.92:
                self.modes["hang"] += 1
                await asyncio.sleep(5)
            else:
                self.modes["not_http"] += 1
                writer.write(b"SSH-2.0-OpenSSH_9.6\r\n\r\n")
            await writer.drain()
        except (Exception, asyncio.CancelledError):
            pass
        writer.close()

    async def start(self):
        self.server = await asyncio.start_server(self.handle, "127.0.0.1", self.port, reuse_address=True)

    async def flap(self, stop):
        # every 4 s, 0.5 s of refusals
        while not stop.is_set():
            await asyncio.sleep(4)
            self.server.close()
            self.modes["refusing_windows"] += 1
            await asyncio.sleep(0.5)
            await self.start()


async def client(port, stop, counts):
    while not stop.is_set():
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"GET /api/version HTTP/1.1\r\nhost: soak\r\nconnection: close\r\n\r\n")
            await writer.drain()
            head = await asyncio.wait_for(reader.readline(), 30)
            await asyncio.wait_for(reader.read(), 30)
            writer.close()
            parts = head.split()
            counts[parts[1].decode() if len(parts) > 1 else "no-status"] += 1
        except Exception as e:
            counts["client-error:" + type(e).__name__] += 1


async def main():
    up_port, proxy_port = free_port(), free_port()
    upstream = Upstream(up_port)
    await upstream.start()
    report = tempfile.NamedTemporaryFile(suffix=".jsonl", delete=False).name
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen(
        [MOCK, os.path.join(ROOT, "specs", "woodpecker.json"), "--port", str(proxy_port), "--quiet",
         "--proxy", f"http://127.0.0.1:{up_port}", "--report", report, "--upstream-timeout", "1"],
        stdout=log, stderr=log)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", proxy_port), 0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    stop = asyncio.Event()
    counts = collections.Counter()
    flapper = asyncio.create_task(upstream.flap(stop))
    workers = [asyncio.create_task(client(proxy_port, stop, counts)) for _ in range(CLIENTS)]
    for second in range(int(SECONDS)):
        await asyncio.sleep(1)
        if os.environ.get("SOAK_PROGRESS"):
            print(second, sum(counts.values()), dict(upstream.modes), file=sys.stderr)
    # stop while requests are in flight: the proxy must report them too
    started = time.time()
    proc.send_signal(signal.SIGTERM)
    stop.set()
    await asyncio.get_running_loop().run_in_executor(None, proc.wait)
    log.seek(0)
    err = log.read()
    summary = [l for l in err.decode(errors="replace").splitlines() if l.startswith("proxy: ")]
    exit_seconds = time.time() - started
    await asyncio.gather(*workers, return_exceptions=True)
    flapper.cancel()
    lines = [json.loads(l) for l in open(report) if l.strip()]
    kinds = collections.Counter((l.get("upstream_error") or {}).get("kind", "answered") for l in lines)
    answered = sum(v for k, v in counts.items() if not k.startswith("client-error") and k != "no-status")
    print(f"soak: {SECONDS:.0f} s, {CLIENTS} clients, upstream modes {dict(upstream.modes)}")
    print(f"clients: {answered} answered, statuses {dict(sorted(counts.items()))}")
    print(f"report: {len(lines)} lines, by kind {dict(sorted(kinds.items()))}")
    print(f"lost exchanges (answered, no report line): {max(0, answered - len(lines))}")
    print(f"proxy exit after SIGTERM: {exit_seconds:.2f} s, code {proc.returncode}")
    print("proxy summary:", summary[-1] if summary else "-")
    for l in err.decode(errors="replace").strip().splitlines()[-2:]:
        print("proxy stderr:", l[:300])
    os.unlink(report)
    return 0 if answered <= len(lines) else 1


sys.exit(asyncio.run(main()))
