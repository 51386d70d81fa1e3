#!/usr/bin/env bash
# Installs mjpgd as a systemd service: the template unit config/mjpgd@.service (one instance per
# camera, configured by /etc/mjpgd/<instance>.toml), an example config, the video group and a
# dedicated system user in it. Also run as `mjpgd install-service ...`.
#
#   install-service.sh [--user NAME] [--config FILE] [--instance NAME] [--enable] [--root DIR]
#
#   --user NAME      system user the service runs as (default mjpgd; created, added to video)
#   --config FILE    config for the instance (default: the annotated example config/mjpgd.toml);
#                    an existing /etc/mjpgd/<instance>.toml is kept unless --force
#   --instance NAME  instance name: unit mjpgd@NAME, config /etc/mjpgd/NAME.toml (default: default)
#   --node PATH      the node binary the unit runs (default: the one on PATH)
#   --enable         also systemctl daemon-reload and enable --now mjpgd@NAME
#   --root DIR       install under DIR instead of / (DESTDIR works too): files, and the user and
#                    group in DIR/etc/passwd and DIR/etc/group; nothing is started
#   --force          overwrite an existing instance config
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"

user=mjpgd
config="$here/config/mjpgd.toml"
instance=default
node="$(command -v node || true)"
enable=0
force=0
root="${DESTDIR:-}"
die() { echo "install-service: $*" >&2; exit 2; }
while (($#)); do
  case "$1" in
    --user) user="${2:?--user needs a name}"; shift ;;
    --config) config="${2:?--config needs a file}"; shift ;;
    --instance) instance="${2:?--instance needs a name}"; shift ;;
    --node) node="${2:?--node needs a path}"; shift ;;
    --root) root="${2:?--root needs a directory}"; shift ;;
    --enable) enable=1 ;;
    --force) force=1 ;;
    -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
  shift
done
[[ "$user" =~ ^[a-z_][a-z0-9_-]*$ ]] || die "--user '$user' is not a valid user name"
[[ "$instance" =~ ^[A-Za-z0-9_.-]+$ ]] || die "--instance '$instance' may only use letters, digits, . _ -"
[[ -f "$config" ]] || die "config file '$config' does not exist"
[[ -n "$node" && -x "$node" ]] || die "no node binary found (pass --node PATH)"
root="${root%/}"
if [[ -n "$root" ]]; then mkdir -p "$root"; root="$(cd "$root" && pwd)"; fi
if [[ -z "$root" && $(id -u) -ne 0 ]]; then die "run as root (sudo), or pass --root DIR"; fi
((enable)) && [[ -n "$root" ]] && die "--enable and --root don't go together"

# The video group and the user. With --root the account files under DIR are edited (--prefix).
prefix=()
if [[ -n "$root" ]]; then
  mkdir -p "$root/etc"
  for f in passwd group shadow gshadow; do [[ -e "$root/etc/$f" ]] || : >"$root/etc/$f"; done
  prefix=(--prefix "$root")
fi
# Accounts may come from NSS (getent) on a real system; under --root only DIR's files count.
has_entry() { if [[ -n "$root" ]]; then grep -q "^$2:" "$root/etc/$1"; else getent "$1" "$2" >/dev/null; fi; }
in_video() {
  if [[ -n "$root" ]]; then grep -Eq "^video:[^:]*:[^:]*:(.*,)?$user(,|\$)" "$root/etc/group"; else id -nG "$user" | tr ' ' '\n' | grep -qx video; fi
}
if ! has_entry group video; then
  groupadd "${prefix[@]}" --system video
  echo "install-service: created group video"
fi
if ! has_entry passwd "$user"; then
  useradd "${prefix[@]}" --system --user-group --groups video --no-create-home --home-dir /nonexistent \
    --shell /usr/sbin/nologin --comment "mjpgd camera streamer" "$user"
  echo "install-service: created system user $user (groups: $user, video)"
elif ! in_video; then
  usermod "${prefix[@]}" -a -G video "$user"
  echo "install-service: added $user to the video group"
fi

# The unit: the template with this installation's paths and user.
unit_dir="$root/etc/systemd/system"
mkdir -p "$unit_dir" "$root/etc/mjpgd"
sed -e "s|^ExecStart=.*|ExecStart=$node $here/bin/mjpgd.js --config /etc/mjpgd/%i.toml|" \
    -e "s|^Documentation=.*|Documentation=file://$here/README.md|" \
    -e "s|^User=.*|User=$user|" -e "s|^Group=.*|Group=$user|" \
    "$here/config/mjpgd@.service" >"$unit_dir/mjpgd@.service.tmp"
mv "$unit_dir/mjpgd@.service.tmp" "$unit_dir/mjpgd@.service"
echo "install-service: installed $unit_dir/mjpgd@.service (runs $node $here/bin/mjpgd.js as $user)"

target="$root/etc/mjpgd/$instance.toml"
if [[ -e "$target" && $force -eq 0 ]]; then
  echo "install-service: kept the existing $target (--force replaces it)"
else
  install -m 0644 "$config" "$target"
  echo "install-service: installed $target"
fi
case "$here" in
  /home/*|/root/*) echo "install-service: warning: $here is under /home or /root, which the unit hides (ProtectHome=yes); install mjpgd globally (npm install -g) or elsewhere" >&2 ;;
esac

if [[ -n "$root" ]]; then exit 0; fi
if ((enable)); then
  systemctl daemon-reload
  systemctl enable --now "mjpgd@$instance"
  echo "install-service: mjpgd@$instance enabled and started (journalctl -u mjpgd@$instance)"
else
  command -v systemctl >/dev/null && systemctl daemon-reload 2>/dev/null || true
  echo "install-service: edit $target (device, host, auth), then: sudo systemctl enable --now mjpgd@$instance"
fi
