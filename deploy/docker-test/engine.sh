# shellcheck shell=bash
# Sourced by the docker-test scripts: picks the container engine and the
# options it needs on this machine.
#
#   engine       the command: (docker) when a Docker daemon answers, else
#                (podman ...); COINOP_ENGINE=docker|podman forces one
#   build_opts   options for `build`
#   run_opts     options for `run`
#
# Podman as root inside a VM needs two things that Docker does not:
# - crun refuses the "hybrid" cgroup layout (v1 controllers plus a v2 mount
#   holding one, as here: "cgroups in hybrid mode not supported"); runc runs
#   there;
# - podman asks for rlimits above this process's own hard limits (nofile
#   1048576) and, without CAP_SYS_RESOURCE, runc may not raise them: ask for
#   no more than we have (nproc no more than pid_max, which podman caps it at).
# Without systemd, podman logs "unable to get systemd connection to add
# healthchecks" on run, restart and stop: it cannot schedule the periodic
# checks. Harmless here: the test runs the check itself (podman healthcheck run).

pick_engine() {
  local want=${COINOP_ENGINE:-}
  if [[ -z $want ]]; then
    if command -v docker >/dev/null && docker info >/dev/null 2>&1; then want=docker
    elif command -v podman >/dev/null; then want=podman
    else echo "error: neither a Docker daemon nor podman (Debian: apt-get install podman runc)" >&2; return 1
    fi
  fi
  engine=("$want")
  build_opts=() run_opts=()
  if [[ $want == podman ]]; then
    if grep -qs . /sys/fs/cgroup/unified/cgroup.controllers; then
      command -v runc >/dev/null || { echo "error: hybrid cgroups need runc (apt-get install runc)" >&2; return 1; }
      engine+=(--runtime runc)
    fi
    local nproc pid_max
    nproc=$(ulimit -Hu) pid_max=$(cat /proc/sys/kernel/pid_max)
    [[ $nproc == unlimited || $nproc -gt $pid_max ]] && nproc=$pid_max
    run_opts=(--ulimit "nofile=$(ulimit -Hn):$(ulimit -Hn)" --ulimit "nproc=$nproc:$nproc")
    # podman builds OCI images unless told: those drop HEALTHCHECK.
    build_opts+=("${run_opts[@]}" --format docker)
  fi
}
