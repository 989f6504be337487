//! OTP's `lib/stdlib/test/gen_server_SUITE.erl`, its single-node cases.
