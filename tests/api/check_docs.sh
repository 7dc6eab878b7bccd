#!/usr/bin/env bash
# Runs every ```bash block of README.md's "REST API" section, in order, against gunicorn on a throwaway
# database with the demo data, and checks what they print. Usage: tests/api/check_docs.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

PY=.venv/bin/python
PORT="${DOCS_PORT:-8011}"
PG="${DOCS_PG:-postgres://postgres@127.0.0.1:5432}"
DB="brm_docs_$$"
WORK="$(mktemp -d)"
export DATABASE_URL="$PG/$DB" BRM_VAR_DIR="$WORK/var" EMAIL_BACKEND=django.core.mail.backends.locmem.EmailBackend
export CELERY_TASK_ALWAYS_EAGER=True CELERY_BROKER_URL="memory://"

pg() {
  "$PY" -c "import sys, psycopg2; c = psycopg2.connect('$PG/postgres'); c.autocommit = True; c.cursor().execute(sys.argv[1])" "$1"
}
PID=""
cleanup() {
  [ -n "$PID" ] && { kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; }
  pg "DROP DATABASE IF EXISTS $DB WITH (FORCE)" || true
  rm -rf "$WORK"
}
trap cleanup EXIT

pg "CREATE DATABASE $DB"
"$PY" manage.py migrate --no-input -v 0
"$PY" manage.py seed_demo --quiet
.venv/bin/gunicorn brm.wsgi:application -b "127.0.0.1:$PORT" -w 2 >"$WORK/server.log" 2>&1 &
PID=$!
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$PORT/api/schema/" >/dev/null && break; sleep 0.2; done

# The blocks, joined into one script (they share variables), pointed at this server.
"$PY" - "$WORK/docs.sh" "$PORT" <<'PYCODE'
import re, sys
text = open("README.md").read().split("\n## REST API\n", 1)[1].split("\n## ", 1)[0]
blocks = re.findall(r"```bash\n(.*?)```", text, re.S)
script = "set -euo pipefail\n" + "\n".join(f"echo '--- block {i}'\n{b}" for i, b in enumerate(blocks, 1))
open(sys.argv[1], "w").write(script.replace("http://127.0.0.1:8000", f"http://127.0.0.1:{sys.argv[2]}"))
PYCODE
bash "$WORK/docs.sh" | tee "$WORK/out.txt"

fail() { echo "README REST API check failed: $1"; exit 1; }
grep -Eq '^[0-9a-f]{40}$' "$WORK/out.txt" || fail "no token printed"
grep -q '"attainment"' "$WORK/out.txt" || fail "no subscription with attainment"
grep -q '"subject": "Month-end close"' "$WORK/out.txt" || fail "interaction not logged"
grep -q '"level": 1' "$WORK/out.txt" || fail "escalation not raised"
grep -q '"raised"' "$WORK/out.txt" || fail "escalation history missing"
grep -q '"title": "Invoices stuck in ERP queue"' "$WORK/out.txt" || fail "search found nothing"
grep -q '"label": "Noor Bakker <noor.bakker@example.org> — Accounts Payable"' "$WORK/out.txt" || fail "import preview missing"
[ "$(grep -Ec '"secret": "whsec_[A-Za-z0-9_-]{40,}"' "$WORK/out.txt")" = 2 ] || fail "webhook secret not shown on create and rotate"

# The 403 quoted in the errors table.
BRM="http://127.0.0.1:$PORT"
PIET=$(curl -s -X POST $BRM/api/v1/auth/token/ -d username=piet -d password=brm-demo-2026 | jq -r .token)
REQ=$(curl -s -X POST $BRM/api/v1/requirements/ -H "Authorization: Token $PIET" -H "Content-Type: application/json" \
  -d "{\"unit\": $(curl -s "$BRM/api/v1/units/?code=fin-ap" -H "Authorization: Token $PIET" | jq '.results[0].id'), \"title\": \"Docs check\", \"description\": \"x\"}" | jq .id)
curl -s -X POST "$BRM/api/v1/requirements/$REQ/submit/" -H "Authorization: Token $PIET" >/dev/null
MESSAGE=$(curl -s -X POST "$BRM/api/v1/requirements/$REQ/approve/" -H "Authorization: Token $PIET" | jq -r .detail)
grep -qF "$MESSAGE" README.md || fail "the 403 message in the table is not what the API says: $MESSAGE"
echo "README REST API: every block ran and printed what it says"
