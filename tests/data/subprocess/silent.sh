#!/bin/sh
# Exits cleanly without reporting anything.
echo "no metrics here"
