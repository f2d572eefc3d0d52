#!/bin/bash
# make check's short form of test/leaks.sh: one kredir worker under
# valgrind memcheck, 500 mixed requests (make leaks runs 5,000).
exec "$(dirname "$0")/../leaks.sh" "${KREDIR_LEAKS_REQUESTS:-500}"
