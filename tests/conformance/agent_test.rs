//! Elixir's `lib/elixir/test/elixir/agent_test.exs`, case by case.
