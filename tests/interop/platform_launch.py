#!/usr/bin/env python3
"""LTI 1.3 platform peer for interop tests, built on the PyPI package lti1p3platform.

lti1p3platform builds the login initiation URL, the id_token claims (nonce echoed from the
auth request) and signs them; it also checks the deep-linking response signature against the
tool's JWKS. What that package leaves out (strict auth-request validation, iss/aud/nonce/
deployment/data checks on the deep-linking response) is added here, following the spec.
This file also plays the user's browser: it holds cookies, follows redirects and submits the
auto-submitting forms, so one command drives a whole launch against a third-party tool.

Subcommands (see README.md for the full interface):
  serve   run the platform (JWKS, OIDC auth endpoint, deep-link return, control API) until SIGTERM
  launch  run one launch end to end and print ONE JSON object describing what happened
  jwks    print the public JWKS of a platform key
"""

from __future__ import annotations

import argparse
import html
import json
import os
import secrets
import signal
import sys
import threading
import time
import typing as t
import uuid
from urllib.parse import parse_qsl, urlencode, urlsplit

import jwt
import requests
from flask import Flask, Response, request
from werkzeug.serving import make_server

from lti1p3platform.exceptions import LtiDeepLinkingResponseException, LtiException
from lti1p3platform.ltiplatform import LTI1P3PlatformConfAbstract
from lti1p3platform.message_launch import LTIAdvantageMessageLaunchAbstract
from lti1p3platform.oidc_login import OIDCLoginAbstract
from lti1p3platform.registration import Registration
from lti1p3platform.request import Request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from interop_common import (  # noqa: E402
    LOOPBACK,
    Browser,
    auto_navigation,
    find_form,
    jwt_parts,
    load_or_generate_key,
    print_ready,
    quiet_request_log,
    private_pem,
    public_jwk,
    public_pem,
)

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"
RESOURCE_LINK = "LtiResourceLinkRequest"
DEEP_LINKING = "LtiDeepLinkingRequest"
SUBMISSION_REVIEW = "LtiSubmissionReviewRequest"
MESSAGE_TYPES = (RESOURCE_LINK, DEEP_LINKING, SUBMISSION_REVIEW)
AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
COURSE_OFFERING = "http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"
DEFAULT_ACCEPT_TYPES = ["ltiResourceLink", "link", "html", "image", "file"]
LEEWAY = 60
TAMPERS = (
    "nonce",  # id_token nonce differs from the one in the auth request
    "state",  # the state posted back differs from the one the tool sent
    "aud",  # aud is another client_id
    "iss",  # iss is another issuer
    "exp",  # token expired 10 minutes ago
    "iat-future",  # iat 10 minutes in the future
    "signature",  # one byte of the signature changed
    "kid",  # header kid names a key the JWKS does not have
    "no-kid",  # header has no kid
    "deployment",  # deployment_id is not the registered one
    "version",  # version claim 1.1
    "alg-none",  # unsecured JWT (alg none, empty signature)
    "target-link-uri",  # target_link_uri claim differs from the one sent at login
)


class HarnessError(Exception):
    """A failure with the step it happened in."""

    def __init__(self, step: str, message: str) -> None:
        super().__init__(message)
        self.step = step


# ---------------------------------------------------------------- lti1p3platform glue


class PeerRegistration(Registration):
    """lti1p3platform registration with a chosen kid and optional, named tampering of tokens."""

    def __init__(self, kid: str, tamper: t.Sequence[str]) -> None:
        self._peer_kid = kid
        self._tamper = set(tamper)

    def get_kid(self) -> t.Optional[str]:
        return self._peer_kid

    def platform_encode_and_sign(self, payload: dict, expiration: t.Optional[int] = None) -> str:
        now = int(time.time())
        payload["iat"] = now
        payload["exp"] = now + (expiration or 300)
        tam = self._tamper
        if "nonce" in tam:
            payload["nonce"] = "tampered-" + secrets.token_hex(8)
        if "aud" in tam:
            payload["aud"] = "not-" + str(payload.get("aud"))
            payload["azp"] = payload["aud"]
        if "iss" in tam:
            payload["iss"] = str(payload.get("iss")) + "/other"
        if "exp" in tam:
            payload["iat"], payload["exp"] = now - 1200, now - 600
        if "iat-future" in tam:
            payload["iat"] = now + 600
            payload["exp"] = now + 900
        if "deployment" in tam:
            payload[LTI + "deployment_id"] = "not-a-registered-deployment"
        if "version" in tam:
            payload[LTI + "version"] = "1.1"
        if "target-link-uri" in tam:
            payload[LTI + "target_link_uri"] = str(payload.get(LTI + "target_link_uri")) + "/elsewhere"
        if "alg-none" in tam:
            return jwt.encode(payload, None, algorithm="none", headers={"kid": self._peer_kid})
        headers = {} if "no-kid" in tam else {"kid": "unknown-kid" if "kid" in tam else self._peer_kid}
        token = jwt.encode(payload, self.get_platform_private_key(), algorithm="RS256", headers=headers)
        if "signature" in tam:
            head, body, sig = token.split(".")
            sig = ("A" if sig[0] != "A" else "B") + sig[1:]
            token = ".".join((head, body, sig))
        return token


