"""The weights file: a plain ``.npz`` archive (a zip of ``.npy`` arrays), no pickle.

``write_weights(path, params)`` writes ``{"conv1.w": array, ...}`` atomically;
``read_weights(path, shapes)`` reads it back for a network whose parameters
have the given ``{name: shape}``, and refuses anything else with a ValueError
that names the file and what was expected.

Reading never trusts the file. Before a single byte is inflated it checks, from
the zip's directory alone, that the members are exactly the expected names,
stored or deflated (what ``np.savez`` / ``np.savez_compressed`` write), and that
each declares no more bytes than its array can need (``8 * size`` plus a small
header; 16 for long doubles). Python's ``zipfile`` never inflates a member past
its declared size (a lie is a CRC error), so a small file that would inflate to
gigabytes (a "zip bomb") is refused at once, with nothing read. Each array's
``.npy`` header is then checked (shape, a real dtype, no objects) before its
data is turned into an array.

Writing goes to a short temporary name in the target folder (``.w-XXXXXXXX.tmp``,
so any legal file name can be saved) and is then renamed onto the target, so an
interrupted save never leaves half a file. The file gets the permissions of the
file it replaces, or those of any new file (not the temporary file's 0600). A symbolic link is written through:
the file it points to gets the weights, the link stays.
"""
import io
import math
import os
import stat
import struct
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np

WEIGHTS_FILE = "an .npz archive of float arrays written by Sequential.save"
HEADER_MAX = 4096          # bytes an .npy header may take (np.save writes 128)
ITEMSIZE_MAX = 16          # the widest real dtype accepted (long double)
_NPY_MAGIC = b"\x93NUMPY"


class _Refused(ValueError):
    """A file refused with a message of ours (other errors are wrapped in one)."""


def as_path(path, what):
    """``path`` as a ``Path``; a ValueError for anything that is not a path."""
    try:
        return Path(os.fspath(path))
    except TypeError:
        raise ValueError(f"{what}: expected a file path (str or os.PathLike), got {type(path).__name__}") from None


# ------------------------------------------------------------------ reading

def member_limit(shape):
    """The most bytes the ``.npy`` member of an array of ``shape`` can need."""
    return HEADER_MAX + ITEMSIZE_MAX * math.prod(shape)


def read_weights(path, shapes):
    """``{name: array}`` from the weights file at ``path``, for parameters ``{name: shape}``.

    The arrays have the expected shapes and a real dtype (float, int or uint);
    their values are not converted or checked here (``Sequential.load`` does).
    """
    path = as_path(path, "load")
    where = f"load {path}"
    try:
        exists, folder, regular = path.exists(), path.is_dir(), path.is_file()
        size = path.stat().st_size if regular else 0
    except OSError as err:  # a name too long, a folder we may not look into, ...
        raise ValueError(f"{where}: expected a path to {WEIGHTS_FILE}, but it cannot be looked up "
                         f"({err.strerror or err})") from err
    if not exists:
        raise FileNotFoundError(f"load: no file at {path} (expected {WEIGHTS_FILE})")
    if folder:
        raise ValueError(f"{where}: expected {WEIGHTS_FILE}, got a folder")
    if not regular:  # a pipe or a device would block or never end
        raise ValueError(f"{where}: expected {WEIGHTS_FILE}, got a special file (not a regular file)")
    most = sum(member_limit(s) + 512 for s in shapes.values()) + 1024  # + zip headers and directory
    if size > most:
        raise ValueError(f"{where}: expected {WEIGHTS_FILE} of at most {most:,} bytes for this network, "
                         f"got a file of {size:,} bytes")
    try:
        with open(path, "rb") as f:
            head = f.read(len(_NPY_MAGIC))
            if head == _NPY_MAGIC:
                f.seek(0)
                shape = _npy_header(f)[0]
                raise _Refused(f"{where}: expected {WEIGHTS_FILE}, found a single array of shape "
                                 f"{shape} (an .npy file)")
            f.seek(0)
            with zipfile.ZipFile(f) as archive:
                return _read_members(archive, shapes, where)
    except _Refused as err:
        raise ValueError(str(err)) from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, NotImplementedError, RuntimeError,
            ValueError, struct.error, KeyError, IndexError, OverflowError, UnicodeError) as err:
        # random bytes, an empty or truncated file, a bad CRC, an encrypted member, ...
        raise ValueError(f"{where}: expected {WEIGHTS_FILE}, but the file cannot be read as one "
                         f"({type(err).__name__}: {err})") from None


