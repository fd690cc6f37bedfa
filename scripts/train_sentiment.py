"""Train the shipped sentiment model (needs the ``train`` extra: scikit-learn).

    python scripts/train_sentiment.py --data ../shared/data/sentiment \
        --out src/signalroom/nlp/models/sentiment

A thin wrapper over :func:`signalroom.nlp.training.train_sentiment`; it prints the
training summary (metrics on the train hold-out) as JSON.
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
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="the sentiment data directory")
    parser.add_argument("--out", type=Path, required=True, help="where to write the model files")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    try:
        from signalroom.nlp.training import train_sentiment

        summary = train_sentiment(args.data, args.out, seed=args.seed)
    except ImportError as err:
        print(f"{err}; install the training extra: pip install -e '.[train]'", file=sys.stderr)
        return 1
    except (OSError, ValueError) as err:
        print(f"training failed: {err}", file=sys.stderr)
        return 1
    print(json.dumps(summary, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
