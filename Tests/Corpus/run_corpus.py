#!/usr/bin/env python3
"""Runs the hostile-guest corpus (Tests/Corpus/cases) against a `nanos` binary.

Every case is a folder with a `case.json` (what to run and what must happen), the
agent's source, its manifest and fixtures; Tests/Corpus/README.md describes the format
and the memory bound. For each case the harness copies the folder to a fresh temporary
directory, runs its set-up, then `nanos run --json` (or `nanos compile`), and checks:

  (a) the expected exit code / status, messages, steps and files;
  (b) the host ended by itself: no signal (SIGSEGV, SIGABRT...), no hard kill for
      running past the case's time limit or for flooding its output;
  (c) peak RSS (ru_maxrss from wait4) under a bound derived from the manifest, and
      captured stdout + stderr under a size bound.

Standard library only. Usage:
  NANOS_BIN=.build/release/nanos python3 Tests/Corpus/run_corpus.py [-k PATTERN] [--jobs N]
"""

from __future__ import annotations

import argparse
import concurrent.futures
import errno
import fnmatch
import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
CASES = HERE / "cases"
FIXTURES = HERE / "fixtures"

MIB = 1024 * 1024

# ---- The memory bound (Tests/Corpus/README.md, "Peak RSS bound") -----------------
# RSS of `nanos run` on a trivial WAT agent, with margin. Measured on x86_64 Linux
# (release build, llama.cpp linked in): see README.md; the harness re-measures it at
# start-up and says so when the measurement is above this constant.
BASE_RSS = 64 * MIB
# `nanos compile` runs clang/wasm-ld or esbuild + the QuickJS compiler; wait4 reports
# the largest of the process and the children it waited for.
COMPILE_RSS = 512 * MIB
DEFAULT_STACK = 1 * MIB       # Sandbox.defaultStackBytes
JS_STACK = 64 * MIB           # the stack a JS agent's nanos.js section asks for
DEFAULT_TRACE = 8 * MIB       # assumed when the manifest sets no resources.trace
DEFAULT_LOGS = 1 * MIB        # the kernel's default per-run log budget
FILE_FACTOR = 8               # module and manifest bytes: parse, translation, copies
STACK_FACTOR = 3              # resident bytes per stack byte when a guest fills it with tiny frames
STACKS = 2                    # the run's stack and the one nanos_alloc runs on
TRACE_FILE_FACTOR = 3         # with --trace: the steps, plus the JSON text written

DEFAULT_TIME_LIMIT = 90.0     # hard wall-clock kill per command
DEFAULT_MAX_OUTPUT = 2 * MIB  # stdout + stderr of one command
FLOOD_KILL = 64 * MIB         # output past this kills the command at once
SETUP_TIME_LIMIT = 60.0
RSS_KILL_MARGIN = 512 * MIB   # resident memory past bound + this kills the command at once

HOST_ADDRESS = re.compile(r"0x[0-9a-fA-F]{8,}")

SIGNAL_NAMES = {getattr(signal, n): n for n in dir(signal) if n.startswith("SIG") and not n.startswith("SIG_")}



# ---- sizes from a manifest ---------------------------------------------------------

_SIZE = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*([A-Za-z]*)\s*$")
_UNITS = {"": 1, "b": 1, "k": 1 << 10, "kb": 1 << 10, "kib": 1 << 10, "m": 1 << 20, "mb": 1 << 20,
          "mib": 1 << 20, "g": 1 << 30, "gb": 1 << 30, "gib": 1 << 30, "t": 1 << 40, "tb": 1 << 40, "tib": 1 << 40}


def parse_size(text: str) -> int | None:
    match = _SIZE.match(text.strip().strip("'\""))
    if not match or match.group(2).lower() not in _UNITS:
        return None
    return int(float(match.group(1)) * _UNITS[match.group(2).lower()])


