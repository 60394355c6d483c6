#!/usr/bin/env bash
# syncgen as an app gets it: build the two packages, `npm pack` them, install the tarballs into a
# new app outside this repository, scaffold and generate with the packaged CLI, type-check the app
# with strict flags, and sync two devices under plain `node` (no tsx, no loader).
#
# Installs are offline-first: the tarballs' dependencies come from npm's cache, which this
# repository's `npm ci` filled; npm may still ask the registry for package metadata, as `npm ci`
# itself does (`--prefer-offline`). better-sqlite3 builds from source, as in any app here.
#
#   bash test/package/packaged-app.sh          (after `npm ci`; .ci/run runs it after `npm test`)
set -euo pipefail

repo="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/syncgen-packaged-app.XXXXXX")"
trap 'rm -rf "$work"' EXIT
case "$work" in "$repo"/*) echo "the app must live outside the repository" >&2; exit 1 ;; esac

fail() { echo "packaged-app: FAIL: $*" >&2; exit 1; }
step() { echo; echo "== $*"; }
install() { npm install --prefer-offline --no-audit --no-fund --loglevel=error "$@"; }
# Runs a command with a hook that makes loading any of the named packages an error.
without() { local banned="$1"; shift; SYNCGEN_BANNED="$banned" NODE_OPTIONS="--import $repo/test/package/ban-modules.mjs" "$@"; }
seconds() { local start end; start=$(date +%s%N); "$@" >/dev/null; end=$(date +%s%N); echo "$(((end - start) / 1000000)) ms"; }
# Outside the repository its .npmrc (which resolves syncgen to its TypeScript sources) does not apply.
unset npm_config_node_options NODE_OPTIONS

step "build and pack"
(cd "$repo" && npm run build --silent && npm pack --workspace runtime --workspace generator --pack-destination "$work" --silent >/dev/null)
runtime_tgz="$work/syncgen-0.1.0.tgz"
cli_tgz="$work/syncgen-cli-0.1.0.tgz"
for tgz in "$runtime_tgz" "$cli_tgz"; do
  [ -f "$tgz" ] || fail "npm pack made no $(basename "$tgz")"
  files="$(tar -tzf "$tgz" | sed 's#^package/##')"
  echo "$(basename "$tgz"): $(($(stat -c %s "$tgz") / 1024)) kB, $(echo "$files" | wc -l) files: $(echo "$files" | sed -E 's#^(dist/[^/]+)/.*#\1/…#' | sort -u | tr '\n' ' ')"
  bad="$(echo "$files" | grep -E '^(test|bench|examples|schema|generated|\.ci|node_modules|scratch)/|\.tsbuildinfo$|\.test\.|\.ts$' | grep -vE '\.d\.ts$' || true)"
  [ -z "$bad" ] || fail "$(basename "$tgz") holds files an app does not need: $bad"
  echo "$files" | grep -qx 'LICENSE' || fail "$(basename "$tgz") has no LICENSE"
done
tar -xzOf "$runtime_tgz" package/package.json | node -e '
  const manifest = JSON.parse(require("fs").readFileSync(0, "utf8"));
  for (const [entry, target] of Object.entries(manifest.exports)) {
    if (entry === "./package.json") continue;
    if (!target.types?.endsWith(".d.ts") || !target.default?.endsWith(".js")) throw new Error(`exports["${entry}"] needs "types" and "default" conditions`);
  }
  if (manifest.exports["./generated"]) throw new Error("exports must not point at the example model set");'

step "a new app: npm install the tarballs"
mkdir "$work/app" && cd "$work/app"
npm init -y >/dev/null
typescript_version="$(node -p "require('$repo/node_modules/typescript/package.json').version")"
install "$runtime_tgz"
install --save-dev "$cli_tgz" "typescript@$typescript_version"
[ ! -e node_modules/@types/node ] || fail "installing syncgen brought @types/node into the app"

step "npx syncgen --help, --version, init, generate"
without "ts-morph,typescript,handlebars,json-schema-to-typescript" npx syncgen --help >/dev/null || fail "syncgen --help failed or loaded the generator's toolchain"
[ "$(npx syncgen --version)" = "0.1.0" ] || fail "syncgen --version did not print 0.1.0"
echo "syncgen --help (node_modules/.bin/syncgen, without npx's own start-up): $(seconds node_modules/.bin/syncgen --help)"
npx syncgen init
[ "$(node -p 'require("./package.json").scripts.generate')" = "syncgen generate" ] || fail "init did not add the generate script"
if npx syncgen init 2>/dev/null; then fail "a second init overwrote the schemas"; fi
if without "ts-morph" npx syncgen generate 2>/dev/null; then fail "the first generate ran without TypeScript: the type-check or the ban hook is broken"; fi
echo "first generate: $(seconds node_modules/.bin/syncgen generate)"
diff -r schema "$repo/examples/notes/schema" || fail "init's schema/ differs from examples/notes/schema/"
diff -r generated "$repo/examples/notes/generated" || fail "the packaged CLI generates other code than examples/notes/generated/"
echo "no-op generate: $(seconds node_modules/.bin/syncgen generate)"
without "ts-morph,typescript" npx syncgen generate >/dev/null || fail "a no-op generate loaded TypeScript (the check cache missed)"
npx syncgen generate --check >/dev/null || fail "generate --check after generate failed"
npx syncgen generate --out "$work/elsewhere/generated" >/dev/null || fail "generate --out outside the app failed"
cmp -s generated/registry.ts "$work/elsewhere/generated/registry.ts" || fail "--out elsewhere generated other code"

step "tsc --strict --noPropertyAccessFromIndexSignature, without @types/node"
mkdir src
cp "$repo/examples/notes/src/"*.ts src/
cat >tsconfig.generated.json <<'JSON'
{
  "compilerOptions": {
    "target": "ES2022", "lib": ["ES2022"], "module": "NodeNext", "moduleResolution": "NodeNext",
    "strict": true, "noPropertyAccessFromIndexSignature": true, "noUncheckedIndexedAccess": true,
    "exactOptionalPropertyTypes": true, "skipLibCheck": false, "types": [], "noEmit": true
  },
  "files": ["generated/index.ts", "generated/database.ts", "src/notes.ts"]
}
JSON
npx tsc -p tsconfig.generated.json || fail "generated code or syncgen's types need more than the app has"
# An app still on the resolution before package exports (moduleResolution node10) finds the types too.
npx tsc -p tsconfig.generated.json --module commonjs --moduleResolution node10 || fail "syncgen's types do not resolve under moduleResolution node10"

step "the example app's code, compiled by the app and run under plain node"
npm pkg set type=module # the example uses top-level await; the check above ran as npm init's CommonJS
install --save-dev "@types/node@$(node -p "require('$repo/node_modules/@types/node/package.json').version")"
sed 's#"types": \["node"\]#"types": ["node"], "skipLibCheck": false#' "$repo/examples/notes/tsconfig.json" >tsconfig.json
npx tsc -p tsconfig.json || fail "the app does not type-check"
node dist/src/two-devices.js "$work/data" | tee "$work/run.log"
grep -q '^converged' "$work/run.log" || fail "the two devices did not converge"

step "npx syncgen inspect: the laptop's library, read with the app's installed runtime"
# Read-only: the library's directory keeps exactly its files; the CLI loads syncgen/inspect, not the generator's toolchain.
ls "$work/data/laptop" >"$work/laptop-files.before"
without "ts-morph,typescript,handlebars,json-schema-to-typescript" npx syncgen inspect "$work/data/laptop" | tee "$work/inspect.log" ||
  fail "syncgen inspect failed on the library the app made, or loaded the generator's toolchain"
ls "$work/data/laptop" | cmp -s - "$work/laptop-files.before" || fail "syncgen inspect created or removed files beside the library"
for line in '^tables: 4 tables, 7 rows$' '^  note +Note +logBased +3$' '^  bookmark__device +Bookmark +per device +1$' '^peers: 1$' '^members: 2 active of 2$' '^parked changes: 0,'; do
  grep -Eq "$line" "$work/inspect.log" || fail "syncgen inspect printed no line matching /$line/"
done
npx syncgen inspect "$work/data/phone" --json | node -e '
  const report = JSON.parse(require("fs").readFileSync(0, "utf8"));
  const rows = Object.fromEntries(report.tables.map((table) => [table.table, table.rows]));
  if (rows.note !== 3 || rows.device !== 2 || report.peers.length !== 1 || report.members.length !== 2 || report.parked.changes !== 0)
    throw new Error(`syncgen inspect --json: unexpected report ${JSON.stringify(report)}`);' || fail "syncgen inspect --json gave another report"
if npx syncgen inspect "$work/nowhere" 2>"$work/inspect.err"; then fail "syncgen inspect accepted a missing directory"; fi
grep -q "^syncgen inspect: no library at $work/nowhere: no such file or directory$" "$work/inspect.err" || fail "syncgen inspect's error was: $(cat "$work/inspect.err")"

step "generate timings (figures for the record, not assertions)"
for models in 11 50; do
  mkdir -p "$work/app$models/schema" && cd "$work/app$models"
  ln -s "$work/app/node_modules" node_modules && echo '{ "name": "timing", "private": true }' >package.json
  cp "$repo/schema/"*.json schema/
  # Past the example's 11 models: copies of its shared Tag model under new names and ids.
  node -e 'const fs = require("fs"); const tag = JSON.parse(fs.readFileSync("schema/tag.json", "utf8"));
    for (let i = 11; i < Number(process.argv[1]); i++) fs.writeFileSync(`schema/label-${i}.json`, JSON.stringify({ ...tag, title: `Label${i}`, "x-sync": { ...tag["x-sync"], id: 100 + i } }));' "$models"
  rm -rf node_modules/.cache/syncgen
  echo "$models models: first generate $(seconds node_modules/.bin/syncgen generate), no-op generate $(seconds node_modules/.bin/syncgen generate)"
done

step "production install: the app without its dev dependencies"
cd "$work/app"
npm prune --omit=dev --no-audit --no-fund --loglevel=error
for heavy in @syncgen/cli ts-morph @ts-morph/common typescript handlebars json-schema-to-typescript prettier tsx @types/node; do
  [ ! -e "node_modules/$heavy" ] || fail "an app's production install holds $heavy"
done
node dist/src/two-devices.js "$work/data-production" | grep -q '^converged' || fail "the app does not run on its production install"
echo "an app's production install (syncgen and its dependencies): $(du -sh node_modules | cut -f1), $(($(npm ls --all --parseable 2>/dev/null | wc -l) - 1)) packages"
echo
echo "packaged-app: OK"
