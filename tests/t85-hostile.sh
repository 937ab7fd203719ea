#!/bin/sh
# t85-hostile.sh - every hostile input of tests/torture/hostile.tsv gets its
# documented exit status and message, and writes nothing (issue 5)
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/torture/hostile.sh"
done_testing
