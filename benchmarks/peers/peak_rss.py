"""This process's own peak RSS in bytes, read as the Node side reads it (benchmarks/lib/child.ts).

Linux's VmHWM (/proc/self/status) is the high-water mark of this process's memory since exec;
getrusage's ru_maxrss would also count the Node runner's RSS at spawn, which Linux carries across
exec. Without /proc (macOS), ru_maxrss is used and a line on stderr says so.
"""
import re
import resource
import sys


def peak_rss_bytes():
    try:
        with open('/proc/self/status', encoding='utf-8') as f:
            m = re.search(r'^VmHWM:\s+(\d+)\s+kB$', f.read(), re.M)
        if m:
            return int(m.group(1)) * 1024
    except OSError:
        pass
    print("peak RSS from getrusage's ru_maxrss (no /proc/self/status here): it may include the runner's RSS at spawn", file=sys.stderr)
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
