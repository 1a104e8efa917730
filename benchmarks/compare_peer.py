"""The engine against llama.cpp measured in the same call on the same card: reads
bench_generate.py's JSON and the markdown tables that ../shared/peer/bench.sh writes
(llama_bench.md, llama_batched_q4km.md, llama_batched_q40.md), prints one table with the ratio.

    python benchmarks/compare_peer.py bench.json PEER_DIR --out compare.json
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

QUANTS = {"q40": "Q4_0", "q4km": "Q4_K_M"}


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def batched(path: Path) -> dict[int, dict]:
    """llama-batched-bench rows: batch -> decode (S_TG) and prefill (S_PP) tokens/s."""
    out = {}
    if not path.exists():
        return out
    for line in path.read_text().splitlines():
        cells = _cells(line)
        if len(cells) >= 10 and cells[2].isdigit():
            out[int(cells[2])] = {"decode": float(cells[7]), "prefill": float(cells[5])}
    return out


def single(path: Path) -> dict[str, dict]:
    """llama-bench rows: quant -> {'tg128': tok/s, 'pp64': tok/s}."""
    out: dict[str, dict] = {}
    if not path.exists():
        return out
    for line in path.read_text().splitlines():
        cells = _cells(line)
        if len(cells) < 7 or not re.match(r"(pp|tg)\d+", cells[-2]):
            continue
        quant = "Q4_0" if "Q4_0" in cells[0] else "Q4_K_M" if "Q4_K" in cells[0] else cells[0]
        out.setdefault(quant, {})[cells[-2]] = float(cells[-1].split("±")[0])
    return out


def peer_numbers(peer: Path) -> dict:
    """quant -> batch -> decode tok/s (batch 1: the better of llama-bench and batched-bench)."""
    lone = single(peer / "llama_bench.md")
    numbers = {}
    for key, quant in QUANTS.items():
        rows = {b: r["decode"] for b, r in batched(peer / f"llama_batched_{key}.md").items()}
        if "tg128" in lone.get(quant, {}):
            rows[1] = max(rows.get(1, 0.0), lone[quant]["tg128"])
        numbers[quant] = rows
    numbers["prefill_pp64"] = {q: v.get("pp64") for q, v in lone.items()}
    return numbers


def compare(bench: dict, peer: dict) -> list[dict]:
    engine = {}
    for r in bench["speed"]:
        if r["recipe"].startswith("fast engine"):
            engine.setdefault(r["batch"], {})[r["recipe"]] = r["decode_tok_s"]
    rows = []
    for batch in sorted(engine):
        best_peer = max((peer[q].get(batch, 0.0) for q in QUANTS.values()), default=0.0)
        best = max(engine[batch].values())
        rows.append({"batch": batch, **engine[batch],
                     **{f"llama.cpp {q}": peer[q].get(batch) for q in QUANTS.values()},
                     "best engine / best peer": round(best / best_peer, 2) if best_peer
                     else None})
    return rows


def markdown(rows: list[dict]) -> str:
    columns = list(dict.fromkeys(k for r in rows for k in r))
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for r in rows:
        lines.append("| " + " | ".join("–" if r.get(c) is None else f"{r[c]:,}"
                                       for c in columns) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("bench", help="bench_generate.py's JSON")
    parser.add_argument("peer", help="folder with bench.sh's markdown tables")
    parser.add_argument("--out", default="compare.json")
    args = parser.parse_args()
    bench = json.loads(Path(args.bench).read_text())
    peer = peer_numbers(Path(args.peer))
    rows = compare(bench, peer)
    Path(args.out).write_text(json.dumps({"rows": rows, "peer": peer}, indent=1))
    print(markdown(rows))
    prefill = {r["recipe"]: r["prefill_tok_s"] for r in bench["speed"]
               if r["recipe"].startswith("fast engine") and r["batch"] == 1}
    print(f"\nprefill of one 64-token prompt (tok/s): engine {prefill}; llama.cpp pp64 "
          f"{peer['prefill_pp64']}")


if __name__ == "__main__":
    main()
