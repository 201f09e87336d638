// expect: read as a type it does not hold
// randint holds std::int64_t: reading it as a double, with the type stated,
// is a compile error.
#include <rung/spaces/config_space.hpp>

constexpr auto space = rung::config_space(rung::loguniform<"learning_rate">(1e-3, 1.0),
                                          rung::randint<"batch_size">(16, 128));

int main() {
  rung::random_stream rng(1);
  const auto config = space.sample(rng);
  const double batch_size = config.get<"batch_size", double>();
  return batch_size > 64 ? 1 : 0;
}