class PeerPlatformConf(LTI1P3PlatformConfAbstract):
    def init_platform_config(self, **kwargs: t.Any) -> None:
        self._peer_registration = kwargs["registration"]

    def get_registration_by_params(self, **kwargs: t.Any) -> Registration:
        return self._peer_registration


class PeerRequest(Request):
    def build_metadata(self, req: dict) -> dict:
        return {
            "method": req["method"],
            "form_data": req["form"],
            "get_data": req["query"],
            "headers": {},
            "content_type": None,
            "path": "/auth",
            "json": None,
        }


class PeerOIDCLogin(OIDCLoginAbstract):
    def set_lti_message_hint(self, **kwargs: t.Any) -> None:
        self._lti_message_hint = kwargs["hint"]

    def get_redirect(self, url: str) -> str:
        return url


class PeerMessageLaunch(LTIAdvantageMessageLaunchAbstract):
    def render_launch_form(self, launch_data: dict, **kwargs: t.Any) -> dict:
        return launch_data


# ---------------------------------------------------------------- the platform


def auto_submit_form(action: str, fields: dict) -> str:
    inputs = "".join(
        f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(str(v))}"/>' for k, v in fields.items()
    )
    return (
        "<!DOCTYPE html><html><head><title>LTI launch</title></head><body>"
        f'<form id="lti_form" method="POST" action="{html.escape(action)}">{inputs}</form>'
        "<script>document.getElementById('lti_form').submit();</script></body></html>"
    )


def error_page(status: int, message: str) -> Response:
    body = f"<!DOCTYPE html><html><body><h1>LTI platform error</h1><p>{html.escape(message)}</p></body></html>"
    return Response(body, status=status, mimetype="text/html")


