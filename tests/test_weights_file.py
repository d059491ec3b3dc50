"""cnnlib.weights_file: hostile weights files are refused before anything is inflated; any legal
file name saves; links, special files and unwritable folders give clear errors (issue 22)."""
import io
import os
import stat
import struct
import tracemalloc
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cnnlib.network import one_conv_net, two_conv_net
from cnnlib.weights_file import check_writable, member_limit

MIB = 1 << 20


def _npy(array=None, header=None, data=b""):
    """The bytes of an .npy member: ``array`` as np.save writes it, or a hand-made header + data."""
    buf = io.BytesIO()
    if array is not None:
        np.save(buf, array)
        return buf.getvalue()
    np.lib.format.write_array_header_1_0(buf, header)
    return buf.getvalue() + data


def _archive(path, members, method=zipfile.ZIP_DEFLATED):
    """A zip at ``path`` of ``{member name: bytes or a (header, zero bytes) pair}``."""
    with zipfile.ZipFile(path, "w", method) as z:
        for name, content in members.items():
            if isinstance(content, bytes):
                z.writestr(name, content)
                continue
            header, zeros = content   # written in pieces: the test never holds the inflated bytes
            with z.open(name, "w", force_zip64=True) as f:
                f.write(_npy(header=header))
                for _ in range(zeros // MIB):
                    f.write(bytes(MIB))


def _members(model):
    return {f"{k}.npy": _npy(v) for k, v in model.parameters().items()}


def _refused_without_inflating(path, message):
    """load refuses ``path`` with ``message``, changes nothing, and allocates under 4 MB doing so."""
    model = two_conv_net(seed=3)
    before = {k: v.copy() for k, v in model.parameters().items()}
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=message) as info:
            model.load(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 * MIB, f"{peak / MIB:.1f} MB allocated while refusing the file"
    assert str(path) in str(info.value)
    assert all(np.array_equal(model.parameters()[k], v) for k, v in before.items())


# ------------------------------------------------------------------ decompression bombs

def test_an_extra_member_that_inflates_to_32_mib_is_refused_by_its_name_alone(tmp_path):
    path = tmp_path / "bomb.npz"
    _archive(path, {**_members(two_conv_net()),
                    "extra.npy": ({"descr": "<f8", "fortran_order": False, "shape": (4 * MIB,)}, 32 * MIB)})
    assert path.stat().st_size < 100_000
    _refused_without_inflating(path, r"found \[.*'extra'.*\]; not in this network \['extra'\]")


def test_a_bomb_in_a_file_larger_than_the_networks_weights_can_be_is_refused_by_its_size_on_disk(tmp_path):
    """The issue's bomb was 512 MiB of zeros in 0.5 MB; 128 MiB in 0.13 MB is already more bytes on
    disk than any weights file of the network can have (and quicker to make)."""
    path = tmp_path / "bomb.npz"
    _archive(path, {**_members(two_conv_net()),
                    "extra.npy": ({"descr": "<f8", "fortran_order": False, "shape": (16 * MIB,)}, 128 * MIB)})
    assert path.stat().st_size > 100_000
    _refused_without_inflating(path, r"expected an .npz archive .* of at most [\d,]+ bytes for this network, "
                                     r"got a file of [\d,]+ bytes")


def test_a_member_with_the_right_name_that_declares_too_many_bytes_is_refused_before_inflating(tmp_path):
    path = tmp_path / "bomb.npz"
    members = _members(two_conv_net())
    members["conv1.b.npy"] = ({"descr": "<f8", "fortran_order": False, "shape": (3,)}, 32 * MIB)
    _archive(path, members)
    _refused_without_inflating(path, rf"conv1.b expected at most {member_limit((3,)):,} bytes \(an array of "
                                     r"shape \(3,\)\), but the archive declares [\d,]+ bytes")


def _lie_about_size(raw, name, size):
    """``raw`` (a zip's bytes) with member ``name``'s uncompressed size set to ``size`` in both headers."""
    raw = bytearray(raw)
    encoded = name.encode()
    local = raw.index(b"PK\x03\x04" + b"")  # the first member is the one we lie about
    assert raw[local + 30:local + 30 + len(encoded)] == encoded
    struct.pack_into("<I", raw, local + 22, size)
    central = raw.index(b"PK\x01\x02")
    assert raw[central + 46:central + 46 + len(encoded)] == encoded
    struct.pack_into("<I", raw, central + 24, size)
    return bytes(raw)


def test_a_member_that_lies_about_its_size_is_cut_at_the_declared_size_and_refused(tmp_path):
    """The directory says 200 bytes, the data inflates to 16 MiB: zipfile stops at 200 (a CRC error)."""
    buf = io.BytesIO()
    params = two_conv_net().parameters()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("conv1.b.npy", _npy(header={"descr": "<f8", "fortran_order": False, "shape": (3,)},
                                       data=bytes(16 * MIB)))
        for k, v in params.items():
            if k != "conv1.b":
                z.writestr(f"{k}.npy", _npy(v))
    path = tmp_path / "liar.npz"
    path.write_bytes(_lie_about_size(buf.getvalue(), "conv1.b.npy", 200))
    _refused_without_inflating(path, r"cannot be read as one \(BadZipFile: Bad CRC-32")


@pytest.mark.parametrize("method", [zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA], ids=["bzip2", "lzma"])
def test_members_compressed_another_way_are_refused_before_inflating(tmp_path, method):
    """zipfile inflates bzip2 and lzma chunks with no output limit: only stored or deflated pass."""
    path = tmp_path / "other.npz"
    _archive(path, _members(two_conv_net()), method=method)
    _refused_without_inflating(path, r"expected stored or deflated \(as np.savez writes\), found zip "
                                     rf"compression method {method}")


def test_a_header_that_declares_a_huge_shape_is_refused_without_allocating_it(tmp_path):
    path = tmp_path / "huge.npz"
    members = _members(two_conv_net())
    members["fc1.w.npy"] = _npy(header={"descr": "<f8", "fortran_order": False, "shape": (10 ** 12,)})
    _archive(path, members)
    _refused_without_inflating(path, r"fc1.w expected shape \(250, 10\), found \(1000000000000,\)")


def test_a_member_shorter_than_its_header_says_is_refused(tmp_path):
    path = tmp_path / "short.npz"
    members = _members(two_conv_net())
    members["fc1.b.npy"] = _npy(header={"descr": "<f4", "fortran_order": False, "shape": (10,)}, data=bytes(12))
    _archive(path, members)
    _refused_without_inflating(path, r"the array fc1.b in it cannot be read \(expected 40 bytes of data, found 12\)")


def test_a_parameter_stored_twice_is_refused(tmp_path):
    path = tmp_path / "twice.npz"
    params = two_conv_net().parameters()
    with pytest.warns(UserWarning, match="Duplicate name"):
        with zipfile.ZipFile(path, "w") as z:
            for k, v in params.items():
                z.writestr(f"{k}.npy", _npy(v))
            z.writestr("fc1.b.npy", _npy(np.full(10, 7.0, np.float32)))
    _refused_without_inflating(path, r"expected each parameter once, found \['fc1.b'\] more than once")


def test_compressed_and_fortran_ordered_archives_still_load(tmp_path):
    source = two_conv_net(seed=1)
    params = source.parameters()
    np.savez_compressed(tmp_path / "c.npz", **{k: np.asfortranarray(v) for k, v in params.items()})
    model = two_conv_net(seed=2).load(tmp_path / "c.npz")
    assert all(np.array_equal(model.parameters()[k], v) for k, v in params.items())


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.integers(0, 20_000), flips=st.lists(st.tuples(st.integers(0, 20_000), st.integers(1, 255)),
                                                  max_size=4))
