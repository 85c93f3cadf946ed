#!/usr/bin/env python3
"""The load half of tests/soak/serve_churn: for --seconds, churns pods through the API server
while --clients threads request every route of `keelson serve` in a loop.

Churn (HTTPS to the test control plane, admin client certificate, loopback only):
  - bare pods churn-<n> in the first namespace, created at --rate pods/s and deleted (grace 0)
    about --lifetime s later; one in five asks for more CPU than any node has, so it stays
    Pending and the scheduler writes FailedScheduling events;
  - the Deployment `web` in the second namespace, scaled between 1 and 8 replicas every 2 s.
Clients: plain HTTP/1.1 keep-alive to serve. Pod routes ask for pods that exist (the churn's
live pods, and the Deployment's from serve's own /api/v1/cluster?namespace=X, refreshed twice a
second) and, three times in ten, pods that were just deleted; node routes for the nodes serve
lists.

Prints one "name: value" line per figure and writes the same as JSON to --summary. Exits 1
when a request got an answer outside its route's expected statuses (see ROUTES), or when a
connection failed while the server was supposed to be up; 0 otherwise.
"""
import argparse
import collections
import http.client
import json
import random
import ssl
import sys
import threading
import time
import urllib.parse

# Every route of keelson serve, once (src/app/serve.cpp, serve_routes.h, serve_utilization.h),
# with the statuses that are a correct answer under churn. Two overload answers are correct on
# every route and counted, not failed: 408 (the request deadline, which a sanitized build may
# miss on a loaded machine) and 503 "server busy" (the server's queue of pending requests is
# full). The expensive routes (cluster, namespace error) may also answer 429: at most two of them
# run at once.
#   {ns}: a churn namespace, {pod}: a pod that exists or was just deleted, {node}: a node.
ROUTES = {
    "/healthz": {200},
    "/readyz": {200, 503},
    "/metrics": {200},
    "/api/v1/cluster": {200, 429},
    "/api/v1/cluster?allNamespaces=true": {200, 429},
    "/api/v1/cluster?namespace={ns}": {200, 429},
    "/api/v1/host": {200, 503},
    "/api/v1/pods/{ns}/{pod}/scheduling": {200, 404},
    "/api/v1/pods/{ns}/{pod}/resources": {200, 404},
    "/api/v1/pods/{ns}/{pod}/describe": {200, 404},
    "/api/v1/pods/{ns}/{pod}/failure-events": {200, 404},
    "/api/v1/namespace/{ns}/error": {200, 404, 429},
    "/api/v1/nodes/{node}/utilization": {200, 404, 503},
}
ALWAYS_OK = {408}


class Shared:
    """State the churn thread and the clients share (guarded by `lock`)."""

    def __init__(self, namespaces):
        self.lock = threading.Lock()
        self.namespaces = namespaces
        self.live = {ns: [] for ns in namespaces}        # pods known to exist
        self.deleted = collections.deque(maxlen=64)      # (ns, name) just deleted
        self.nodes = []
        self.stop = threading.Event()
        self.counts = collections.defaultdict(collections.Counter)  # route -> status -> n
        self.unexpected = []                             # the first 20 bad answers
        self.unexpected_count = 0
        self.churn = collections.Counter()

    def record(self, route, status, body, path):
        overload = status in ALWAYS_OK or (status == 503 and b'"server busy"' in body)
        detail = path + " " + body[:160].decode(errors="replace")
        with self.lock:
            self.counts[route][status] += 1
            if status not in ROUTES[route] and not overload:
                self.unexpected_count += 1
                if len(self.unexpected) < 20:
                    self.unexpected.append(f"{route} -> {status} {detail}"[:300])

    def pick_pod(self, rng):
        with self.lock:
            if self.deleted and rng.random() < 0.3:
                return rng.choice(self.deleted)
            ns = rng.choice(self.namespaces)
            if self.live[ns]:
                return ns, rng.choice(self.live[ns])
            return ns, "no-such-pod"

    def pick_node(self, rng):
        with self.lock:
            return rng.choice(self.nodes) if self.nodes else "no-such-node"