def manifest_sizes(text: str) -> dict[str, int]:
    """`memory`, `stack`, `trace` and `logs` of `resources:`, read with a regular
    expression (flow or block style); the largest value when a key appears twice."""
    sizes: dict[str, int] = {}
    for key, value in re.findall(r"\b(memory|stack|trace|logs)\s*:\s*([0-9][0-9.]*\s*[A-Za-z]*)", text):
        size = parse_size(value)
        if size is not None:
            sizes[key] = max(size, sizes.get(key, 0))
    return sizes


# ---- cases -------------------------------------------------------------------------

@dataclass
class Case:
    name: str
    folder: Path
    spec: dict

    @property
    def expect(self) -> dict:
        return self.spec.get("expect", {})


def discover(patterns: list[str]) -> list[Case]:
    cases = []
    for spec_path in sorted(CASES.rglob("case.json")):
        folder = spec_path.parent
        name = folder.relative_to(CASES).as_posix()
        if patterns and not any(
            (fnmatch.fnmatch(name, p) if any(c in p for c in "*?[") else p in name) for p in patterns
        ):
            continue
        with open(spec_path, encoding="utf-8") as handle:
            cases.append(Case(name, folder, json.load(handle)))
    return cases


# ---- running one command -----------------------------------------------------------

@dataclass
class Outcome:
    exit_code: int | None = None
    signal: int | None = None
    killed_for: str | None = None      # "time" or "output"
    seconds: float = 0.0
    max_rss: int = 0                   # bytes
    stdout: bytes = b""
    stderr: bytes = b""


def execute(request: dict) -> dict:
    """Runs one command (in the spawner process): its own session, stdout and stderr to
    files, waited for with wait4 for its status and rusage. Kills the whole process group
    past the time limit, when its output passes FLOOD_KILL, or when its resident memory
    passes `rss_kill` (so that a memory bomb the host does not stop cannot take the
    machine down with it)."""
    answer = {"exit_code": None, "signal": None, "killed_for": None, "seconds": 0.0, "max_rss": 0}
    with open(request["stdout"], "wb") as out, open(request["stderr"], "wb") as err:
        started = time.monotonic()
        for attempt in range(120):
            try:
                process = subprocess.Popen(
                    request["argv"], cwd=request["cwd"], stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                    env=request["env"], start_new_session=True)
                break
            except OSError as error:
                # ETXTBSY: the binary is being rewritten by a build; wait for it.
                if error.errno == errno.ETXTBSY and attempt < 119:
                    time.sleep(0.5)
                    continue
                answer["error"] = f"cannot start {request['argv'][0]}: {error}"
                return answer
        started = time.monotonic()
        pid = process.pid
        status = 0
        rusage = None
        delay = 0.002
        rss_kill = request.get("rss_kill")
        while True:
            waited, status, rusage = os.wait4(pid, os.WNOHANG)
            if waited == pid:
                break
            elapsed = time.monotonic() - started
            reason = None
            if elapsed > request["time_limit"]:
                reason = "time"
            elif os.fstat(out.fileno()).st_size + os.fstat(err.fileno()).st_size > FLOOD_KILL:
                reason = "output"
            elif rss_kill is not None and _current_rss(pid) > rss_kill:
                reason = "memory"
            if reason:
                answer["killed_for"] = reason
                _kill_group(pid)
                _, status, rusage = os.wait4(pid, 0)
                break
            time.sleep(delay)
            delay = min(delay * 2, 0.05)
        answer["seconds"] = time.monotonic() - started
        process.returncode = 0  # reaped here; keeps Popen from waiting again
    # Whatever the command left behind in its group (an MCP server, say) goes too.
    _kill_group(pid)
    if os.WIFSIGNALED(status):
        answer["signal"] = os.WTERMSIG(status)
    elif os.WIFEXITED(status):
        answer["exit_code"] = os.WEXITSTATUS(status)
    answer["max_rss"] = (rusage.ru_maxrss if rusage else 0) * 1024
    return answer


