# Shared set-up for scripts/*: source it, then call the functions needed.
# Everything a fresh machine lacks is installed here, so that no step is done by hand.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"
cd "$ROOT"
# Material prints a banner about its successor on every build; we know (see DESIGN.md).
export NO_MKDOCS_2_WARNING=1

# ensure_venv [EXTRAS]: create .venv and install the package (with extras), again only when
# pyproject.toml changed since the last install.
ensure_venv() {
    local extras="${1:-}" spec="." stamp
    [ -n "$extras" ] && spec=".[$extras]"
    # A virtualenv whose Python is gone (the interpreter it was made from was removed or
    # upgraded) is made again from scratch, and so is its install stamp.
    if [ -e "$VENV" ] && ! "$PY" -c "" >/dev/null 2>&1; then
        echo "setup: $VENV no longer runs; making it again"
        rm -rf "$VENV"
    fi
    if [ ! -x "$PY" ]; then
        python3 -c "import ensurepip, venv" >/dev/null 2>&1 || ensure_python_venv
        echo "setup: creating $VENV"
        python3 -m venv "$VENV"
    fi
    stamp="$VENV/.installed-$(sha256sum pyproject.toml | cut -c1-16)-${extras:-base}"
    if [ ! -e "$stamp" ]; then
        echo "setup: installing kitbuilder ${extras:+with $extras }into .venv"
        "$PY" -m pip install --quiet --disable-pip-version-check -e "$spec" 2>&1 \
            | grep -v "^WARNING: Location" || true
        "$PY" -c "import kitbuilder" # fail here, clearly, if the install did not work
        touch "$stamp"
    fi
}

# ensure_python_venv: Debian's Python makes virtualenvs only with its python3-venv package.
ensure_python_venv() {
    if [ "$(id -u)" != 0 ] && ! command -v sudo >/dev/null; then
        echo "setup: python3 cannot make a virtualenv; install it with: apt-get install python3-venv" >&2
        return 1
    fi
    apt_install python3-venv
}

# ensure_apt PACKAGE COMMAND...: install a Debian package when one of its commands is missing.
ensure_apt() {
    local package="$1"; shift
    local missing=0 cmd
    for cmd in "$@"; do command -v "$cmd" >/dev/null 2>&1 || missing=1; done
    [ "$missing" = 0 ] && return 0
    if [ "$(id -u)" != 0 ] && ! command -v sudo >/dev/null; then
        echo "setup: $package is needed ($*); install it with: apt-get install $package" >&2
        return 1
    fi
    apt_install "$package"
}

# apt_install PACKAGE: install a Debian package (with sudo when not root).
apt_install() {
    local package="$1" sudo=""
    [ "$(id -u)" != 0 ] && sudo="sudo"
    echo "setup: installing $package (Debian package)"
    if [ -z "${APT_UPDATED:-}" ]; then
        $sudo apt-get update -qq >/dev/null
        APT_UPDATED=1
    fi
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
        "$package" >/dev/null
}

# ensure_nginx: Debian's nginx binary unpacked under .cache/nginx (not installed: no service
# starts, nothing listens), for tests/test_deploy.py, which runs the example configuration
# on loopback ports. Exports KITBUILDER_TEST_NGINX.
ensure_nginx() {
    local dir="$ROOT/.cache/nginx"
    if [ ! -x "$dir/usr/sbin/nginx" ]; then
        mkdir -p "$dir/debs"
        if [ -z "${APT_UPDATED:-}" ]; then apt-get update -qq >/dev/null 2>&1 || true; APT_UPDATED=1; fi
        (cd "$dir/debs" && apt-get download -qq nginx nginx-common >/dev/null 2>&1) || {
            echo "setup: nginx could not be downloaded; tests/test_deploy.py will say so" >&2
            return 0
        }
        for deb in "$dir"/debs/*.deb; do dpkg-deb -x "$deb" "$dir"; done
    fi
    export KITBUILDER_TEST_NGINX="$dir/usr/sbin/nginx"
}

# start_postgres: a throwaway PostgreSQL server for this run only (no TCP port: a socket in a
# temporary folder), stopped and deleted when the script exits; exports
# KITBUILDER_TEST_DATABASE_URL for the tests that run against it. Installs Debian's server
# when it is missing. A URL already set names a server of the caller's: it is used instead.
start_postgres() {
    [ -n "${KITBUILDER_TEST_DATABASE_URL:-}" ] && return 0
    # (|| true: with pipefail, a failed ls would end the script here instead of installing.)
    PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)"
    if [ ! -x "$PG_BIN/initdb" ]; then
        apt_install postgresql
        PG_BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)"
    fi
    PG_DIR="$(mktemp -d)"
    PG_AS=""
    if [ "$(id -u)" = 0 ]; then  # PostgreSQL refuses to run as root
        chown postgres "$PG_DIR"
        PG_AS="runuser -u postgres --"
    fi
    trap stop_postgres EXIT
    # From its own folder: the postgres user may not enter the one we are in.
    (cd "$PG_DIR" && $PG_AS "$PG_BIN/initdb" -D data -A trust -U kit -E UTF8 --no-sync \
        >/dev/null && $PG_AS "$PG_BIN/pg_ctl" -D data -l log -w \
        -o "-k $PG_DIR -c listen_addresses='' -F" start >/dev/null)
    export KITBUILDER_TEST_DATABASE_URL="postgresql+psycopg://kit@/postgres?host=$PG_DIR"
}

stop_postgres() {
    (cd "$PG_DIR" && $PG_AS "$PG_BIN/pg_ctl" -D data -m immediate stop >/dev/null 2>&1) || true
    rm -rf "$PG_DIR"
}
