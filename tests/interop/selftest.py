#!/usr/bin/env python3
"""Peer-vs-peer checks of the interop harnesses (run through selftest.sh).

The Python platform (lti1p3platform) launches the pylti1p3 tool and, when its node modules are
installed, the ltijs tool: resource-link launches, deep-linking round trips, deliberately broken
launches the tools must refuse, and broken deep-linking responses the platform must refuse.
Prints one line per check and a closing `N passed, N failed` line; exits 1 on any failure.
"""

from __future__ import annotations

import json
import os
import queue
import socket
import subprocess
import sys
import tempfile
import threading
import time
import typing as t
from urllib.parse import urlencode

import jwt
import requests

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import platform_launch as pl  # noqa: E402
from interop_common import load_or_generate_key, private_pem, public_jwk  # noqa: E402

PY = sys.executable
RESULTS = {"passed": 0, "failed": 0}
CHILDREN: list[subprocess.Popen] = []
LOGS: list[str] = []


def check(name: str, cond: bool, detail: t.Any = "") -> bool:
    if cond:
        RESULTS["passed"] += 1
        print(f"ok    {name}")
    else:
        RESULTS["failed"] += 1
        print(f"FAIL  {name}: {str(detail)[:1500]}")
    sys.stdout.flush()
    return cond


def info(msg: str) -> None:
    print(f"info  {msg}")
    sys.stdout.flush()


def spawn(cmd: list[str], name: str, env: dict | None = None, timeout: float = 60.0) -> tuple[subprocess.Popen, str]:
    """Start a harness and wait for its `listening on URL` line."""
    log = open(os.path.join(tempfile.gettempdir(), f"interop-selftest-{name}-{os.getpid()}.log"), "w")
    LOGS.append(log.name)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=log, text=True, env=env)
    CHILDREN.append(proc)
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: lines.put(proc.stdout.readline()), daemon=True).start()
    try:
        first = lines.get(timeout=timeout)
    except queue.Empty:
        raise RuntimeError(f"{name}: no readiness line within {timeout}s (log: {log.name})")
    if not first.startswith("listening on "):
        raise RuntimeError(f"{name}: unexpected first line {first!r} (log: {log.name})")
    return proc, first.split("listening on ", 1)[1].strip()


def stop_all() -> None:
    for proc in CHILDREN:
        if proc.poll() is None:
            proc.terminate()
    for proc in CHILDREN:
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def cli_launch(args: list[str]) -> tuple[int, dict]:
    res = subprocess.run([PY, os.path.join(HERE, "platform_launch.py"), "launch", *args], capture_output=True, text=True, timeout=120)
    lines = [ln for ln in res.stdout.splitlines() if ln.strip()]
    if len(lines) != 1:
        return res.returncode, {"ok": False, "error": f"expected one stdout line, got {len(lines)}: {res.stdout[:500]} {res.stderr[-1500:]}"}
    return res.returncode, json.loads(lines[0])


def control(platform: str, params: dict) -> dict:
    return requests.post(platform + "/control/launch", json=params, timeout=120).json()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def brief(r: dict) -> str:
    keep = {k: r.get(k) for k in ("ok", "step", "status", "error", "auth_error")}
    keep["body"] = (r.get("launch_response_body") or "")[:300]
    return json.dumps(keep)


# ---------------------------------------------------------------- tool-independent launch checks


