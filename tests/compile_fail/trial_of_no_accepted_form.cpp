// expect: the trial must be callable in one of these forms
// A trial callable that takes the reporter by value fits neither accepted
// form; the error at tuner.run lists both forms.
#include <rung/rung.hpp>

constexpr auto space = rung::config_space(rung::uniform<"x">(0.0, 1.0));
using config = decltype(space)::config_type;

int main() {
  rung::tuner tuner(rung::fifo(rung::random_searcher(space, {.seed = 1}), {.metric = "loss"}),
                    {.stop_criterion = rung::stop_criterion{.max_num_trials_started = 1}});
  tuner.run([](const config& c, int reporter) { (void)c, (void)reporter; });
}
