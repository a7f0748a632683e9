#!/usr/bin/env python3
"""LTI 1.3 tool peer for interop tests: pylti1p3 (PyPI) through its Flask adapter.

pylti1p3 does all the LTI work (OIDC login redirect, state cookie, nonce in the session,
id_token validation against the platform JWKS, deep-linking response JWT and its
auto-submitting form); this file only wires its Flask classes to routes and reports, as JSON,
what pylti1p3 accepted or refused.

    python pylti_tool.py [--config tool.json] [--port 0]

prints `listening on http://127.0.0.1:PORT` once ready and serves until SIGTERM. See README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import sys
import threading
import traceback
import typing as t

from flask import Flask, Response, jsonify, request
from werkzeug.serving import make_server

from pylti1p3.contrib.flask import FlaskMessageLaunch, FlaskOIDCLogin, FlaskRequest
from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.exception import LtiException, OIDCException
from pylti1p3.lineitem import LineItem
from pylti1p3.tool_config import ToolConfDict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from interop_common import LOOPBACK, load_or_generate_key, print_ready, private_pem, public_pem, quiet_request_log  # noqa: E402

SIMPLE_RESOURCE_KEYS = {"type", "url", "title", "custom", "lineItem", "icon"}


class VerbatimResource(DeepLinkResource):
    """A content item pylti1p3's setters cannot express (html, file, window...): sent as given."""

    def __init__(self, item: dict) -> None:
        super().__init__()
        self._item = item

    def to_dict(self) -> dict:
        return dict(self._item)


def to_resource(item: dict) -> DeepLinkResource:
    """Content item in the spec's JSON shape -> pylti1p3 DeepLinkResource."""
    if item.get("type") != "ltiResourceLink" or not set(item) <= SIMPLE_RESOURCE_KEYS:
        return VerbatimResource(item)
    res = DeepLinkResource().set_type("ltiResourceLink")
    if "url" in item:
        res.set_url(item["url"])
    if "title" in item:
        res.set_title(item["title"])
    if "custom" in item:
        res.set_custom_params(item["custom"])
    if isinstance(item.get("icon"), dict) and "url" in item["icon"]:
        res.set_icon_url(item["icon"]["url"])
    if isinstance(item.get("lineItem"), dict):
        li = item["lineItem"]
        line = LineItem().set_score_maximum(li.get("scoreMaximum"))
        if "label" in li:
            line.set_label(li["label"])
        if "resourceId" in li:
            line.set_resource_id(li["resourceId"])
        if "tag" in li:
            line.set_tag(li["tag"])
        res.set_lineitem(line)
    return res


class ToolState:
    def __init__(self, config: dict, config_dir: str) -> None:
        key_path = config.get("key")
        if key_path and not os.path.isabs(key_path):
            key_path = os.path.join(config_dir, key_path)
        key = load_or_generate_key(key_path)
        self.private_pem = private_pem(key)
        self.public_pem = public_pem(key)
        self.registrations: list[dict] = []
        self.deep_link_items: t.Optional[list] = config.get("deep_link_items")
        self.launches: list[dict] = []
        self.base_url = ""
        self.lock = threading.Lock()
        for reg in config.get("registrations", []):
            self.add_registration(reg)

    def add_registration(self, reg: dict) -> None:
        for key in ("issuer", "client_id", "deployment_ids", "auth_login_url"):
            if key not in reg:
                raise ValueError(f"registration lacks {key!r}")
        if not isinstance(reg["deployment_ids"], list):
            raise ValueError("deployment_ids must be an array")
        if not (reg.get("jwks_url") or reg.get("jwks")):
            raise ValueError("registration needs jwks_url or jwks")
        with self.lock:
            self.registrations = [
                r for r in self.registrations if (r["issuer"], r["client_id"]) != (reg["issuer"], reg["client_id"])
            ] + [reg]

    def tool_conf(self) -> ToolConfDict:
        """A fresh pylti1p3 ToolConfDict from the current registrations (issuer -> many clients)."""
        settings: dict = {}
        with self.lock:
            regs = list(self.registrations)
        for reg in regs:
            settings.setdefault(reg["issuer"], []).append(
                {
                    "client_id": reg["client_id"],
                    "auth_login_url": reg["auth_login_url"],
                    "auth_token_url": reg.get("auth_token_url") or reg["auth_login_url"],
                    "key_set_url": reg.get("jwks_url"),
                    "key_set": reg.get("jwks"),
                    "deployment_ids": reg["deployment_ids"],
                }
            )
        conf = ToolConfDict(settings)
        for reg in regs:
            conf.set_private_key(reg["issuer"], self.private_pem, client_id=reg["client_id"])
            conf.set_public_key(reg["issuer"], self.public_pem, client_id=reg["client_id"])
        return conf

    def default_items(self) -> list:
        return [
            {
                "type": "ltiResourceLink",
                "url": self.base_url + "/launch?item=pylti-1",
                "title": "pylti1p3 peer item",
                "custom": {"peer": "pylti1p3"},
            }
        ]


