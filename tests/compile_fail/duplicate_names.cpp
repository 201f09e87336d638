// expect: two hyperparameters share a name
// Names identify hyperparameters: a space cannot hold two of the same name.
#include <rung/spaces/config_space.hpp>

constexpr auto space = rung::config_space(rung::uniform<"width">(0.0, 1.0), rung::randint<"width">(16, 512));

int main() {
  rung::random_stream rng(1);
  return space.sample(rng).size > 1 ? 0 : 1;
}