class Platform:
    """One platform: a key, an issuer, and the launches it has started."""

    def __init__(self, issuer: t.Optional[str], key_path: t.Optional[str], kid: t.Optional[str]) -> None:
        self.key = load_or_generate_key(key_path)
        self.jwk = public_jwk(self.key, kid)
        self.kid = self.jwk["kid"]
        self.private_pem = private_pem(self.key)
        self.public_pem = public_pem(self.key)
        self.issuer_override = issuer
        self.base_url = ""
        self.launches: dict[str, dict] = {}
        self.by_hint: dict[str, str] = {}
        self.seen_dl_nonces: set[str] = set()
        self.seen_dl_jtis: set[str] = set()
        self.lock = threading.Lock()
        self.app = self._build_app()
        self.server = None

    @property
    def issuer(self) -> str:
        return self.issuer_override or self.base_url

    def info(self) -> dict:
        return {
            "issuer": self.issuer,
            "base_url": self.base_url,
            "jwks_url": self.base_url + "/jwks",
            "auth_url": self.base_url + "/auth",
            "token_url": self.base_url + "/token",
            "deep_link_return_url": self.base_url + "/deep-link/return",
            "kid": self.kid,
        }

    # ------------------------------------------------ HTTP server

    def start(self, port: int) -> str:
        self.server = make_server(LOOPBACK, port, self.app, threaded=True)
        self.base_url = f"http://{LOOPBACK}:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self.base_url

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()

    def _build_app(self) -> Flask:
        app = Flask("peer_platform")

        @app.get("/health")
        def health():
            return {"ok": True, **self.info()}

        @app.get("/jwks")
        def jwks():
            return {"keys": [self.jwk]}

        @app.route("/auth", methods=["GET", "POST"])
        def auth():
            return self.handle_auth(dict(request.args), dict(request.form), request.method)

        @app.post("/deep-link/return")
        def deep_link_return():
            launch_id = request.args.get("launch", "")
            return self.handle_deep_link_return(launch_id, dict(request.form))

        @app.post("/token")
        def token():
            return {"error": "unsupported_grant_type", "error_description": "services are not part of this peer"}, 400

        @app.post("/control/launch")
        def control_launch():
            try:
                params = request.get_json(force=True)
            except Exception:
                return {"ok": False, "step": "setup", "error": "control body must be JSON"}, 400
            result = self.run_launch(params)
            return result, 200

        @app.post("/control/prepare")
        def control_prepare():
            # Register a launch and return its third-party login URL without driving it, for an
            # external browser (browse.py) to start from; read the outcome at /control/launches/<id>.
            try:
                rec = self.new_launch(request.get_json(force=True))
                login_url, params = self.login_request(rec)
            except HarnessError as exc:
                return {"ok": False, "step": exc.step, "error": str(exc)}, 400
            sep = "&" if urlsplit(login_url).query else "?"
            return {"ok": True, "launch_id": rec["id"], "login_url": login_url + sep + urlencode(params), "params": params}

        @app.get("/control/launches/<launch_id>")
        def control_get(launch_id):
            rec = self.launches.get(launch_id)
            if rec is None:
                return {"error": "unknown launch"}, 404
            return {k: v for k, v in rec.items() if not k.startswith("_")}

        return app

    # ------------------------------------------------ launch set-up

    def new_launch(self, p: dict) -> dict:
        for required in ("tool_login_url", "client_id", "deployment_id", "target_link_uri"):
            if not p.get(required):
                raise HarnessError("setup", f"missing parameter {required}")
        message_type = p.get("message_type") or RESOURCE_LINK
        if message_type not in MESSAGE_TYPES:
            raise HarnessError("setup", f"message_type must be one of {', '.join(MESSAGE_TYPES)}")
        tamper = list(p.get("tamper") or [])
        for name in tamper:
            if name not in TAMPERS:
                raise HarnessError("setup", f"unknown tamper {name!r}; known: {', '.join(TAMPERS)}")
        if message_type == DEEP_LINKING and not (p.get("tool_jwks_url") or p.get("tool_jwks")):
            raise HarnessError("setup", "a deep-linking launch needs tool_jwks_url or tool_jwks to verify the response")
        launch_id = uuid.uuid4().hex
        hint = secrets.token_urlsafe(24)
        rec = {
            "id": launch_id,
            "message_type": message_type,
            "client_id": p["client_id"],
            "deployment_id": p["deployment_id"],
            "target_link_uri": p["target_link_uri"],
            "redirect_uris": list(p.get("redirect_uris") or [p["target_link_uri"]]),
            "tool_login_url": p["tool_login_url"],
            "login_method": (p.get("login_method") or "GET").upper(),
            "tool_jwks_url": p.get("tool_jwks_url"),
            "tool_jwks": p.get("tool_jwks"),
            "user_id": p.get("user_id") or "peer-user-1",
            "user": p.get("user") or {},
            "roles": p.get("roles") if p.get("roles") is not None else [INSTRUCTOR],
            "context": p.get("context", {"id": "peer-context-1", "label": "PEER101", "title": "Peer interop course", "type": [COURSE_OFFERING]}),
            "resource_link": p.get("resource_link") or {"id": "peer-resource-link-1", "title": "Peer resource link"},
            "custom": p.get("custom") or {},
            "for_user": p.get("for_user") or {"user_id": "peer-learner-1", "roles": [LEARNER]},
            "extra_claims": p.get("extra_claims") or {},
            "accept_types": list(p.get("accept_types") or DEFAULT_ACCEPT_TYPES),
            "accept_multiple": bool(p.get("accept_multiple", True)),
            "dl_data": p.get("dl_data", "peer-dl-data-" + secrets.token_hex(8)),
            "tamper": tamper,
            "login_params": dict(p.get("login_params") or {}),
            "lti_message_hint": hint,
            "hint_used": False,
            "auth_request": None,
            "auth_error": None,
            "id_token_claims": None,
            "id_token_header": None,
            "deep_link": None,
        }
        with self.lock:
            self.launches[launch_id] = rec
            self.by_hint[hint] = launch_id
        return rec

    def _registration(self, rec: dict) -> PeerRegistration:
        reg = PeerRegistration(self.kid, rec["tamper"])
        reg.set_iss(self.issuer).set_client_id(rec["client_id"]).set_deployment_id(rec["deployment_id"])
        reg.set_oidc_login_url(rec["tool_login_url"])
        reg.set_launch_url(rec["target_link_uri"])
        if rec["message_type"] == DEEP_LINKING:
            reg.set_deeplink_launch_url(rec["target_link_uri"])
        reg.set_platform_private_key(self.private_pem)
        reg.set_platform_public_key(self.public_pem)
        if rec["tool_jwks"]:
            reg.set_tool_key_set(rec["tool_jwks"])
        elif rec["tool_jwks_url"]:
            reg.set_tool_key_set_url(rec["tool_jwks_url"])
        return reg

    def login_request(self, rec: dict) -> tuple[str, dict]:
        """The third-party initiated login (URL without our params, and the params), by lti1p3platform."""
        conf = PeerPlatformConf(registration=self._registration(rec))
        login = PeerOIDCLogin(None, conf)
        if rec["message_type"] == DEEP_LINKING:
            login.set_deeplinking_launch_url()
        login.set_lti_message_hint(hint=rec["lti_message_hint"])
        full = login.initiate_login(rec["user_id"])
        original = set(k for k, _ in parse_qsl(urlsplit(rec["tool_login_url"]).query))
        params = {k: v for k, v in parse_qsl(urlsplit(full).query) if k not in original}
        for k, v in rec["login_params"].items():  # caller's overrides; null removes a parameter
            if v is None:
                params.pop(k, None)
            else:
                params[k] = str(v)
        return rec["tool_login_url"], params

    # ------------------------------------------------ OIDC authorization endpoint

    def handle_auth(self, query: dict, form: dict, method: str) -> Response:
        values = {**query, **form}
        hint = values.get("lti_message_hint", "")
        launch_id = self.by_hint.get(hint)
        rec = self.launches.get(launch_id) if launch_id else None
        if rec is None:
            return error_page(400, "unknown lti_message_hint: this platform did not start that launch")
        rec["auth_request"] = {"method": method, "params": values}
        redirect_uri = values.get("redirect_uri", "")
        # Never post a token (or an error) to a redirect_uri that is not registered.
        if values.get("client_id") != rec["client_id"]:
            rec["auth_error"] = {"error": "unauthorized_client", "error_description": "client_id is not the registered one"}
            return error_page(400, "client_id is not registered for this launch")
        if redirect_uri not in rec["redirect_uris"]:
            rec["auth_error"] = {"error": "invalid_request", "error_description": f"redirect_uri {redirect_uri!r} is not registered"}
            return error_page(400, f"redirect_uri {redirect_uri!r} is not one of the registered redirect URIs")

        def oidc_error(code: str, description: str) -> Response:
            rec["auth_error"] = {"error": code, "error_description": description}
            fields = {"error": code, "error_description": description}
            if values.get("state"):
                fields["state"] = values["state"]
            return Response(auto_submit_form(redirect_uri, fields), mimetype="text/html")

        if "openid" not in values.get("scope", "").split():
            return oidc_error("invalid_scope", "scope must include openid")
        if values.get("response_type") != "id_token":
            return oidc_error("unsupported_response_type", "response_type must be id_token")
        if values.get("response_mode") != "form_post":
            return oidc_error("invalid_request", "response_mode must be form_post")
        if values.get("prompt") != "none":
            return oidc_error("invalid_request", "prompt must be none")
        if not values.get("nonce"):
            return oidc_error("invalid_request", "nonce is required")
        if not values.get("state"):
            return oidc_error("invalid_request", "state is required")
        if values.get("login_hint") != rec["user_id"]:
            return oidc_error("login_required", "login_hint is not the signed-in user")
        with self.lock:
            if rec["hint_used"]:
                return oidc_error("invalid_request", "lti_message_hint was already used")
            rec["hint_used"] = True

        reg = self._registration(rec)
        conf = PeerPlatformConf(registration=reg)
        launch = PeerMessageLaunch(PeerRequest({"method": method, "form": form, "query": query}), conf)
        user = rec["user"]
        launch.set_user_data(rec["user_id"], rec["roles"], full_name=user.get("name"), email_address=user.get("email"))
        extra = {k: user[k] for k in ("given_name", "family_name", "picture") if k in user}
        if rec["context"]:
            ctx = rec["context"]
            launch.set_launch_context_claim(ctx["id"], ctx.get("type"), ctx.get("title"), ctx.get("label"))
        if rec["message_type"] in (RESOURCE_LINK, SUBMISSION_REVIEW):
            rl = rec["resource_link"]
            launch.set_resource_link_claim(rl["id"], rl.get("description"), rl.get("title"))
        if rec["message_type"] == SUBMISSION_REVIEW:
            # lti1p3platform builds resource-link messages; the submission review adds the AGS
            # endpoint with the reviewed lineitem and the for_user claim on top.
            launch.set_ags(self.base_url + "/lineitems", self.base_url + "/lineitems/1")
            extra[LTI + "message_type"] = SUBMISSION_REVIEW
            extra[LTI + "for_user"] = rec["for_user"]
        launch.set_launch_presentation_claim("iframe", self.base_url + "/return")
        if rec["custom"]:
            launch.set_custom_parameters_claim(rec["custom"])
        extra[LTI + "tool_platform"] = {
            "guid": "edtech-interop-peer-platform",
            "name": "edtech-interop peer platform (lti1p3platform)",
            "product_family_code": "lti1p3platform",
        }
        extra.update(rec["extra_claims"])
        launch.set_extra_claims(extra)
        if rec["message_type"] == DEEP_LINKING:
            launch.set_dl(
                f"{self.base_url}/deep-link/return?launch={rec['id']}",
                title="Peer platform deep linking",
                description="Pick content for the peer platform",
                accept_types=set(rec["accept_types"]),
                extra_data=rec["dl_data"],
            )
            settings = launch._deep_linking_launch_data[DL + "deep_linking_settings"]
            settings["accept_types"] = list(rec["accept_types"])  # keep the caller's order
            settings["accept_multiple"] = rec["accept_multiple"]
            if not rec["dl_data"]:
                settings.pop("data", None)
        try:
            launch_data = launch.lti_launch()
        except Exception as exc:  # lti1p3platform's own preflight checks
            return oidc_error("invalid_request", f"lti1p3platform refused the auth request: {exc!r}")
        state = launch_data["state"]
        if "state" in rec["tamper"]:
            state = "tampered-" + secrets.token_hex(8)
        token = launch_data["id_token"]
        header, claims = jwt_parts(token)
        rec["id_token_header"], rec["id_token_claims"] = header, claims
        return Response(auto_submit_form(launch_data["launch_url"], {"id_token": token, "state": state}), mimetype="text/html")

    # ------------------------------------------------ deep-linking return

    def handle_deep_link_return(self, launch_id: str, form: dict) -> tuple[dict, int]:
        rec = self.launches.get(launch_id)
        if rec is None or rec["message_type"] != DEEP_LINKING:
            return {"verified": False, "error": "unknown deep-linking launch"}, 400
        try:
            result = self.verify_deep_link_response(rec, form.get("JWT", ""))
            status = 200
        except (HarnessError, LtiException, LtiDeepLinkingResponseException, jwt.PyJWTError, ValueError, KeyError) as exc:
            result = {"verified": False, "error": f"{type(exc).__name__}: {exc}", "items": []}
            try:
                result["header"], result["claims"] = jwt_parts(form.get("JWT", ""))
            except Exception:
                pass
            status = 400
        rec["deep_link"] = result
        return result, status

    def verify_deep_link_response(self, rec: dict, token: str) -> dict:
        if not token:
            raise HarnessError("deep_link", "form field JWT is missing")
        checks = []
        conf = PeerPlatformConf(registration=self._registration(rec))
        conf.set_accepted_deeplinking_types(rec["accept_types"])
        # lti1p3platform: 3 parts, kid+alg in the header, key by kid from the tool JWKS,
        # RS256 signature, exp, message_type, item types within accept_types.
        conf.get_registration()
        items = conf.validate_deeplinking_resp({"JWT": token})
        checks += ["signature(tool JWKS, kid, RS256)", "exp", "message_type", "accept_types"]
        header, claims = jwt_parts(token)
        now = int(time.time())
        if header.get("alg") != "RS256":
            raise HarnessError("deep_link", f"alg {header.get('alg')!r} is not RS256")
        if claims.get("iss") != rec["client_id"]:
            raise HarnessError("deep_link", f"iss {claims.get('iss')!r} is not the client_id {rec['client_id']!r}")
        checks.append("iss=client_id")
        aud = claims.get("aud")
        auds = aud if isinstance(aud, list) else [aud]
        if self.issuer not in auds:
            raise HarnessError("deep_link", f"aud {aud!r} does not contain the platform issuer {self.issuer!r}")
        if len(auds) > 1 and claims.get("azp") != rec["client_id"]:
            raise HarnessError("deep_link", "aud has several values and azp is not the client_id")
        checks.append("aud contains issuer")
        if not isinstance(claims.get("exp"), (int, float)) or claims["exp"] < now - LEEWAY:
            raise HarnessError("deep_link", "exp missing or in the past")
        if not isinstance(claims.get("iat"), (int, float)) or claims["iat"] > now + LEEWAY:
            raise HarnessError("deep_link", "iat missing or in the future")
        checks.append("exp/iat")
        nonce = claims.get("nonce")
        if not nonce or not isinstance(nonce, str):
            raise HarnessError("deep_link", "nonce missing")
        jti = claims.get("jti")
        with self.lock:
            if nonce in self.seen_dl_nonces:
                raise HarnessError("deep_link", "nonce replayed")
            if jti is not None and jti in self.seen_dl_jtis:
                raise HarnessError("deep_link", "jti replayed")
            self.seen_dl_nonces.add(nonce)
            if jti is not None:
                self.seen_dl_jtis.add(jti)
        checks.append("nonce single-use")
        if claims.get(LTI + "version") != "1.3.0":
            raise HarnessError("deep_link", f"version {claims.get(LTI + 'version')!r} is not 1.3.0")
        if claims.get(LTI + "deployment_id") != rec["deployment_id"]:
            raise HarnessError("deep_link", f"deployment_id {claims.get(LTI + 'deployment_id')!r} is not {rec['deployment_id']!r}")
        checks.append("deployment_id")
        data = claims.get(DL + "data")
        if rec["dl_data"]:
            if data != rec["dl_data"]:
                raise HarnessError("deep_link", f"data {data!r} is not the data sent {rec['dl_data']!r}")
        elif data not in (None, ""):
            raise HarnessError("deep_link", "data returned although none was sent")
        checks.append("data echoed")
        if not isinstance(items, list):
            raise HarnessError("deep_link", "content_items is not an array")
        if not rec["accept_multiple"] and len(items) > 1:
            raise HarnessError("deep_link", f"{len(items)} content items but accept_multiple is false")
        flagged = []
        for i, item in enumerate(items):
            if not isinstance(item, dict) or not isinstance(item.get("type"), str):
                raise HarnessError("deep_link", f"content_items[{i}] has no type")
            for where, url in _item_urls(item):
                if not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https"):
                    raise HarnessError("deep_link", f"content_items[{i}].{where} is not an http(s) URL: {url!r}")
            if item["type"] == "html":
                flagged.append(i)
        checks.append("items (count, http(s) URLs)")
        return {
            "verified": True,
            "items": items,
            "html_items_to_sanitise": flagged,
            "errormsg": claims.get(DL + "errormsg"),
            "msg": claims.get(DL + "msg"),
            "header": header,
            "claims": claims,
            "checks": checks,
            "error": None,
        }

    # ------------------------------------------------ one launch, browser included

    def run_launch(self, params: dict) -> dict:
        out: dict = {"ok": False, "step": "setup", "status": None, "error": None, "platform": self.info()}
        try:
            rec = self.new_launch(params)
            out["launch_id"] = rec["id"]
            out["message_type"] = rec["message_type"]
            self._drive(rec, out)
        except HarnessError as exc:
            out["step"], out["error"] = exc.step, str(exc)
        except requests.RequestException as exc:
            out["error"] = f"HTTP error: {exc}"
        except Exception as exc:  # report, never crash the harness
            out["error"] = f"{type(exc).__name__}: {exc}"
        return out

    def _drive(self, rec: dict, out: dict) -> None:
        browser = Browser()
        out["hops"] = browser.hops
        out["cookies"] = browser.set_cookies
        auth_url = self.base_url + "/auth"

        # 1. third-party initiated login, then whatever the tool's login page makes the browser do
        out["step"] = "login"
        login_url, login_params = self.login_request(rec)
        out["login_request"] = {"method": rec["login_method"], "url": login_url, "params": login_params}
        resp = browser.request(rec["login_method"], login_url, login_params)
        for _ in range(5):
            if resp.url.split("?")[0] == auth_url:
                break
            nxt = auto_navigation(resp.url, resp.text)
            if nxt is None:
                out["status"] = resp.status_code
                out["launch_response_body"] = resp.text[:65536]
                raise HarnessError("login", f"the tool's login answered {resp.status_code} and did not send the browser to the platform's auth endpoint")
            resp = browser.request(nxt["method"], nxt["url"], nxt["data"])
        else:
            raise HarnessError("login", "too many hops before reaching the platform's auth endpoint")

        # 2. the platform's auth endpoint answered (error page, OIDC error form, or the launch form)
        out["step"] = "auth"
        out["auth_request"] = rec["auth_request"]
        if resp.status_code != 200:
            out["auth_error"] = rec["auth_error"]
            raise HarnessError("auth", f"platform refused the auth request: {rec['auth_error']}")
        nxt = auto_navigation(resp.url, resp.text)
        if nxt is None:
            raise HarnessError("auth", "platform auth response has no form")
        if rec["auth_error"]:
            # a browser posts the OIDC error to the tool; report what the tool did with it
            out["auth_error"] = rec["auth_error"]
            resp = browser.request(nxt["method"], nxt["url"], nxt["data"])
            out["status"] = resp.status_code
            out["launch_response_body"] = resp.text[:65536]
            raise HarnessError("auth", f"platform refused the auth request: {rec['auth_error']}")
        out["id_token_header"] = rec["id_token_header"]
        out["id_token_claims"] = rec["id_token_claims"]

        # 3. the launch: form post of id_token + state to the tool, following its redirects
        out["step"] = "launch"
        resp = browser.request(nxt["method"], nxt["url"], nxt["data"])
        out["status"] = resp.status_code
        out["launch_url"] = resp.url
        out["launch_response_body"] = resp.text[:65536]
        try:
            out["launch_response_json"] = resp.json()
        except ValueError:
            out["launch_response_json"] = None
        if not 200 <= resp.status_code < 300:
            raise HarnessError("launch", f"the tool answered the launch with HTTP {resp.status_code}")
        if rec["message_type"] != DEEP_LINKING:
            out["step"], out["ok"] = "done", True
            return

        # 4. deep linking: the tool's page auto-submits JWT to our deep_link_return_url
        out["step"] = "deep_link"
        return_url = f"{self.base_url}/deep-link/return?launch={rec['id']}"
        form = find_form(resp.text, resp.url, return_url)
        if form is None:
            raise HarnessError("deep_link", "the tool's answer to the deep-linking launch has no form posting to deep_link_return_url")
        dl_resp = browser.request("POST", return_url, form["fields"])
        result = rec["deep_link"] or {}
        out["deep_link"] = result
        out["deep_link_items"] = result.get("items", [])
        if dl_resp.status_code != 200 or not result.get("verified"):
            raise HarnessError("deep_link", f"deep-linking response rejected: {result.get('error')}")
        out["step"], out["ok"] = "done", True


