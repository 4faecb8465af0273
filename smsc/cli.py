"""The `smsc` command: serve the SMSC, inject mobile-originated messages, run scenarios."""

import argparse
import sys


def build_parser() -> argparse.ArgumentParser:
    return argparse.ArgumentParser(
        prog="smsc",
        description=(
            "A carrier-side SMPP 3.4 message centre simulator. The serve command is being "
            "built; today this prints help only."
        ),
    )


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    parser.parse_args(argv)
    parser.print_help()
    return 0


if __name__ == "__main__":
    sys.exit(main())
