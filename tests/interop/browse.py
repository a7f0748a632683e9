#!/usr/bin/env python3
"""A scripted browser for LTI flows between any platform and any tool on loopback.

Starts at one URL and does what a browser does without a user: keeps cookies (Secure cookies
are kept on loopback, like Chrome and Firefox do), follows redirects, submits auto-submitting
forms, follows meta refreshes and literal `location = "..."` scripts, until a page just sits
there. Prints ONE JSON object:

  {"ok": bool,              # final response is 2xx and no hop limit was hit
   "status": int|null, "url": "<final URL>", "body": "<final body, first 64 KiB>",
   "json": <final body parsed as JSON, or null>,
   "hops": [{"method", "url", "status"}...],           # every HTTP request, tokens redacted in URLs
   "submitted_forms": [{"action", "method", "fields": {name: value}, "why"}...],  # incl. id_token / JWT
   "cookies": [{"name", "from", "secure", "httponly", "samesite", "path", "partitioned"}...],
   "error": null|"..."}

Use it to drive our Rust test platform against a peer tool:
    python browse.py --url 'http://127.0.0.1:PORT/launch?client_id=...&user=...'
Exit status: 0 when ok, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

import requests

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from interop_common import Browser, auto_navigation  # noqa: E402


def browse(url: str, method: str = "GET", data: dict | None = None, max_hops: int = 12) -> dict:
    browser = Browser()
    out: dict = {
        "ok": False,
        "status": None,
        "url": url,
        "body": "",
        "json": None,
        "hops": browser.hops,
        "submitted_forms": [],
        "cookies": browser.set_cookies,
        "error": None,
    }
    try:
        resp = browser.request(method, url, data)
        for _ in range(max_hops):
            nxt = auto_navigation(resp.url, resp.text)
            if nxt is None:
                break
            if nxt["data"] is not None:
                out["submitted_forms"].append(
                    {"action": nxt["url"], "method": nxt["method"], "fields": dict(nxt["data"]), "why": nxt["why"]}
                )
            resp = browser.request(nxt["method"], nxt["url"], nxt["data"])
        else:
            out["error"] = f"more than {max_hops} automatic navigations"
        out["status"], out["url"], out["body"] = resp.status_code, resp.url, resp.text[:65536]
        try:
            out["json"] = resp.json()
        except ValueError:
            pass
        out["ok"] = out["error"] is None and 200 <= resp.status_code < 300
    except requests.RequestException as exc:
        out["error"] = f"HTTP error: {exc}"
    return out


def main(argv: list | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", required=True, help="where the browser starts")
    ap.add_argument("--method", default="GET", choices=("GET", "POST"))
    ap.add_argument("--data", action="append", metavar="KEY=VALUE", help="query (GET) or form (POST) field")
    ap.add_argument("--max-hops", type=int, default=12)
    args = ap.parse_args(argv)
    data = dict(kv.split("=", 1) for kv in args.data) if args.data else None
    result = browse(args.url, args.method, data, args.max_hops)
    print(json.dumps(result))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