def build_app(state: ToolState) -> Flask:
    app = Flask("pylti_tool")
    app.secret_key = secrets.token_hex(32)
    # A distinct name: cookies are shared across ports on 127.0.0.1, so a platform's "session"
    # cookie would otherwise overwrite this one (pylti1p3 keeps the nonce in it).
    app.config["SESSION_COOKIE_NAME"] = "pylti_tool_session"

    def record(entry: dict) -> None:
        with state.lock:
            state.launches.append(entry)

    @app.get("/health")
    def health():
        return {"ok": True, "tool": "pylti1p3", "base_url": state.base_url}

    @app.get("/jwks")
    def jwks():
        return jsonify(state.tool_conf().get_jwks())

    @app.route("/login", methods=["GET", "POST"])
    def login():
        values = request.values
        target = values.get("target_link_uri", "")
        if not target.startswith(state.base_url + "/"):
            record({"stage": "login", "accepted": False, "error": f"target_link_uri {target!r} is not on this tool"})
            return {"accepted": False, "tool": "pylti1p3", "stage": "login", "error": "target_link_uri is not on this tool"}, 400
        try:
            oidc_login = FlaskOIDCLogin(FlaskRequest(), state.tool_conf())
            # The redirect_uri is always this tool's launch route; the platform must register it.
            return oidc_login.redirect(state.base_url + "/launch")
        except (OIDCException, LtiException, Exception) as exc:
            record({"stage": "login", "accepted": False, "error": f"{type(exc).__name__}: {exc}"})
            return {"accepted": False, "tool": "pylti1p3", "stage": "login", "error": f"{type(exc).__name__}: {exc}"}, 400

    @app.post("/launch")
    def launch():
        if request.form.get("error"):
            entry = {
                "stage": "launch",
                "accepted": False,
                "error": f"platform returned OIDC error {request.form.get('error')}: {request.form.get('error_description')}",
            }
            record(entry)
            return {"tool": "pylti1p3", **entry}, 400
        try:
            message_launch = FlaskMessageLaunch(FlaskRequest(), state.tool_conf())
            claims = message_launch.get_launch_data()  # runs pylti1p3's full validation
        except Exception as exc:  # pylti1p3 raises LtiException, but also KeyError/AssertionError on odd input
            entry = {"stage": "launch", "accepted": False, "error": f"{type(exc).__name__}: {exc}"}
            if not isinstance(exc, (LtiException, OIDCException)):
                entry["traceback"] = traceback.format_exc(limit=3)
            record(entry)
            return {"tool": "pylti1p3", **entry}, 400
        lti = "https://purl.imsglobal.org/spec/lti/claim/"
        summary = {
            "stage": "launch",
            "accepted": True,
            "tool": "pylti1p3",
            "launch_id": message_launch.get_launch_id(),
            "message_type": claims.get(lti + "message_type"),
            "iss": claims.get("iss"),
            "aud": claims.get("aud"),
            "sub": claims.get("sub"),
            "deployment_id": claims.get(lti + "deployment_id"),
            "target_link_uri": claims.get(lti + "target_link_uri"),
            "roles": claims.get(lti + "roles"),
            "context": claims.get(lti + "context"),
            "resource_link": claims.get(lti + "resource_link"),
            "custom": claims.get(lti + "custom"),
            "claims": claims,
        }
        if message_launch.is_deep_link_launch():
            items = state.deep_link_items if state.deep_link_items is not None else state.default_items()
            deep_link = message_launch.get_deep_link()
            resources = [to_resource(i) for i in items]
            summary["deep_link_items"] = [r.to_dict() for r in resources]
            record(summary)
            # pylti1p3 builds and signs the LtiDeepLinkingResponse and the auto-submitting form
            page = deep_link.output_response_form(resources)
            return Response("<!DOCTYPE html><html><body>" + page + "</body></html>", mimetype="text/html")
        record(summary)
        return summary

    @app.get("/_harness/launches")
    def harness_launches():
        with state.lock:
            return jsonify(state.launches)

    @app.post("/_harness/registrations")
    def harness_registrations():
        body = request.get_json(force=True)
        try:
            for reg in body if isinstance(body, list) else [body]:
                state.add_registration(reg)
        except (ValueError, TypeError) as exc:
            return {"ok": False, "error": str(exc)}, 400
        return {"ok": True, "registrations": len(state.registrations)}

    @app.post("/_harness/deep-link-items")
    def harness_items():
        body = request.get_json(force=True, silent=True)
        if not isinstance(body, list):
            return {"ok": False, "error": "body must be a JSON array of content items"}, 400
        state.deep_link_items = body
        return {"ok": True}

    @app.delete("/_harness/deep-link-items")
    def harness_items_reset():
        state.deep_link_items = None
        return {"ok": True}

    return app


def main(argv: t.Optional[list] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", help="tool.json (registrations, key, deep_link_items); optional")
    ap.add_argument("--port", type=int, default=0, help="loopback port (0 = pick one)")
    args = ap.parse_args(argv)
    quiet_request_log()
    config: dict = {}
    config_dir = os.getcwd()
    if args.config:
        with open(args.config) as fh:
            config = json.load(fh)
        config_dir = os.path.dirname(os.path.abspath(args.config))
    state = ToolState(config, config_dir)
    server = make_server(LOOPBACK, args.port, build_app(state), threaded=True)
    state.base_url = f"http://{LOOPBACK}:{server.server_port}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    print_ready(state.base_url)
    stop.wait()
    server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