class Serve:
    """One keep-alive connection to keelson serve."""

    def __init__(self, host, port):
        self.host, self.port = host, port
        self.conn = None

    def get(self, path):
        for attempt in range(2):
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection(self.host, self.port, timeout=15)
                self.conn.request("GET", path)
                response = self.conn.getresponse()
                body = response.read()
                if response.getheader("Connection", "").lower() == "close":
                    self.close()
                return response.status, body
            except (OSError, http.client.HTTPException) as e:
                self.close()
                if attempt == 1:
                    return -1, str(e).encode()
        return -1, b""

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def client(shared, host, port, seed, routes):
    rng = random.Random(seed)
    serve = Serve(host, port)
    while not shared.stop.is_set():
        route = rng.choice(routes)
        ns, pod = shared.pick_pod(rng)
        path = route.format(ns=ns, pod=pod, node=urllib.parse.quote(shared.pick_node(rng)))
        status, body = serve.get(path)
        shared.record(route, status, body, path)
        if status == -1:
            time.sleep(0.2)  # the server is gone (or refusing): count it, do not spin
    serve.close()


def refresher(shared, host, port):
    """Learns the nodes and the Deployment's pods that serve has, every 0.5 s (the churn pods
    are known from the churn itself)."""
    serve = Serve(host, port)
    while not shared.stop.wait(0.5):
        status, body = serve.get(f"/api/v1/cluster?namespace={shared.namespaces[-1]}")
        if status != 200:
            continue
        data = json.loads(body)["data"]
        with shared.lock:
            shared.live[shared.namespaces[-1]] = [p["name"] for p in data.get("pods", [])]
            shared.nodes = [n["name"] for n in data.get("nodes", [])]
    serve.close()


class Api:
    """The test control plane's API server as cluster admin (client certificate)."""

    def __init__(self, url, ca, cert, key):
        parsed = urllib.parse.urlparse(url)
        self.host, self.port = parsed.hostname, parsed.port
        self.ctx = ssl.create_default_context(cafile=ca)
        self.ctx.load_cert_chain(cert, key)
        self.conn = None

    def call(self, method, path, body=None, content_type="application/json"):
        for attempt in range(2):
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPSConnection(self.host, self.port, context=self.ctx,
                                                            timeout=30)
                headers = {"Content-Type": content_type} if body is not None else {}
                self.conn.request(method, path, body=None if body is None else json.dumps(body),
                                  headers=headers)
                response = self.conn.getresponse()
                return response.status, response.read()
            except (OSError, http.client.HTTPException):
                if self.conn is not None:
                    self.conn.close()
                self.conn = None
                if attempt == 1:
                    raise
        return -1, b""


def pod_manifest(ns, name, pending):
    cpu = "100000" if pending else "50m"
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": ns, "labels": {"app": "churn"}},
            "spec": {"terminationGracePeriodSeconds": 0,
                     "containers": [{"name": "app", "image": "registry.example.com/app:1",
                                     "env": [{"name": "MODE", "value": "soak"}],
                                     "resources": {"requests": {"cpu": cpu, "memory": "32Mi"},
                                                   "limits": {"memory": "64Mi"}}}]}}


