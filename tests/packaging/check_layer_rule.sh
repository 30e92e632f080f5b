#!/usr/bin/env bash
# The layer rule, proved by the compiler: a file under ui/ (and one under app/, which links core alone) that
# includes a torch header does not compile, while the same file with a core header does. The compile commands
# are the build's own (compile_commands.json), so adding torch to ui's include path makes this test fail.
# Usage: check_layer_rule.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1
source_dir=$2
db="$build/compile_commands.json"
[ -f "$db" ] || { echo "no $db (configure with CMAKE_EXPORT_COMPILE_COMMANDS)"; exit 1; }
probe_dir=$(mktemp -d)
trap 'rm -rf "$probe_dir"' EXIT

check() {  # check LAYER: the compile command of one of LAYER's sources, run on probes
    local layer=$1
    local command
    command=$(python3 - "$db" "$source_dir/$layer/" <<'PY'
import json, shlex, sys
db, prefix = sys.argv[1], sys.argv[2]
for entry in json.load(open(db)):
    if entry["file"].startswith(prefix) and entry["file"].endswith(".cpp"):
        args = shlex.split(entry["command"])
        # Drop the output, the source and dependency-file options; keep flags, defines and include paths.
        out, skip = [], False
        for a in args:
            if skip:
                skip = False
                continue
            if a in ("-o", "-MF", "-MT", "-c"):
                skip = a != "-c"
                continue
            if a == entry["file"] or a.startswith("-M") or a.endswith(".gch") or a.startswith("-Winvalid-pch"):
                continue
            if a == "-include":
                skip = True  # a precompiled header (ui has none; the check must not borrow torch from one)
                continue
            out.append(a)
        print(entry["directory"])
        print(shlex.join(out))
        break
PY
)
    [ -n "$command" ] || { echo "no compile command for a $layer source"; exit 1; }
    local dir=${command%%$'\n'*} flags=${command#*$'\n'}
    printf '#include "core/train/training_run.h"\nint main() { return 0; }\n' > "$probe_dir/ok.cpp"
    printf '#include <torch/torch.h>\nint main() { return 0; }\n' > "$probe_dir/torch.cpp"
    printf '#include "model/transformer.h"\nint main() { return 0; }\n' > "$probe_dir/model.cpp"
    if ! (cd "$dir" && eval "$flags -fsyntax-only $probe_dir/ok.cpp"); then
        echo "FAIL: a $layer file cannot even include core's public header with $layer's flags"; exit 1
    fi
    for probe in torch model; do
        if (cd "$dir" && eval "$flags -fsyntax-only $probe_dir/$probe.cpp") >"$probe_dir/$probe.log" 2>&1; then
            echo "FAIL: a $layer file including $(head -1 "$probe_dir/$probe.cpp") compiles: torch leaks into $layer"
            exit 1
        fi
        grep -q "No such file" "$probe_dir/$probe.log" || { echo "FAIL: unexpected error:"; cat "$probe_dir/$probe.log"; exit 1; }
        echo "ok: $layer cannot include $(head -1 "$probe_dir/$probe.cpp" | cut -d' ' -f2)"
    done
}

[ -d "$source_dir/ui" ] && grep -q "$source_dir/ui/" "$db" && check ui
check app
