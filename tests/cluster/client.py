"""A signed-in user's HTTP client through nginx: keeps the session cookie by hand (production
cookies are Secure; no cookie jar sends them over plain HTTP on loopback) and tells which node answered."""

import http.client
import re
import urllib.parse
from dataclasses import dataclass

CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
#: set by the cluster's nginx: the node (or nodes, when retried) that answered
NODE_HEADER = "X-Kosodate-Node"


@dataclass
class Answer:
    status: int
    body: str
    #: the upstream addresses nginx tried, last one answered ("127.0.0.1:8001, 127.0.0.1:8002")
    upstream: str
    location: str = ""


class Client:
    def __init__(self, port: int, cookie: str = ""):
        self.port, self.cookie = port, cookie

    def request(self, method: str, path: str, form: dict | None = None, timeout: float = 30) -> Answer:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        headers = {"Cookie": self.cookie} if self.cookie else {}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            if header.startswith("session="):
                self.cookie = header.split(";", 1)[0]
        return Answer(
            response.status, text, response.headers.get(NODE_HEADER, ""), response.headers.get("Location", "")
        )

    def get(self, path: str, timeout: float = 30) -> Answer:
        return self.request("GET", path, timeout=timeout)

    def csrf_token(self, path: str = "/login") -> str:
        match = CSRF_FIELD.search(self.get(path).body)
        if not match:
            raise RuntimeError(f"{path} has no CSRF token")
        return match.group(1)

    def log_in(self, email: str, password: str) -> Answer:
        token = self.csrf_token("/login")
        return self.request("POST", "/login", {"email": email, "password": password, "csrf_token": token})
