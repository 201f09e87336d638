// expect-success
// Positive control: the compile-fail cases beside this file, written
// correctly. It must compile, so a harness that fails every build (a wrong
// include path, a broken target) cannot make the others pass vacuously.
#include <rung/spaces/config_space.hpp>

#include <cstdint>
#include <string_view>

constexpr auto space = rung::config_space(rung::loguniform<"learning_rate">(1e-3, 1.0),
                                          rung::randint<"batch_size">(16, 128),
                                          rung::uniform<"dropout">(0.2, 0.8),
                                          rung::choice<"optimizer">("sgd", "adam"),
                                          rung::choice<"layers">(1, 2, 4));

int main() {
  rung::random_stream rng(1);
  const auto config = space.sample(rng);
  const double lr = config.get<"learning_rate">();
  const std::int64_t batch_size = config.get<"batch_size", std::int64_t>();
  const std::string_view optimizer = config.get<"optimizer">();
  return lr > 0.5 && batch_size > 64 && optimizer == "adam" && config.get<"layers">() == 4 ? 1 : 0;
}
