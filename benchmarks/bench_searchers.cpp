// Cost of a suggestion as a searcher's observations grow: N trials are fed
// one after another (suggest, then one report at resource 1 of a synthetic
// objective), then `timed` more suggestions are timed, each after the
// previous one's report, so a model-based searcher refits on every one
// (what it does in a tuning). Time is the benchmark thread's CPU time; each
// line covers the searcher's default options (kde: a third of suggestions
// at random, as BOHB). One JSON line per searcher and N:
//   {"benchmark":"bench_searchers","searcher":"kde","observations":1000,"ms_per_suggest":0.4}
// The space is mixed, 6 hyperparameters: real, log-real, integer, log-integer,
// a 3-way choice and a 4-value ordinal. scripts/bench_optuna_tpe.py measures
// Optuna's TPESampler on the same space and objective and prints the same line.
// gp (built with rung::gp only): the N fed trials are random (num_init_random
// = N, which spares feeding minutes of model fits), the timed ones use the
// model, its hyperparameters refitted every refit_every reports as in a tuning.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <string_view>

#include "rung/decision.hpp"
#include "rung/searchers/kde_searcher.hpp"
#if RUNG_BENCH_WITH_GP
#include "rung/gp.hpp"
#endif
#include "rung/searchers/random_search.hpp"
#include "rung/searchers/regularized_evolution.hpp"
#include "rung/spaces/config_space.hpp"

namespace {

constexpr auto space = rung::config_space(
    rung::uniform<"x">(-1.0, 1.0), rung::loguniform<"learning_rate">(1e-4, 1.0), rung::randint<"units">(16, 256),
    rung::lograndint<"batch_size">(8, 512), rung::choice<"optimizer">("sgd", "adam", "rmsprop"),
    rung::ordinal<"layers">(1, 2, 3, 4));
using config = decltype(space)::config_type;

// A bowl around x = 0.3, learning rate 1e-2, 128 units, batch size 64, adam, 2 layers.
double objective(const config& c) {
  const double lr = std::log10(c.get<"learning_rate">()) + 2.0;
  const double units = (static_cast<double>(c.get<"units">()) - 128.0) / 240.0;
  const double batch = std::log2(static_cast<double>(c.get<"batch_size">())) - 6.0;
  const double x = c.get<"x">() - 0.3;
  const double optimizer = c.get<"optimizer">() == "adam" ? 0.0 : 0.5;
  const double layers = static_cast<double>(c.get<"layers">() - 2);
  return x * x + 0.25 * lr * lr + units * units + 0.05 * batch * batch + optimizer + 0.1 * layers * layers;
}

double cpu_seconds() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
}

template <class Searcher>
void measure(std::string_view name, Searcher searcher, std::int64_t observations) {
  rung::trial_id id = 0;
  const auto feed_one = [&] {
    const auto suggested = searcher.suggest(id);
    if constexpr (requires { searcher.on_report(rung::observation{}); }) {
      searcher.on_report({.trial = id, .resource = 1.0, .metric = objective(*suggested)});
    }
    ++id;
  };
  for (std::int64_t i = 0; i < observations; ++i) feed_one();
  const std::int64_t timed = observations >= 10'000 ? 50 : 200;
  double seconds = 0;
  for (std::int64_t i = 0; i < timed; ++i) {
    const double start = cpu_seconds();
    const auto suggested = searcher.suggest(id);
    seconds += cpu_seconds() - start;
    if constexpr (requires { searcher.on_report(rung::observation{}); }) {
      searcher.on_report({.trial = id, .resource = 1.0, .metric = objective(*suggested)});
    }
    ++id;
  }
  std::printf(R"({"benchmark":"bench_searchers","searcher":"%.*s","observations":%lld,"ms_per_suggest":%.4g})" "\n",
              static_cast<int>(name.size()), name.data(), static_cast<long long>(observations),
              1e3 * seconds / static_cast<double>(timed));
  std::fflush(stdout);
}

}  // namespace

int main() {
  for (const std::int64_t observations : {100, 1'000, 10'000}) {
    measure("kde", rung::kde_searcher(space, {.seed = 1}), observations);
    measure("regularized_evolution", rung::regularized_evolution(space, {.seed = 1}), observations);
    measure("random", rung::random_searcher(space, {.seed = 1}), observations);
#if RUNG_BENCH_WITH_GP
    measure("gp", rung::gp_searcher(space, {.seed = 1, .num_init_random = static_cast<std::size_t>(observations)}),
            observations);
#endif
  }
}
