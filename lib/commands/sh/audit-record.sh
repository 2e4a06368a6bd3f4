# Appends one line to the service's audit log, creating the run directory first (Kamal's
# Auditor#record). The line is a parameter, so nothing in it is ever expanded by the shell.
#
# Parameters:
#   run   the run directory
#   log   the audit log file
#   line  the tagged line
#
# Output: none; exit 0 unless the write fails.
run=$1 log=$2 line=$3

mkdir -p "$run" && printf '%s\n' "$line" >> "$log"