def churn(shared, api, ns, deploy_ns, rate, lifetime, deadline):
    """Creates `rate` pods/s in `ns`, deletes each `lifetime` s later; scales deploy_ns/web."""
    pending = collections.deque()  # (delete_at, name)
    n = 0
    next_scale = time.monotonic()
    interval = 1.0 / rate
    next_create = time.monotonic()
    while time.monotonic() < deadline:
        now = time.monotonic()
        if now >= next_create:
            name = f"churn-{n}"
            status, body = api.call("POST", f"/api/v1/namespaces/{ns}/pods",
                                    pod_manifest(ns, name, pending=(n % 5 == 4)))
            shared.churn["created" if status == 201 else f"create_http_{status}"] += 1
            pending.append((now + lifetime, name))
            with shared.lock:
                shared.live[ns].append(name)
            n += 1
            next_create += interval
        while pending and pending[0][0] <= now:
            _, name = pending.popleft()
            status, _ = api.call("DELETE", f"/api/v1/namespaces/{ns}/pods/{name}?gracePeriodSeconds=0")
            shared.churn["deleted" if status in (200, 202) else f"delete_http_{status}"] += 1
            with shared.lock:
                shared.deleted.append((ns, name))
                shared.live[ns].remove(name)
        if now >= next_scale:
            replicas = random.randint(1, 8)
            status, _ = api.call("PATCH", f"/apis/apps/v1/namespaces/{deploy_ns}/deployments/web/scale",
                                 {"spec": {"replicas": replicas}}, "application/merge-patch+json")
            shared.churn["scaled" if status == 200 else f"scale_http_{status}"] += 1
            next_scale = now + 2.0
        wake = min(next_create, next_scale, pending[0][0] if pending else deadline, deadline)
        time.sleep(max(0.0, wake - time.monotonic()))
    # Leave nothing behind: the rest of the churn pods go now.
    for _, name in pending:
        status, _ = api.call("DELETE", f"/api/v1/namespaces/{ns}/pods/{name}?gracePeriodSeconds=0")
        shared.churn["deleted" if status in (200, 202) else f"delete_http_{status}"] += 1


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--serve", required=True, help="HOST:PORT of keelson serve")
    p.add_argument("--apiserver", required=True)
    p.add_argument("--ca", required=True)
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--namespaces", required=True, help="CHURN_NS,DEPLOYMENT_NS")
    p.add_argument("--seconds", type=float, default=60)
    p.add_argument("--clients", type=int, default=8, help="threads requesting every route")
    p.add_argument("--metrics-scrapers", type=int, default=2, help="threads requesting /metrics only")
    p.add_argument("--rate", type=float, default=8, help="pods created (and deleted) per second")
    p.add_argument("--lifetime", type=float, default=4, help="seconds a churn pod lives")
    p.add_argument("--summary", help="write the figures as JSON here")
    args = p.parse_args()

    host, port = args.serve.rsplit(":", 1)
    namespaces = args.namespaces.split(",")
    shared = Shared(namespaces)
    api = Api(args.apiserver, args.ca, args.cert, args.key)
    deadline = time.monotonic() + args.seconds
    threads = [threading.Thread(target=refresher, args=(shared, host, int(port)), daemon=True)]
    routes = list(ROUTES)
    for i in range(args.clients):
        threads.append(threading.Thread(target=client, args=(shared, host, int(port), i, routes),
                                        daemon=True))
    for i in range(args.metrics_scrapers):
        threads.append(threading.Thread(target=client, args=(shared, host, int(port), 1000 + i,
                                                             ["/metrics"]), daemon=True))
    for t in threads:
        t.start()
    churn_error = None
    try:
        churn(shared, api, namespaces[0], namespaces[-1], args.rate, args.lifetime, deadline)
    except Exception as e:  # the API server went away: report it, stop the clients
        churn_error = repr(e)
    shared.stop.set()
    for t in threads:
        t.join(timeout=30)

    total = sum(sum(c.values()) for c in shared.counts.values())
    lines = [("requests", total)]
    for route in ROUTES:
        counts = shared.counts.get(route, collections.Counter())
        statuses = " ".join(f"{s}={n}" for s, n in sorted(counts.items()))
        lines.append((f"route {route}", f"{sum(counts.values())} ({statuses or 'none'})"))
    for key, value in sorted(shared.churn.items()):
        lines.append((f"pods {key}", value))
    lines.append(("unexpected answers", shared.unexpected_count))
    for name, value in lines:
        print(f"{name}: {value}")
    for bad in shared.unexpected:
        print(f"  unexpected: {bad}")
    if churn_error:
        print(f"churn error: {churn_error}")
    if args.summary:
        with open(args.summary, "w") as f:
            json.dump({"requests": total,
                       "routes": {r: dict(c) for r, c in shared.counts.items()},
                       "churn": dict(shared.churn), "unexpected": shared.unexpected,
                       "churn_error": churn_error}, f, indent=1)
    missing = [r for r in ROUTES if not shared.counts.get(r)]
    if missing:
        print(f"routes never requested: {' '.join(missing)}")
    ok = not shared.unexpected and not churn_error and not missing and shared.churn["created"] > 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
