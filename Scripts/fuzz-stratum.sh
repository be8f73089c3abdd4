#!/usr/bin/env bash
# Fuzzes the Stratum parser and session with libFuzzer for a while (default 60 s):
#   Scripts/fuzz-stratum.sh [SECONDS]
# Builds the fuzz target with -sanitize=fuzzer into .build-fuzz (the normal build never sees it)
# and keeps its corpus in .build-fuzz/corpus, seeded with real Stratum lines. A crash leaves its
# input in .build-fuzz/ and the script exits non-zero.
set -euo pipefail
cd "$(dirname "$0")/.."
. Scripts/lib.sh
hearth_need_swift

seconds=${1:-60}
# fuzzer and address in one -sanitize (a second -sanitize flag replaces the first, and the code
# would go uninstrumented); lld, because gold crashes on this link (dwarf_reader.cc:2713).
hearth_say "building the Stratum fuzzer"
HEARTH_FUZZ=1 swift build --scratch-path .build-fuzz --product hearth-fuzz-stratum \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -use-ld=lld
bin=$(HEARTH_FUZZ=1 swift build --scratch-path .build-fuzz --show-bin-path)

corpus=.build-fuzz/corpus
mkdir -p "$corpus"
printf '%s\n' '{"id":null,"method":"mining.notify","params":["4f","00000000000000000000000000000000000000000000000000000000000000ff","0100","ffff",["0000000000000000000000000000000000000000000000000000000000000000"],"20000000","1d00ffff","5f5e1000",false]}' >"$corpus/notify"
printf '%s\n' '{"id":null,"method":"mining.set_difficulty","params":[0.5]}' '{"id":7,"method":"mining.ping","params":[]}' >"$corpus/difficulty-ping"
printf '%s\n' '{"id":null,"method":"mining.set_extranonce","params":["aabbccdd",8]}' '{"id":null,"method":"client.reconnect","params":["h",1,2]}' >"$corpus/extranonce"
printf '%s\n' '{"id":4,"result":null,"error":[23,"Low difficulty share",null]}' >"$corpus/error"

hearth_say "fuzzing for $seconds s"
"$bin/hearth-fuzz-stratum" -max_total_time="$seconds" -max_len=4096 -artifact_prefix=.build-fuzz/ "$corpus"
