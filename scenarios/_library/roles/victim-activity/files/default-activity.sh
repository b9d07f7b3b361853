#!/bin/sh
# Simulated user activity: look around the home folder, keep a shell history.
set -u
cd "$HOME" || exit 0
ls -la > /dev/null
date '+%F %T checked mail and documents' >> .activity.log
tail -n 200 .activity.log > .activity.log.tmp && mv .activity.log.tmp .activity.log
