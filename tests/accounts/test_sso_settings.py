"""Single sign-on and two-factor settings: parsed from the environment, refused on one line in production."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cyberbeeld.accounts import oidc_config

SRC = str(Path(__file__).resolve().parents[2] / "src")
FULL = {
    "CYBERBEELD_OIDC_ISSUER": "https://idp.example.nl",
    "CYBERBEELD_OIDC_AUTHORIZATION_ENDPOINT": "https://idp.example.nl/authorize",
    "CYBERBEELD_OIDC_TOKEN_ENDPOINT": "https://idp.example.nl/token",
    "CYBERBEELD_OIDC_JWKS_ENDPOINT": "https://idp.example.nl/jwks",
    "CYBERBEELD_OIDC_CLIENT_ID": "cyberbeeld",
    "CYBERBEELD_OIDC_CLIENT_SECRET": "geheim",
    "CYBERBEELD_OIDC_ORGANISATION_CLAIM": "groups",
    "CYBERBEELD_OIDC_ORGANISATION_MAPPING": json.dumps({"gm-maastricht": {"organisation": "gemeente-maastricht",
                                                                          "role": "bewerker"}}),
}


def test_off_without_variables_and_complete_with_them():
    assert oidc_config.read({}) == (None, [])
    config, problems = oidc_config.read(FULL)
    assert problems == [] and config is not None
    settings = oidc_config.django_settings(config)
    assert settings["OIDC_USE_PKCE"] and settings["OIDC_PKCE_CODE_CHALLENGE_METHOD"] == "S256"
    assert settings["OIDC_USE_NONCE"] and settings["OIDC_RP_SIGN_ALGO"] == "RS256"
    assert config.mapping == {"gm-maastricht": ("gemeente-maastricht", "bewerker")}


@pytest.mark.parametrize(("change", "needle"), [
    ({"CYBERBEELD_OIDC_TOKEN_ENDPOINT": ""}, "CYBERBEELD_OIDC_TOKEN_ENDPOINT"),
    ({"CYBERBEELD_OIDC_ORGANISATION_MAPPING": "{niet json"}, "geen geldige JSON"),
    ({"CYBERBEELD_OIDC_ORGANISATION_MAPPING": '{"x": {"organisation": "a", "role": "baas"}}'}, "'baas'"),
    ({"CYBERBEELD_OIDC_ORGANISATION_MAPPING": '{"x": {"role": "lezer"}}'}, "'organisation' ontbreekt"),
    ({"CYBERBEELD_OIDC_SIGN_ALGO": "HS256"}, "HS256"),
    ({"CYBERBEELD_OIDC_SCOPES": "email"}, "'openid'"),
])
def test_problems_name_the_variable(change, needle):
    config, problems = oidc_config.read({**FULL, **change})
    assert config is None and any(needle in p for p in problems), problems


def test_claim_mapping_highest_role_wins_and_unknown_values_are_ignored():
    config, _ = oidc_config.read({**FULL, "CYBERBEELD_OIDC_ORGANISATION_MAPPING": json.dumps({
        "a": {"organisation": "m", "role": "lezer"}, "b": {"organisation": "m", "role": "beheerder"},
        "c": {"organisation": "z", "role": "bewerker"}})})
    assert config is not None
    assert oidc_config.memberships_from_claims(config, {"groups": ["b", "a", "x"]}) == {"m": "beheerder"}
    assert oidc_config.memberships_from_claims(config, {"groups": "c"}) == {"z": "bewerker"}
    assert oidc_config.memberships_from_claims(config, {"groups": [1, None]}) == {}


def _check_deploy(tmp_path: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DJANGO_", "DATABASE_URL", "CYBERBEELD_", "GUNICORN"))}
    env.update({"PYTHONPATH": SRC, "DJANGO_SETTINGS_MODULE": "cyberbeeld.config.settings.production",
                "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
                "DJANGO_SECRET_KEY": "k" * 20 + "-Xq9!" + "z" * 40, "DJANGO_ALLOWED_HOSTS": "cyberbeeld.example.nl",
                "CYBERBEELD_DATA_DIR": str(tmp_path / "var"), **extra})
    return subprocess.run([sys.executable, "-m", "cyberbeeld.cli", "check", "--deploy"], env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(("extra", "needle"), [
    ({"CYBERBEELD_OIDC_ISSUER": "https://idp.example.nl", "CYBERBEELD_OIDC_CLIENT_ID": "cyberbeeld"},
     "CYBERBEELD_OIDC_TOKEN_ENDPOINT"),
    ({"CYBERBEELD_MFA_REQUIRED_ROLES": "coordinator"}, "CYBERBEELD_MFA_REQUIRED_ROLES"),
])
def test_production_refuses_incomplete_sso_or_optional_beheerder_2fa_on_one_line(tmp_path, extra, needle):
    proc = _check_deploy(tmp_path, **extra)
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and needle in lines[0], proc.stderr


def test_base_settings_require_two_factor_for_beheerders():
    from cyberbeeld.config.settings import base

    assert "beheerder" in base.MFA_REQUIRED_ROLES
