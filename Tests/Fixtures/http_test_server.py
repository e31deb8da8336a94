"""A small HTTP server for the web_fetch tests, on 127.0.0.1 and an ephemeral port.

Prints its port on the first line of stdout, then serves until stdin closes (the test
that started it ended). Routes:
  GET  /hello              200, "hello from the test server"
  GET  /status/CODE        CODE, "status CODE"
  GET  /redirect?to=URL    302 to URL
  POST /echo               200, "METHOD BODY" with the request's content type in x-echo-type
"""
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


class Handler(BaseHTTPRequestHandler):
    def answer(self, code, body, headers=()):
        data = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        url = urlparse(self.path)
        if url.path == "/hello":
            self.answer(200, "hello from the test server")
        elif url.path.startswith("/status/"):
            code = int(url.path.rsplit("/", 1)[1])
            self.answer(code, f"status {code}")
        elif url.path == "/redirect":
            target = parse_qs(url.query).get("to", ["/hello"])[0]
            self.answer(302, "moved", [("Location", target)])
        else:
            self.answer(404, "not found")

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length).decode()
        self.answer(200, f"{self.command} {body}", [("X-Echo-Type", self.headers.get("Content-Type", ""))])

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
threading.Thread(target=server.serve_forever, daemon=True).start()
sys.stdin.read()
server.shutdown()
