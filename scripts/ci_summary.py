"""The job summary's Markdown (imagetest/run/stepsummary.py), for scripts/ci_action.sh:

python scripts/ci_summary.py --artifacts DIR --exit-code N --stage test
"""

from __future__ import annotations

from imagetest.run.stepsummary import main, render

__all__ = ["main", "render"]

if __name__ == "__main__":
    raise SystemExit(main())
