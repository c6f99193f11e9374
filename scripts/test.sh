#!/usr/bin/env bash
# Runs every test: TypeScript type-check, lint (import layers and ESLint), vitest (unit, LLM
# providers, workflows against a real Temporal dev server, fault and end-to-end tests), and pytest
# for the Python ML CLI. Ends with one machine-readable line: `tests: N passed, N failed` (a failed
# type-check or lint counts as one failed test each).
set -uo pipefail
cd "$(dirname "$0")/.."
reports=.synthlab/test-reports
rm -rf "$reports" && mkdir -p "$reports"
status=0

echo "== typecheck (tsc --noEmit)"
if npx tsc --noEmit; then typecheck_failed=0; else typecheck_failed=1; status=1; fi

echo "== lint (npm run lint: dependency-cruiser import layers, ESLint)"
if npm run --silent lint; then lint_failed=0; else lint_failed=1; status=1; fi

echo "== vitest"
npx vitest run --reporter=default --reporter=json --outputFile="$reports/vitest.json" || status=1

echo "== pytest (ml/)"
(cd ml && SYNTHLAB_TORCH_THREADS=2 .venv/bin/python -m pytest -q --junit-xml="../$reports/pytest.xml") || status=1

ml/.venv/bin/python - "$reports" "$typecheck_failed" "$lint_failed" <<'PY'
import json, sys, xml.etree.ElementTree as ET
from pathlib import Path
reports, typecheck_failed, lint_failed = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
passed = failed = skipped = 0
vitest = reports / "vitest.json"
if vitest.exists():
    data = json.loads(vitest.read_text())
    passed += data["numPassedTests"]; failed += data["numFailedTests"]
    skipped += data["numPendingTests"] + data["numTodoTests"]
    # A file that fails outside its tests (e.g. in beforeAll) reports its tests as skipped:
    # count them, or at least the file, as failed.
    for result in data["testResults"]:
        assertions = result.get("assertionResults", [])
        if result.get("status") == "failed" and not any(a.get("status") == "failed" for a in assertions):
            not_run = sum(1 for a in assertions if a.get("status") in ("pending", "skipped", "todo"))
            skipped -= not_run; failed += max(not_run, 1)
else:
    failed += 1
junit = reports / "pytest.xml"
if junit.exists():
    suites = ET.parse(junit).getroot()
    for suite in suites.iter("testsuite"):
        total, errors, fails, skips = (int(suite.get(k, 0)) for k in ("tests", "errors", "failures", "skipped"))
        passed += total - errors - fails - skips; failed += errors + fails; skipped += skips
else:
    failed += 1
failed += typecheck_failed + lint_failed
print(f"tests: {passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
PY
exit $status