def _read_members(archive, shapes, where):
    infos = archive.infolist()
    found = [info.filename[:-4] if info.filename.endswith(".npy") else info.filename for info in infos]
    expected = sorted(shapes)
    twice = sorted({name for name in found if found.count(name) > 1})
    if twice:
        raise _Refused(f"{where}: expected each parameter once, found {twice} more than once")
    if sorted(found) != expected:
        missing = [k for k in expected if k not in found]
        extra = sorted(k for k in found if k not in shapes)
        shown = sorted(found) if len(found) <= 20 else sorted(found)[:20] + [f"... {len(found)} in all"]
        raise _Refused(f"{where}: expected parameters {expected}, found {shown}"
                         f"{f'; missing {missing}' if missing else ''}"
                         f"{f'; not in this network {extra[:20]}' if extra else ''}")
    for name, info in zip(found, infos):  # every declared size, before inflating anything
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _Refused(f"{where}: {name} expected stored or deflated (as np.savez writes), "
                             f"found zip compression method {info.compress_type}")
        limit = member_limit(shapes[name])
        if info.file_size > limit:
            raise _Refused(f"{where}: {name} expected at most {limit:,} bytes (an array of shape "
                             f"{shapes[name]}), but the archive declares {info.file_size:,} bytes")
    arrays = {}
    for name, info in zip(found, infos):
        with archive.open(info) as member:
            raw = member.read(member_limit(shapes[name]) + 1)
        arrays[name] = _array(raw, name, shapes[name], where)
    return arrays


def _npy_header(f):
    """``(shape, fortran_order, dtype)`` from the ``.npy`` header at the start of ``f``."""
    version = np.lib.format.read_magic(f)
    if version == (1, 0):
        return np.lib.format.read_array_header_1_0(f)
    if version == (2, 0):
        return np.lib.format.read_array_header_2_0(f)
    raise _Refused(f"an .npy version {version[0]}.{version[1]} header, expected 1.0 or 2.0")


def _array(raw, name, shape, where):
    """The array of one member's bytes, checked: header, shape, dtype, length."""
    f = io.BytesIO(raw)
    try:
        got_shape, fortran, dtype = _npy_header(f)
    except (ValueError, SyntaxError, struct.error, UnicodeError, EOFError) as err:
        raise _Refused(f"{where}: expected {WEIGHTS_FILE}, but the array {name} in it cannot be read "
                         f"({err})") from None
    if dtype.hasobject:
        raise _Refused(f"{where}: expected {WEIGHTS_FILE}, but the array {name} in it cannot be read "
                         f"without unpickling (dtype {dtype}: Python objects; a weights file holds numbers)")
    if tuple(got_shape) != tuple(shape):
        raise _Refused(f"{where}: {name} expected shape {tuple(shape)}, found {tuple(got_shape)}")
    if dtype.kind not in "fiu" or dtype.itemsize > ITEMSIZE_MAX:
        raise _Refused(f"{where}: {name} expected real numbers (a float or int array), found dtype {dtype}")
    count = math.prod(shape)
    start = f.tell()
    if len(raw) - start != count * dtype.itemsize:
        raise _Refused(f"{where}: expected {WEIGHTS_FILE}, but the array {name} in it cannot be read "
                         f"(expected {count * dtype.itemsize} bytes of data, found {len(raw) - start})")
    return np.frombuffer(raw, dtype=dtype, count=count, offset=start).reshape(shape, order="F" if fortran else "C")


# ------------------------------------------------------------------ writing

def write_weights(path, params):
    """Write ``{name: array}`` to ``path`` as an ``.npz`` archive, atomically; return the ``Path``.

    The folder must exist and be writable (else ValueError naming it and the
    reason); a symbolic link is written through. No suffix is added.
    """
    path = as_path(path, "save")
    target = _target(path)
    folder = target.parent
    try:
        fd, tmp = tempfile.mkstemp(prefix=".w-", suffix=".tmp", dir=folder)
    except OSError as err:
        raise ValueError(f"save {path}: expected a folder you may write to, but no file can be made in "
                         f"{folder} ({err.strerror or err})") from err
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **params)
            os.fchmod(f.fileno(), _mode(target))  # mkstemp makes 0600: give the mode a new file gets
        os.replace(tmp, target)
    except BaseException as err:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(err, OSError):
            raise ValueError(f"save {path}: the weights could not be written ({err.strerror or err})") from err
        raise
    return path


