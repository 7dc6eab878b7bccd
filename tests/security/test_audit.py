"""The pip-audit wrapper of `make audit`: a vulnerability fails, an audit it could not make
is reported as such (never as clean)."""

import importlib.util
import json
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / ".ci" / "pip_audit.py"


@pytest.fixture
def audit(monkeypatch):
    spec = importlib.util.spec_from_file_location("pip_audit_wrapper", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)

    def run_with(stdout, stderr=""):
        monkeypatch.setattr(module.shutil, "which", lambda *a, **k: "/usr/bin/pip-audit")
        monkeypatch.setattr(
            module.subprocess,
            "run",
            lambda args, **kw: subprocess.CompletedProcess(
                args, 1 if "vulns" in stdout else 0, stdout, stderr
            ),
        )
        return module.main(["requirements.txt"])

    return run_with


def test_a_known_vulnerability_fails(audit, capsys):
    report = {
        "dependencies": [
            {"name": "django", "version": "5.2.19", "vulns": [{"id": "PYSEC-1", "fix_versions": ["5.2.20"]}]}
        ]
    }
    assert audit(json.dumps(report)) == 1
    assert "VULNERABLE: django 5.2.19: PYSEC-1 (fixed in: 5.2.20)" in capsys.readouterr().out


def test_packages_it_could_not_check_are_a_warning_not_a_clean_audit(audit, capsys):
    report = {
        "dependencies": [
            {"name": "django", "skip_reason": "Dependency not found on PyPI"},
            {"name": "celery", "version": "5.7.0", "vulns": []},
        ]
    }
    assert audit(json.dumps(report)) == 0
    out = capsys.readouterr().out
    assert "1 of 2 pinned packages checked" in out
    assert "WARNING: pip-audit could not check 1 of 2" in out and "NOT a clean audit" in out


def test_an_unreachable_service_is_a_warning(audit, capsys):
    assert audit("", stderr="requests.exceptions.ConnectionError: Failed to resolve") == 0
    assert "WARNING: pip-audit could not reach a vulnerability service" in capsys.readouterr().out


def test_a_clean_audit_says_so_without_warning(audit, capsys):
    assert audit(json.dumps({"dependencies": [{"name": "celery", "version": "5.7.0", "vulns": []}]})) == 0
    out = capsys.readouterr().out
    assert "1 of 1 pinned packages checked, 0 vulnerable." in out and "WARNING" not in out