def launch_suite(tool_name: str, platform: str, tool: str, client_id: str, deployment: str,
                 refused: list[str], observed: list[str], tool_trims_items: bool = False,
                 submission_review: bool = True) -> None:
    """Launch checks shared by every tool peer. `tool_trims_items`: the tool library itself drops
    content items that break accept_types/accept_multiple (ltijs does; pylti1p3 sends them)."""
    base = {
        "tool_login_url": tool + "/login",
        "tool_jwks_url": tool + "/jwks",
        "client_id": client_id,
        "deployment_id": deployment,
        "target_link_uri": tool + "/launch",
    }
    # resource link through the one-shot CLI talking to the running platform
    code, r = cli_launch(
        ["--platform", platform, "--tool-login-url", tool + "/login", "--tool-jwks-url", tool + "/jwks",
         "--client-id", client_id, "--deployment-id", deployment, "--target-link-uri", tool + "/launch",
         "--message-type", "LtiResourceLinkRequest", "--user-id", "learner-42",
         "--role", "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner", "--custom", "color=blue"]
    )
    accepted = r.get("launch_response_json") or {}
    check(f"{tool_name}: resource-link launch accepted (CLI, exit 0)", code == 0 and r.get("ok") and r.get("step") == "done" and accepted.get("accepted") is True, brief(r))
    check(f"{tool_name}: tool saw our sub, deployment and message type",
          accepted.get("sub") == "learner-42" and accepted.get("deployment_id") == deployment and accepted.get("message_type") == "LtiResourceLinkRequest", accepted)
    check(f"{tool_name}: id_token nonce echoes the auth request's nonce",
          (r.get("id_token_claims") or {}).get("nonce") == ((r.get("auth_request") or {}).get("params") or {}).get("nonce"), r.get("auth_request"))
    check(f"{tool_name}: auth request is spec-shaped",
          all(((r.get("auth_request") or {}).get("params") or {}).get(k) == v for k, v in
              {"scope": "openid", "response_type": "id_token", "response_mode": "form_post", "prompt": "none", "redirect_uri": tool + "/launch"}.items()),
          r.get("auth_request"))

    r = control(platform, {**base, "message_type": "LtiSubmissionReviewRequest"})
    claims = r.get("id_token_claims") or {}
    sr_ok = r.get("ok") is True and (r.get("launch_response_json") or {}).get("message_type") == "LtiSubmissionReviewRequest"
    if submission_review:
        check(f"{tool_name}: submission-review launch accepted (for_user, AGS lineitem)",
              sr_ok and claims.get(pl.LTI + "for_user", {}).get("user_id") == "peer-learner-1"
              and "lineitem" in claims.get(pl.AGS + "endpoint", {}), brief(r))
    else:
        info(f"{tool_name}: submission-review launch -> {'accepted' if sr_ok else 'not accepted: ' + brief(r)}")

    r = control(platform, {**base, "login_method": "POST"})
    check(f"{tool_name}: launch with a POSTed third-party login", r.get("ok") is True, brief(r))

    code, r = cli_launch(["--platform", platform, "--tool-login-url", tool + "/login", "--tool-jwks-url", tool + "/jwks",
                          "--client-id", client_id, "--deployment-id", deployment, "--target-link-uri", tool + "/launch",
                          "--drop-login-param", "lti_deployment_id", "--login-param", "deployment_id=" + deployment])
    check(f"{tool_name}: Canvas-style login (deployment_id instead of lti_deployment_id)",
          r.get("ok") and "lti_deployment_id" not in r["login_request"]["params"] and r["login_request"]["params"].get("deployment_id") == deployment, brief(r))

    r = control(platform, {**base, "extra_claims": {"aud": [client_id, "another-audience"], "azp": client_id}})
    check(f"{tool_name}: launch with aud as an array plus azp",
          r.get("ok") and (r.get("id_token_claims") or {}).get("aud") == [client_id, "another-audience"], brief(r))

    r = control(platform, {**base, "message_type": "LtiDeepLinkingRequest"})
    items = r.get("deep_link_items") or []
    check(f"{tool_name}: deep-linking round trip verified by the platform", r.get("ok") and len(items) == 1 and items[0].get("type") == "ltiResourceLink", brief(r))
    checks = (r.get("deep_link") or {}).get("checks") or []
    check(f"{tool_name}: deep-linking response passed iss/aud/nonce/deployment/data checks",
          all(c in checks for c in ("iss=client_id", "aud contains issuer", "nonce single-use", "deployment_id", "data echoed")), checks)

    mixed = [
        {"type": "ltiResourceLink", "url": tool + "/launch?item=a", "title": "A", "lineItem": {"scoreMaximum": 10, "label": "A"}},
        {"type": "link", "url": "https://example.org/reading", "title": "Reading"},
        {"type": "html", "html": "<p>hello</p>", "title": "Snippet"},
    ]
    requests.post(tool + "/_harness/deep-link-items", json=mixed, timeout=10).raise_for_status()
    r = control(platform, {**base, "message_type": "LtiDeepLinkingRequest"})
    got = r.get("deep_link_items") or []
    check(f"{tool_name}: three mixed content items round-trip", r.get("ok") and [i.get("type") for i in got] == ["ltiResourceLink", "link", "html"], brief(r))
    check(f"{tool_name}: html item flagged for sanitising", (r.get("deep_link") or {}).get("html_items_to_sanitise") == [2], r.get("deep_link"))
    r = control(platform, {**base, "message_type": "LtiDeepLinkingRequest", "accept_multiple": False})
    if tool_trims_items:
        check(f"{tool_name}: tool trims to 1 item when accept_multiple is false; platform accepts",
              r.get("ok") and len(r.get("deep_link_items") or []) == 1, brief(r))
    else:
        check(f"{tool_name}: platform refuses 3 items when accept_multiple is false",
              not r.get("ok") and r.get("step") == "deep_link" and "accept_multiple" in (r.get("error") or ""), brief(r))
    # (pylti1p3 refuses a deep-linking request whose accept_types lack ltiResourceLink)
    r = control(platform, {**base, "message_type": "LtiDeepLinkingRequest", "accept_types": ["ltiResourceLink", "link"]})
    if tool_trims_items:
        check(f"{tool_name}: tool drops the html item outside accept_types; platform accepts",
              r.get("ok") and [i.get("type") for i in r.get("deep_link_items") or []] == ["ltiResourceLink", "link"], brief(r))
    else:
        check(f"{tool_name}: platform refuses an item type outside accept_types (html)",
              not r.get("ok") and r.get("step") == "deep_link" and "not supported" in (r.get("error") or ""), brief(r))
    requests.post(tool + "/_harness/deep-link-items", json=[{"type": "link", "url": "javascript:alert(1)"}], timeout=10).raise_for_status()
    r = control(platform, {**base, "message_type": "LtiDeepLinkingRequest"})
    check(f"{tool_name}: platform refuses a javascript: URL item", not r.get("ok") and "javascript" in (r.get("error") or ""), brief(r))
    requests.delete(tool + "/_harness/deep-link-items", timeout=10).raise_for_status()

    r = control(platform, {**base, "redirect_uris": ["http://127.0.0.1:9/not-the-tool"]})
    check(f"{tool_name}: platform refuses an unregistered redirect_uri (error page, no token posted)",
          not r.get("ok") and r.get("step") == "auth" and "redirect_uri" in json.dumps(r.get("auth_error")) and "id_token_claims" not in r, brief(r))

    for tamper in refused:
        r = control(platform, {**base, "tamper": [tamper]})
        check(f"{tool_name}: refuses a launch with tamper={tamper}", not r.get("ok") and r.get("step") == "launch" and r.get("status") in (400, 401, 403), brief(r))
    for tamper in observed:
        r = control(platform, {**base, "tamper": [tamper]})
        info(f"{tool_name}: tamper={tamper} -> {'ACCEPTED (known peer gap)' if r.get('ok') else 'refused'}")


