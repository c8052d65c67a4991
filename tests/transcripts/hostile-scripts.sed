# The attacks on lines 27, 32, 36 and 38 of attack.lua spend their budget
# in C (patterns, copies of a megabyte, a log flood): on a loaded machine,
# or in the sanitizer build, the 500 ms deadline may come before the
# instruction budget. Either ends the session the same way, with the same
# line named; tests/unit/test_sandbox.c proves the pricing itself.
s/\(attack\.lua:\(27\|32\|36\|38\)\): time limit exceeded$/\1: instruction budget exceeded/
