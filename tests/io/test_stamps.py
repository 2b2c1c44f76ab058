"""Freshness stamps (vadkit.io.files): the one check every stage uses to skip finished work."""
import os

from vadkit import io


def test_a_stamp_matches_its_signature_and_outputs(tmp_path):
    out, stamp = tmp_path / "out.txt", tmp_path / "done.yaml"
    sig = {"config": {"a": 1}, "inputs": "abc"}
    assert not io.is_current(stamp, sig, [out])          # nothing yet
    io.write_text(out, "x")
    io.write_stamp(stamp, sig, n_frames=10)               # extra facts do not take part in the check
    assert io.is_current(stamp, sig, [out])
    assert io.read_stamp(stamp)["n_frames"] == 10
    assert not io.is_current(stamp, {**sig, "inputs": "abd"}, [out])
    assert not io.is_current(stamp, {**sig, "new_key": 1}, [out])   # a key the stamp lacks: stale
    out.unlink()
    assert not io.is_current(stamp, sig, [out])            # a missing output: redo


def test_an_unreadable_stamp_means_redo(tmp_path):
    for text in ("", "[1, 2]", "a: [unclosed", "just text"):
        (tmp_path / "s").write_text(text)
        assert io.read_stamp(tmp_path / "s") is None and not io.is_current(tmp_path / "s", {"a": 1})


def test_upgrade_brings_old_stamps_to_todays_form(tmp_path):
    io.write_stamp(tmp_path / "s", {"cfg": {"a": 1}})
    sig = {"cfg": {"a": 1, "b": 0}}
    assert not io.is_current(tmp_path / "s", sig)
    assert io.is_current(tmp_path / "s", sig, upgrade=lambda d: {"cfg": {"b": 0, **d["cfg"]}})


def test_digests_follow_content_or_identity(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.write_text("one")
    b.write_text("two")
    content, ident = io.content_digest([a, b]), io.identity_digest([a, b])
    os.utime(a, ns=(1, 1))                                   # touched, same bytes
    assert io.content_digest([a, b]) == content and io.identity_digest([a, b]) != ident
    a.write_text("One")
    assert io.content_digest([a, b]) != content
    assert io.content_digest([a, tmp_path / "missing"]) != io.content_digest([a])
    assert io.file_id(a) == {"path": str(a), "bytes": 3, "mtime_ns": a.stat().st_mtime_ns}
