//! Elixir's `lib/elixir/test/elixir/gen_server_test.exs`, case by case.
