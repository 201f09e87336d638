// expect: no hyperparameter of that name
// A configuration is read by name, and the names are part of its type:
// a misspelt name ("learningrate") is a compile error, not a run-time one.
#include <rung/spaces/config_space.hpp>

constexpr auto space = rung::config_space(rung::loguniform<"learning_rate">(1e-3, 1.0),
                                          rung::randint<"batch_size">(16, 128));

int main() {
  rung::random_stream rng(1);
  const auto config = space.sample(rng);
  const double lr = config.get<"learningrate">();
  return lr > 0.5 ? 1 : 0;
}
