// expect: the value given cannot be held by this hyperparameter
// points_to_evaluate are typed: a string for a real-valued hyperparameter
// does not compile, and that is the only error.
#include <rung/spaces/config_space.hpp>

constexpr auto space = rung::config_space(rung::loguniform<"learning_rate">(1e-2, 1.0));

int main() { (void)space.partial().set<"learning_rate">("fast"); }
