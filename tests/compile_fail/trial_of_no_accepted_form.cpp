// expect: the trial must be callable in one of these forms
// A trial callable that takes an int where the reporter goes fits neither
// accepted form; the error at tuner.run lists both forms, and is the only one.
#include <rung/rung.hpp>

// Unnamed namespace: under -Wshadow a global `space` makes rung's headers
// warn (their parameters of that name), a warning that is not this test's.
namespace {
constexpr auto space = rung::config_space(rung::uniform<"x">(0.0, 1.0));
using config = decltype(space)::config_type;
}  // namespace

int main() {
  rung::tuner tuner(rung::fifo(rung::random_searcher(space, {.seed = 1}), {.metric = "loss"}),
                    {.stop_criterion = rung::stop_criterion{.max_num_trials_started = 1}});
  tuner.run([](const config& c, int reporter) { (void)c, (void)reporter; });
}