def _item_urls(item: dict) -> t.Iterator[tuple[str, t.Any]]:
    if "url" in item and item["url"] is not None:
        yield "url", item["url"]
    elif item.get("type") in ("link", "file", "image"):
        yield "url", item.get("url")
    for nested in ("icon", "thumbnail"):
        if isinstance(item.get(nested), dict) and "url" in item[nested]:
            yield f"{nested}.url", item[nested]["url"]
    if isinstance(item.get("iframe"), dict) and "src" in item["iframe"]:
        yield "iframe.src", item["iframe"]["src"]


# ---------------------------------------------------------------- CLI


def _launch_params(args: argparse.Namespace) -> dict:
    params: dict = {}
    if args.launch_json:
        with open(args.launch_json) as fh:
            params.update(json.load(fh))
    cli = {
        "tool_login_url": args.tool_login_url,
        "tool_jwks_url": args.tool_jwks_url,
        "client_id": args.client_id,
        "deployment_id": args.deployment_id,
        "message_type": args.message_type,
        "target_link_uri": args.target_link_uri,
        "redirect_uris": args.redirect_uri or None,
        "login_method": args.login_method,
        "user_id": args.user_id,
        "roles": args.role or None,
        "accept_types": args.accept_types.split(",") if args.accept_types else None,
        "dl_data": args.dl_data,
        "tamper": args.tamper or None,
    }
    if args.login_param or args.drop_login_param:
        login_params = dict(params.get("login_params") or {})
        login_params.update(dict(kv.split("=", 1) for kv in args.login_param or []))
        login_params.update({k: None for k in args.drop_login_param or []})
        cli["login_params"] = login_params
    if args.tool_jwks:
        with open(args.tool_jwks) as fh:
            cli["tool_jwks"] = json.load(fh)
    if args.accept_multiple is not None:
        cli["accept_multiple"] = args.accept_multiple == "true"
    if args.custom:
        cli["custom"] = dict(kv.split("=", 1) for kv in args.custom)
    params.update({k: v for k, v in cli.items() if v is not None})
    return params


