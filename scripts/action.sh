#!/usr/bin/env bash
# The GitHub Action's work (action.yml), kept in a script so that CI runs exactly this path.
# Inputs come as environment variables; every check runs and writes its SARIF before the
# script exits 1 if any of them found something (2 or more: a usage or input error).
set -uo pipefail
declaration=${AIOPTOUT_DECLARATION:?set AIOPTOUT_DECLARATION to the declaration file}
folder=${AIOPTOUT_FOLDER:-}
site=${AIOPTOUT_SITE:-}
out=${AIOPTOUT_SARIF_DIR:-aioptout-sarif}
aioptout=${AIOPTOUT:-aioptout}
mkdir -p "$out"
worst=0
note() { if [ "$1" -gt "$worst" ]; then worst=$1; fi; }

"$aioptout" validate "$declaration" --format sarif > "$out/validate.sarif"
status=$?; note $status
echo "aioptout validate: exit $status" >&2
if [ "$status" -ge 2 ]; then exit "$status"; fi

if [ -n "$folder" ]; then
  "$aioptout" drift "$folder" --offline --declaration "$declaration" --format sarif \
    > "$out/drift-folder.sarif"
  status=$?; note $status
  echo "aioptout drift $folder: exit $status" >&2
fi
if [ -n "$site" ]; then
  "$aioptout" drift "$site" --declaration "$declaration" --format sarif ${AIOPTOUT_DRIFT_ARGS:-} \
    > "$out/drift-site.sarif"
  status=$?; note $status
  echo "aioptout drift $site: exit $status" >&2
fi
exit "$worst"
