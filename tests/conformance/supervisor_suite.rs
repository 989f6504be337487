//! OTP's `lib/stdlib/test/supervisor_SUITE.erl`, its single-node cases.
