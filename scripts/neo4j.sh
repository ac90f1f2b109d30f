#!/usr/bin/env bash
# Local Neo4j Community 5.26 (embedded + Bolt) for development and tests.
# See launcher/README.md.
#
#   scripts/neo4j.sh build|start|stop|status|restart
#
# Environment (all optional):
#   NEO4J_HOME_DIR   data folder                 (default .data/neo4j, relative to repo root)
#   NEO4J_BOLT       bolt listen HOST:PORT       (default 127.0.0.1:7687, loopback only)
#   NEO4J_HEAP       JVM max heap                (default 1g)
#   NEO4J_PAGECACHE  neo4j page cache size       (default 512m)
#   NEO4J_JAVA_OPTS  extra JVM options           (default empty)
#   NEO4J_START_TIMEOUT seconds to wait for Bolt (default 300; a loaded CI machine is slow)
#   JAVA_HOME / MVN  java (17 or 21) and maven to use
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

NEO4J_HOME_DIR="${NEO4J_HOME_DIR:-.data/neo4j}"
NEO4J_BOLT="${NEO4J_BOLT:-127.0.0.1:7687}"
NEO4J_HEAP="${NEO4J_HEAP:-1g}"
NEO4J_PAGECACHE="${NEO4J_PAGECACHE:-512m}"
NEO4J_JAVA_OPTS="${NEO4J_JAVA_OPTS:-}"
START_TIMEOUT="${NEO4J_START_TIMEOUT:-300}"
STOP_TIMEOUT=30

LAUNCHER_DIR="launcher"
TARGET_DIR="$LAUNCHER_DIR/target"
STAMP="$TARGET_DIR/.build-ok"
PID_FILE="$NEO4J_HOME_DIR/launcher.pid"
LOG_FILE="$NEO4J_HOME_DIR/launcher.log"
MAIN_CLASS="crm.launcher.Main"

if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then
    JAVA="$JAVA_HOME/bin/java"
else
    JAVA="java"
fi
MVN="${MVN:-mvn}"

# Flags the Neo4j 5.x server scripts pass; needed by netty / the page cache on Java 17+.
JVM_FLAGS=(
    --add-opens=java.base/java.nio=ALL-UNNAMED
    --add-opens=java.base/java.io=ALL-UNNAMED
    --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
    -Dio.netty.tryReflectionSetAccessible=true
    -Djdk.nio.maxCachedBufferSize=1024
    -Dlog4j2.disable.jmx=true
    -XX:+UseG1GC
    -XX:-OmitStackTraceInFastThrow
    -XX:+ExitOnOutOfMemoryError
)

log() { echo "neo4j.sh: $*" >&2; }
die() { log "$*"; exit 1; }

bolt_host() {
    local h="${NEO4J_BOLT%:*}"
    h="${h#[}"; h="${h%]}"
    echo "$h"
}
bolt_port() { echo "${NEO4J_BOLT##*:}"; }

port_open() {
    local host port
    host="$(bolt_host)"; port="$(bolt_port)"
    timeout 2 bash -c "exec 3<>/dev/tcp/$host/$port" 2>/dev/null
}

# Prints the pid if the pid file names a live launcher process.
running_pid() {
    [[ -f "$PID_FILE" ]] || return 1
    local pid
    pid="$(tr -dc '0-9' <"$PID_FILE")"
    [[ -n "$pid" ]] || return 1
    kill -0 "$pid" 2>/dev/null || return 1
    ps -ww -o args= -p "$pid" 2>/dev/null | grep -q "$MAIN_CLASS" || return 1
    echo "$pid"
}

log_tail() {
    log "---- last lines of $LOG_FILE ----"
    tail -n 40 "$LOG_FILE" >&2 2>/dev/null || true
    if [[ -f "$NEO4J_HOME_DIR/logs/debug.log" ]]; then
        log "---- last WARN/ERROR lines of $NEO4J_HOME_DIR/logs/debug.log ----"
        grep -E ' (WARN|ERROR) ' "$NEO4J_HOME_DIR/logs/debug.log" | tail -n 15 >&2 || true
    fi
}

# Exclusive locks (skipped where flock is unavailable): fd 8 guards the build,
# fd 9 guards start/stop of one home dir. The server closes both (8>&- 9>&-).
HAVE_FLOCK=0
command -v flock >/dev/null 2>&1 && HAVE_FLOCK=1
lock_build() {
    ((HAVE_FLOCK)) || return 0
    exec 8>"$TARGET_DIR/.build.lock"
    flock -w 900 8 || die "could not lock $TARGET_DIR/.build.lock"
}
unlock_build() {
    ((HAVE_FLOCK)) || return 0
    exec 8>&-
}
lock_home() {
    ((HAVE_FLOCK)) || return 0
    exec 9>"$NEO4J_HOME_DIR/.launcher.lock"
    flock -w 900 9 || die "could not lock $NEO4J_HOME_DIR/.launcher.lock"
}

needs_build() {
    [[ -f "$STAMP" && -d "$TARGET_DIR/lib" && -d "$TARGET_DIR/classes" ]] || return 0
    [[ -n "$(find "$LAUNCHER_DIR/pom.xml" "$LAUNCHER_DIR/src" -newer "$STAMP" -print -quit)" ]]
}

