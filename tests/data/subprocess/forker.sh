#!/bin/sh
# Leaves a grandchild behind that would hold stdout open for 30 s, reports
# once and exits; writes both process ids next to its checkpoint directory.
while [ $# -gt 0 ]; do
  if [ "$1" = --st_checkpoint_dir ]; then directory=$2; fi
  shift
done
sleep 30 &
echo $! > "$directory/../grandchild.pid"
echo $$ > "$directory/../child.pid"
echo '[tune-metric]: {"epoch": 1, "loss": 0.5}'
exit 0
