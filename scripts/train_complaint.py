"""Train the shipped complaint model (needs the ``train`` extra: scikit-learn).

    python scripts/train_complaint.py --data ../shared/data/complaints \
        --out src/signalroom/nlp/models/complaint

A thin wrapper over :func:`signalroom.nlp.training.complaint.train_complaint`; it prints
the training summary as JSON.
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
    parser.add_argument("--data", type=Path, required=True, help="the complaints data directory")
    parser.add_argument("--out", type=Path, required=True, help="where to write the model files")
    args = parser.parse_args(argv)
    try:
        from signalroom.nlp.training.complaint import train_complaint

        summary = train_complaint(args.data, args.out)
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
