# shellcheck shell=bash
# Finds a JDK new enough for panatrace. Source this file, then call panatrace_find_jdk:
#
#   . "$repo/bin/lib/find-jdk.sh"
#   panatrace_find_jdk || exit 2
#   "$JAVA" -version
#
# It takes JAVA_HOME when that JDK is new enough, else the newest JDK under $PANATRACE_JVM_ROOT
# (default /usr/lib/jvm). On success it exports JAVA_HOME and sets JAVA to its java; otherwise it
# prints one line on stderr saying where it looked and returns 1. Safe under `set -euo pipefail`.

# The engine is compiled with --release 22 and needs the final FFM API.
PANATRACE_MIN_JAVA=22

# Sets REPLY to the feature version (17, 22, 25, ...) of the JDK at $1; fails when it has no runnable java.
# Bash builtins only where it can: the launcher runs this at every start, and each fork costs a millisecond.
panatrace_jdk_feature() {
    local home=$1 version= line
    REPLY=
    [[ -x $home/bin/java ]] || return 1
    # The release file answers without starting a JVM.
    if [[ -r $home/release ]]; then
        while IFS= read -r line; do
            if [[ $line == JAVA_VERSION=\"*\" ]]; then
                version=${line#JAVA_VERSION=\"}
                version=${version%\"}
                break
            fi
        done < "$home/release"
    fi
    if [[ -z $version ]]; then
        # First line of `java -version`, e.g.: openjdk version "25.0.1" 2025-10-21
        version=$("$home/bin/java" -version 2>&1 | sed -n '1s/.* version "\([^"]*\)".*/\1/p')
    fi
    version=${version#1.}          # Java 8 and older call themselves 1.8.0_392
    version=${version%%[!0-9]*}    # 25.0.1, 26-ea -> 25, 26
    [[ -n $version ]] || return 1
    REPLY=$version
}

# Sets JAVA_HOME (exported) and JAVA to a JDK >= PANATRACE_MIN_JAVA, or says where it looked and fails.
panatrace_find_jdk() {
    local root=${PANATRACE_JVM_ROOT:-/usr/lib/jvm} found= feature= newest=0 home looked
    if [[ -n ${JAVA_HOME:-} ]]; then
        panatrace_jdk_feature "$JAVA_HOME" && feature=$REPLY
        if [[ -n $feature ]] && (( feature >= PANATRACE_MIN_JAVA )); then
            found=$JAVA_HOME
        fi
        if [[ -n $feature ]]; then
            looked="JAVA_HOME=$JAVA_HOME (Java $feature)"
        else
            looked="JAVA_HOME=$JAVA_HOME (no java there)"
        fi
    else
        looked="JAVA_HOME (unset)"
    fi
    if [[ -z $found ]]; then
        for home in "$root"/*/; do
            home=${home%/}
            panatrace_jdk_feature "$home" || continue
            feature=$REPLY
            if (( feature > newest )); then
                newest=$feature
                found=$home
            fi
        done
        (( newest >= PANATRACE_MIN_JAVA )) || found=
        if (( newest > 0 )); then
            looked+=" and $root/* (newest: Java $newest)"
        else
            looked+=" and $root/* (no JDK)"
        fi
    fi
    if [[ -z $found ]]; then
        echo "${0##*/}: needs a JDK $PANATRACE_MIN_JAVA or newer; looked at $looked; set JAVA_HOME to one" >&2
        return 1
    fi
    export JAVA_HOME=$found
    JAVA=$found/bin/java
}

# Exports MAVEN_OPTS so that Maven, run on the JDK found, prints only what concerns the build: Maven 3.8's
# Guava calls sun.misc.Unsafe, which JDK 24 and newer warn about (four lines) at every run unless allowed.
# The option exists from JDK 23 on; an older JVM would refuse to start with it. Call after panatrace_find_jdk.
panatrace_quiet_maven() {
    panatrace_jdk_feature "$JAVA_HOME" || return 0
    if (( REPLY >= 23 )) && [[ ${MAVEN_OPTS:-} != *--sun-misc-unsafe-memory-access* ]]; then
        export MAVEN_OPTS="${MAVEN_OPTS:+$MAVEN_OPTS }--sun-misc-unsafe-memory-access=allow"
    fi
}
