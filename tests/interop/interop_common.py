"""Shared helpers for the interop peer harnesses (keys, a scripted browser, HTML forms).

Nothing here implements LTI itself: the platform harness builds and signs its messages with
lti1p3platform, the tool harness validates launches with pylti1p3. This module only does what
a browser and a test fixture do: hold cookies, follow redirects, submit auto-submitting forms,
and create or load RSA keys.
"""

from __future__ import annotations

import base64
import hashlib
import http.cookiejar
import ipaddress
import json
import os
import re
import sys
import typing as t
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

LOOPBACK = "127.0.0.1"


# ---------------------------------------------------------------- keys


def load_or_generate_key(path: t.Optional[str]) -> rsa.RSAPrivateKey:
    """Load an RSA private key (PKCS#1 or PKCS#8 PEM) or generate a fresh RSA-2048 key."""
    if path:
        with open(path, "rb") as fh:
            key = serialization.load_pem_private_key(fh.read(), password=None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise SystemExit(f"{path}: not an RSA private key")
        if key.key_size < 2048:
            raise SystemExit(f"{path}: RSA key has {key.key_size} bits; need at least 2048")
        return key
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def private_pem(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def public_pem(key: rsa.RSAPrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def _b64u_uint(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def public_jwk(key: rsa.RSAPrivateKey, kid: t.Optional[str] = None) -> dict:
    """Public RSA JWK with kid (RFC 7638 thumbprint when no kid is given), alg RS256, use sig."""
    numbers = key.public_key().public_numbers()
    n, e = _b64u_uint(numbers.n), _b64u_uint(numbers.e)
    if kid is None:
        canonical = json.dumps({"e": e, "kty": "RSA", "n": n}, separators=(",", ":"))
        kid = base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).rstrip(b"=").decode()
    return {"kty": "RSA", "n": n, "e": e, "kid": kid, "alg": "RS256", "use": "sig"}


# ---------------------------------------------------------------- a scripted browser


def is_loopback_host(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class BrowserCookiePolicy(http.cookiejar.DefaultCookiePolicy):
    """Cookie policy of a current browser for loopback development.

    Chrome and Firefox treat http://127.0.0.1 and http://localhost as secure contexts, so they
    store and send `Secure` cookies there. Python's cookiejar would silently drop them over plain
    HTTP, which would make every tool that (correctly) marks its state cookie Secure fail here.
    """

    def return_ok_secure(self, cookie, request):  # noqa: D401 - cookiejar API
        if cookie.secure and is_loopback_host(urlsplit(request.get_full_url()).hostname or ""):
            return True
        return super().return_ok_secure(cookie, request)


class FormParser(HTMLParser):
    """Collects <form>s (action, method, named inputs), meta refreshes and script text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self.meta_refresh: t.Optional[str] = None
        self.scripts: list[str] = []
        self._form: t.Optional[dict] = None
        self._textarea: t.Optional[str] = None
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        a = {k.lower(): (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self._form = {
                "action": a.get("action", ""),
                "method": (a.get("method") or "GET").upper(),
                "id": a.get("id"),
                "fields": [],
            }
            self.forms.append(self._form)
        elif tag == "input" and self._form is not None and a.get("name"):
            if a.get("type", "text").lower() not in ("submit", "button", "image", "file"):
                self._form["fields"].append((a["name"], a.get("value", "")))
        elif tag == "textarea" and self._form is not None and a.get("name"):
            self._textarea = a["name"]
            self._form["fields"].append((a["name"], ""))
        elif tag == "meta" and a.get("http-equiv", "").lower() == "refresh":
            m = re.search(r"url\s*=\s*['\"]?([^'\";]+)", a.get("content", ""), re.I)
            if m:
                self.meta_refresh = m.group(1).strip()
        elif tag == "script":
            self._in_script = True
            self.scripts.append("")

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and self.scripts:
            self.scripts[-1] += data
        elif self._textarea is not None and self._form is not None:
            name, value = self._form["fields"][-1]
            self._form["fields"][-1] = (name, value + data)


def parse_page(html: str) -> FormParser:
    parser = FormParser()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # a browser renders broken HTML too; keep what was parsed
        pass
    return parser


_JS_LOCATION = re.compile(
    r"(?:window\.|document\.)?location(?:\.href)?\s*=\s*(['\"])(.+?)\1"
    r"|location\.(?:replace|assign)\(\s*(['\"])(.+?)\3\s*\)"
)


def auto_navigation(page_url: str, html: str) -> t.Optional[dict]:
    """What a browser would do next on its own on this page, if anything.

    Returns {"method", "url", "data", "why"}: an auto-submitted form (a page with one form and a
    script calling submit(), or a single hidden-only form), a meta refresh, or a literal
    `location = "..."` assignment. None when the page just sits there (a rendered app page).
    """
    page = parse_page(html)
    script_text = "\n".join(page.scripts)
    if page.forms and ".submit()" in script_text:
        form = page.forms[0]
        if len(page.forms) > 1:
            # pick the form the script submits by id, if it names one
            for f in page.forms:
                if f["id"] and f["id"] in script_text:
                    form = f
                    break
        return {
            "method": form["method"],
            "url": urljoin(page_url, form["action"] or page_url),
            "data": form["fields"],
            "why": "auto-submitting form",
        }
    if page.meta_refresh:
        return {"method": "GET", "url": urljoin(page_url, page.meta_refresh), "data": None, "why": "meta refresh"}
    m = _JS_LOCATION.search(script_text)
    if m:
        target = m.group(2) or m.group(4)
        target = target.replace("\\/", "/").replace("&amp;", "&")
        return {"method": "GET", "url": urljoin(page_url, target), "data": None, "why": "script location"}
    return None


def find_form(html: str, page_url: str, action: str) -> t.Optional[dict]:
    """The first form on the page whose resolved action equals `action` (query included)."""
    for form in parse_page(html).forms:
        if urljoin(page_url, form["action"] or page_url) == action:
            return form
    return None


class Browser:
    """A requests.Session that behaves like a browser for these flows and records every hop."""

    def __init__(self, timeout: float = 20.0) -> None:
        self.session = requests.Session()
        self.session.cookies.set_policy(BrowserCookiePolicy())
        self.session.headers["User-Agent"] = "edtech-interop-peer-browser/1 (python-requests)"
        self.timeout = timeout
        self.hops: list[dict] = []
        self.set_cookies: list[dict] = []

    def _record(self, resp: requests.Response) -> None:
        for r in list(resp.history) + [resp]:
            self.hops.append({"method": r.request.method, "url": redact_url(r.url), "status": r.status_code})
            for header in r.raw.headers.getlist("Set-Cookie") if r.raw is not None else []:
                self.set_cookies.append(parse_set_cookie(header, r.url))

    def request(self, method: str, url: str, data=None) -> requests.Response:
        if method.upper() == "GET":
            resp = self.session.get(url, params=data, timeout=self.timeout, allow_redirects=True)
        else:
            resp = self.session.post(url, data=data, timeout=self.timeout, allow_redirects=True)
        self._record(resp)
        return resp


def parse_set_cookie(header: str, url: str) -> dict:
    parts = [p.strip() for p in header.split(";")]
    name = parts[0].split("=", 1)[0] if parts else ""
    attrs = {}
    for p in parts[1:]:
        k, _, v = p.partition("=")
        attrs[k.strip().lower()] = v.strip() if v else True
    return {
        "name": name,
        "from": urlsplit(url).netloc,
        "secure": "secure" in attrs,
        "httponly": "httponly" in attrs,
        "samesite": attrs.get("samesite") if isinstance(attrs.get("samesite"), str) else None,
        "path": attrs.get("path") if isinstance(attrs.get("path"), str) else None,
        "partitioned": "partitioned" in attrs,
    }


_SECRET_PARAMS = re.compile(r"((?:id_token|JWT|ltik)=)[^&]+")


def redact_url(url: str) -> str:
    return _SECRET_PARAMS.sub(r"\1<redacted>", url)


def jwt_parts(token: str) -> tuple[dict, dict]:
    """Header and payload of a compact JWS, decoded without any verification (for reports)."""

    def dec(seg: str) -> dict:
        seg += "=" * (-len(seg) % 4)
        return json.loads(base64.urlsafe_b64decode(seg.encode()))

    head, body, _sig = token.split(".")
    return dec(head), dec(body)


def quiet_request_log() -> None:
    """Per-request access lines only with INTEROP_VERBOSE=1 (errors are always logged to stderr)."""
    import logging

    if not os.environ.get("INTEROP_VERBOSE"):
        logging.getLogger("werkzeug").setLevel(logging.WARNING)


def print_ready(url: str) -> None:
    """The readiness line every harness prints first: `listening on http://127.0.0.1:PORT`."""
    sys.stdout.write(f"listening on {url}\n")
    sys.stdout.flush()