def browse_suite(platform: str, tool: str, client_id: str, deployment: str) -> None:
    prep = requests.post(platform + "/control/prepare", json={
        "tool_login_url": tool + "/login", "tool_jwks_url": tool + "/jwks", "client_id": client_id,
        "deployment_id": deployment, "target_link_uri": tool + "/launch", "message_type": "LtiDeepLinkingRequest",
    }, timeout=10).json()
    res = subprocess.run([PY, os.path.join(HERE, "browse.py"), "--url", prep["login_url"]], capture_output=True, text=True, timeout=120)
    out = json.loads(res.stdout)
    record = requests.get(f"{platform}/control/launches/{prep['launch_id']}", timeout=10).json()
    forms = [f["action"].split("?")[0] for f in out.get("submitted_forms", [])]
    check("browse.py: drives login -> auth -> launch -> deep-link return on its own",
          res.returncode == 0 and out["ok"] and forms == [tool + "/launch", platform + "/deep-link/return"] and (out.get("json") or {}).get("verified") is True,
          {"forms": forms, "status": out.get("status"), "error": out.get("error"), "body": out.get("body", "")[:300]})
    check("browse.py: platform record shows the verified deep-linking response", (record.get("deep_link") or {}).get("verified") is True, record.get("deep_link"))

    # An auth request with a bad response_type: the platform answers with an OIDC error form
    # posted to the (registered) redirect_uri, carrying state; the tool reports it.
    prep = requests.post(platform + "/control/prepare", json={
        "tool_login_url": tool + "/login", "client_id": client_id, "deployment_id": deployment,
        "target_link_uri": tool + "/launch"}, timeout=10).json()
    auth = platform + "/auth?" + urlencode({
        "scope": "openid", "response_type": "code", "response_mode": "form_post", "prompt": "none",
        "client_id": client_id, "redirect_uri": tool + "/launch", "login_hint": "peer-user-1",
        "lti_message_hint": prep["params"]["lti_message_hint"], "nonce": "n-1", "state": "s-1"})
    res = subprocess.run([PY, os.path.join(HERE, "browse.py"), "--url", auth], capture_output=True, text=True, timeout=60)
    out = json.loads(res.stdout)
    posted = (out.get("submitted_forms") or [{}])[0].get("fields", {})
    check("platform: bad response_type -> OIDC error form to the redirect_uri with state",
          posted.get("error") == "unsupported_response_type" and posted.get("state") == "s-1" and "id_token" not in posted
          and out.get("status") == 400, {"posted": posted, "status": out.get("status")})
    auth_bad_uri = auth.replace("launch", "elsewhere")
    res = subprocess.run([PY, os.path.join(HERE, "browse.py"), "--url", auth_bad_uri], capture_output=True, text=True, timeout=60)
    out = json.loads(res.stdout)
    check("platform: unregistered redirect_uri -> error page, nothing posted",
          out.get("status") == 400 and not out.get("submitted_forms"), {"status": out.get("status"), "forms": out.get("submitted_forms")})


