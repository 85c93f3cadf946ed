#!/usr/bin/env python3
"""Hostile-client loads against a running `keelson serve`, for bench/serve_hostile. Loopback only,
bounded by --seconds. Prints "name: value" lines.

  probe URL --pid PID: requests URL every --interval s on a new connection (as a kubelet probe
      does) for --seconds, while sampling VmRSS of PID every 0.1 s; prints the answers, their
      max and p99 latency, and the peak RSS. Run it beside the load (wrk).
  slowloris HOST:PORT: --connections sockets bound to --source (127.0.0.2) that send a partial
      request header and then one byte every --byte-interval s (--mode slow), or that send one
      whole request, read the answer and stay idle (--mode idle). A socket the server closes is
      opened again 1 s later. Meanwhile a normal client on 127.0.0.1 requests each of --paths
      every --normal-interval s on a new connection; prints its successes, failures and max
      latency, and how the attacking sockets fared.
"""
import argparse
import collections
import errno
import http.client
import selectors
import socket
import threading
import time


def percentile(values, q):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def one_request(host, port, path, timeout, source="127.0.0.1"):
    """GET path on a new connection: (status or error kind, seconds)."""
    start = time.monotonic()
    conn = http.client.HTTPConnection(host, port, timeout=timeout, source_address=(source, 0))
    try:
        conn.request("GET", path, headers={"Connection": "close"})
        response = conn.getresponse()
        response.read()
        return response.status, time.monotonic() - start
    except socket.timeout:
        return "timeout", time.monotonic() - start
    except ConnectionRefusedError:
        return "refused", time.monotonic() - start
    except (ConnectionResetError, BrokenPipeError):
        return "reset", time.monotonic() - start
    except http.client.RemoteDisconnected:
        return "closed", time.monotonic() - start
    except OSError as e:
        return f"error-{e.errno}", time.monotonic() - start
    finally:
        conn.close()


