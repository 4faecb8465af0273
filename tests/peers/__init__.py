"""SMPP peers nobody on this team wrote, for loopback tests: tests/peers/node has the node
`smpp` package (locked by package-lock.json) and small programs on it."""

import shutil
import subprocess
from pathlib import Path

NODE_PEER = Path(__file__).parent / "node"


def node_with_smpp() -> str:
    """The node executable, with the node smpp package installed (npm ci) when missing. A
    machine without node or npm fails the test that asks, rather than skipping it."""
    node, npm = shutil.which("node"), shutil.which("npm")
    assert node and npm, "node and npm are needed for the independent node smpp peer"
    if not (NODE_PEER / "node_modules" / "smpp").is_dir():
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=NODE_PEER, check=True, capture_output=True, timeout=300)
    return node
