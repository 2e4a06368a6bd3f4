#!/bin/sh
# PID 1 (under tini) of a sandbox server: its own dockerd, then sshd in the foreground.
set -e
# Docker mounts /sys and the cgroup v1 hierarchies read-only without --privileged; dockerd must write them.
mount -o remount,rw /sys
for d in /sys/fs/cgroup/*; do
  [ -L "$d" ] || mount -o remount,bind,rw "$d" 2>/dev/null || true
done
# Bind mounts made by containers of the inner engine must propagate.
mount --make-rshared /
mkdir -p /run/sshd /var/log
dockerd --log-level warn >/var/log/dockerd.log 2>&1 &
exec /usr/sbin/sshd -D -e -f /etc/ssh/sshd_config
