"""Train the shipped moderation model (needs the ``train`` extra: scikit-learn).

    python scripts/train_moderation.py \
        --offensive ../shared/data/sentiment/tweeteval_offensive \
        --hate ../shared/data/sentiment/tweeteval_hate \
        --out src/signalroom/nlp/models/moderation

A thin wrapper over :func:`signalroom.nlp.training.moderation.train_moderation`; it prints
the training summary as JSON. The word lists already in ``--out`` (or the packaged ones)
are used.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

# One BLAS/OpenMP thread: the fit is then deterministic and byte-identical across runs.
for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--offensive", type=Path, required=True, help="OLID-style data directory")
    parser.add_argument("--hate", type=Path, required=True, help="HatEval-style data directory")
    parser.add_argument("--out", type=Path, required=True, help="where to write the model files")
    parser.add_argument("--wordlists", type=Path, default=None, help="a wordlists.json to use")
    parser.add_argument(
        "--civil",
        type=Path,
        action="append",
        default=[],
        help="JSONL of civil posts (e.g. complaints to brands) to teach as not offensive; repeatable",
    )
    args = parser.parse_args(argv)
    try:
        from signalroom.nlp.training.moderation import train_moderation

        summary = train_moderation(
            args.offensive,
            args.hate,
            args.out,
            wordlists_file=args.wordlists,
            civil_files=args.civil,
        )
    except ImportError as err:
        print(f"{err}; install the training extra: pip install -e '.[train]'", file=sys.stderr)
        return 1
    except (OSError, ValueError, KeyError) as err:
        print(f"training failed: {err}", file=sys.stderr)
        return 1
    print(json.dumps(summary, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