class Requests:
    """Outcomes of one path's requests (thread-safe)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.outcomes = collections.Counter()
        self.ok_latencies = []
        self.all_latencies = []

    def add(self, outcome, seconds):
        with self.lock:
            self.outcomes[outcome] += 1
            self.all_latencies.append(seconds)
            if outcome == 200:
                self.ok_latencies.append(seconds)

    def lines(self, name):
        total = sum(self.outcomes.values())
        ok = self.outcomes.get(200, 0)
        failures = " ".join(f"{k}={v}" for k, v in sorted(self.outcomes.items(), key=str) if k != 200)
        return [
            (f"{name}_requests", total),
            (f"{name}_ok", ok),
            (f"{name}_failed", total - ok),
            (f"{name}_failures", failures or "none"),
            (f"{name}_ok_latency_max_ms", f"{1000 * max(self.ok_latencies, default=float('nan')):.1f}"),
            (f"{name}_ok_latency_p99_ms", f"{1000 * percentile(self.ok_latencies, 0.99):.1f}"),
            (f"{name}_latency_max_ms", f"{1000 * max(self.all_latencies, default=float('nan')):.1f}"),
        ]


def paced(seconds, interval, fn):
    """Calls fn() every `interval` s (from the schedule, not after the call) for `seconds`."""
    deadline = time.monotonic() + seconds
    next_at = time.monotonic()
    while next_at < deadline:
        fn()
        next_at += interval
        time.sleep(max(0.0, next_at - time.monotonic()))


def rss_kib(pid, field="VmRSS"):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def cmd_probe(args):
    host, port = args.target.rsplit(":", 1)
    results = Requests()
    peak = [rss_kib(args.pid)]
    stop = threading.Event()

    def sample():
        while not stop.wait(0.1):
            try:
                peak[0] = max(peak[0], rss_kib(args.pid))
            except OSError:
                return

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    paced(args.seconds, args.interval,
          lambda: results.add(*one_request(host, int(port), args.path, args.timeout, args.source)))
    stop.set()
    sampler.join()
    for name, value in results.lines(args.name):
        print(f"{name}: {value}")
    print(f"{args.name}_rss_peak_kib: {peak[0]}")


class Attackers:
    """--connections non-blocking sockets from --source, driven by one selector loop."""

    def __init__(self, args, host, port):
        self.args, self.host, self.port = args, host, port
        self.sel = selectors.DefaultSelector()
        self.state = {}  # socket -> dict(phase, next_byte_at)
        self.reopen_at = collections.deque()
        self.counts = collections.Counter()
        self.open_max = 0

    def open(self):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        try:
            s.bind((self.args.source, 0))
            rc = s.connect_ex((self.host, self.port))
        except OSError:
            s.close()
            self.counts["connect_failed"] += 1
            self.reopen_at.append(time.monotonic() + 1.0)
            return
        if rc not in (0, errno.EINPROGRESS):
            s.close()
            self.counts["connect_failed"] += 1
            self.reopen_at.append(time.monotonic() + 1.0)
            return
        self.counts["opened"] += 1
        self.state[s] = {"phase": "connecting", "next_byte_at": 0.0}
        self.sel.register(s, selectors.EVENT_WRITE)

    def drop(self, s, why):
        self.sel.unregister(s)
        del self.state[s]
        s.close()
        self.counts[why] += 1
        self.reopen_at.append(time.monotonic() + 1.0)

    def established(self):
        return sum(1 for st in self.state.values() if st["phase"] != "connecting")

    def run(self, seconds):
        deadline = time.monotonic() + seconds
        for _ in range(self.args.connections):
            self.open()
        while time.monotonic() < deadline:
            now = time.monotonic()
            while self.reopen_at and self.reopen_at[0] <= now:
                self.reopen_at.popleft()
                self.open()
            for key, events in self.sel.select(timeout=0.1):
                s, st = key.fileobj, self.state[key.fileobj]
                if st["phase"] == "connecting":
                    err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                    if err:
                        self.drop(s, "connect_failed")
                        continue
                    if self.args.mode == "slow":
                        first = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "
                    else:
                        first = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                    try:
                        s.send(first)
                    except OSError:
                        self.drop(s, "closed_by_server")
                        continue
                    st["phase"] = "open"
                    st["next_byte_at"] = time.monotonic() + self.args.byte_interval
                    self.sel.modify(s, selectors.EVENT_READ)
                    continue
                try:
                    data = s.recv(65536)
                except OSError:
                    data = b""
                if not data:
                    self.drop(s, "closed_by_server")
                elif self.args.mode == "slow":
                    # An answer to a request never finished (408, 400, 503): the server gave up.
                    self.drop(s, "answered_and_closed")
                else:
                    self.counts["idle_answers"] += 1  # the one answer; now stay idle
            if self.args.mode == "slow":
                now = time.monotonic()
                for s, st in list(self.state.items()):
                    if st["phase"] == "open" and st["next_byte_at"] <= now:
                        try:
                            s.send(b"a")
                        except OSError:
                            self.drop(s, "closed_by_server")
                            continue
                        st["next_byte_at"] = now + self.args.byte_interval
            self.open_max = max(self.open_max, self.established())
        for s in list(self.state):
            self.sel.unregister(s)
            s.close()


def cmd_slowloris(args):
    host, port = args.target.rsplit(":", 1)
    attackers = Attackers(args, host, int(port))
    attacker = threading.Thread(target=attackers.run, args=(args.seconds + args.warmup,))
    attacker.start()
    time.sleep(args.warmup)  # let the attacking connections be made first
    established_at_start = attackers.established()
    per_path = {path: Requests() for path in args.paths.split(",")}

    def tick():
        for path, results in per_path.items():
            results.add(*one_request(host, int(port), path, args.timeout))

    paced(args.seconds, args.normal_interval, tick)
    attacker.join()
    name = args.name
    print(f"{name}_attack_connections: {args.connections} from {args.source} ({args.mode})")
    print(f"{name}_attack_established_at_start: {established_at_start}")
    print(f"{name}_attack_established_max: {attackers.open_max}")
    for key in ("opened", "closed_by_server", "answered_and_closed", "connect_failed", "idle_answers"):
        print(f"{name}_attack_{key}: {attackers.counts.get(key, 0)}")
    for path, results in per_path.items():
        label = name + "_normal_" + path.strip("/").replace("/", "_").replace("?", "_")
        for key, value in results.lines(label):
            print(f"{key}: {value}")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    probe = sub.add_parser("probe")
    probe.add_argument("target", help="HOST:PORT")
    probe.add_argument("--path", default="/healthz")
    probe.add_argument("--pid", type=int, required=True, help="keelson serve, for VmRSS")
    probe.add_argument("--interval", type=float, default=0.05)
    probe.add_argument("--timeout", type=float, default=1.0, help="a kubelet probe's default")
    probe.add_argument("--seconds", type=float, default=30)
    probe.add_argument("--name", default="probe")
    probe.add_argument("--source", default="127.0.0.3",
                       help="the probe's address: a kubelet probes from the node's, not the load's")
    probe.set_defaults(fn=cmd_probe)
    slow = sub.add_parser("slowloris")
    slow.add_argument("target", help="HOST:PORT")
    slow.add_argument("--source", default="127.0.0.2")
    slow.add_argument("--connections", type=int, default=1000)
    slow.add_argument("--mode", choices=["slow", "idle"], default="slow")
    slow.add_argument("--byte-interval", type=float, default=4.0)
    slow.add_argument("--seconds", type=float, default=30)
    slow.add_argument("--warmup", type=float, default=3.0)
    slow.add_argument("--paths", default="/healthz,/api/v1/cluster")
    slow.add_argument("--normal-interval", type=float, default=0.2)
    slow.add_argument("--timeout", type=float, default=2.0)
    slow.add_argument("--name", default="slowloris")
    slow.set_defaults(fn=cmd_slowloris)
    args = p.parse_args()
    args.fn(args)


if __name__ == "__main__":
    main()
