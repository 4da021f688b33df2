#!/bin/sh
# results_from_eval.sh VECTOR_DIR LPCONFORM IMPL > results.csv
#
# Plays the vendor in vector mode (spec/vectors.md): runs every input file that `lpconform vectors
# gen` wrote through `lpconform eval` with implementation IMPL and writes the one results CSV
# (item,input,random,output,flags) that `lpconform vectors check` reads. The item id in each file
# name says what to run: encode-FORMAT-ROUNDING-OVERFLOW-SOURCE (ROUNDING sr_a_n4 = sr_a with
# 4 random bits) or decode-FORMAT; format names contain no '-'.
set -eu
dir=$1 lpconform=$2 impl=$3
out=$(mktemp)
trap 'rm -f "$out"' EXIT
echo "item,input,random,output,flags"
for file in "$dir"/inputs/*.csv; do
  [ -e "$file" ] || continue  # a profile without encode or decode items
  id=$(basename "$file" .csv)
  saved_ifs=$IFS; IFS=-; set -- $id; IFS=$saved_ifs
  if [ "$1" = decode ]; then
    # eval decode: code,value_f32,value_exact -> the float32 bit pattern is a valid output
    "$lpconform" eval decode --impl "$impl" --format "$2" --input "$file" >"$out"
    awk -F, -v id="$id" 'NR > 1 { print id "," $1 ",," $2 "," }' "$out"
  else
    rounding=${3%_n*}
    case $3 in *_n*) sr="--sr-bits ${3##*_n}" ;; *) sr="" ;; esac
    # eval encode: input,output,flags; the random column comes from the input file itself
    "$lpconform" eval encode --impl "$impl" --format "$2" --rounding "$rounding" $sr --overflow "$4" --source "$5" --input "$file" >"$out"
    paste -d, "$file" "$out" | awk -F, -v id="$id" 'NR > 1 { if (NF == 5) print id "," $1 "," $2 "," $4 "," $5; else print id "," $1 ",," $3 "," $4 }'
  fi
done
