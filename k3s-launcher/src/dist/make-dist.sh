#!/usr/bin/env bash
# Builds the self-contained k3s-launcher distribution: a Java runtime trimmed with jlink, the launcher's
# jars, an AOT cache trained on a traced run, and bin/k3s-launcher; then packs it as one .tar.gz. Also
# trains the AOT cache that the repository's bin/k3s-launcher uses with the building JDK. Run by Maven
# at `package` (k3s-launcher/pom.xml).
#
# Usage: make-dist.sh ARCHIVE JDK VERSION BUILD_DIR SHADED_JAR JAR JAR_DIR
#   ARCHIVE     true to build the archive; false for the repository's AOT cache alone, which is all that
#               bin/k3s-launcher needs (it builds with -Dpanatrace.distribution=false)
#   JDK         the JDK (22 or newer) building this; its jlink makes the runtime
#   BUILD_DIR   k3s-launcher/target; the archive lands there, the unpacked tree in BUILD_DIR/dist
#   SHADED_JAR  the single jar the repository's bin/k3s-launcher runs
#   JAR         the launcher's jar, for the distribution
#   JAR_DIR     the jars it needs
set -euo pipefail

make_archive=$1 jdk=$2 version=$3 build=$4 shaded=$5 jar=$6 jar_dir=$7
here=$(dirname -- "$(readlink -f -- "${BASH_SOURCE[0]}")")
name=k3s-launcher-$version
archive=$build/$name-linux-$(uname -m).tar.gz
stage=$build/dist/$name

# Makes the AOT cache CACHE from one run of LAUNCHER (a command that runs the launcher on Java 25 or newer
# and makes CACHE): a command under a profile, which loads and links what a traced run needs. A cache
# fits only the runtime and jars it was made with. Fails, saying why, when the training run fails (where
# ptrace is not allowed, say).
train() {
    local cache=$1 log=$2
    shift 2
    rm -f "$cache"
    if ! "$@" run --profile k3s -- /bin/sh -c 'cat /proc/sys/vm/overcommit_memory' >"$log" 2>&1 \
            || [[ ! -f $cache ]]; then
        echo "make-dist: the AOT training run failed (see $log); $cache not made, start-up is slower" >&2
        rm -f "$cache"
        return 1
    fi
}

# The feature version (22, 25, ...) of the java at $1.
feature() {
    "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p'
}

# Classes, linked, without the training run's method profiles: a JVM replaying those compiles at start-up
# what only the training needed, about 10 ms of a 120 ms `run -- true` (measured with bin/bench).
no_profiles=(-XX:+UnlockDiagnosticVMOptions -XX:-AOTRecordTraining)
makes_aot_cache=false
if (( $(feature "$jdk/bin/java") >= 25 )); then
    makes_aot_cache=true
else
    echo "make-dist: Java $(feature "$jdk/bin/java") makes no AOT cache (25 and newer do); start-up is slower" >&2
fi

if [[ $make_archive == true ]]; then
    rm -rf "$build/dist" "$archive"
    mkdir -p "$stage/lib"
    cp -- "$jar" "$jar_dir"/*.jar "$stage/lib/"
    cp -r -- "$here/bin" "$stage/"

    # The JDK modules the jars need, as jdeps finds them; jlink adds what those need in turn.
    modules=$("$jdk/bin/jdeps" --ignore-missing-deps --multi-release base --print-module-deps \
        --module-path "$stage/lib" "$stage"/lib/*.jar)
    "$jdk/bin/jlink" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages \
        --compress zip-6 --generate-cds-archive --output "$stage/runtime" >/dev/null
    if [[ $makes_aot_cache == true ]]; then
        PANATRACE_JAVA_OPTS="-XX:AOTCacheOutput=$stage/lib/k3s-launcher.aot ${no_profiles[*]}" \
            train "$stage/lib/k3s-launcher.aot" "$build/dist/training.log" \
            "$stage/bin/k3s-launcher" || true
    fi
fi

if [[ $makes_aot_cache == true ]]; then
    # The repository's script takes the cache only with the JDK named beside it. The script trains it, so it is
    # made with the JVM flags the script runs with; SHADED_JAR is REPO/k3s-launcher/target/k3s-launcher.jar.
    jar_cache=$build/k3s-launcher.aot
    rm -f "$jar_cache.jdk"
    if JAVA_HOME=$jdk PANATRACE_JAVA_OPTS="-XX:AOTCacheOutput=$jar_cache ${no_profiles[*]}" \
            train "$jar_cache" "$build/training.log" "$(dirname -- "$shaded")/../../bin/k3s-launcher"; then
        echo "$jdk" > "$jar_cache.jdk"
    fi
fi

if [[ $make_archive == true ]]; then
    tar -C "$build/dist" -czf "$archive" "$name"
    echo "make-dist: $archive ($(du -h "$archive" | cut -f1))"
fi
