#!/usr/bin/env bash
# Seed the fuzz corpora from the repository's fixtures: every JSON fixture for the JSON reader and
# whole-template targets, every `[...]` expression string in them for the expression target.
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p corpus/json_reader corpus/template corpus/expression corpus/bicep_parser
n=0
while IFS= read -r -d '' f; do
    n=$((n + 1))
    cp "$f" "corpus/json_reader/fixture-$n.json"
    cp "$f" "corpus/template/fixture-$n.json"
done < <(find ../fixtures -name '*.json' -print0 | sort -z)
# Expressions: the text between a string's `"[` and `]"`, one file each (JSON escapes kept).
grep -rhoE '"\[[^"]+\]"' ../fixtures --include='*.json' | sed -E 's/^"\[(.*)\]"$/\1/' | sort -u |
    split -l 1 -a 5 - corpus/expression/expr-
# Bicep sources: every Bicep syntax fixture, valid and invalid.
n=0
while IFS= read -r -d '' f; do
    n=$((n + 1))
    cp "$f" "corpus/bicep_parser/fixture-$n.bicep"
done < <(find ../fixtures/bicep -name '*.bicep*' -print0 | sort -z)
echo "seeded $(ls corpus/bicep_parser | wc -l) Bicep inputs"
echo "seeded $(ls corpus/json_reader | wc -l) JSON, $(ls corpus/template | wc -l) template and $(ls corpus/expression | wc -l) expression inputs"