cmd_build() {
    command -v "$MVN" >/dev/null 2>&1 || die "maven ('$MVN') not found"
    mkdir -p "$TARGET_DIR"
    lock_build
    if ! needs_build; then
        unlock_build
        return 0
    fi
    log "building launcher (first run downloads ~180 MB from Maven Central into ~/.m2) ..."
    rm -rf "$STAMP" "$TARGET_DIR/lib" "$TARGET_DIR/classes"
    "$MVN" -q -B -Dstyle.color=never -f "$LAUNCHER_DIR/pom.xml" \
        package dependency:copy-dependencies \
        -DoutputDirectory=target/lib -DincludeScope=runtime
    touch "$STAMP"
    unlock_build
    log "build done"
}

cmd_status() {
    local pid
    if pid="$(running_pid)" && port_open; then
        echo "neo4j running (pid $pid) bolt://$NEO4J_BOLT home $NEO4J_HOME_DIR"
        return 0
    fi
    echo "neo4j not running (home $NEO4J_HOME_DIR, bolt $NEO4J_BOLT)"
    return 1
}

# Stop pid: SIGTERM (shutdown hook checkpoints and closes the store), then SIGKILL.
kill_pid() {
    local pid="$1" i
    kill -TERM "$pid" 2>/dev/null || return 0
    for ((i = 0; i < STOP_TIMEOUT * 10; i++)); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    log "pid $pid still alive after ${STOP_TIMEOUT}s, sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
}

cmd_stop() {
    mkdir -p "$NEO4J_HOME_DIR"
    lock_home
    local pid
    if pid="$(running_pid)"; then
        log "stopping pid $pid ..."
        kill_pid "$pid"
        log "stopped"
    else
        log "not running"
    fi
    rm -f "$PID_FILE"
}

cmd_start() {
    command -v "$JAVA" >/dev/null 2>&1 || die "java ('$JAVA') not found; Java 17 or 21 is required"
    mkdir -p "$NEO4J_HOME_DIR"
    lock_home

    local pid i
    if pid="$(running_pid)"; then
        local ready
        ready="$(grep -m1 '^NEO4J READY ' "$LOG_FILE" 2>/dev/null || true)"
        if [[ -n "$ready" && "$ready" != "NEO4J READY bolt://$(bolt_host):$(bolt_port)" ]]; then
            die "pid $pid already serves $NEO4J_HOME_DIR with a different address ($ready); run '$0 stop' first"
        fi
        # Ours and alive: ready now, or (still starting) give it the usual time.
        for ((i = 0; i < START_TIMEOUT * 2; i++)); do
            if port_open; then
                log "already running (pid $pid) bolt://$NEO4J_BOLT"
                return 0
            fi
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.5
        done
        log_tail
        die "pid $pid from $PID_FILE is alive but bolt://$NEO4J_BOLT is not accepting connections; try '$0 stop'"
    fi
    rm -f "$PID_FILE"
    cmd_build
    if port_open; then
        die "bolt port $NEO4J_BOLT is already in use by another process (not started from $NEO4J_HOME_DIR)"
    fi

    log "starting neo4j (home $NEO4J_HOME_DIR, bolt $NEO4J_BOLT, heap $NEO4J_HEAP, pagecache $NEO4J_PAGECACHE) ..."
    local -a extra=()
    if [[ -n "$NEO4J_JAVA_OPTS" ]]; then
        read -r -a extra <<<"$NEO4J_JAVA_OPTS"
    fi
    # 8>&- 9>&- : the server must not inherit the locks.
    nohup "$JAVA" "${JVM_FLAGS[@]}" "-Xmx$NEO4J_HEAP" ${extra[@]+"${extra[@]}"} \
        -cp "$TARGET_DIR/classes:$TARGET_DIR/lib/*" "$MAIN_CLASS" \
        --home "$NEO4J_HOME_DIR" --bolt "$NEO4J_BOLT" --pagecache "$NEO4J_PAGECACHE" \
        </dev/null >"$LOG_FILE" 2>&1 8>&- 9>&- &
    pid=$!
    echo "$pid" >"$PID_FILE"

    for ((i = 0; i < START_TIMEOUT * 4; i++)); do
        if ! kill -0 "$pid" 2>/dev/null; then
            rm -f "$PID_FILE"
            log_tail
            die "neo4j exited during startup"
        fi
        if grep -q '^NEO4J READY ' "$LOG_FILE" 2>/dev/null && port_open; then
            log "ready (pid $pid) bolt://$NEO4J_BOLT"
            return 0
        fi
        sleep 0.25
    done
    log_tail
    log "not ready after ${START_TIMEOUT}s, stopping pid $pid"
    kill_pid "$pid"
    rm -f "$PID_FILE"
    exit 1
}

case "${1:-}" in
    build) cmd_build ;;
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    restart) cmd_stop; cmd_start ;;
    *)
        echo "usage: $0 build|start|stop|status|restart" >&2
        exit 2
        ;;
esac
