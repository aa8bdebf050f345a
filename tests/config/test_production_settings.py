"""Production settings: `check --deploy` is clean, every response carries the security headers."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)


def test_check_deploy_reports_no_issue_with_production_environment(tmp_path):
    """With DEBUG=0, a long SECRET_KEY and ALLOWED_HOSTS set, `manage.py check --deploy` exits 0
    and prints neither a warning nor an error."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SECURE_", "SESSION_", "CSRF_")) and k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(DEBUG="0", SECRET_KEY=secrets.token_urlsafe(50), ALLOWED_HOSTS="chaiwei.example.gov.cn",
               DATA_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="config.settings")
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output
    assert "WARNINGS:" not in output and "ERRORS:" not in output


def test_check_deploy_fails_on_development_settings(tmp_path):
    """The same check on the laptop defaults (DEBUG on, development key) does report warnings,
    so the test above is measuring something."""
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY")}
    env.update(DATA_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="config.settings")
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "security.W018" in result.stdout + result.stderr  # DEBUG on


@pytest.mark.django_db
def test_sign_in_page_carries_csp_and_security_headers(client):
    """The sign-in page is served with a CSP allowing scripts only from our origin (no inline
    scripts), plus nosniff, a same-origin referrer policy, COOP and framing denied."""
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    csp = response.headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";") if part.strip())
    assert directives["script-src"] == "'self'"
    assert "'unsafe-inline'" not in directives["script-src"] and "'unsafe-eval'" not in csp
    assert directives["default-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_admin_login_page_carries_csp(client):
    """The admin's sign-in page is under the same policy."""
    response = client.get("/admin/login/")
    assert response.status_code == 200
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_no_page_template_of_ours_has_an_inline_script():
    """Our templates load scripts by src only: no <script> element with a body, no on* handler."""
    import re

    offenders = []
    for template in BASE_DIR.glob("**/templates/**/*.html"):
        if ".venv" in template.parts:
            continue
        text = template.read_text(encoding="utf-8")
        for match in re.finditer(r"<script\b([^>]*)>(.*?)</script>", text, re.S | re.I):
            if match.group(2).strip() or "src=" not in match.group(1):
                offenders.append(str(template))
        if re.search(r"\son[a-z]+\s*=\s*[\"']", text, re.I):
            offenders.append(str(template))
    assert offenders == []