def spawner_main() -> int:
    """The spawner: a small process, started before the harness reads anything, that
    starts every command. Linux carries the high-water RSS of the image a process replaces
    into its ru_maxrss (exec keeps signal->maxrss), so commands forked from the harness
    itself would report at least the harness's own peak; forked from here they report at
    least this process's few MiB. Requests and answers are JSON lines; each request is
    served on its own thread."""
    lock = threading.Lock()

    def serve(request: dict) -> None:
        try:
            answer = execute(request)
        except Exception as error:  # report, never die: the harness waits for an answer
            answer = {"error": f"{type(error).__name__}: {error}"}
        answer["id"] = request["id"]
        with lock:
            sys.stdout.write(json.dumps(answer) + "\n")
            sys.stdout.flush()

    for line in sys.stdin:
        threading.Thread(target=serve, args=(json.loads(line),), daemon=True).start()
    return 0


class Spawner:
    """The harness's side of the spawner."""

    def __init__(self):
        self.process = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), "--spawner"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            text=True, bufsize=1)
        self.lock = threading.Lock()
        self.waiting: dict[int, tuple[threading.Event, list]] = {}
        self.next_id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            answer = json.loads(line)
            with self.lock:
                event, box = self.waiting.pop(answer["id"])
            box.append(answer)
            event.set()

    def run(self, request: dict) -> dict:
        event, box = threading.Event(), []
        with self.lock:
            self.next_id += 1
            request["id"] = self.next_id
            self.waiting[self.next_id] = (event, box)
            self.process.stdin.write(json.dumps(request) + "\n")
            self.process.stdin.flush()
        event.wait()
        return box[0]

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=10)


SPAWNER: Spawner | None = None


def run_command(argv: list[str], cwd: Path, logs: Path, tag: str, time_limit: float, env: dict,
                rss_kill: int | None = None) -> Outcome:
    """Runs argv through the spawner; its stdout and stderr land in logs/TAG.stdout|stderr."""
    out_path, err_path = logs / f"{tag}.stdout", logs / f"{tag}.stderr"
    answer = SPAWNER.run({
        "argv": [str(a) for a in argv], "cwd": str(cwd), "env": env, "stdout": str(out_path),
        "stderr": str(err_path), "time_limit": time_limit, "rss_kill": rss_kill,
    })
    if "error" in answer:
        raise RuntimeError(answer["error"])
    outcome = Outcome(exit_code=answer["exit_code"], signal=answer["signal"], killed_for=answer["killed_for"],
                      seconds=answer["seconds"], max_rss=answer["max_rss"])
    outcome.stdout = _read_capped(out_path)
    outcome.stderr = _read_capped(err_path)
    return outcome


