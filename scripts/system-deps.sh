#!/usr/bin/env bash
# Installs the two programs the tests need that pip cannot provide, when missing: a PostgreSQL
# server (the editorial store's tests run against SQLite and a throwaway PostgreSQL cluster)
# and Chromium (the Playwright end-to-end test), from the distribution's packages (apt).
# Called by `make test`; does nothing when both are present.
set -euo pipefail

have_postgres() {
    compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || command -v initdb >/dev/null 2>&1
}

have_chromium() {
    command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1
}

install_packages() {
    local missing=()
    have_postgres || missing+=(postgresql)
    have_chromium || missing+=(chromium)
    if [ "${#missing[@]}" -eq 0 ]; then
        echo "system-deps: postgresql and chromium already installed"
        return 0
    fi
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "system-deps: missing ${missing[*]} and no apt-get to install them; the tests that need them will fail" >&2
        return 0
    fi
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null 2>&1; then
            sudo=(sudo)
        else
            echo "system-deps: missing ${missing[*]}, not root and no sudo; the tests that need them will fail" >&2
            return 0
        fi
    fi
    echo "system-deps: installing ${missing[*]}"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
}

install_packages
