"""pip-audit over the pinned requirements, with a verdict that cannot pass silently.

    python .ci/pip_audit.py requirements.txt requirements-dev.txt

- A known vulnerability in a pinned package: exit 1.
- A package the vulnerability service could not check (the service unreachable, or a
  package index without vulnerability data, as on a mirror without internet): exit 0, but
  a WARNING line names how many went unchecked. Failing there would block every change
  for a reason outside the code; passing quietly would claim a clean audit nobody made.
- pip-audit missing: exit 1 under CI=true (make install-dev installs it), else a WARNING.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path


def main(requirements: list[str]) -> int:
    ci = os.environ.get("CI") == "true"
    pip_audit = shutil.which("pip-audit", path=str(Path(sys.executable).parent)) or shutil.which("pip-audit")
    if pip_audit is None:
        print("WARNING: pip-audit is not installed: dependencies NOT audited.")
        return 1 if ci else 0
    args = [pip_audit, "--no-deps", "--disable-pip", "--progress-spinner", "off", "-f", "json"]
    for requirement in requirements:
        args += ["-r", requirement]
    # Pinned arguments only, no shell: nothing from outside reaches the command line.
    run = subprocess.run(args, capture_output=True, text=True, timeout=600)  # noqa: S603  # nosec B603
    try:
        report = json.loads(run.stdout)
    except json.JSONDecodeError:
        reason = (run.stderr.strip().splitlines() or ["no output"])[-1]
        print(
            f"WARNING: pip-audit could not reach a vulnerability service: dependencies NOT audited ({reason})"
        )
        return 0
    deps = report.get("dependencies", [])
    vulnerable = [d for d in deps if d.get("vulns")]
    skipped = [d for d in deps if "skip_reason" in d]
    for dep in vulnerable:
        for vuln in dep["vulns"]:
            fixes = ", ".join(vuln.get("fix_versions") or []) or "no fixed version yet"
            print(f"VULNERABLE: {dep['name']} {dep['version']}: {vuln['id']} (fixed in: {fixes})")
    audited = len(deps) - len(skipped)
    print(f"pip-audit: {audited} of {len(deps)} pinned packages checked, {len(vulnerable)} vulnerable.")
    if skipped:
        print(
            f"WARNING: pip-audit could not check {len(skipped)} of {len(deps)} pinned packages "
            f"(e.g. {skipped[0]['name']}: {skipped[0]['skip_reason']}): NOT a clean audit."
        )
    return 1 if vulnerable else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["requirements.txt"]))
