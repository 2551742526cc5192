"""Write data/SHA256SUMS: every committed data file with its SHA-256 (run after a deliberate data change).

A build compares the data it reads with this list and labels a run on other data "modified data"
(analysis.run_identity). tests/test_run_identity.py fails until the list matches the data.

Usage: .venv/bin/python tools/stamp_data.py
"""

import sys

from analysis import paths, run_identity


def main() -> int:
    target = paths.DATA_DIR / run_identity.CHECKSUMS_NAME
    text = run_identity.checksums_text(run_identity.checksums(paths.DATA_DIR))
    if target.is_file() and target.read_text(encoding="utf-8") == text:
        print(f"{target.name} is up to date")
        return 0
    target.write_text(text, encoding="utf-8")
    print(f"wrote {target} ({text.count(chr(10))} files)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