def _mode(target):
    """The permission bits of the file being replaced, else those of a new file (0666 less the umask)."""
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except OSError:
        pass
    try:
        with open("/proc/self/status") as status:
            umask = next(int(line.split()[1], 8) for line in status if line.startswith("Umask:"))
    except (OSError, StopIteration, ValueError, IndexError):
        umask = 0o022
    return 0o666 & ~umask


def _target(path):
    """The file ``path`` names, after following symbolic links; checks its folder and name."""
    try:
        _check_name(path, path)
        target = _followed(path) if path.is_symlink() else path
        folder = target.parent
        if not folder.is_dir():
            raise ValueError(f"save {path}: expected an existing folder, but {folder} does not exist")
        if target.is_dir():
            raise ValueError(f"save {path}: expected a file name, got a folder")
        if target.exists() and not target.is_file():
            raise ValueError(f"save {path}: expected a regular file (or a new name), got a special file")
        _check_name(path, target)
    except OSError as err:  # a link loop, a folder we may not look into, ...
        raise ValueError(f"save {path}: expected a path to a file, but it cannot be looked up "
                         f"({err.strerror or err})") from err
    return target


def _followed(link):
    """Where the symbolic link ``link`` leads (its target may not exist yet); OSError for a loop."""
    try:
        return Path(os.path.realpath(link, strict=True))
    except FileNotFoundError:  # a dangling link: its target is the file to write
        return Path(os.path.realpath(link))


def _check_name(path, target):
    try:
        name_max = os.pathconf(target.parent if target.parent.is_dir() else "/", "PC_NAME_MAX")
    except (OSError, ValueError, AttributeError):
        name_max = 255
    length = len(os.fsencode(target.name))
    if length > name_max:
        raise ValueError(f"save {path}: expected a file name of at most {name_max} bytes, got {length} bytes")


def check_writable(path):
    """Raise ValueError unless a file can be made in ``path``'s folder (a file is made and removed).

    ``os.access`` is not enough: as root it says yes to every folder, even ``/proc``.
    """
    path = as_path(path, "save")
    folder = _target(path).parent
    try:
        fd, tmp = tempfile.mkstemp(prefix=".w-", suffix=".tmp", dir=folder)
    except OSError as err:
        raise ValueError(f"save {path}: expected a folder you may write to, but no file can be made in "
                         f"{folder} ({err.strerror or err})") from err
    os.close(fd)
    os.unlink(tmp)
    return path


def _spare_path():
    """A new, free file for weights that could not be saved where asked (current folder, else temp)."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for folder in (os.getcwd, tempfile.gettempdir):
        try:  # (the current folder may have been deleted meanwhile)
            fd, name = tempfile.mkstemp(prefix=f"cnnlib-weights-{stamp}-", suffix=".npz", dir=folder())
        except OSError:
            continue
        os.close(fd)
        return Path(name)
    return None


def save_or_keep(model, path, out=None, err=None):
    """``model.save(path)``, or else the weights in a spare file, saying which; the exit status.

    What ``python -m cnnlib.train --save`` does after training: 0 when saved where
    asked; 1 when saving failed (the reason is printed, then where the weights were
    kept instead, or that they could not be kept: never silently).
    """
    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err

    def say(text, stream=err):
        try:
            print(text, file=stream, flush=True)
        except OSError:  # a closed output (| head) must not stop the weights being kept
            pass
    try:
        written = model.save(path)
    except ValueError as failure:
        say(f"error: the trained weights could not be saved: {failure}")
    else:
        say(f"weights saved to {written}", out)
        return 0
    if not all(np.isfinite(p).all() for p in model.parameters().values()):
        say("error: they are not finite (the training diverged), so no spare copy was kept")
        return 1
    spare = _spare_path()
    if spare is not None:
        try:
            model.save(spare)
        except ValueError as failure:
            spare.unlink(missing_ok=True)
            say(f"error: nor could they be saved to a spare file: {failure}")
            spare = None
    if spare is None:
        say("error: no spare file could be written either: the trained weights are lost")
        return 1
    say(f"error: the trained weights were saved to {spare} instead: move them where you want them")
    return 1