# ---------------------------------------------------------------- deep-linking verifier, in process


def verifier_suite() -> None:
    platform = pl.Platform("https://platform.example", None, "plat-kid")
    platform.base_url = "http://127.0.0.1:1"
    tool_key = load_or_generate_key(None)
    other_key = load_or_generate_key(None)
    jwks = {"keys": [public_jwk(tool_key, "tool-kid")]}
    rec = platform.new_launch({
        "tool_login_url": "http://127.0.0.1:2/login", "client_id": "cid", "deployment_id": "dep",
        "target_link_uri": "http://127.0.0.1:2/launch", "message_type": "LtiDeepLinkingRequest",
        "tool_jwks": jwks, "accept_multiple": False, "dl_data": "opaque-data",
    })

    def token(over: dict | None = None, drop: tuple = (), key=tool_key, kid="tool-kid") -> str:
        now = int(time.time())
        claims = {
            "iss": "cid", "aud": "https://platform.example", "iat": now, "exp": now + 300,
            "nonce": os.urandom(8).hex(),
            pl.LTI + "message_type": "LtiDeepLinkingResponse", pl.LTI + "version": "1.3.0",
            pl.LTI + "deployment_id": "dep", pl.DL + "data": "opaque-data",
            pl.DL + "content_items": [{"type": "link", "url": "https://example.org/x"}],
        }
        claims.update(over or {})
        for k in drop:
            claims.pop(k, None)
        return jwt.encode(claims, private_pem(key), algorithm="RS256", headers={"kid": kid})

    def verdict(tok: str) -> str | None:
        try:
            platform.verify_deep_link_response(rec, tok)
            return None
        except Exception as exc:
            return f"{type(exc).__name__}: {exc}"

    good = token()
    check("verifier: a correct deep-linking response is accepted", verdict(good) is None, verdict(good))
    check("verifier: the same response replayed is refused (nonce)", "replayed" in (verdict(good) or ""))
    now = int(time.time())
    cases = {
        "iss is not the client_id": token({"iss": "someone-else"}),
        "aud is not the platform": token({"aud": "https://other.example"}),
        "several aud without azp": token({"aud": ["https://platform.example", "x"]}),
        "expired": token({"iat": now - 900, "exp": now - 600}),
        "iat in the future": token({"iat": now + 900, "exp": now + 1200}),
        "nonce missing": token(drop=("nonce",)),
        "wrong deployment": token({pl.LTI + "deployment_id": "other"}),
        "data not echoed": token({pl.DL + "data": "forged"}),
        "version 1.1": token({pl.LTI + "version": "1.1"}),
        "not a deep-linking response": token({pl.LTI + "message_type": "LtiResourceLinkRequest"}),
        "two items, accept_multiple false": token({pl.DL + "content_items": [{"type": "link", "url": "https://a.example"}, {"type": "link", "url": "https://b.example"}]}),
        "data: URL item": token({pl.DL + "content_items": [{"type": "link", "url": "data:text/html,hi"}]}),
        "unknown kid": token(kid="nope"),
        "signed by another key": token(key=other_key),
    }
    for name, tok in cases.items():
        v = verdict(tok)
        check(f"verifier: refuses {name}", v is not None, "accepted")


