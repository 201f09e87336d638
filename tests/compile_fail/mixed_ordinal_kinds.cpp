// expect: rung::ordinal: all values must have the same kind
// An ordinal holds one type, as a choice does; the mixture is the only error.
#include <rung/spaces/config_space.hpp>

constexpr auto space = rung::config_space(rung::ordinal<"width">(16, "wide", 64));

int main() {
  rung::random_stream rng(1);
  return space.sample(rng).get<"width">() > 20 ? 0 : 1;
}
