# Installs the Debian packages the tests use, where they are missing and we may (root with apt).
# Sourced by test/run.sh.
ensure_debian_packages() {
  local wanted=(openssl softhsm2 opensc gnome-keyring dbus dbus-x11 libsecret-tools chromium fonts-noto-cjk postgresql)
  # Bouncy Castle for the Java client of test/interop/bouncy; a JDK only where none is on the PATH.
  wanted+=(libbcprov-java libbcpkix-java)
  command -v javac >/dev/null || wanted+=(default-jdk-headless)
  local missing=()
  for p in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
    echo "test set-up: missing Debian packages (${missing[*]}); install them as root: apt-get install -y ${missing[*]}" >&2
    return 1
  fi
  echo "test set-up: installing ${missing[*]}"
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}