def test_any_damaged_file_is_refused_with_a_valueerror_or_loads_finite_weights(tmp_path, cut, flips):
    """Truncated anywhere and with bytes flipped anywhere: a ValueError naming the file, the
    network unchanged; or (a flip inside the numbers) finite weights of the right shapes."""
    path = tmp_path / "damaged.npz"
    two_conv_net(seed=1).save(path)
    raw = bytearray(path.read_bytes())
    for at, xor in flips:
        raw[at % len(raw)] ^= xor
    path.write_bytes(bytes(raw[:len(raw) - cut % len(raw)]))
    model = two_conv_net(seed=2)
    before = {k: v.copy() for k, v in model.parameters().items()}
    try:
        model.load(path)
    except ValueError as err:
        assert str(path) in str(err)
        assert all(np.array_equal(model.parameters()[k], v) for k, v in before.items())
    else:
        assert all(np.isfinite(v).all() for v in model.parameters().values())


# ------------------------------------------------------------------ special files and links

def test_loading_a_pipe_or_a_device_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "pipe.npz"
    os.mkfifo(fifo)
    for path in (fifo, "/dev/zero"):
        with pytest.raises(ValueError, match=r"got a special file \(not a regular file\)"):
            two_conv_net().load(path)


def test_a_link_to_a_weights_file_loads_and_saving_through_a_link_keeps_the_link(tmp_path):
    real, link = tmp_path / "real.npz", tmp_path / "link.npz"
    two_conv_net(seed=1).save(real)
    link.symlink_to(real)
    model = two_conv_net(seed=2).load(link)
    assert np.array_equal(model.parameters()["fc1.w"], two_conv_net(seed=1).parameters()["fc1.w"])
    assert two_conv_net(seed=3).save(link) == link
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert np.array_equal(two_conv_net().load(real).parameters()["fc1.w"], two_conv_net(seed=3).parameters()["fc1.w"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.npz", "real.npz"]


def test_saving_through_a_dangling_link_into_a_missing_folder_names_the_folder(tmp_path):
    link = tmp_path / "dangling.npz"
    link.symlink_to(tmp_path / "gone" / "w.npz")
    with pytest.raises(ValueError, match=r"expected an existing folder, but .*gone does not exist"):
        two_conv_net().save(link)
    with pytest.raises(FileNotFoundError, match="load: no file at"):
        two_conv_net().load(link)


def test_saving_onto_a_device_is_refused():
    with pytest.raises(ValueError, match=r"expected a regular file \(or a new name\), got a special file"):
        two_conv_net().save("/dev/null")


# ------------------------------------------------------------------ names and folders

@pytest.mark.parametrize("length", [100, 240, 255])
def test_a_long_legal_file_name_saves_and_loads(tmp_path, length):
    """The temporary name is short (.w-XXXXXXXX.tmp): any name the file system takes can be saved."""
    path = tmp_path / ("w" * (length - 4) + ".npz")
    two_conv_net(seed=1).save(path)
    assert path.is_file() and [p.name for p in tmp_path.iterdir()] == [path.name]
    two_conv_net().load(path)


def test_a_file_name_longer_than_the_file_system_allows_is_a_clear_error(tmp_path):
    path = tmp_path / ("w" * 300)
    with pytest.raises(ValueError, match=r"expected a file name of at most 255 bytes, got 300 bytes"):
        two_conv_net().save(path)
    assert list(tmp_path.iterdir()) == []


def test_a_folder_where_no_file_can_be_made_is_a_clear_error_even_as_root():
    """/proc refuses new files whatever the user; os.access says yes to root."""
    for call in (lambda: two_conv_net().save("/proc/w.npz"), lambda: check_writable("/proc/w.npz")):
        with pytest.raises(ValueError, match=r"save /proc/w.npz: expected a folder you may write to, but no "
                                             r"file can be made in /proc \("):
            call()


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into a read-only folder")
def test_a_read_only_folder_is_a_clear_error(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        with pytest.raises(ValueError, match=r"expected a folder you may write to, .*Permission denied"):
            two_conv_net().save(folder / "w.npz")
    finally:
        folder.chmod(stat.S_IRWXU)


def test_check_writable_leaves_nothing_behind(tmp_path):
    assert check_writable(tmp_path / "w.npz") == tmp_path / "w.npz"
    assert list(tmp_path.iterdir()) == []


def test_nan_or_infinite_weights_are_not_saved(tmp_path):
    """load refuses such a file, so save refuses to write one (a diverged run's weights)."""
    model = one_conv_net(seed=0)
    model.parameters()["conv1.w"][0, 0, 0, 0] = np.nan
    model.parameters()["fc1.b"][:2] = np.inf
    with pytest.raises(ValueError, match=r"expected finite parameters, but conv1.w holds 1 NaN or infinite "
                                         r"value\(s\) \(a diverged training\?\); nothing was written"):
        model.save(tmp_path / "w.npz")
    assert list(tmp_path.iterdir()) == []


def test_a_saved_file_gets_the_mode_of_a_new_file_or_of_the_file_it_replaces(tmp_path):
    """The temporary file is 0600; a teacher publishing the weights needs them readable."""
    path = tmp_path / "w.npz"
    two_conv_net().save(path)
    umask = os.umask(0o022)
    os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask
    path.chmod(0o640)
    two_conv_net(seed=1).save(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_saving_through_a_link_loop_is_a_clear_error(tmp_path):
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    with pytest.raises(ValueError, match=r"save .*a: expected a path to a file, but it cannot be looked up "
                                         r"\(Too many levels of symbolic links\)"):
        two_conv_net().save(tmp_path / "a")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "b"] and (tmp_path / "a").is_symlink()
