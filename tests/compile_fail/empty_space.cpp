// expect: rung::config_space needs at least one hyperparameter
// A space with nothing to tune is a mistake; the assertion is the only error.
#include <rung/spaces/config_space.hpp>

constexpr auto space = rung::config_space();

int main() {
  rung::random_stream rng(1);
  return space.sample(rng).size == 0 ? 0 : 1;
}
