#!/usr/bin/env bash
# Build and run the fuzz targets without cargo-fuzz: the same nightly build cargo-fuzz does
# (sanitizer-coverage passes, AddressSanitizer, debug assertions, overflow checks), then each
# target on its seed corpus for FUZZ_SECONDS (default 300), one at a time, one job.
#
#   fuzz/run.sh [target...]        targets: bicep_parser json_reader expression template
#
# FUZZ_TARGET_DIR (default /tmp/armlint-fuzz-target) holds the build; FUZZ_OUT (default
# /tmp/armlint-fuzz) the corpora each run adds to, the crash/timeout/slow-unit artifacts and the
# logs. Extra seed directories for a target: FUZZ_SEEDS_<target>="dir1 dir2" (for bicep_parser, a
# sample of Bicep sources kept outside the repository).
set -euo pipefail
cd "$(dirname "$0")"
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(bicep_parser json_reader expression template)
export CARGO_TARGET_DIR="${FUZZ_TARGET_DIR:-/tmp/armlint-fuzz-target}"
out="${FUZZ_OUT:-/tmp/armlint-fuzz}"
seconds="${FUZZ_SECONDS:-300}"
triple=x86_64-unknown-linux-gnu
export RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing -Zsanitizer=address \
-Cdebug-assertions -Coverflow-checks"
cargo +nightly build --release --target "$triple" --manifest-path Cargo.toml
[ -d corpus ] || ./seed.sh
# The Bicep parser also starts from a sample of the shared Bicep sources (every tenth file under
# 20 KB), copied outside the repository.
shared=../../shared/bicep
if [ -z "${FUZZ_SEEDS_bicep_parser:-}" ] && [ -d "$shared" ]; then
    FUZZ_SEEDS_bicep_parser="$out/bicep_parser/shared-seeds"
    mkdir -p "$FUZZ_SEEDS_bicep_parser"
    (cd "$shared" && find . -name '*.bicep*' -size -20k | LC_ALL=C sort | awk 'NR % 10 == 1') |
        while IFS= read -r f; do
            name="${f#./}"
            cp "$shared/$f" "$FUZZ_SEEDS_bicep_parser/${name//\//_}"
        done
fi
for t in "${targets[@]}"; do
    mkdir -p "$out/$t/corpus" "$out/$t/artifacts"
    seeds_var="FUZZ_SEEDS_$t"
    # shellcheck disable=SC2086 # the seed list is a space-separated list of directories
    "$CARGO_TARGET_DIR/$triple/release/$t" "$out/$t/corpus" "corpus/$t" ${!seeds_var:-} \
        -artifact_prefix="$out/$t/artifacts/" -rss_limit_mb=2048 -timeout=20 \
        -max_total_time="$seconds" -print_final_stats=1 \
        2>&1 | tee "$out/$t/log" | grep -E '^#[0-9]+[[:space:]]+(INITED|DONE)|SUMMARY|Slowest|stat::' || true
done
