#!/usr/bin/env bash
# Prints the set whose decode tunes the threshold for <set>: the dev set of the same corpus and condition,
# the name with "test" replaced by "dev" (ami_test_tel -> ami_dev_tel, builtin_test -> builtin_dev; a dev
# set tunes on itself).
if [ $# -ne 1 ]; then
  echo "Usage: utils/tune_set.sh <set>   e.g. utils/tune_set.sh ami_test_tel  (prints ami_dev_tel)" >&2
  exit 1
fi
echo "${1/test/dev}"
