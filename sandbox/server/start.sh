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
# After `docker stop` + `docker start` of this server, /run still holds the last boot's pid files
# and sockets, and dockerd refuses to start ("pid file found"): a server that restarts starts clean.
rm -rf /var/run/docker.pid /run/docker /run/containerd
dockerd --log-level warn >/var/log/dockerd.log 2>&1 &
# The builder server: a second sshd for the non-root `builder` user on its own port, with its own log.
if [ -n "${SANDBOX_BUILDER_PORT:-}" ]; then
  install -d -m 700 -o builder -g builder /home/builder/.ssh
  install -m 600 -o builder -g builder /etc/ssh/sandbox/authorized_keys /home/builder/.ssh/authorized_keys
  /usr/sbin/sshd -f /etc/ssh/sshd_builder_config -p "$SANDBOX_BUILDER_PORT" -E /var/log/sshd-builder.log
fi
exec /usr/sbin/sshd -D -e -f /etc/ssh/sshd_config
