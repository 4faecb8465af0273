"""The `esme` command: send one message, blast a list, load-test an SMSC."""

import argparse
import sys


def build_parser() -> argparse.ArgumentParser:
    return argparse.ArgumentParser(
        prog="esme",
        description=(
            "An SMPP 3.4 sender (ESME) for testing SMS integrations against this project's SMSC "
            "or a real carrier. The send, blast, load and bisect commands are being built; "
            "today this prints help only."
        ),
    )


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    parser.parse_args(argv)
    parser.print_help()
    return 0


if __name__ == "__main__":
    sys.exit(main())
