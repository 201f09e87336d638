// A program that uses rung as any project would: a config space and a
// seeded random searcher. It exits non-zero when something is off, so the
// package tests check that the consumer links and runs, not only compiles.
#include <rung/spaces/config_space.hpp>
#include <rung/searchers/random_search.hpp>

#include <cstdio>
#include <string>

int main() {
  constexpr auto space = rung::config_space(rung::loguniform<"learning_rate">(1e-3, 1.0),
                                            rung::randint<"batch_size">(16, 128),
                                            rung::choice<"optimizer">("sgd", "adam"));
  auto first = rung::random_searcher(space, {.seed = 42});
  auto second = rung::random_searcher(space, {.seed = 42});
  for (rung::trial_id id = 0; id < 5; ++id) {
    const auto config = first.suggest(id);
    if (!config || !space.contains(*config) || config != second.suggest(id)) {
      std::fprintf(stderr, "rung consumer: suggestion %lld is missing, outside the space or not reproducible\n",
                   static_cast<long long>(id));
      return 1;
    }
    std::string line;
    space.append_json(line, *config);
    std::printf("%s\n", line.c_str());
  }
  return 0;
}
