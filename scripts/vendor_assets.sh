#!/usr/bin/env bash
# Vendor front-end assets (no CDN) from npm registry tarballs.
# Each tarball is fetched with `npm pack` into a throwaway temp dir and its
# sha512 is checked against `npm view <pkg>@<ver> dist.integrity` before any
# file is copied into static/vendor/. Safe to re-run (files are overwritten).
set -euo pipefail

BOOTSTRAP_VERSION="5.3.9"
BOOTSTRAP_ICONS_VERSION="1.13.2"

# Resolve project root from this script's location so it works from any cwd.
SCRIPT_DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
PROJECT_ROOT="$(cd -- "${SCRIPT_DIR}/.." && pwd)"
VENDOR_DIR="${PROJECT_ROOT}/static/vendor"

command -v npm >/dev/null 2>&1 || { echo "error: npm not found on PATH" >&2; exit 1; }
command -v node >/dev/null 2>&1 || { echo "error: node not found on PATH" >&2; exit 1; }
command -v tar >/dev/null 2>&1 || { echo "error: tar not found on PATH" >&2; exit 1; }

WORK_DIR="$(mktemp -d "${TMPDIR:-/tmp}/vendor-assets.XXXXXX")"
trap 'rm -rf -- "${WORK_DIR}"' EXIT

# sha512 of a file in SRI form: "sha512-<base64>"
sri_sha512() {
  node -e '
    const fs = require("fs"), crypto = require("crypto");
    const h = crypto.createHash("sha512").update(fs.readFileSync(process.argv[1]));
    process.stdout.write("sha512-" + h.digest("base64"));
  ' "$1"
}

# fetch_pkg <name> <version>  -> extracts to ${WORK_DIR}/<name>/package
fetch_pkg() {
  local name="$1" version="$2" spec="$1@$2"
  local expected actual tarball dest="${WORK_DIR}/${name}"

  expected="$(cd "${WORK_DIR}" && npm view "${spec}" dist.integrity)"
  if [[ "${expected}" != sha512-* ]]; then
    echo "error: no sha512 integrity published for ${spec} (got: '${expected}')" >&2
    exit 1
  fi

  mkdir -p "${dest}"
  tarball="$(cd "${dest}" && npm pack --silent "${spec}" | tail -n 1)"
  tarball="${dest}/${tarball}"
  [[ -f "${tarball}" ]] || { echo "error: npm pack did not produce a tarball for ${spec}" >&2; exit 1; }

  actual="$(sri_sha512 "${tarball}")"
  if [[ "${actual}" != "${expected}" ]]; then
    echo "error: integrity mismatch for ${spec}" >&2
    echo "  expected: ${expected}" >&2
    echo "  actual:   ${actual}" >&2
    exit 1
  fi
  echo "verified ${spec} ${actual}"

  tar -xzf "${tarball}" -C "${dest}"
  [[ -d "${dest}/package" ]] || { echo "error: unexpected tarball layout for ${spec}" >&2; exit 1; }
}

# place <src> <dst>: copy one file into the vendor tree (mode 0644) and report it.
place() {
  local src="$1" dst="$2"
  [[ -f "${src}" ]] || { echo "error: missing file in tarball: ${src#"${WORK_DIR}/"}" >&2; exit 1; }
  mkdir -p "$(dirname -- "${dst}")"
  install -m 0644 "${src}" "${dst}"
  printf 'wrote %s (%s bytes)\n' "${dst#"${PROJECT_ROOT}/"}" "$(wc -c < "${dst}" | tr -d ' ')"
}

fetch_pkg bootstrap "${BOOTSTRAP_VERSION}"
fetch_pkg bootstrap-icons "${BOOTSTRAP_ICONS_VERSION}"

BS="${WORK_DIR}/bootstrap/package"
BI="${WORK_DIR}/bootstrap-icons/package"

place "${BS}/dist/css/bootstrap.min.css"           "${VENDOR_DIR}/bootstrap/css/bootstrap.min.css"
place "${BS}/dist/css/bootstrap.min.css.map"       "${VENDOR_DIR}/bootstrap/css/bootstrap.min.css.map"
place "${BS}/dist/js/bootstrap.bundle.min.js"      "${VENDOR_DIR}/bootstrap/js/bootstrap.bundle.min.js"
place "${BS}/dist/js/bootstrap.bundle.min.js.map"  "${VENDOR_DIR}/bootstrap/js/bootstrap.bundle.min.js.map"
place "${BS}/LICENSE"                              "${VENDOR_DIR}/bootstrap/LICENSE"

# Not the icon font (221 KB with its CSS): only the icons the console uses, as CSS masks.
python3 "${SCRIPT_DIR}/icon_subset.py" "${BI}"
place "${BI}/LICENSE"                              "${VENDOR_DIR}/bootstrap-icons/LICENSE"

echo "done: bootstrap@${BOOTSTRAP_VERSION}, bootstrap-icons@${BOOTSTRAP_ICONS_VERSION} vendored into ${VENDOR_DIR#"${PROJECT_ROOT}/"}/"
