# Sourced by the build and test scripts: Debian packages of other architectures and suites fetched
# into private directories with apt's own tools, without changing the system's apt or dpkg state
# (no `dpkg --add-architecture`, no system sources). Everything lands under $MJPGD_CACHE.
#
#   deb_root SUITE DEST [--deps] PKG:ARCH...   unpack these packages (and with --deps everything
#                                                 they depend on) into DEST, once; DEST/.done marks it
#
# The mirror is the one this machine's apt already uses for Debian (MJPGD_DEBIAN_MIRROR overrides).

MJPGD_CACHE="${MJPGD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}}"
DEBIAN_KEYRING="${MJPGD_DEBIAN_KEYRING:-/usr/share/keyrings/debian-archive-keyring.gpg}"

# Runs "$@" holding an exclusive lock on FILE (parallel test runs and CI share the cache).
with_lock() {
  local file="$1"; shift
  mkdir -p "$(dirname "$file")"
  ( flock -w 900 9 || { echo "could not lock $file" >&2; exit 1; }; "$@" ) 9>"$file"
}

# The Debian archive URI the system's apt uses: the repository whose Release file says Origin and
# Label "Debian" (not -security, not Raspberry Pi's or other vendors' archives); before the first
# apt-get update, the first non-security entry of the sources files.
debian_mirror() {
  if [[ -n "${MJPGD_DEBIAN_MIRROR:-}" ]]; then echo "$MJPGD_DEBIAN_MIRROR"; return; fi
  local uri
  uri=$(env -u APT_CONFIG apt-get indextargets --format '$(REPO_URI)' 'Created-By: Packages' 'Origin: Debian' \
    'Label: Debian' 2>/dev/null | sort -u | head -n1)
  [[ -z "$uri" ]] && uri=$(awk '
    /^[[:space:]]*$/ { if (u && s && s !~ /security/ && u !~ /security/) { print u; exit } u = ""; s = ""; next }
    /^URIs:/ { u = $2 }
    /^Suites:/ { s = $0 }
    END { if (u && s && s !~ /security/ && u !~ /security/) print u }
  ' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n1)
  if [[ -z "$uri" && -f /etc/apt/sources.list ]]; then
    uri=$(awk '$1 == "deb" { i = 2; if ($2 ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
           if ($i !~ /security/ && $(i+1) !~ /security/ && $0 ~ / main/) { print $i; exit } }' /etc/apt/sources.list)
  fi
  if [[ -z "$uri" ]]; then
    echo "no Debian mirror found in /etc/apt/sources.list*; set MJPGD_DEBIAN_MIRROR" >&2
    return 1
  fi
  echo "$uri"
}

# Prepares a private apt configuration for SUITE (armhf + arm64, main) and exports APT_CONFIG.
# KIND: deb (packages, the default) or deb-src (source packages, for apt-get source).
apt_private() {
  local suite="$1" kind="${2:-deb}"
  local dir="$MJPGD_CACHE/mjpgd-apt/$suite${kind#deb}"
  local mirror; mirror=$(debian_mirror) || return 1
  mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial" "$dir/parts" "$dir/prefs" "$dir/sources.d"
  : >"$dir/status"
  echo "$kind [signed-by=$DEBIAN_KEYRING] $mirror $suite main" >"$dir/sources.list"
  cat >"$dir/apt.conf" <<EOF
Dir::Etc::Parts "$dir/parts";
Dir::Etc::SourceList "$dir/sources.list";
Dir::Etc::SourceParts "$dir/sources.d";
Dir::Etc::Preferences "$dir/prefs/none";
Dir::Etc::PreferencesParts "$dir/prefs";
Dir::State "$dir";
Dir::State::Lists "$dir/lists";
Dir::State::status "$dir/status";
Dir::Cache "$dir/cache";
APT::Architecture "$(dpkg --print-architecture)";
APT::Architectures { "armhf"; "arm64"; };
Acquire::Languages "none";
// Keep the lists compressed and no binary caches: ~60 MB per suite instead of ~300 MB.
Acquire::GzipIndexes "true";
Acquire::CompressionTypes::Order { "gz"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
APT::Get::AllowUnauthenticated "false";
EOF
  # As root, apt would drop to _apt for downloads, which cannot write into this cache.
  if [[ $(id -u) -eq 0 ]]; then echo 'APT::Sandbox::User "root";' >>"$dir/apt.conf"; fi
  export APT_CONFIG="$dir/apt.conf"
  # Package lists are refreshed once a week (a stale list names .debs the mirror no longer has).
  if [[ -z $(find "$dir/lists" -maxdepth 1 \( -name '*_Packages*' -o -name '*_Sources*' \) -mtime -7 2>/dev/null | head -n1) ]]; then
    echo "debian: apt-get update ($suite $kind, armhf arm64) into $dir" >&2
    with_lock "$dir.update-lock" _apt_update || return 1
  fi
}

# apt-get update, retried while another apt holds the lists' lock (its own lock, not ours).
_apt_update() {
  local i
  for i in 1 2 3 4 5 6; do
    apt-get update -qq >&2 && return 0
    sleep 10
  done
  return 1
}

_deb_root() {
  local suite="$1" dest="$2"; shift 2
  local deps=0
  if [[ "${1:-}" == "--deps" ]]; then deps=1; shift; fi
  [[ -f "$dest/.done" ]] && return 0
  apt_private "$suite" || return 1
  local pkgs=("$@")
  if ((deps)); then
    # Every package the named ones need at run time (Depends and Pre-Depends, recursively), of
    # their architecture (the first one's) or Architecture: all; apt lists the alternatives of
    # every architecture it knows ("nodejs:any"), and unqualified names mean the host's.
    local arch="${1##*:}" all
    mapfile -t pkgs < <(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts \
      --no-breaks --no-replaces --no-enhances "$@" | grep -E '^[a-z0-9]' | sort -u)
    mapfile -t all < <(apt-cache show --no-all-versions $(printf '%s\n' "${pkgs[@]}" | grep -v :) 2>/dev/null |
      awk '/^Package:/ { p = $2 } /^Architecture: all/ { print p }' | sort -u)
    mapfile -t pkgs < <(printf '%s\n' "${pkgs[@]}" | grep -E ":$arch\$"; printf '%s\n' "${all[@]}")
  fi
  local work="$dest.tmp"
  rm -rf "$work" && mkdir -p "$work/debs" "$work/root"
  echo "debian: fetching ${#pkgs[@]} packages from $suite into $dest" >&2
  (cd "$work/debs" && apt-get download -qq "${pkgs[@]}" >&2) || { rm -rf "$work"; return 1; }
  local deb
  for deb in "$work"/debs/*.deb; do dpkg-deb -x "$deb" "$work/root"; done
  # Merged /usr: programs ask for /lib/ld-linux-*.so and /lib/<triplet>/...
  local d
  for d in lib lib64 bin sbin; do
    if [[ -d "$work/root/usr/$d" && ! -e "$work/root/$d" ]]; then ln -s "usr/$d" "$work/root/$d"; fi
  done
  (cd "$work/debs" && ls) >"$work/root/.packages"
  rm -rf "$dest" && mv "$work/root" "$dest" && rm -rf "$work"
  touch "$dest/.done"
}

deb_root() {
  with_lock "$MJPGD_CACHE/mjpgd-apt/lock" _deb_root "$@"
}
