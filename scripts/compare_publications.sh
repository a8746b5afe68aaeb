#!/usr/bin/env bash
# Compares two publication folders (or two output roots) file by file, byte for byte:
#   scripts/compare_publications.sh OLD NEW
# Prints each file that is missing on one side or differs, and a summary line; exits 0 when
# every file is identical, 1 otherwise. Run both publications with the same SOURCE_DATE_EPOCH
# (and the same inputs) so that their time stamps agree; the rejects folder is compared too.
set -euo pipefail
if [ $# -ne 2 ] || [ ! -d "$1" ] || [ ! -d "$2" ]; then
  echo "usage: $0 OLD_DIR NEW_DIR" >&2
  exit 2
fi
old=$1 new=$2
list() { (cd "$1" && find . -type f | LC_ALL=C sort); }
differ=0 same=0
while IFS= read -r f; do
  if [ ! -f "$old/$f" ]; then echo "only in NEW: $f"; differ=$((differ + 1))
  elif [ ! -f "$new/$f" ]; then echo "only in OLD: $f"; differ=$((differ + 1))
  elif cmp -s "$old/$f" "$new/$f"; then same=$((same + 1))
  else echo "differs: $f"; differ=$((differ + 1))
  fi
done < <(LC_ALL=C sort -u <(list "$old") <(list "$new"))
echo "$same identical, $differ different"
[ "$differ" -eq 0 ]
