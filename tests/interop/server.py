#!/usr/bin/env python3
"""Runs the interop scripts of tests/interop in one Python process, so that torch and transformers are
imported once per test executable instead of once per check (seconds each).

Reads one JSON request per line on stdin: {"script": "hf_model.py", "args": [...]}. Runs the script as
__main__ with those arguments (sys.argv), as `python SCRIPT ARGS...` would, and answers one JSON line on
stdout: {"code": exit status, "output": what the script printed, stdout and stderr together}. An exception
the script does not handle is exit status 1 with its traceback. Ends at end of input.
"""
import contextlib
import io
import json
import os
import runpy
import sys
import traceback

here = os.path.dirname(os.path.abspath(__file__))
# Answers go to a private copy of stdout; file descriptor 1 becomes stderr, so that nothing a library writes
# there directly can break the protocol.
answer = os.fdopen(os.dup(1), "w")
os.dup2(2, 1)
for line in sys.stdin:
    if not line.strip():
        continue
    request = json.loads(line)
    script = os.path.join(here, request["script"])
    captured = io.StringIO()
    code = 0
    saved_argv = sys.argv
    sys.argv = [script] + [str(a) for a in request.get("args", [])]
    try:
        with contextlib.redirect_stdout(captured), contextlib.redirect_stderr(captured):
            runpy.run_path(script, run_name="__main__")
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        if not isinstance(e.code, int) and e.code is not None:
            captured.write(str(e.code) + "\n")
    except BaseException:  # noqa: BLE001 - the script's failure is the answer
        code = 1
        captured.write(traceback.format_exc())
    finally:
        sys.argv = saved_argv
    answer.write(json.dumps({"code": code, "output": captured.getvalue()}) + "\n")
    answer.flush()
