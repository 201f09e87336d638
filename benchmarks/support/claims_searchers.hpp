// The searchers bench_claims compares, named on its command line as
// NAME[:KEY=VALUE,...]: random, kde, regularized_evolution and (built with
// rung::gp, RUNG_BENCH_WITH_GP) gp, each with its options' defaults unless
// overridden, e.g. "kde:top_n_percent=30,random_fraction=0.2". The text as
// given names the results, so that a variant's figures say what it was.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "claims_support.hpp"
#include "rung/searchers/kde_searcher.hpp"
#include "rung/searchers/random_search.hpp"
#include "rung/searchers/regularized_evolution.hpp"
#ifdef RUNG_BENCH_WITH_GP
#include "rung/gp.hpp"
#endif

namespace rung::bench::claims {

struct searcher_spec {
  std::string text;  // as given
  std::string name;
  std::vector<std::pair<std::string, double>> settings;
};

// "NAME" or "NAME:KEY=VALUE,KEY=VALUE"; values are numbers.
inline searcher_spec parse_searcher(std::string_view text) {
  searcher_spec spec{std::string(text), std::string(text.substr(0, text.find(':'))), {}};
  if (const auto colon = text.find(':'); colon != std::string_view::npos) {
    std::string_view rest = text.substr(colon + 1);
    while (!rest.empty()) {
      const auto comma = rest.find(',');
      const std::string_view setting = rest.substr(0, comma);
      rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
      const auto equals = setting.find('=');
      const std::string value(equals == std::string_view::npos ? std::string_view{} : setting.substr(equals + 1));
      char* end = nullptr;
      const double number = std::strtod(value.c_str(), &end);
      if (equals == std::string_view::npos || value.empty() || *end != '\0') {
        throw std::invalid_argument("searcher \"" + spec.text + "\": \"" + std::string(setting) +
                                    "\" is not KEY=NUMBER");
      }
      spec.settings.emplace_back(std::string(setting.substr(0, equals)), number);
    }
  }
  return spec;
}

template <class Options>
struct searcher_setting {
  std::string_view key;
  std::function<void(Options&, double)> set;
};

// An integer-valued option's value, refused when it has a fraction.
inline std::int64_t whole(const std::string& key, double value) {
  if (value != std::floor(value) || !std::isfinite(value)) {
    throw std::invalid_argument("searcher option " + key + " = " + std::to_string(value) + ": must be an integer");
  }
  return static_cast<std::int64_t>(value);
}

// The options with spec's settings applied; a key not in `known` is refused.
template <class Options>
Options configured(const searcher_spec& spec, Options options,
                   std::initializer_list<searcher_setting<Options>> known) {
  for (const auto& [key, value] : spec.settings) {
    const auto* found = std::find_if(known.begin(), known.end(), [&](const auto& k) { return k.key == key; });
    if (found == known.end()) {
      throw std::invalid_argument("searcher \"" + spec.text + "\": " + spec.name + " has no option " + key);
    }
    found->set(options, value);
  }
  return options;
}

// run(searcher) with the searcher spec names, seeded with `seed`.
template <class Run>
claims_run with_searcher(const searcher_spec& spec, std::uint64_t seed, Run&& run) {
  using space_type = std::remove_const_t<decltype(lc::space)>;
  if (spec.name == "random") {
    return run(random_searcher(lc::space, configured<random_searcher_options<space_type>>(spec, {.seed = seed}, {})));
  }
  if (spec.name == "kde") {
    using options = kde_searcher_options<space_type>;
    return run(kde_searcher(
        lc::space,
        configured<options>(spec, {.seed = seed},
                            {{"num_min_points", [](options& o, double v) { o.num_min_points = whole("num_min_points", v); }},
                             {"top_n_percent", [](options& o, double v) { o.top_n_percent = v; }},
                             {"num_candidates", [](options& o, double v) { o.num_candidates = whole("num_candidates", v); }},
                             {"random_fraction", [](options& o, double v) { o.random_fraction = v; }},
                             {"bandwidth_factor", [](options& o, double v) { o.bandwidth_factor = v; }},
                             {"min_bandwidth", [](options& o, double v) { o.min_bandwidth = v; }}})));
  }
  if (spec.name == "regularized_evolution") {
    using options = regularized_evolution_options<space_type>;
    return run(regularized_evolution(
        lc::space,
        configured<options>(
            spec, {.seed = seed},
            {{"population_size", [](options& o, double v) { o.population_size = whole("population_size", v); }},
             {"sample_size", [](options& o, double v) { o.sample_size = whole("sample_size", v); }}})));
  }
#ifdef RUNG_BENCH_WITH_GP
  if (spec.name == "gp") {
    using options = gp_searcher_options<space_type>;
    const auto count = [](const char* key, double v) { return static_cast<std::size_t>(whole(key, v)); };
    return run(gp_searcher(
        lc::space,
        configured<options>(
            spec, {.seed = seed},
            {{"num_init_random", [&](options& o, double v) { o.num_init_random = count("num_init_random", v); }},
             {"max_observations", [&](options& o, double v) { o.max_observations = count("max_observations", v); }},
             {"max_fit_observations",
              [&](options& o, double v) { o.max_fit_observations = count("max_fit_observations", v); }},
             {"refit_every", [&](options& o, double v) { o.refit_every = count("refit_every", v); }},
             {"num_candidates", [&](options& o, double v) { o.num_candidates = count("num_candidates", v); }}})));
  }
  constexpr std::string_view known_names = "random, kde, regularized_evolution, gp";
#else
  constexpr std::string_view known_names = "random, kde, regularized_evolution (gp needs rung::gp)";
#endif
  throw std::invalid_argument("searcher \"" + spec.text + "\": unknown; known: " + std::string(known_names));
}

// The scheduler's name in the searcher comparisons (fifo: every trial to 81).
inline const char* scheduler_name(method_kind method) {
  return method == method_kind::random_search ? "fifo" : name(method);
}

}  // namespace rung::bench::claims