def _add_platform_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--port", type=int, default=0, help="loopback port for the platform (0 = pick one)")
    p.add_argument("--issuer", help="issuer (default: the platform's base URL http://127.0.0.1:PORT)")
    p.add_argument("--key", help="platform RSA private key PEM (default: a fresh RSA-2048 key)")
    p.add_argument("--kid", help="kid of the platform key (default: RFC 7638 thumbprint)")


def main(argv: t.Optional[list] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd")
    sp = sub.add_parser("serve", help="run the platform until SIGTERM")
    _add_platform_args(sp)
    lp = sub.add_parser("launch", help="one launch end to end; prints one JSON object")
    _add_platform_args(lp)
    lp.add_argument("--platform", help="URL of a running `serve` platform to use instead of an in-process one")
    lp.add_argument("--tool-login-url")
    lp.add_argument("--tool-jwks-url")
    lp.add_argument("--tool-jwks", help="file with the tool's JWKS (instead of --tool-jwks-url)")
    lp.add_argument("--client-id")
    lp.add_argument("--deployment-id")
    lp.add_argument("--message-type", choices=MESSAGE_TYPES)
    lp.add_argument("--target-link-uri")
    lp.add_argument("--redirect-uri", action="append", help="registered redirect URI (repeatable; default: target link URI)")
    lp.add_argument("--login-method", choices=("GET", "POST", "get", "post"))
    lp.add_argument("--user-id")
    lp.add_argument("--role", action="append")
    lp.add_argument("--custom", action="append", metavar="KEY=VALUE")
    lp.add_argument("--accept-types", help="comma-separated deep-linking accept_types")
    lp.add_argument("--accept-multiple", choices=("true", "false"))
    lp.add_argument("--dl-data", help="deep-linking data to send (empty string: send none)")
    lp.add_argument("--tamper", action="append", choices=TAMPERS, help="break the launch on purpose (repeatable)")
    lp.add_argument("--login-param", action="append", metavar="KEY=VALUE", help="add/override a login initiation parameter")
    lp.add_argument("--drop-login-param", action="append", metavar="KEY", help="leave a login initiation parameter out")
    lp.add_argument("--launch-json", help="JSON file with launch parameters (CLI flags override it)")
    jp = sub.add_parser("jwks", help="print the public JWKS of a key")
    jp.add_argument("--key", required=True)
    jp.add_argument("--kid")
    args = ap.parse_args(argv)
    quiet_request_log()

    if args.cmd == "jwks":
        print(json.dumps({"keys": [public_jwk(load_or_generate_key(args.key), args.kid)]}))
        return 0
    if args.cmd == "serve":
        platform = Platform(args.issuer, args.key, args.kid)
        url = platform.start(args.port)
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        print_ready(url)
        stop.wait()
        platform.stop()
        return 0
    if args.cmd == "launch":
        params = _launch_params(args)
        if args.platform:
            try:
                resp = requests.post(args.platform.rstrip("/") + "/control/launch", json=params, timeout=120)
                result = resp.json()
            except (requests.RequestException, ValueError) as exc:
                result = {"ok": False, "step": "setup", "status": None, "error": f"control API: {exc}"}
        else:
            platform = Platform(args.issuer, args.key, args.kid)
            platform.start(args.port)
            try:
                result = platform.run_launch(params)
            finally:
                platform.stop()
        print(json.dumps(result))
        return 0 if result.get("ok") else 1
    ap.print_help(sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
