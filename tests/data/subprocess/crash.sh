#!/bin/sh
# Reports once, complains on stderr and exits with status 3.
echo '[tune-metric]: {"epoch": 1, "loss": 0.5}'
echo "training diverged: loss is NaN" >&2
exit 3