def main() -> int:
    print(f"interop selftest with {PY}")
    try:
        verifier_suite()
        _, platform = spawn([PY, os.path.join(HERE, "platform_launch.py"), "serve", "--port", "0"], "platform")
        _, pylti = spawn([PY, os.path.join(HERE, "pylti_tool.py"), "--port", "0"], "pylti")
        reg = {"issuer": platform, "client_id": "pylti-client", "deployment_ids": ["pylti-dep"],
               "auth_login_url": platform + "/auth", "auth_token_url": platform + "/token", "jwks_url": platform + "/jwks"}
        requests.post(pylti + "/_harness/registrations", json=reg, timeout=10).raise_for_status()
        launch_suite("pylti1p3", platform, pylti, "pylti-client", "pylti-dep",
                     refused=["nonce", "state", "signature", "exp", "iat-future", "aud", "iss", "kid", "no-kid", "deployment", "version", "alg-none"],
                     observed=["target-link-uri"])
        browse_suite(platform, pylti, "pylti-client", "pylti-dep")
        launches = requests.get(pylti + "/_harness/launches", timeout=10).json()
        check("pylti1p3: /_harness/launches records accepted and refused launches",
              any(x.get("accepted") for x in launches) and any(not x.get("accepted") for x in launches), len(launches))

        # one-shot mode: in-process platform on a chosen port with a fixed issuer, key and kid
        port = free_port()
        with tempfile.TemporaryDirectory() as tmp:
            key_path = os.path.join(tmp, "platform.pem")
            with open(key_path, "w") as fh:
                fh.write(private_pem(load_or_generate_key(None)))
            issuer = "https://one-shot-platform.example"
            requests.post(pylti + "/_harness/registrations", json={
                "issuer": issuer, "client_id": "oneshot", "deployment_ids": ["d"],
                "auth_login_url": f"http://127.0.0.1:{port}/auth", "jwks_url": f"http://127.0.0.1:{port}/jwks"}, timeout=10).raise_for_status()
            code, r = cli_launch(["--port", str(port), "--issuer", issuer, "--key", key_path, "--kid", "fixed-kid",
                                  "--tool-login-url", pylti + "/login", "--tool-jwks-url", pylti + "/jwks", "--client-id", "oneshot",
                                  "--deployment-id", "d", "--target-link-uri", pylti + "/launch", "--message-type", "LtiDeepLinkingRequest"])
            check("one-shot launch (own port, --issuer, --key, --kid) deep-links with pylti1p3",
                  code == 0 and r.get("ok") and (r.get("id_token_header") or {}).get("kid") == "fixed-kid" and r["platform"]["issuer"] == issuer, brief(r))
            # --launch-json plus --tool-jwks (inline tool keys instead of a JWKS URL)
            jwks_path = os.path.join(tmp, "tool-jwks.json")
            with open(jwks_path, "w") as fh:
                json.dump(requests.get(pylti + "/jwks", timeout=10).json(), fh)
            launch_path = os.path.join(tmp, "launch.json")
            with open(launch_path, "w") as fh:
                json.dump({"tool_login_url": pylti + "/login", "client_id": "pylti-client", "deployment_id": "pylti-dep",
                           "target_link_uri": pylti + "/launch", "message_type": "LtiDeepLinkingRequest",
                           "user": {"name": "Ada Lovelace", "email": "ada@example.org"}, "custom": {"unit": "7"},
                           "context": None}, fh)
            code, r = cli_launch(["--platform", platform, "--launch-json", launch_path, "--tool-jwks", jwks_path])
            claims = r.get("id_token_claims") or {}
            check("launch CLI: --launch-json + --tool-jwks file (personal claims, custom, no context)",
                  code == 0 and r.get("ok") and claims.get("email") == "ada@example.org" and claims.get(pl.LTI + "custom") == {"unit": "7"}
                  and pl.LTI + "context" not in claims, brief(r))
            code, r = cli_launch(["--port", str(free_port()), "--tool-login-url", pylti + "/login", "--client-id", "x",
                                  "--deployment-id", "d", "--target-link-uri", pylti + "/launch", "--message-type", "LtiDeepLinkingRequest"])
            check("launch CLI: setup error -> ok false, step setup, exit 1", code == 1 and r.get("step") == "setup" and not r.get("ok"), r)

        # ltijs, when its node modules are installed
        modules = os.environ.get("INTEROP_NODE_MODULES") or os.path.join(HERE, "node_modules")
        if os.path.isdir(os.path.join(modules, "ltijs")) and os.path.isdir(os.path.join(modules, "sqlite3")):
            env = {**os.environ, "INTEROP_NODE_MODULES": modules}
            _, ltijs = spawn(["node", os.path.join(HERE, "ltijs_tool.js"), "--port", "0"], "ltijs", env=env)
            requests.post(ltijs + "/_harness/registrations", json={**reg, "client_id": "ltijs-client", "deployment_ids": ["ltijs-dep"]}, timeout=10).raise_for_status()
            launch_suite("ltijs", platform, ltijs, "ltijs-client", "ltijs-dep",
                         refused=["state", "signature", "exp", "aud", "iss", "kid", "no-kid", "version", "alg-none"],
                         observed=["nonce", "iat-future", "deployment", "target-link-uri"], tool_trims_items=True,
                         submission_review=False)  # ltijs 5.9.9 knows only resource-link and deep-linking messages
        elif os.environ.get("INTEROP_REQUIRE_LTIJS") == "1":
            check("ltijs: node modules installed", False, f"no ltijs/sqlite3 under {modules}; run npm install in tests/interop")
        else:
            info(f"ltijs skipped: no ltijs/sqlite3 under {modules} (run `npm install` in tests/interop)")
    except Exception as exc:
        check("selftest ran to the end", False, f"{type(exc).__name__}: {exc}")
    finally:
        stop_all()
    if RESULTS["failed"]:
        print("harness logs (stderr): " + " ".join(LOGS))
    else:
        for name in LOGS:
            os.unlink(name)
    print(f"{RESULTS['passed']} passed, {RESULTS['failed']} failed")
    return 1 if RESULTS["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
