#!/usr/bin/env python3
"""A small real HTTPS server for the kube transport tests (test_transport_https.cpp).

Usage: fake_apiserver.py --dir DIR

Generates with the openssl CLI, in DIR: ca.crt/ca.key (the test CA), server.crt/key (signed by
the CA; SAN IP:127.0.0.1, DNS:localhost), client.crt/key (signed by the CA, CN keelson-client)
and wrong-ca.crt (an unrelated CA). Listens on 127.0.0.1 on a free port, prints "PORT <n>" on
stdout, and serves until killed.

Routes (HTTP/1.1, keep-alive):
  GET  /echo                 200 JSON: method, path, headers, client_port, client_cn
  ANY  /flaky/<key>?status=S&count=N[&retry_after=R]
                             the first N requests for <key> answer S (a Status body, with
                             Retry-After: R when given); later ones 200. Every answer lists the
                             server-side arrival times of all attempts for <key> so far.
  GET  /slow?seconds=S       sleeps S seconds, then 200
  GET  /status/<code>        a Kubernetes Status with that code (and reason for known codes)
  GET  /auth                 200 when "Authorization: Bearer <DIR/valid_token>", else 401 Status
  GET  /whoami               200 {"cn": ...} with a client certificate, else 401 Status
  GET  /watch?events=N[&hold=S]
                             N ADDED events as chunked newline-delimited JSON (each split in two
                             chunks); then S seconds of silence (an idle watch); then the end.
"""
import argparse
import json
import os
import ssl
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

REASONS = {401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 409: "AlreadyExists",
           410: "Expired", 429: "TooManyRequests", 500: "InternalError",
           503: "ServiceUnavailable", 504: "Timeout"}


def openssl(*args):
    subprocess.run(["openssl", *args], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.PIPE)


def make_ca(d, name, cn):
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-nodes", "-keyout", f"{d}/{name}.key", "-out", f"{d}/{name}.crt", "-days", "2",
            "-subj", f"/CN={cn}", "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign")


def make_leaf(d, name, cn, extensions):
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", f"{d}/{name}.key", "-out", f"{d}/{name}.csr", "-subj", f"/CN={cn}")
    with open(f"{d}/{name}.ext", "w") as f:
        f.write(extensions)
    openssl("x509", "-req", "-in", f"{d}/{name}.csr", "-CA", f"{d}/ca.crt", "-CAkey",
            f"{d}/ca.key", "-CAcreateserial", "-out", f"{d}/{name}.crt", "-days", "2",
            "-extfile", f"{d}/{name}.ext")


def make_certs(d):
    make_ca(d, "ca", "keelson-test-ca")
    make_ca(d, "wrong-ca", "unrelated-ca")
    make_leaf(d, "server", "localhost",
              "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n")
    make_leaf(d, "client", "keelson-client", "extendedKeyUsage=clientAuth\n")


class State:
    def __init__(self, directory):
        self.directory = directory
        self.lock = threading.Lock()
        self.attempts = {}  # key -> [arrival time]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    state = None  # set in main

    def log_message(self, fmt, *args):  # keep the test output quiet
        pass

    def send_json(self, code, body, extra_headers=()):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in extra_headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def send_status(self, code, message, extra_headers=()):
        self.send_json(code, {"kind": "Status", "apiVersion": "v1", "metadata": {},
                              "status": "Failure", "message": message,
                              "reason": REASONS.get(code, ""), "code": code}, extra_headers)

    def client_cn(self):
        cert = self.connection.getpeercert()
        if not cert:
            return None
        for rdn in cert.get("subject", ()):
            for key, value in rdn:
                if key == "commonName":
                    return value
        return None

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        url = urlparse(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        parts = url.path.strip("/").split("/")
        if url.path == "/echo":
            self.send_json(200, {"method": self.command, "path": self.path,
                                 "headers": {k.lower(): v for k, v in self.headers.items()},
                                 "body": body.decode(errors="replace"),
                                 "client_port": self.client_address[1],
                                 "client_cn": self.client_cn()})
        elif parts[0] == "flaky" and len(parts) == 2:
            with self.state.lock:
                times = self.state.attempts.setdefault(parts[1], [])
                times.append(time.monotonic())
                attempt = len(times)
                snapshot = list(times)
            if attempt <= int(query.get("count", "0")):
                headers = []
                if "retry_after" in query:
                    headers.append(("Retry-After", query["retry_after"]))
                self.send_status(int(query.get("status", "503")), f"attempt {attempt} fails",
                                 headers)
            else:
                self.send_json(200, {"attempts": attempt, "times": snapshot})
        elif url.path == "/slow":
            time.sleep(float(query.get("seconds", "5")))
            self.send_json(200, {"slept": True})
        elif parts[0] == "status" and len(parts) == 2:
            self.send_status(int(parts[1]), f"status {parts[1]} as asked")
        elif url.path == "/auth":
            with open(os.path.join(self.state.directory, "valid_token")) as f:
                valid = f.read().strip()
            if self.headers.get("Authorization") == f"Bearer {valid}":
                self.send_json(200, {"authenticated": True})
            else:
                self.send_status(401, "Unauthorized")
        elif url.path == "/whoami":
            cn = self.client_cn()
            if cn:
                self.send_json(200, {"cn": cn})
            else:
                self.send_status(401, "no client certificate")
        elif url.path == "/watch":
            self.stream_events(int(query.get("events", "3")), float(query.get("hold", "0")))
        else:
            self.send_status(404, f"no route {url.path}")

    def stream_events(self, count, hold):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

        def chunk(data):
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.wfile.flush()

        for i in range(1, count + 1):
            event = json.dumps({"type": "ADDED", "object": {
                "kind": "ConfigMap", "metadata": {"name": f"cm-{i}",
                                                  "resourceVersion": str(100 + i)}}}) + "\n"
            data = event.encode()
            chunk(data[:len(data) // 2])  # an event split across two chunks
            chunk(data[len(data) // 2:])
        # hold: stay silent (an idle watch) for a while; the client is expected to stop first.
        time.sleep(hold)
        try:
            chunk(b"")
        except OSError:
            pass

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = handle_any


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # failed handshakes (the wrong-CA tests) are expected


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    args = parser.parse_args()
    make_certs(args.dir)
    with open(os.path.join(args.dir, "valid_token"), "w") as f:
        f.write("good-token")
    Handler.state = State(args.dir)

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(f"{args.dir}/server.crt", f"{args.dir}/server.key")
    context.load_verify_locations(f"{args.dir}/ca.crt")
    context.verify_mode = ssl.CERT_OPTIONAL
    server = Server(("127.0.0.1", 0), Handler)
    # The handshake runs in the handler thread (on first read), so a stuck client blocks only
    # its own connection.
    server.socket = context.wrap_socket(server.socket, server_side=True,
                                        do_handshake_on_connect=False)
    print(f"PORT {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
