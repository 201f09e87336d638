// expect: log_scale_lower_bound_must_be_positive
// A log-scale domain needs a lower bound above 0; in a constexpr space the
// check runs at compile time and the error names the rule broken.
#include <rung/spaces/config_space.hpp>

constexpr auto space = rung::config_space(rung::loguniform<"lr">(0.0, 1.0));

int main() {
  rung::random_stream rng(1);
  return space.sample(rng).get<"lr">() > 0.5 ? 1 : 0;
}
