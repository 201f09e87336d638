// expect: hyperparameter_lower_bound_must_be_below_upper_bound
// Bounds given the wrong way round, in a constexpr space: a compile error
// naming the rule broken.
#include <rung/spaces/config_space.hpp>

constexpr auto space = rung::config_space(rung::uniform<"dropout">(0.8, 0.2));

int main() {
  rung::random_stream rng(1);
  return space.sample(rng).get<"dropout">() > 0.5 ? 1 : 0;
}
