#!/usr/bin/env bash
# Runs a command with a real Secret Service: a private D-Bus session with gnome-keyring unlocked,
# its files in a temp folder. Usage: test/env/with-keyring.sh <command...>
set -euo pipefail
home=$(mktemp -d "${TMPDIR:-/tmp}/gongwen-keyring.XXXXXX")
mkdir -p "$home/run" "$home/data"
chmod 700 "$home/run"
trap 'rm -rf "$home"' EXIT
export HOME="$home" XDG_RUNTIME_DIR="$home/run" XDG_DATA_HOME="$home/data"
# dbus-daemon warns that it cannot raise its fd limit in a container; that is harmless.
dbus-run-session -- bash -c 'echo -n gongwen-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null && exec "$@"' keyring "$@" 2> >(grep -v "Failed to set fd limit" >&2)
