"""Archives for --corpus librimix (vadkit.download, local/download_librimix.py), with no network: a local
mirror of tiny archives with the real names and layout, and a loopback HTTP server for resuming."""
from __future__ import annotations

import http.server
import io as pyio
import os
import re
import subprocess
import sys
import tarfile
import threading
from pathlib import Path

import numpy as np
import pytest
import yaml

from vadkit import io
from vadkit.corpora import download, mix
from vadkit.errors import InputError

from builders import SPEAKERS, _add, make_mirror, write_config
from conftest import ROOT, child_env


@pytest.fixture(scope="module")
def mirror(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    m = tmp_path_factory.mktemp("mirror")
    return m, make_mirror(m)


def _archive(md5s, name="musan.tar.gz", url="http://127.0.0.1/none") -> download.Archive:
    return download.Archive(name, url, md5s[name], "musan")


# ---------------------------------------------------------------- the mirror
def test_real_config_names_the_openslr_archives():
    arcs = {a.name: a for a in download.load_archives(ROOT / "conf/download_librimix.yaml")}
    assert sorted(arcs) == ["dev-clean-2.tar.gz", "musan.tar.gz", "train-clean-5.tar.gz"]
    assert arcs["dev-clean-2.tar.gz"].url.endswith("/resources/31/dev-clean-2.tar.gz")
    assert arcs["musan.tar.gz"].url.endswith("/resources/17/musan.tar.gz")
    assert all(len(a.md5) == 32 and int(a.md5, 16) >= 0 for a in arcs.values())


@pytest.mark.badinput
def test_mirror_is_verified_and_used_in_place(mirror, tmp_path, monkeypatch):
    m, md5s = mirror
    assert download.fetch(_archive(md5s), tmp_path / "dl", m) == m / "musan.tar.gz"
    assert [p.name for p in (tmp_path / "dl").iterdir()] == ["musan.tar.gz.md5"]   # nothing copied
    monkeypatch.setattr(download, "md5sum", lambda path: pytest.fail("hashed again"))
    assert download.fetch(_archive(md5s), tmp_path / "dl", m) == m / "musan.tar.gz"  # verified before
    monkeypatch.undo()
    with pytest.raises(InputError, match=r"musan.tar.gz: md5 .* but musan.tar.gz should have 0{32}"):
        download.fetch(download.Archive("musan.tar.gz", "x", "0" * 32, "musan"), tmp_path / "dl", m)
    with pytest.raises(InputError, match="not in the mirror"):
        download.fetch(download.Archive("other.tar.gz", "x", "0" * 32, "musan"), tmp_path / "dl", m)


# ---------------------------------------------------------------- downloading (loopback server)
class _Server:
    """Serves one byte string on 127.0.0.1 with Range support (or ignoring Range); counts requests."""

    def __init__(self, data: bytes, honour_range: bool = True):
        self.data, self.requests = data, []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                rng = self.headers.get("Range")
                outer.requests.append(rng)
                start = int(rng.split("=")[1].rstrip("-")) if rng and honour_range else 0
                body = outer.data[start:]
                self.send_response(206 if start else 200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_port}/musan.tar.gz"

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.mark.fault
@pytest.mark.parametrize("honour_range", [True, False])
def test_download_resumes_verifies_and_never_repeats(mirror, tmp_path, honour_range):
    m, md5s = mirror
    data = (m / "musan.tar.gz").read_bytes()
    server = _Server(data, honour_range)
    try:
        arc = _archive(md5s, url=server.url)
        dest = tmp_path / "dl"
        dest.mkdir()
        (dest / "musan.tar.gz.part").write_bytes(data[:len(data) // 3])   # an interrupted download
        path = download.fetch(arc, dest)
        assert path.read_bytes() == data and not (dest / "musan.tar.gz.part").exists()
        assert server.requests == [f"bytes={len(data) // 3}-"]
        assert download.fetch(arc, dest) == path and len(server.requests) == 1   # complete: not again
        stamp = io.read_stamp(dest / "musan.tar.gz.md5")
        assert stamp["md5"] == md5s["musan.tar.gz"] and stamp["file"]["bytes"] == len(data)
    finally:
        server.close()


@pytest.mark.fault
def test_corrupt_download_is_an_error_and_not_kept(mirror, tmp_path):
    m, md5s = mirror
    server = _Server(b"not the archive")
    try:
        with pytest.raises(InputError, match=r"musan.tar.gz.part: md5 .* should have"):
            download.fetch(_archive(md5s, url=server.url), tmp_path)
        assert not list(tmp_path.iterdir())
    finally:
        server.close()


# ---------------------------------------------------------------- extraction and MUSAN
@pytest.mark.badinput
def test_extract_prefixes_once_and_musan_without_speech_or_vocals(mirror, tmp_path):
    m, _ = mirror
    out = download.extract(m / "musan.tar.gz", tmp_path / "musan", ["musan/noise/", "musan/music/"])
    assert not (out / "musan/speech").exists()
    files = download.musan_noise_files(out / "musan")
    names = sorted(f.name for f in files)
    assert names == ["music-fma-0000.wav", "music-fma-0002.wav"] + [f"noise-free-sound-{i:04d}.wav" for i in range(4)]
    (out / "marker").write_text("kept")
    download.extract(m / "musan.tar.gz", out)                  # already there: left alone
    assert (out / "marker").read_text() == "kept"
    (out / "musan/music/fma/ANNOTATIONS").write_text("music-fma-0000 Classical N Someone\n")
    with pytest.raises(InputError, match="ANNOTATIONS: no line for music-fma-0001.wav"):
        download.musan_noise_files(out / "musan")


@pytest.mark.badinput
def test_extract_refuses_unsafe_members(tmp_path):
    bad = tmp_path / "bad.tar.gz"
    with tarfile.open(bad, "w:gz") as tar:
        _add(tar, "../escape.txt", b"x")
    with pytest.raises(InputError, match="bad.tar.gz: cannot extract"):
        download.extract(bad, tmp_path / "out")
    assert not (tmp_path / "escape.txt").exists() and not (tmp_path / "out").exists()


# ---------------------------------------------------------------- the whole path
def test_download_script_then_mix(mirror, tmp_path):
    m, md5s = mirror
    conf = write_config(tmp_path / "download.yaml", md5s)
    dest = tmp_path / "downloads"
    env = child_env()
    cmd = [sys.executable, str(ROOT / "local/download_librimix.py"), "--config", str(conf), "--mirror", str(m), str(dest)]
    subprocess.run(cmd, check=True, capture_output=True, env=env)
    listed = (dest / "noise.list").read_text().split()
    assert len(listed) == 6 and not any("/musan/speech/" in p or "music-fma-0001" in p for p in listed)
    assert len(list((dest / "speech").rglob("*.flac"))) == 12
    from builders import tiny_cfg
    assert mix.make_mix_corpus(tiny_cfg(train_minutes=0.2), tmp_path / "mix", [dest / "speech"],
                                    noise_lists=[dest / "noise.list"]) is True
    spk = {s: (tmp_path / "mix" / s / "speakers").read_text().split() for s in ("train", "dev", "test")}
    assert sorted(sum(spk.values(), [])) == sorted(str(s) for v in SPEAKERS.values() for s in v)
    r = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env)   # again: nothing redone
    assert "already extracted" in r.stderr


def test_script_help():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    r = subprocess.run([sys.executable, str(ROOT / "local/download_librimix.py"), "--help"],
                       capture_output=True, text=True, env=env, check=True)
    assert "e.g.: local/download_librimix.py --config conf/download_librimix.yaml" in r.stdout


# ---------------------------------------------------------------- Debian packages of sounds (the train-only pool)
def _ar(path: Path, members: list[tuple[str, bytes]]) -> Path:
    """A Debian package is an ar archive: 8-byte magic, then 60-byte headers, data padded to even length."""
    out = bytearray(b"!<arch>\n")
    for name, data in members:
        out += f"{name + '/':<16}{0:<12}{0:<6}{0:<6}{100644:<8}{len(data):<10}`\n".encode()
        out += data + (b"\n" if len(data) % 2 else b"")
    path.write_bytes(bytes(out))
    return path


def _wav_bytes(tmp: Path, seconds: float, sr: int = 22050, amp: float = 0.3) -> bytes:
    t = np.arange(int(seconds * sr)) / sr
    io.write_wav(tmp / "x.wav", (amp * np.sin(2 * np.pi * 440 * t)).astype(np.float32), sr)
    return (tmp / "x.wav").read_bytes()


def make_deb(path: Path, tmp: Path) -> Path:
    data = pyio.BytesIO()
    with tarfile.open(fileobj=data, mode="w:xz") as tar:
        _add(tar, "./usr/share/doc/pkg/copyright", b"License: CC0-1.0\n")
        _add(tar, "./usr/share/games/pkg/sounds/rain.wav", _wav_bytes(tmp, 1.0))
        _add(tar, "./usr/share/games/pkg/sounds/click.wav", _wav_bytes(tmp, 0.05))           # too short
        _add(tar, "./usr/share/games/pkg/sounds/quiet.wav", _wav_bytes(tmp, 1.0, amp=0.0))   # silent
        _add(tar, "./usr/share/games/pkg/sounds/choir.wav", _wav_bytes(tmp, 1.0))            # excluded
        _add(tar, "./usr/share/games/pkg/readme.txt", b"not audio")
        link = tarfile.TarInfo("./usr/share/games/pkg/sounds/rain2.wav")
        link.type, link.linkname = tarfile.SYMTYPE, "rain.wav"
        tar.addfile(link)                                                                      # a duplicate
    return _ar(path, [("debian-binary", b"2.0\n"), ("control.tar.xz", b"x" * 7), ("data.tar.xz", data.getvalue())])


def test_real_noise_config_lists_debian_packages():
    arcs = download.load_archives(ROOT / "conf/download_noise.yaml")
    assert len(arcs) >= 5 and all(a.role == "deb" and a.url.startswith("http://deb.debian.org/debian/pool/main/")
                                   and a.name.endswith("_all.deb") and len(a.md5) == 32 for a in arcs)
    exclude = download.load_exclude(ROOT / "conf/download_noise.yaml")
    assert any(re.search(p, "usr/share/sonic-pi/samples/ambi_choir.flac") for p in exclude)
    assert not any(re.search(p, "usr/share/games/lincity-ng/sounds/Substation4.wav") for p in exclude)


def test_sounds_come_out_of_a_debian_package(tmp_path):
    deb = make_deb(tmp_path / "pkg_1.0_all.deb", tmp_path)
    out = download.extract_deb_sounds(deb, tmp_path / "sounds" / "pkg", ["choir"])
    assert sorted(p.name for p in out.iterdir()) == ["copyright", "rain.flac"]
    x, sr = io.read_audio(out / "rain.flac")
    assert sr == 22050 and len(x) == 22050 and 0.29 < np.max(np.abs(x)) < 0.31
    assert download.extract_deb_sounds(deb, out, ["choir"]) == out                  # done: left alone
    md5 = download.md5sum(deb)
    conf = tmp_path / "noise.yaml"
    conf.write_text(yaml.safe_dump({"archives": [{"name": deb.name, "url": "http://127.0.0.1/none", "md5": md5,
                                                  "role": "deb"}], "exclude": ["choir"]}))
    env = child_env()
    subprocess.run([sys.executable, str(ROOT / "local/download_noise.py"), "--config", str(conf), "--mirror",
                    str(tmp_path), str(tmp_path / "dl")], check=True, capture_output=True, env=env)
    assert sorted(p.name for p in (tmp_path / "dl" / "debian_noise" / "pkg").iterdir()) == ["copyright", "rain.flac"]


@pytest.mark.badinput
def test_a_bad_debian_package_is_named(tmp_path):
    def refused(deb: Path, match: str, exclude=()):
        with pytest.raises(InputError, match=match):
            download.extract_deb_sounds(deb, tmp_path / "o", exclude)
        assert not (tmp_path / "o").exists() and not (tmp_path / ".o.partial").exists()   # nothing half-made

    not_deb = tmp_path / "a.deb"
    not_deb.write_bytes(b"PK\x03\x04 a zip")
    refused(not_deb, "a.deb: not a Debian package")
    refused(_ar(tmp_path / "b.deb", [("debian-binary", b"2.0\n")]), "b.deb: no data.tar member")
    whole = make_deb(tmp_path / "full.deb", tmp_path).read_bytes()
    for name, size in (("c.deb", 300), ("e.deb", len(whole) - 400)):     # cut in a header, cut inside the data
        (tmp_path / name).write_bytes(whole[:size])
        refused(tmp_path / name, f"{name}: corrupt Debian package")
    refused(make_deb(tmp_path / "d.deb", tmp_path), "d.deb: no usable audio", ["."])
    conf = tmp_path / "x.yaml"
    conf.write_text("archives: []\nexclude: ['(']\n")
    with pytest.raises(InputError, match=r"x.yaml: exclude pattern '\(' is not a valid regex"):
        download.load_exclude(conf)
