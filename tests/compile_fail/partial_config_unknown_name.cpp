// expect: no hyperparameter of that name
// points_to_evaluate are typed too: setting a name the space lacks does not compile.
#include <rung/spaces/config_space.hpp>

constexpr auto space = rung::config_space(rung::loguniform<"learning_rate">(1e-2, 1.0));

int main() { (void)space.partial().set<"learningrate">(0.1); }
