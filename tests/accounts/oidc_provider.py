"""A small OpenID Connect provider for the tests: loopback only, a key made at start, no internet.

It serves discovery, JWKS, authorize (auto-approves the person in ``provider.person``), token and userinfo,
and checks what a real provider checks: client id and secret, response_type=code, the registered redirect
URI, a single use of each code, and PKCE (S256 of the verifier must equal the challenge). Knobs in
``provider.tamper`` make it issue bad ID tokens (a broken signature, another nonce, audience, issuer or
algorithm, an expired token) so the tests can show that Cyberbeeld refuses them.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

CLIENT_ID = "cyberbeeld-test"
CLIENT_SECRET = "s3cret-" + "x" * 32
REDIRECT_URI = "http://testserver/oidc/callback/"


class Provider:
    def __init__(self, redirect_uri: str = REDIRECT_URI) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = secrets.token_hex(8)
        self.redirect_uri = redirect_uri
        self.person: dict[str, Any] = {}
        self.tamper: dict[str, Any] = {}
        self.codes: dict[str, dict[str, Any]] = {}
        self.tokens: dict[str, dict[str, Any]] = {}
        self.authorize_requests: list[dict[str, str]] = []
        self.token_requests: list[dict[str, Any]] = []
        self.jwks_requests = 0
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Provider:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def env(self, **extra: str) -> dict[str, str]:
        """The CYBERBEELD_OIDC_* variables a deployment would set for this provider."""
        env = {
            "CYBERBEELD_OIDC_ISSUER": self.url,
            "CYBERBEELD_OIDC_AUTHORIZATION_ENDPOINT": self.url + "/authorize",
            "CYBERBEELD_OIDC_TOKEN_ENDPOINT": self.url + "/token",
            "CYBERBEELD_OIDC_USERINFO_ENDPOINT": self.url + "/userinfo",
            "CYBERBEELD_OIDC_JWKS_ENDPOINT": self.url + "/jwks",
            "CYBERBEELD_OIDC_CLIENT_ID": CLIENT_ID,
            "CYBERBEELD_OIDC_CLIENT_SECRET": CLIENT_SECRET,
            "CYBERBEELD_OIDC_PROVIDER_NAME": "Testprovider",
            "CYBERBEELD_OIDC_ORGANISATION_CLAIM": "groups",
            "CYBERBEELD_OIDC_ACR_VALUES": "http://eidas.europa.eu/LoA/substantial",
        }
        env.update(extra)
        return env

    # --- tokens ----------------------------------------------------------------------------------------
    def jwks(self) -> dict[str, Any]:
        jwk = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        jwk.update({"kid": self.kid, "alg": "RS256", "use": "sig"})
        return {"keys": [jwk]}

    def id_token(self, grant: dict[str, Any]) -> str:
        now = int(time.time())
        t = self.tamper
        claims = {"iss": t.get("iss", self.url), "sub": grant["person"]["sub"], "aud": t.get("aud", CLIENT_ID),
                  "iat": now, "exp": now + t.get("exp_offset", 300), "nonce": t.get("nonce", grant["nonce"]),
                  "acr": grant["person"].get("acr", "http://eidas.europa.eu/LoA/substantial")}
        claims.update({k: v for k, v in grant["person"].items() if k not in ("acr", "userinfo_only")})
        if t.get("alg") == "HS256":  # a symmetric token signed with the client secret: not allowed
            return jwt.encode(claims, CLIENT_SECRET, algorithm="HS256", headers={"kid": self.kid})
        token = jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": self.kid})
        if t.get("signature"):  # change one claim after signing: the signature no longer fits
            head, body, sig = token.split(".")
            payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
            payload["sub"] = "someone-else"
            body = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
            token = ".".join((head, body, sig))
        return token

    def access_token(self, sub: str, claims: dict[str, Any] | None = None, *, key: Any = None, alg: str = "RS256",
                     kid: str | None = None, **tamper: Any) -> str:
        """An access token (JWT) as a client of the API would get it from this provider: ``tamper`` changes
        ``iss``, ``aud`` or the expiry (``exp_offset``); ``key`` signs with another key (a bad signature)."""
        now = int(time.time())
        body = {"iss": tamper.get("iss", self.url), "sub": sub, "aud": tamper.get("aud", CLIENT_ID),
                "iat": now, "exp": now + tamper.get("exp_offset", 300), "scope": "openid",
                "acr": "http://eidas.europa.eu/LoA/substantial", **(claims or {})}
        if alg == "HS256":
            return jwt.encode(body, CLIENT_SECRET, algorithm="HS256", headers={"kid": kid or self.kid})
        return jwt.encode(body, key or self.key, algorithm=alg, headers={"kid": kid or self.kid})


def _handler(provider: Provider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # quiet
            pass

        def _json(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:  # noqa: N802
            url = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            if url.path == "/.well-known/openid-configuration":
                base = provider.url
                self._json(200, {"issuer": base, "authorization_endpoint": base + "/authorize",
                                 "token_endpoint": base + "/token", "userinfo_endpoint": base + "/userinfo",
                                 "jwks_uri": base + "/jwks", "response_types_supported": ["code"],
                                 "code_challenge_methods_supported": ["S256"],
                                 "id_token_signing_alg_values_supported": ["RS256"]})
            elif url.path == "/jwks":
                provider.jwks_requests += 1
                self._json(200, provider.jwks())
            elif url.path == "/authorize":
                provider.authorize_requests.append(query)
                problems = []
                if query.get("client_id") != CLIENT_ID:
                    problems.append("client_id")
                if query.get("response_type") != "code":
                    problems.append("response_type")
                if query.get("redirect_uri") != provider.redirect_uri:
                    problems.append("redirect_uri")
                if query.get("code_challenge_method") != "S256" or not query.get("code_challenge"):
                    problems.append("pkce")
                if problems:
                    self._json(400, {"error": "invalid_request", "problems": problems})
                    return
                code = secrets.token_urlsafe(24)
                provider.codes[code] = {"nonce": query.get("nonce"), "challenge": query["code_challenge"],
                                        "redirect_uri": query["redirect_uri"], "person": dict(provider.person)}
                self.send_response(302)
                self.send_header("Location", query["redirect_uri"] + "?" + urlencode(
                    {"code": code, "state": query.get("state", "")}))
                self.end_headers()
            elif url.path == "/userinfo":
                token = self.headers.get("Authorization", "").removeprefix("Bearer ")
                grant = provider.tokens.get(token)
                if grant is None:
                    self._json(401, {"error": "invalid_token"})
                    return
                person = grant["person"]
                info = {"sub": person["sub"], **person.get("userinfo_only", {})}
                self._json(200, info)
            else:
                self._json(404, {"error": "not_found"})

        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("Content-Length", "0"))
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            if urlsplit(self.path).path != "/token":
                self._json(404, {"error": "not_found"})
                return
            record: dict[str, Any] = {"form": {k: v for k, v in form.items() if k != "client_secret"}}
            provider.token_requests.append(record)
            if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
                self._json(401, {"error": "invalid_client"})
                return
            grant = provider.codes.pop(form.get("code", ""), None)  # a code works once
            if grant is None or form.get("grant_type") != "authorization_code" \
                    or form.get("redirect_uri") != grant["redirect_uri"]:
                self._json(400, {"error": "invalid_grant"})
                return
            verifier = form.get("code_verifier", "")
            challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
            record["pkce_ok"] = bool(verifier) and challenge == grant["challenge"]
            if not record["pkce_ok"]:
                self._json(400, {"error": "invalid_grant", "error_description": "PKCE verification failed"})
                return
            access = secrets.token_urlsafe(24)
            provider.tokens[access] = grant
            self._json(200, {"access_token": access, "token_type": "Bearer", "expires_in": 300,
                             "id_token": provider.id_token(grant)})

    return Handler
