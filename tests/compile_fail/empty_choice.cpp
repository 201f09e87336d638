// expect: needs at least one value
// A choice must list at least one value.
#include <rung/spaces/config_space.hpp>

constexpr auto space = rung::config_space(rung::uniform<"dropout">(0.0, 0.8), rung::choice<"optimizer">());

int main() {
  rung::random_stream rng(1);
  return space.sample(rng).get<"dropout">() > 0.5 ? 1 : 0;
}
