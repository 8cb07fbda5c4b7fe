"""A digest that keeps its briefs packed and writes its files as streams: same bytes, same stories, no numpy.

The memory work (BENCHMARKS.md, "Why memory is met") changed how a run holds
and writes a digest, never what it writes: these tests pin that the streamed
JSON, page and Markdown are what the whole ``Digest`` renders to, that story
clustering without numpy gives the stories the numpy MinHash gave, and that
a streamed file is still all or nothing.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest
from test_digest_cluster import SEEDS, mixed_corpus

from briefer.digest import cluster
from briefer.digest.assemble import digest_markdown_chunks, render_digest
from briefer.digest.assembled import AssembledDigest, LazyArticle, Packed, PackedBrief
from briefer.digest.model import Digest, Story
from briefer.groups import seeded_groups
from briefer.output.digest_html import digest_html_chunks, render_digest_html
from briefer.output.files import one_final_newline, write_all_atomic, write_atomic

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "digest" / "2026-11-27.json"


def assembled(digest: Digest) -> AssembledDigest:
    """The digest as a run holds it: briefs and stories packed."""
    articles = [
        LazyArticle(a.label, a.title, a.addresses, a.origin, a.brief.article, PackedBrief.of(a.brief))
        for a in digest.articles
    ]
    return AssembledDigest(
        name=digest.name,
        date=digest.date,
        stories=Packed(Story, digest.stories),
        articles=articles,
        citations=digest.citations,
        not_covered=digest.not_covered,
        left_out=digest.left_out,
    )


@pytest.fixture(scope="module")
def example() -> tuple[str, Digest]:
    text = EXAMPLE.read_text(encoding="utf-8")
    return text, Digest.model_validate_json(text)


def test_the_streamed_json_is_the_digests_json_byte_for_byte(example):
    text, digest = example
    assert "".join(assembled(digest).json_chunks()) + "\n" == text
    assert assembled(digest).to_digest() == digest
    empty = digest.model_copy(update={"stories": [], "articles": [], "citations": [], "left_out": {}})
    assert "".join(assembled(empty).json_chunks()) == empty.model_dump_json(indent=2)
    noted = digest.model_copy(update={"left_out": {"older than 24h": 3, "excluded word": 1}})
    assert "".join(assembled(noted).json_chunks()) == noted.model_dump_json(indent=2)


def test_the_streamed_page_and_markdown_are_the_whole_renders(example):
    _, digest = example
    lazy = assembled(digest)
    assert "".join(digest_html_chunks(lazy)) == render_digest_html(digest)
    assert "".join(digest_markdown_chunks(lazy)) == render_digest(digest)
    assert lazy.models() == digest.models()


@pytest.mark.parametrize("text", ["", "\n\n", "a", "a\n", "a\n\n\n", "\na\n\nb\n\n"])
def test_one_final_newline_is_rstrip_plus_one(text):
    for size in (1, 2, 5):
        chunks = [text[i : i + size] for i in range(0, len(text), size)]
        assert "".join(one_final_newline(chunks)) == text.rstrip("\n") + "\n"


def _failing(after: int):
    yield from ["x"] * after
    raise RuntimeError("render failed")


def test_a_stream_that_fails_leaves_the_old_file_and_no_temp_file(tmp_path):
    path = tmp_path / "day.json"
    path.write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError):
        write_atomic(path, _failing(100_000))
    assert path.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["day.json"]
    write_atomic(path, iter(["new ", "text"]))
    assert path.read_text(encoding="utf-8") == "new text"


def test_day_files_are_written_all_or_none(tmp_path):
    first, second = tmp_path / "day.json", tmp_path / "day.md"
    first.write_text("old json", encoding="utf-8")
    with pytest.raises(RuntimeError):
        write_all_atomic([(first, ["new json"]), (second, _failing(3))])
    assert first.read_text(encoding="utf-8") == "old json" and not second.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["day.json"]


# --------------------------------------------------------------------------- clustering without numpy


def _numpy_clusters(texts: list[str]) -> list[list[int]]:
    """The clustering as it was on numpy (MinHash, LSH bands, scores), for comparison."""
    np = pytest.importorskip("numpy")
    gen = np.random.RandomState(1)
    a = gen.randint(0, 1 << 31, cluster.NUM_PERM, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, cluster.NUM_PERM, dtype=np.uint32)
    rows = []
    for t in texts:
        found = sorted(cluster.features(t))
        if not found:
            rows.append(np.full(cluster.NUM_PERM, 0xFFFFFFFF, dtype=np.uint32))
            continue
        hashed = [int.from_bytes(hashlib.sha1(f.encode()).digest()[:4], "little") for f in found]
        h = np.array([cluster._fmix32(x) for x in hashed], dtype=np.uint32).reshape(-1, 1)
        rows.append((h * a + b).min(axis=0))
    hashes = np.array(rows, dtype=np.uint32)
    bands = np.ascontiguousarray(hashes[:, : cluster.BANDS * cluster.ROWS]).view(np.uint64)
    near = []
    for i in range(len(texts)):
        same = (bands == bands[i]).any(axis=1)
        same[i] = False
        near.append(np.flatnonzero(same).tolist())

    def scores(i, others):
        return list(np.count_nonzero(hashes[others] == hashes[i], axis=1) / cluster.NUM_PERM)

    return seeded_groups(near, scores, cluster.NEAR_DUPLICATE, cluster.MAX_STORY)


def test_stories_are_those_of_the_numpy_minhash():
    for seed in SEEDS:
        texts, _ = mixed_corpus(seed)
        texts += ["", "the and of"]  # texts without features: the empty signature
        assert cluster.clusters(texts) == _numpy_clusters(texts)


def test_the_permutations_are_datasketchs():
    np = pytest.importorskip("numpy")
    from briefer.digest import permutations

    gen = np.random.RandomState(1)
    a = gen.randint(0, 1 << 31, cluster.NUM_PERM, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, cluster.NUM_PERM, dtype=np.uint32)
    assert list(permutations.A) == a.tolist() and list(permutations.B) == b.tolist()


def test_clustering_does_not_import_numpy():
    code = (
        "import sys; from briefer.digest.cluster import clusters;"
        "clusters(['Kim met Putin in Vladivostok.', 'Putin met Kim in Vladivostok on Monday.', 'Ships sank.']);"
        "print('numpy' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
