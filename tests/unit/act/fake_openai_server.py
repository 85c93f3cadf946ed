#!/usr/bin/env python3
"""A local OpenAI-compatible chat-completions server for test_llm_explainer.cpp.

Usage: fake_openai_server.py --api-key KEY --model MODEL

Listens on 127.0.0.1 (plain HTTP, a free port), prints "PORT <n>", serves until killed.

POST <mode>/v1/chat/completions checks the request itself and answers 400 with an OpenAI-style
error naming the first problem:
  - the header "Authorization: Bearer KEY" is present;
  - the body is JSON with "model" == MODEL and "messages" a list of {role, content} strings
    with a "user" message;
  - the body holds neither the word "Authorization" nor KEY (the key travels only in the
    header), nor anything that looks like a bearer token.
Otherwise it records the request and answers by <mode>:
  /ok       200, a chat completion whose content is "  Looks like <first line of the prompt>  "
  /slow     sleeps 5 s, then as /ok
  /error    500 {"error": {"message": "the model is overloaded"}}
  /garbage  200 with a body that is not JSON
GET /requests returns every recorded request: [{"path", "headers", "body"}].
"""
import argparse
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    api_key = ""
    model = ""
    lock = threading.Lock()
    recorded = []

    def log_message(self, fmt, *args):
        pass

    def send(self, code, body):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def problem(self, text):
        self.send(400, {"error": {"message": text, "type": "invalid_request_error"}})

    def do_GET(self):
        if self.path == "/requests":
            with self.lock:
                self.send(200, list(self.recorded))
        else:
            self.send(404, {"error": {"message": "no route " + self.path}})

    def check(self, raw):
        if self.headers.get("Authorization") != "Bearer " + self.api_key:
            return "no bearer header with the API key"
        text = raw.decode("utf-8", errors="replace")
        if "authorization" in text.lower():
            return "the body mentions Authorization"
        if self.api_key in text:
            return "the body carries the API key"
        if "bearer " in text.lower():
            return "the body carries a bearer token"
        try:
            body = json.loads(text)
        except ValueError:
            return "the body is not JSON"
        if body.get("model") != self.model:
            return "model is %r, expected %r" % (body.get("model"), self.model)
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            return "no messages"
        for m in messages:
            if not isinstance(m, dict) or not isinstance(m.get("role"), str) or \
                    not isinstance(m.get("content"), str):
                return "a message is not {role, content}"
        if not any(m["role"] == "user" for m in messages):
            return "no user message"
        return None

    def do_POST(self):
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        mode, _, rest = self.path.partition("/v1")
        if rest != "/chat/completions":
            self.send(404, {"error": {"message": "no route " + self.path}})
            return
        problem = self.check(raw)
        if problem:
            self.problem(problem)
            return
        with self.lock:
            self.recorded.append({"path": self.path,
                                  "headers": {k.lower(): v for k, v in self.headers.items()},
                                  "body": json.loads(raw)})
        if mode == "/slow":
            time.sleep(5)
        if mode == "/error":
            self.send(500, {"error": {"message": "the model is overloaded"}})
        elif mode == "/garbage":
            self.send(200, b"<html>not json</html>")
        else:
            prompt = [m for m in json.loads(raw)["messages"] if m["role"] == "user"][0]["content"]
            self.send(200, {"id": "chatcmpl-1", "object": "chat.completion", "model": self.model,
                            "choices": [{"index": 0, "finish_reason": "stop",
                                         "message": {"role": "assistant",
                                                     "content": "  Looks like " +
                                                     prompt.splitlines()[0] + "  "}}]})


class Server(ThreadingHTTPServer):
    daemon_threads = True


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--api-key", required=True)
    parser.add_argument("--model", required=True)
    args = parser.parse_args()
    Handler.api_key = args.api_key
    Handler.model = args.model
    server = Server(("127.0.0.1", 0), Handler)
    print("PORT %d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
