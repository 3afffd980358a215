#!/usr/bin/env bash
# NAB (Numenta Anomaly Benchmark) scores of vigie's anomaly detectors: runs `vigie anomaly
# score` over every curve of the corpus for each detector, scores the results with NAB's rules
# (nab_score.py, threshold optimised per profile as NAB does) and prints the standard,
# reward_low_FP and reward_low_FN normalised scores per detector, twice: the onset score (NAB's
# question: when does an anomaly begin; row NAME+onset) and the sustained score rules fire on
# (row NAME). docs/anomaly.md.
#
# Usage: bench/nab/run.sh [--vigie PATH] [--nab DIR] [--scorer PATH] [--detector NAME]...
#                         [--onset-only] [--min-standard SCORE] [--keep DIR] [--published REPO]
#   --vigie         the vigie binary (default: build/cli/vigie)
#   --nab           NAB's data/ and labels/combined_windows.json (default: $NAB_DIR, else
#                   /work/shared/data/nab)
#   --scorer        nab_score.py (default: $NAB_SCORE, else /work/shared/tools/nab_score.py)
#   --detector      a detector to score, repeatable (default: every detector)
#   --onset-only    score only the onset form (`vigie anomaly score --onset`)
#   --min-standard  exit 1 when an onset row's standard score is below this (a regression
#                   floor)
#   --keep          write the scored CSVs under DIR/<row>/ instead of a temporary folder
#   --published     score the result files NAB publishes for its detectors (REPO: a checkout of
#                   github.com/numenta/NAB; its results/<detector>/) on the same curves, instead
#                   of running vigie: the scoreboard on this corpus (--detector: which ones,
#                   default ARTime numenta contextOSE knncad earthgeckoSkyline twitterADVec)
# Exit: 0; 1 below the floor; 2 bad usage or a failed run; 77 when the corpus or the scorer is
# absent (ctest's skip code).
set -euo pipefail

vigie=build/cli/vigie
nab=${NAB_DIR:-/work/shared/data/nab}
scorer=${NAB_SCORE:-/work/shared/tools/nab_score.py}
detectors=()
floor=""
keep=""
published=""
forms=(+onset "")
while [[ $# -gt 0 ]]; do
  case "$1" in
    --vigie) vigie=$2; shift 2 ;;
    --nab) nab=$2; shift 2 ;;
    --scorer) scorer=$2; shift 2 ;;
    --detector) detectors+=("$2"); shift 2 ;;
    --onset-only) forms=(+onset); shift ;;
    --min-standard) floor=$2; shift 2 ;;
    --keep) keep=$2; shift 2 ;;
    --published) published=$2; shift 2 ;;
    -h|--help) sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

if [[ ! -d "$nab/data" || ! -f "$nab/labels/combined_windows.json" || ! -f "$scorer" ]]; then
  echo "run.sh: NAB corpus ($nab/data, $nab/labels/combined_windows.json) or scorer ($scorer)" \
    "not found: skipped" >&2
  exit 77
fi
if [[ -n "$published" ]]; then
  [[ -d "$published/results" ]] ||
    { echo "run.sh: no results/ folder in $published (a checkout of numenta/NAB)" >&2; exit 2; }
  [[ ${#detectors[@]} -gt 0 ]] ||
    detectors=(ARTime numenta contextOSE knncad earthgeckoSkyline twitterADVec)
  forms=("")
elif [[ ! -x "$vigie" ]]; then
  echo "run.sh: no vigie binary at $vigie (build it, or pass --vigie)" >&2
  exit 2
fi
if [[ -z "$published" && ${#detectors[@]} -eq 0 ]]; then
  # The detector names, from the --detector flag's help: {combined,band,shift,local}.
  list=$("$vigie" anomaly score --help | sed -n 's/.*--detector TEXT:{\([^}]*\)}.*/\1/p')
  IFS=, read -r -a detectors <<<"$list"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
out=${keep:-$work}

printf '%-17s %9s %14s %14s %8s  %s\n' detector standard reward_low_FP reward_low_FN seconds \
  "windows hit (standard)"
status=0
for detector in "${detectors[@]}"; do
  for form in "${forms[@]}"; do
    row=$detector$form
    flags=(--detector "$detector")
    [[ -n "$form" ]] && flags+=(--onset)
    start=$(date +%s.%N)
    (cd "$nab/data" && find . -name '*.csv' -printf '%P\n' | sort) | while read -r rel; do
      mkdir -p "$out/$row/$(dirname "$rel")"
      if [[ -n "$published" ]]; then
        mine="$published/results/$detector/$(dirname "$rel")/${detector}_$(basename "$rel")"
        cp "$mine" "$out/$row/$rel" ||
          { echo "run.sh: $detector published no result for $rel" >&2; exit 2; }
        continue
      fi
      "$vigie" anomaly score "${flags[@]}" "$nab/data/$rel" \
        >"$out/$row/$rel" 2>"$work/stderr" ||
        { echo "run.sh: vigie anomaly score failed on $rel:" >&2; cat "$work/stderr" >&2; exit 2; }
    done
    seconds=$(echo "$(date +%s.%N) - $start" | bc)
    python3 "$scorer" --data "$nab/data" --labels "$nab/labels/combined_windows.json" \
      --results "$out/$row" --json >"$work/scores.json"
    read -r standard low_fp low_fn hit windows < <(python3 - "$work/scores.json" <<'PY'
import json, sys
scores = json.load(open(sys.argv[1]))
by = {p["profile"]: p for p in scores["profiles"]}
std = by["standard"]
print("%.2f %.2f %.2f %d %d" % (std["normalised_score"],
      by["reward_low_FP_rate"]["normalised_score"],
      by["reward_low_FN_rate"]["normalised_score"],
      std["windows_detected"], std["windows_detected"] + std["windows_missed"]))
PY
    )
    printf '%-17s %9s %14s %14s %8.1f  %s/%s\n' "$row" "$standard" "$low_fp" "$low_fn" \
      "$seconds" "$hit" "$windows"
    if [[ -n "$floor" && -n "$form" ]] &&
      python3 -c "import sys; sys.exit(0 if $standard < $floor else 1)"; then
      echo "run.sh: $row's NAB standard score $standard is below the floor $floor" >&2
      status=1
    fi
  done
done
exit $status
