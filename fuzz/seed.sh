#!/usr/bin/env bash
# Creates the seed corpora fuzz/corpus/{parse,check} from the test fixtures
# and the examples, and fuzz/corpus/restore from the saved-state fixtures. Idempotent: running it again only re-copies the seeds;
# inputs that libFuzzer added to the corpora are kept.
#
# Usage: ./seed.sh   (from anywhere; paths are relative to this script)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"

targets=(parse check)
for target in "${targets[@]}"; do
    mkdir -p "$here/corpus/$target"
done

count=0
while IFS= read -r -d '' file; do
    # Several fixtures share a file name (main.sop, org.sop), so name each seed
    # after its path: tests/fixtures/check/use/main.sop -> tests_fixtures_check_use_main.sop
    rel="${file#"$root"/}"
    name="seed_${rel//\//_}"
    for target in "${targets[@]}"; do
        cp -f -- "$file" "$here/corpus/$target/$name"
    done
    count=$((count + 1))
done < <(find "$root/tests/fixtures" "$root/examples" -type f -name '*.sop' -print0 | sort -z)

# Saved instances (both format versions) seed `restore`, so that it starts from
# states that restore and mutates their fields instead of guessing JSON.
mkdir -p "$here/corpus/restore"
for file in "$root"/tests/fixtures/state/*.json; do
    cp -f -- "$file" "$here/corpus/restore/seed_$(basename "$file")"
done

# Inputs that once crashed a target stay in its corpus.
if [[ -d "$here/regressions" ]]; then
    for target in "${targets[@]}"; do
        for file in "$here/regressions/$target"-*; do
            [[ -e "$file" ]] || continue
            cp -f -- "$file" "$here/corpus/$target/regression_$(basename "$file")"
        done
    done
fi

echo "seeded ${targets[*]} with $count files each, restore with the saved states (in $here/corpus)"
