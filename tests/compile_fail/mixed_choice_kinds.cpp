// expect: all values must have the same kind
// A choice holds one type: integers, reals or strings, never a mixture.
#include <rung/spaces/config_space.hpp>

constexpr auto space = rung::config_space(rung::choice<"layers">(1, "two", 4));

int main() {
  rung::random_stream rng(1);
  return space.sample(rng).size == 1 ? 0 : 1;
}