def _current_rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", "rb") as handle:
            for line in handle:
                if line.startswith(b"VmRSS:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _read_capped(path: Path, cap: int = FLOOD_KILL + MIB) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(cap)


# ---- checks ------------------------------------------------------------------------

def snapshot(root: Path) -> dict[str, str]:
    """Every entry under root: a file's hash, a link's target, or 'dir'."""
    entries: dict[str, str] = {}
    if not root.exists():
        return entries
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            key = path.relative_to(root).as_posix()
            if path.is_symlink():
                entries[key] = "link:" + os.readlink(path)
            elif path.is_dir():
                entries[key] = "dir"
            elif path.is_file():
                entries[key] = hashlib.sha256(path.read_bytes()).hexdigest()
            else:
                entries[key] = "other"
    return entries


def as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def exit_matches(expected, actual: int | None) -> bool:
    if actual is None:
        return False
    for option in as_list(expected):
        if option == "nonzero" and actual != 0:
            return True
        if option == actual:
            return True
    return False


@dataclass
class Result:
    case: Case
    failures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    outcome: Outcome | None = None
    status: str | None = None
    bound: int = 0
    seconds: float = 0.0


class Runner:
    def __init__(self, binary: str, keep: bool, verbose: bool, base_rss: int):
        self.binary = binary
        self.keep = keep
        self.verbose = verbose
        self.base_rss = base_rss
        self.secret = "NANOS-CORPUS-SECRET-" + secrets.token_hex(8)
        self.env = dict(os.environ)
        self.env["NO_COLOR"] = "1"
        # The secret is in the host's environment too: neither a guest nor an MCP server
        # (which gets only PATH, HOME, the locale and its own env:) may ever see it.
        self.env["NANOS_CORPUS_HOST_SECRET"] = self.secret

    # The peak RSS bound for one command (README.md, "Peak RSS bound").
    def bound(self, case: Case, manifest: Path | None, module: Path | None, traced: bool) -> int:
        override = case.spec.get("rss_bound_mib")
        if override is not None:
            return int(override * MIB)
        if case.spec.get("compile"):
            return COMPILE_RSS
        text = manifest.read_text(encoding="utf-8", errors="replace") if manifest and manifest.is_file() else ""
        manifest_bytes = manifest.stat().st_size if manifest and manifest.is_file() else 0
        # A manifest refused at load never reaches the kernel: only the file counts.
        if 2 in as_list(case.expect.get("exit")) and len(as_list(case.expect.get("exit"))) == 1:
            return self.base_rss + FILE_FACTOR * manifest_bytes
        sizes = manifest_sizes(text)
        module_bytes = module.stat().st_size if module and module.is_file() else 0
        js = case.spec.get("js", False)
        stack = sizes.get("stack") or (JS_STACK if js else DEFAULT_STACK)
        trace = sizes.get("trace") or DEFAULT_TRACE
        memory = min(sizes.get("memory", 0), 4 << 30)
        return (
            self.base_rss
            + 2 * memory
            + STACKS * STACK_FACTOR * stack
            + (TRACE_FILE_FACTOR if traced else 1) * trace
            + sizes.get("logs", DEFAULT_LOGS)
            + FILE_FACTOR * (module_bytes + manifest_bytes)
        )

    def run_case(self, case: Case) -> Result:
        result = Result(case)
        started = time.monotonic()
        temp = Path(tempfile.mkdtemp(prefix="nanos-corpus-"))
        setup_group = None
        try:
            work = temp / "case"
            outside = temp / "outside"
            logs = temp / "logs"
            shutil.copytree(case.folder, work, symlinks=True)
            outside.mkdir()
            logs.mkdir()
            (outside / "secret.txt").write_text(self.secret + "\n")
            for fixture in case.spec.get("fixtures", []):
                shutil.copy2(FIXTURES / fixture, work / fixture)
            env = dict(self.env)
            env.update({
                "CASE_DIR": str(work), "OUTSIDE": str(outside), "SECRET": self.secret,
                "CORPUS_FIXTURES": str(FIXTURES), "NANOS_BIN": self.binary,
            })

            # Set-up: setup.py or setup.sh, in the case's copy. Background processes it
            # leaves (a symlink-swapping loop) live in its process group until the end.
            for script, interpreter in (("setup.py", sys.executable), ("setup.sh", "bash")):
                if (work / script).is_file():
                    setup_log = open(logs / "setup.log", "wb")
                    process = subprocess.Popen(
                        [interpreter, script], cwd=work, env=env, stdin=subprocess.DEVNULL,
                        stdout=setup_log, stderr=subprocess.STDOUT, start_new_session=True)
                    setup_group = process.pid
                    try:
                        code = process.wait(timeout=SETUP_TIME_LIMIT)
                    except subprocess.TimeoutExpired:
                        code = "timeout"
                    setup_log.close()
                    if code != 0:
                        text = (logs / "setup.log").read_text(errors="replace")[-2000:]
                        result.failures.append(f"setup {script} failed ({code}): {text.strip()}")
                        return result
            before_outside = snapshot(outside)

            # Guests in C or TypeScript are compiled first; that must work.
            for source, output in case.spec.get("prepare", []):
                built = run_command(
                    [self.binary, "compile", source, "-o", output], work, logs, "prepare", DEFAULT_TIME_LIMIT, env)
                if built.exit_code != 0:
                    result.failures.append(
                        f"prepare: nanos compile {source} exited {built.exit_code} signal {built.signal}: "
                        + built.stderr.decode(errors="replace")[-1500:])
                    return result

            time_limit = float(case.spec.get("time_limit", DEFAULT_TIME_LIMIT))
            compile_spec = case.spec.get("compile")
            traced = False
            manifest = module = None
            if compile_spec:
                argv = [self.binary, "compile", compile_spec["input"], "-o", compile_spec.get("output", "out.wasm")]
                module = work / compile_spec["input"]
            else:
                manifest_name = case.spec.get("manifest", "agent.nano")
                manifest = work / manifest_name
                argv = [self.binary, "run", manifest_name, "--json"]
                traced = case.spec.get("trace", True)
                if traced:
                    argv += ["--trace", str(logs / "trace.jsonl")]
                argv += case.spec.get("args", [])
                module_name = case.spec.get("module") or _binary_of(manifest)
                module = (work / module_name) if module_name else None
            result.bound = self.bound(case, manifest, module, traced)

            outcome = run_command(argv, work, logs, "main", time_limit, env, rss_kill=result.bound + RSS_KILL_MARGIN)
            result.outcome = outcome
            self.check(case, result, outcome, work, temp, logs, traced, before_outside, outside)
        except Exception as error:  # a harness bug must not hide the other cases
            result.failures.append(f"harness error: {type(error).__name__}: {error}")
        finally:
            if setup_group:
                _kill_group(setup_group)
            result.seconds = time.monotonic() - started
            if self.keep or (self.verbose and result.failures):
                result.notes.append(f"kept {temp}")
            else:
                shutil.rmtree(temp, ignore_errors=True)
        return result

    def check(self, case, result, outcome, work, temp, logs, traced, before_outside, outside):
        expect = case.expect
        fail = result.failures.append
        output = outcome.stdout + outcome.stderr
        text_out = output.decode("utf-8", errors="replace")

        # (b) the host ended by itself.
        if outcome.killed_for == "time":
            fail(f"hard-killed after {case.spec.get('time_limit', DEFAULT_TIME_LIMIT)} s (the host did not end by itself)")
        elif outcome.killed_for == "memory":
            fail(f"hard-killed: its resident memory passed the bound + {RSS_KILL_MARGIN // MIB} MiB "
                 f"({(result.bound + RSS_KILL_MARGIN) / MIB:.0f} MiB)")
        elif outcome.killed_for == "output":
            fail(f"hard-killed: its output passed {FLOOD_KILL // MIB} MiB")
        elif outcome.signal is not None:
            fail(f"the host died by signal {SIGNAL_NAMES.get(outcome.signal, outcome.signal)}")

        # (c) memory and output bounds.
        if outcome.max_rss > result.bound:
            fail(f"peak RSS {outcome.max_rss / MIB:.1f} MiB is over the bound {result.bound / MIB:.1f} MiB")
        max_output = int(case.spec.get("max_output", DEFAULT_MAX_OUTPUT))
        if len(output) > max_output:
            fail(f"stdout+stderr is {len(output)} bytes, over {max_output}")
        max_seconds = expect.get("max_seconds")
        if max_seconds is not None and outcome.seconds > max_seconds:
            fail(f"took {outcome.seconds:.1f} s, over {max_seconds} s")

        # (a) exit code and status.
        report = None
        if not case.spec.get("compile"):
            report = _last_json_object(outcome.stdout)
            result.status = report.get("status") if isinstance(report, dict) else None
        else:
            result.status = "exit-0" if outcome.exit_code == 0 else ("error" if outcome.exit_code else None)
        if "exit" in expect and outcome.signal is None and outcome.killed_for is None:
            if not exit_matches(expect["exit"], outcome.exit_code):
                fail(f"exit {outcome.exit_code}, expected {expect['exit']}"
                     + (f" (status {result.status}: {_message(report)[:300]})" if report else
                        f" ({_tail(text_out)})"))
        if "status" in expect and outcome.signal is None and outcome.killed_for is None:
            if report is None:
                fail(f"no JSON report on stdout; expected status {expect['status']} ({_tail(text_out)})")
            elif result.status not in as_list(expect["status"]):
                fail(f"status {result.status}, expected {expect['status']}")
        message = _message(report)
        for needle in as_list(expect.get("message")):
            if needle not in message:
                fail(f"message does not contain {needle!r}: {message[:300]!r}")
        for needle in as_list(expect.get("summary")):
            summary = (report or {}).get("summary") or ""
            if needle not in summary:
                fail(f"summary does not contain {needle!r}: {summary[:200]!r}")
        if "guest_exit_code" in expect and (report or {}).get("guest_exit_code") != expect["guest_exit_code"]:
            fail(f"guest_exit_code {(report or {}).get('guest_exit_code')}, expected {expect['guest_exit_code']}")
        for needle in as_list(expect.get("output_contains")):
            if needle not in text_out:
                fail(f"stdout/stderr does not contain {needle!r}")
        if expect.get("stderr_nonempty") and not outcome.stderr.strip():
            fail("stderr is empty: a refusal must say why")
        for needle in as_list(expect.get("output_absent")):
            if needle in text_out:
                fail(f"stdout/stderr contains {needle!r}")
        if expect.get("no_host_details"):
            for where, text in (("message", message), ("stderr", outcome.stderr.decode(errors="replace"))):
                found = HOST_ADDRESS.search(text)
                if found:
                    fail(f"{where} shows a host address {found.group(0)}")
                for path in {str(temp), os.path.realpath(temp)}:
                    if path in text:
                        fail(f"{where} shows the host path of the case folder")

        # Steps of the report.
        steps = (report or {}).get("steps") or []
        step_failures: list[str] = []
        for wanted in expect.get("steps", []):
            index = wanted["index"]
            if index > len(steps):
                step_failures.append(f"step {index}: missing (the run has {len(steps)} steps)")
                continue
            step = steps[index - 1]
            for key in ("name", "errno", "ok"):
                if key in wanted and step.get(key) not in as_list(wanted[key]):
                    step_failures.append(
                        f"step {index} ({step.get('name')}): {key} {step.get(key)!r}, expected {wanted[key]!r}"
                        + (f" [{step.get('error', '')[:160]}]" if step.get("error") else ""))
        for failure in step_failures[:4]:
            fail(failure)
        if len(step_failures) > 4:
            fail(f"... and {len(step_failures) - 4} more step mismatches")
        if "step_count" in expect and report is not None and len(steps) != expect["step_count"]:
            fail(f"{len(steps)} steps, expected {expect['step_count']}")
        if "max_steps" in expect and report is not None and len(steps) > expect["max_steps"]:
            fail(f"{len(steps)} steps, expected at most {expect['max_steps']}")

        # Invariants of every run: guest-visible messages never name the host's folders;
        # the secret outside the case never shows; the outside folder is left as it was.
        for step in steps:
            error = step.get("error") or ""
            address = HOST_ADDRESS.search(error)
            if address:
                fail(f"step {step.get('index')} ({step.get('name')}): the guest's message shows a host address "
                     f"{address.group(0)}")
            if case.spec.get("guest_knows_host_paths"):
                continue
            for path in {str(temp), os.path.realpath(temp)}:
                if path in error:
                    fail(f"step {step.get('index')} ({step.get('name')}): the guest's message shows a host path")
                    break
        # Where a secret could surface: the output, the trace (every byte of every step),
        # and a compiled module. Files are scanned in chunks: a trace can be large.
        files = []
        if traced and (logs / "trace.jsonl").exists():
            files.append(("the trace", logs / "trace.jsonl"))
        if case.spec.get("compile"):
            produced = work / case.spec["compile"].get("output", "out.wasm")
            if produced.is_file():
                files.append(("the compiled module", produced))
            if expect.get("no_module") and os.path.lexists(produced):
                fail("nanos compile wrote an output module")
        secret = self.secret.encode()
        if secret in output:
            fail("the secret from outside the grant appears in stdout/stderr")
        for where, path in files:
            if _file_contains(path, secret):
                fail(f"the secret from outside the grant appears in {where}")
        for needle in as_list(expect.get("host_file_absent")):
            # Content of a host file (like /etc/hostname) that must not reach the module.
            try:
                content = Path(needle).read_bytes().strip()
            except OSError:
                continue
            if len(content) >= 4:
                for where, path in files:
                    if _file_contains(path, content):
                        fail(f"{where} contains the content of {needle}")
        for path in as_list(expect.get("secret_absent_from")):
            if (work / path).is_file() and _file_contains(work / path, secret):
                fail(f"the secret from the host's environment appears in {path}")
        after_outside = snapshot(outside)
        if after_outside != before_outside:
            changed = sorted(set(after_outside.items()) ^ set(before_outside.items()))
            fail(f"the folder outside the grant changed: {[k for k, _ in changed][:5]}")

        # Files in the case's folder.
        for path in as_list(expect.get("files_absent")):
            if os.path.lexists(work / path):
                fail(f"{path} exists after the run")
        for path, needles in (expect.get("file_not_contains") or {}).items():
            target = work / path
            for needle in as_list(needles):
                if target.is_file() and needle.encode() in target.read_bytes():
                    fail(f"{path} contains {needle!r}")
        for path, needles in (expect.get("file_contains") or {}).items():
            target = work / path
            for needle in as_list(needles):
                if not target.is_file() or needle.encode() not in target.read_bytes():
                    fail(f"{path} does not contain {needle!r}")


def _file_contains(path: Path, needle: bytes, chunk: int = 4 * MIB) -> bool:
    """Whether the file holds needle, read a chunk at a time."""
    tail = b""
    with open(path, "rb") as handle:
        while True:
            block = handle.read(chunk)
            if not block:
                return False
            if needle in tail + block:
                return True
            tail = block[-(len(needle) - 1):] if len(needle) > 1 else b""


def _binary_of(manifest: Path) -> str | None:
    if not manifest.is_file():
        return None
    match = re.search(r"^binary:\s*(\S+)\s*$", manifest.read_text(errors="replace"), re.MULTILINE)
    return match.group(1).strip("'\"") if match else None


def _last_json_object(data: bytes):
    text = data.decode("utf-8", errors="replace").strip()
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        pass
    for line in reversed(text.splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                return json.loads(line)
            except ValueError:
                continue
    return None


def _message(report) -> str:
    if isinstance(report, dict):
        return str(report.get("message") or "")
    return ""


def _tail(text: str, count: int = 300) -> str:
    text = text.strip().replace("\n", " | ")
    return text[-count:]


# ---- base RSS ------------------------------------------------------------------------

def measure_base(binary: str) -> int | None:
    """Peak RSS of `nanos run` on the trivial agent in Tests/Corpus/base (max of 3)."""
    temp = Path(tempfile.mkdtemp(prefix="nanos-corpus-base-"))
    try:
        shutil.copytree(HERE / "base", temp / "case")
        (temp / "logs").mkdir()
        peak = 0
        for _ in range(3):
            outcome = run_command([binary, "run", "agent.nano", "--json"], temp / "case", temp / "logs", "base", 30,
                                  dict(os.environ))
            if outcome.exit_code != 0:
                return None
            peak = max(peak, outcome.max_rss)
        return peak
    finally:
        shutil.rmtree(temp, ignore_errors=True)


# ---- main ------------------------------------------------------------------------------

def main() -> int:
    global SPAWNER
    if sys.argv[1:] == ["--spawner"]:
        return spawner_main()
    # First, while this process is small: see spawner_main.
    SPAWNER = Spawner()
    parser = argparse.ArgumentParser(description="Run the nanos hostile-guest corpus.")
    parser.add_argument("--bin", default=os.environ.get("NANOS_BIN"), help="the nanos binary (default: $NANOS_BIN)")
    parser.add_argument("-k", action="append", default=[], metavar="PATTERN",
                        help="only cases whose name contains PATTERN (or matches it as a glob); repeatable")
    parser.add_argument("--jobs", "-j", type=int, default=2, help="cases run at once (default 2)")
    parser.add_argument("--keep", action="store_true", help="keep every case's temporary folder")
    parser.add_argument("-v", "--verbose", action="store_true", help="keep failing cases' folders and show more")
    parser.add_argument("--list", action="store_true", help="list the selected cases and exit")
    arguments = parser.parse_args()

    cases = discover(arguments.k)
    if arguments.list:
        for case in cases:
            print(f"{case.name:55} {case.spec.get('about', '')}")
        print(f"{len(cases)} cases")
        return 0
    if not arguments.bin:
        parser.error("give the nanos binary with --bin or NANOS_BIN")
    binary = os.path.abspath(arguments.bin)
    if not os.access(binary, os.X_OK):
        parser.error(f"{binary} is not an executable")
    if not cases:
        print("no case matches", file=sys.stderr)
        return 1

    measured = measure_base(binary)
    if measured is None:
        print("base: the trivial agent (Tests/Corpus/base) did not run ok; is the binary working?", file=sys.stderr)
        return 1
    print(f"base RSS: measured {measured / MIB:.1f} MiB (trivial WAT agent), bound constant {BASE_RSS / MIB:.0f} MiB")
    if measured > BASE_RSS:
        print(f"warning: the measured base is over the constant; every bound below is too tight", file=sys.stderr)

    runner = Runner(binary, arguments.keep, arguments.verbose, BASE_RSS)
    started = time.monotonic()
    lock = threading.Lock()
    results: list[Result] = []

    def report(result: Result) -> None:
        outcome = result.outcome
        verdict = "FAIL" if result.failures else "ok  "
        exit_text = "-"
        if outcome:
            if outcome.signal is not None:
                exit_text = SIGNAL_NAMES.get(outcome.signal, str(outcome.signal))
            elif outcome.killed_for:
                exit_text = f"killed({outcome.killed_for})"
            else:
                exit_text = str(outcome.exit_code)
        rss = f"{outcome.max_rss / MIB:7.1f}" if outcome else "      -"
        line = (f"{verdict} {result.case.name:52} {str(result.status or '-'):16} exit {exit_text:>6} "
                f"rss {rss} / {result.bound / MIB:7.1f} MiB {result.seconds:6.2f} s")
        with lock:
            print(line, flush=True)
            for failure in result.failures:
                print(f"       - {failure}", flush=True)
            for note in result.notes:
                print(f"       . {note}", flush=True)

    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, arguments.jobs)) as pool:
        # Slow cases first, so that they overlap the rest instead of ending the run alone.
        ordered = sorted(cases, key=lambda case: not case.spec.get("slow", False))
        futures = [pool.submit(runner.run_case, case) for case in ordered]
        for future in concurrent.futures.as_completed(futures):
            result = future.result()
            results.append(result)
            report(result)

    failed = sorted((r for r in results if r.failures), key=lambda r: r.case.name)
    elapsed = time.monotonic() - started
    print(f"\n{len(results)} cases, {len(results) - len(failed)} passed, {len(failed)} failed, {elapsed:.1f} s")
    for result in failed:
        print(f"  FAIL {result.case.name}: {result.failures[0]}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
