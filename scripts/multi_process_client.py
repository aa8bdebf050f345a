"""The browser's and the field app's part of scripts/multi-process-demo.sh, standard library only.

Everything goes through the load balancer (nginx), which adds an `X-Upstream` header naming
the gunicorn instance that answered. The script signs in, checks that the session works on
every instance, registers a lead and records its inspection through the JSON API (which issues
documents that the Celery workers render), waits for the PDFs and downloads each of them
several times. It prints what it does, fails loudly (exit 1) on anything unexpected, and ends
with one JSON line of facts for the shell script to check.

    python scripts/multi_process_client.py --base http://127.0.0.1:18100 --username officer1 \
        --password demo-pass-2026 --community 1 --officers 3,4
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import hashlib
import http.cookiejar
import json
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

BEIJING = dt.timezone(dt.timedelta(hours=8))


class DemoFailed(Exception):
    pass


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Client:
    def __init__(self, base: str):
        self.base = base.rstrip("/")
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies), NoRedirect)
        self.upstreams: collections.Counter[str] = collections.Counter()

    def cookie(self, name: str) -> str:
        return next((c.value for c in self.cookies if c.name == name), "")

    def request(self, method: str, path: str, *, data: bytes | None = None, headers: dict | None = None,
                expect: tuple[int, ...] = (200,)) -> tuple[int, dict, bytes, str]:
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=headers or {})
        try:
            with self.opener.open(request, timeout=60) as response:
                status, head, body = response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            status, head, body = error.code, dict(error.headers), error.read()
        upstream = head.get("X-Upstream", "?")
        self.upstreams[upstream] += 1
        print(f"  {method:4} {path:48} -> {status}  served by gunicorn at {upstream}")
        if status not in expect:
            raise DemoFailed(f"{method} {path} answered {status}, expected {expect}: {body[:500]!r}")
        return status, head, body, upstream

    def api(self, method: str, path: str, payload: dict | None = None, expect=(200,)) -> tuple[dict, str]:
        headers = {"Accept": "application/json", "X-CSRFToken": self.cookie("csrftoken"),
                   "Referer": self.base + "/"}
        data = None
        if payload is not None:
            data = json.dumps(payload).encode()
            headers["Content-Type"] = "application/json"
        _, _, body, upstream = self.request(method, path, data=data, headers=headers, expect=expect)
        return json.loads(body or b"null"), upstream


def moment(hours_ago: float) -> str:
    return (dt.datetime.now(BEIJING) - dt.timedelta(hours=hours_ago)).isoformat(timespec="seconds")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True)
    parser.add_argument("--username", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--community", type=int, required=True)
    parser.add_argument("--officers", required=True, help="comma-separated user ids of two certified officers")
    parser.add_argument("--downloads", type=int, default=4, help="downloads of each PDF")
    parser.add_argument("--render-timeout", type=float, default=180.0)
    args = parser.parse_args()
    client = Client(args.base)

    print("1. health check through nginx (each instance answers for the database and the broker)")
    for _ in range(2):
        client.request("GET", "/healthz")

    print("2. sign in through nginx")
    _, _, page, _ = client.request("GET", "/accounts/login/")
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if not token:
        raise DemoFailed("the sign-in page has no CSRF token")
    form = urllib.parse.urlencode({"csrfmiddlewaretoken": token.group(1).decode(), "username": args.username,
                                   "password": args.password}).encode()
    _, head, _, _ = client.request("POST", "/accounts/login/", data=form, expect=(302,), headers={
        "Content-Type": "application/x-www-form-urlencoded", "Referer": args.base + "/accounts/login/"})
    if "/accounts/login/" in head.get("Location", ""):
        raise DemoFailed("sign-in was refused")

    print("3. the session (stored in PostgreSQL) is valid on every instance")
    signed_in_on = set()
    for _ in range(4):
        # 403 "not authenticated" would fail here; 200 lists the cases the signed-in officer sees.
        _, upstream = client.api("GET", "/api/v1/cases/?page_size=1")
        signed_in_on.add(upstream)

    print("4. register a lead and record its inspection through the API (issues two documents)")
    case, _ = client.api("POST", "/api/v1/cases/", {
        "community": args.community, "source": "patrol", "location": "五星村东区 多机演示 8 号",
        "description": "多机部署演示：两台 gunicorn、两个 Celery worker。",
        "party": {"name": "演示当事人", "identifier": "11010519491231002X", "address": "五星村东区 8 号"},
        "occurred_at": moment(2),
    }, expect=(201,))
    officers = [int(x) for x in args.officers.split(",")]
    inspected, _ = client.api("POST", f"/api/v1/cases/{case['id']}/transitions/inspect/", {
        "officers": officers, "location": "五星村东区 多机演示 8 号 楼顶", "illegal_area": "86.50",
        "construction_ongoing": True, "findings": "楼顶新建砖混结构，仍在施工。", "occurred_at": moment(1),
    }, expect=(200, 201))
    print(f"   case {case['id']} ({case.get('number', '')}) is now {inspected.get('status')}")

    print("5. wait until the Celery workers have rendered every document")
    deadline = time.monotonic() + args.render_timeout
    while True:
        documents, _ = client.api("GET", f"/api/v1/cases/{case['id']}/documents/")
        documents = documents["results"] if isinstance(documents, dict) and "results" in documents else documents
        pending = [d for d in documents if d["status"] != "issued"]
        if documents and not pending:
            break
        if time.monotonic() > deadline:
            raise DemoFailed(f"documents not rendered after {args.render_timeout:.0f} s: {pending}")
        time.sleep(2)
    for document in documents:
        print(f"   {document['number']}  {document['type_label']}  {document['size']} bytes  sha256 {document['sha256'][:16]}…")

    print("6. download every PDF through nginx, from whichever instance answers")
    served_pdf = collections.Counter()
    for document in documents:
        for _ in range(args.downloads):
            _, head, body, upstream = client.request("GET", f"/documents/{document['id']}/pdf/")
            if not body.startswith(b"%PDF-") or head.get("Content-Type") != "application/pdf":
                raise DemoFailed(f"document {document['id']} did not come back as a PDF")
            if hashlib.sha256(body).hexdigest() != document["sha256"]:
                raise DemoFailed(f"document {document['id']} differs from its recorded SHA-256")
            served_pdf[upstream] += 1
    print(f"   every download matched its recorded SHA-256; PDFs served per instance: {dict(served_pdf)}")

    facts = {"case": case["id"], "documents": [d["id"] for d in documents],
             "signed_in_on": sorted(signed_in_on), "pdf_served_by": dict(served_pdf),
             "requests_per_upstream": dict(client.upstreams)}
    print("RESULT " + json.dumps(facts))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except DemoFailed as error:
        print(f"FAILED: {error}", file=sys.stderr)
        sys.exit(1)
