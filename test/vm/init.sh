#!/bin/sh
# PID 1 of the throw-away test VM (copied to /init by setup.sh). Sets the box up, runs the command
# that run.mjs put in /mjpgd/ (a second cpio appended to the initramfs), reports its exit code and
# powers off. Serial ports: ttyS0 = kernel console and our status lines, ttyS1 = the command's output.
export PATH=/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TMPDIR=/tmp

# Status lines go through the kernel log: printk writes the console synchronously, so the last
# line is on the host before poweroff ("<3>" = error level, still shown with `quiet`).
status() { echo "<3>mjpgd-vm: $*" >/dev/kmsg; }

# run.mjs takes the exit code from the status line: qemu's exit status via isa-debug-exit
# (rc*2+1) can't carry codes >= 128 nor be told from qemu's own errors. Writing the port just
# powers off at once.
finish() {
  sync
  status "exit=$1"
  printf "\\$(printf %03o "$(($1 & 127))")" | dd of=/dev/port bs=1 seek=244 count=1 2>/dev/null
  poweroff -f
}
fail() { status "error: $*"; finish 125; }

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
mount -t tmpfs -o mode=1777 tmpfs /tmp
ip link set lo up # so 127.0.0.1 / ::1 work

# Test devices. vivid: one instance with just a video-capture node whose only input is a webcam,
# at /dev/video0. v4l2loopback: six devices, /dev/video10..15, with room for 8 buffers and
# exclusive caps (output-only until a writer streams, capture-only after). One writer per device
# per boot (a second one gets EINVAL), hence one per test that writes.
modprobe vivid n_devs=1 node_types=0x1 vid_cap_nr=0 num_inputs=1 input_types=0 || fail "modprobe vivid"
modprobe v4l2loopback devices=6 video_nr=10,11,12,13,14,15 exclusive_caps=1,1,1,1,1,1 max_buffers=8 \
  card_label=loopback10,loopback11,loopback12,loopback13,loopback14,loopback15 || fail "modprobe v4l2loopback"
export MJPGD_VM=1 MJPGD_VM_VIVID=/dev/video0 MJPGD_VM_LOOPBACK=/dev/video10 \
  MJPGD_VM_LOOPBACKS="/dev/video10 /dev/video11 /dev/video12 /dev/video13 /dev/video14 /dev/video15"

# The host folder, mounted at the same absolute path as on the host so that paths inside it
# (node_modules, the built addon) resolve. run.env sets SHARE and CWD.
[ -r /mjpgd/run.env ] || fail "no /mjpgd/run.env (boot through run.mjs)"
. /mjpgd/run.env
modprobe -a virtio_pci 9pnet_virtio 9p virtio_rng || fail "modprobe 9p"
mkdir -p "$SHARE"
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144,cache=loose share "$SHARE" ||
  fail "mount $SHARE"
cd "$CWD" || fail "cd $CWD"

# The command writes stdout and stderr into a pipe (not a tty, as under CI: no colours, no
# prompts); a relay copies it to ttyS1, set raw so the host gets the bytes as written.
exec 3<>/dev/ttyS1
stty raw -echo <&3
mkfifo /mjpgd/out
cat /mjpgd/out >&3 &
relay=$!
status "start"
sh /mjpgd/cmd </dev/null >/mjpgd/out 2>&1 3>&-
rc=$?
# Leftovers (a server started in the background) would hold the pipe open: end all but the relay.
for p in /proc/[0-9]*; do
  p=${p#/proc/}
  [ "$p" = 1 ] || [ "$p" = "$relay" ] || kill -9 "$p" 2>/dev/null
done
wait $relay
exec 3>&- # the last close of a serial port waits until its output has left the UART
finish $rc
