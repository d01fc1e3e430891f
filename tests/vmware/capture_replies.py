#!/usr/bin/env python3
"""Splits a vmware-sim --trace log into one file per SOAP reply, named after the request's
method: METHOD-N.xml. Used to refresh tests/vmware/testdata and fuzz/corpus/vim25_reply:

  MM_VMWARE_SIM_TRACE=/tmp/trace.log build/bin/vmware_client_tests
  tests/vmware/capture_replies.py /tmp/trace.log OUT_DIR
"""
import re
import sys
from pathlib import Path


def main() -> int:
    trace, out = Path(sys.argv[1]), Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    # Entries are "Request: <xml>\n<envelope>" and "Response: <xml>\n<envelope>", one envelope a line.
    entries = re.findall(r"^(Request|Response): (<\?xml[^\n]*\n[^\n]*)", trace.read_text(), re.M)
    counts: dict[str, int] = {}
    method = "unknown"
    for kind, xml in entries:
        if kind == "Request":
            m = re.search(r"<soapenv:Body><(\w+)", xml)
            method = m.group(1) if m else "unknown"
            continue
        counts[method] = counts.get(method, 0) + 1
        (out / f"{method}-{counts[method]}.xml").write_text(xml + "\n")
    print(f"{sum(counts.values())} replies: {counts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
