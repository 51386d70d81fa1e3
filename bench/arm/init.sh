#!/bin/busybox sh
# /init of the ARM bench guest (bench/arm.mjs boots it; scripts/arm-vm.sh packs it).
# Brings up the virtio NIC, then runs the shell lines the host sends on the console, one by one,
# answering each with "@@done <exit code>". Nothing else runs: the guest is quiet between commands,
# so what the instruction counter sees in a window is the kernel and the server under test.
/bin/busybox --install -s /bin
export PATH=/bin:/usr/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
for m in $(cat /lib/modules/order); do insmod /lib/modules/$m.ko || echo "@@error insmod $m"; done
ip link set lo up
n=0
while ! ip link set eth0 up 2>/dev/null; do
  n=$((n + 1)); [ $n -gt 50 ] && { echo "@@error no eth0"; break; }; sleep 0.1
done
# qemu's user-mode network: the guest is 10.0.2.15, the host's forwarded port arrives there.
ip addr add 10.0.2.15/24 dev eth0
ip route add default via 10.0.2.2
stty -echo 2>/dev/null
echo "@@ready $(uname -r) $(cat /proc/cpuinfo | grep -m1 'model name' | cut -d: -f2)"
while IFS= read -r line; do
  eval "$line"
  echo "@@done $?"
done
poweroff -f
