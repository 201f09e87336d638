// The run-time configuration space (rung-tune reads it from JSON): it must
// behave exactly as the compile-time space with the same domains, and reject
// bad JSON naming the field and the value.
#include "rung/spaces/dynamic_config_space.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "rung/concepts/config_space.hpp"
#include "rung/drivers/tuner.hpp"
#include "rung/schedulers/asha.hpp"
#include "rung/searchers/random_search.hpp"
#include "rung/spaces/config_space.hpp"

namespace test_dynamic_config_space {

static_assert(rung::ConfigSpace<rung::dynamic_config_space>);
static_assert(rung::EncodableSpace<rung::dynamic_config_space>);

namespace {

constexpr auto typed_space = rung::config_space(
    rung::loguniform<"learning_rate">(1e-4, 0.1), rung::randint<"batch_size">(16, 128),
    rung::lograndint<"units">(4, 256), rung::uniform<"dropout">(0.0, 0.5), rung::finrange<"decay">(0.0, 0.1, 5),
    rung::logfinrange<"eps">(1e-8, 1e-4, 5), rung::choice<"optimizer">("sgd", "adam", "rmsprop"),
    rung::ordinal<"layers">(1, 2, 4), rung::constant<"epochs">(27));

constexpr std::string_view space_json = R"({
  "learning_rate": {"type": "loguniform", "lower": 1e-4, "upper": 0.1},
  "batch_size": {"type": "randint", "lower": 16, "upper": 128},
  "units": {"type": "lograndint", "lower": 4, "upper": 256},
  "dropout": {"type": "uniform", "lower": 0, "upper": 0.5},
  "decay": {"type": "finrange", "lower": 0.0, "upper": 0.1, "size": 5},
  "eps": {"type": "logfinrange", "lower": 1e-8, "upper": 1e-4, "size": 5},
  "optimizer": {"type": "choice", "values": ["sgd", "adam", "rmsprop"]},
  "layers": {"type": "ordinal", "values": [1, 2, 4]},
  "epochs": 27
})";

template <class Config>
std::string text_of(const Config& config) {
  std::string text;
  config.for_each([&text](std::string_view name, const auto& value) {
    text += std::string(name) + "=" + rung::detail::to_text(value) + " ";
  });
  return text;
}

std::string error_of(std::string_view json) {
  try {
    (void)rung::dynamic_config_space::from_json(json);
  } catch (const std::invalid_argument& error) {
    return error.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("dynamic_config_space: the same domains as a compile-time space give the same configurations") {
  const auto space = rung::dynamic_config_space::from_json(space_json);
  CHECK(space.names() == std::vector<std::string>{"learning_rate", "batch_size", "units", "dropout", "decay", "eps",
                                                  "optimizer", "layers", "epochs"});
  CHECK(space.describe_json() == typed_space.describe_json());
  CHECK(text_of(space.midpoint()) == text_of(typed_space.midpoint()));
  CHECK(space.cardinality() == std::nullopt);
  rung::random_stream typed_rng(7);
  rung::random_stream dynamic_rng(7);
  for (int draw = 0; draw < 50; ++draw) {
    const auto typed = typed_space.sample(typed_rng);
    const auto dynamic = space.sample(dynamic_rng);
    REQUIRE(text_of(dynamic) == text_of(typed));
    CHECK(space.contains(dynamic));
    const auto typed_encoding = typed_space.encode(typed);
    const auto encoding = space.encode(dynamic);
    CHECK(std::equal(encoding.begin(), encoding.end(), typed_encoding.begin(), typed_encoding.end()));
    CHECK(space.decode(encoding) == dynamic);
  }
  const auto grid = space.grid(3);
  const auto typed_grid = typed_space.grid(3);
  REQUIRE(grid.size() == typed_grid.size());
  for (std::uint64_t index = 0; index < grid.size(); index += 97)
    CHECK(text_of(grid.at(index)) == text_of(typed_grid.at(index)));
}

TEST_CASE("dynamic_config_space: encoding() and encoded_size() are the compile-time space's, and decode checks the size") {
  const auto space = rung::dynamic_config_space::from_json(space_json);
  CHECK(space.encoded_size() == typed_space.encoded_size());
  const auto described = space.encoding();
  const auto typed = typed_space.encoding();
  REQUIRE(described.size() == typed.size());
  for (std::size_t i = 0; i < typed.size(); ++i) {
    CAPTURE(typed[i].name);
    CHECK(described[i].name == typed[i].name);
    CHECK(described[i].kind == typed[i].kind);
    CHECK(described[i].offset == typed[i].offset);
    CHECK(described[i].width == typed[i].width);
    CHECK(described[i].num_values == typed[i].num_values);
  }
  CHECK(described[6].kind == rung::encoded_kind::categorical);  // optimizer
  CHECK(described[6].width == 3);
  const std::vector<double> long_point(space.encoded_size() + 1, 0.5);
  CHECK_THROWS_WITH_AS((void)space.decode(long_point), "decode: 11 coordinates given, the space encodes to 10",
                       std::invalid_argument);
}

TEST_CASE("dynamic_config_space: values by name, partial configurations, values read back") {
  const auto space = rung::dynamic_config_space::from_json(
      R"({"lr": {"type": "uniform", "lower": 0, "upper": 1}, "opt": {"type": "choice", "values": ["a", "b"]},
          "n": {"type": "randint", "lower": 1, "upper": 4}})");
  CHECK(space.cardinality() == std::nullopt);
  const auto config = space.complete({{"opt", std::string("b")}, {"n", std::int64_t{3}}});
  CHECK(rung::as_double(config.at("lr")) == 0.5);
  CHECK(std::get<std::string>(config.at("opt")) == "b");
  CHECK(config.at("n") == rung::scalar_value(std::int64_t{3}));
  CHECK_THROWS_WITH_AS((void)config.at("missing"), "configuration: no hyperparameter 'missing'", std::invalid_argument);
  // 3.0 read back from a results file is the integer 3 again.
  const rung::scalar_value three = 3.0;
  const auto same = space.complete({{"opt", std::string("b")}, {"n", three}});
  CHECK(same == config);
  CHECK_THROWS_WITH_AS((void)space.complete({{"n", std::int64_t{9}}}),
                       "hyperparameter 'n': value 9 is not in the domain randint(1, 4)", std::invalid_argument);
  CHECK_THROWS_AS((void)space.complete({{"typo", std::int64_t{1}}}), std::invalid_argument);
  const auto finite = rung::dynamic_config_space::from_json(
      R"({"opt": {"type": "choice", "values": ["a", "b"]}, "n": {"type": "randint", "lower": 1, "upper": 4},
          "c": {"type": "constant", "value": "fixed"}})");
  CHECK(finite.cardinality() == 8);
  const auto read = finite.from_scalars([](std::string_view name) -> const rung::scalar_value* {
    static const rung::scalar_value a = std::string("a"), two = std::int64_t{2}, fixed = std::string("fixed");
    return name == "opt" ? &a : name == "n" ? &two : &fixed;
  });
  CHECK(text_of(read) == "opt=a n=2 c=fixed ");
  std::string json;
  finite.append_json(json, read);
  CHECK(json == R"({"opt":"a","n":2,"c":"fixed"})");
}

TEST_CASE("dynamic_config_space: bad JSON is refused, naming the field and the value") {
  CHECK(error_of(R"([1, 2])") == "config_space = [1,2]: must be a JSON object {\"name\": domain, ...}");
  CHECK(error_of(R"({})") == "config_space = {}: needs at least one hyperparameter");
  CHECK(error_of(R"({"lr": {"lower": 1}})").starts_with("config_space.lr.type = null: missing: name the domain"));
  CHECK(error_of(R"({"lr": {"type": "gaussian"}})") ==
        "config_space.lr.type = \"gaussian\": must be one of uniform, loguniform, randint, lograndint, finrange, "
        "logfinrange, choice, ordinal, constant");
  CHECK(error_of(R"({"lr": {"type": "uniform", "lower": "x", "upper": 1}})") ==
        "config_space.lr.lower = \"x\": must be a number");
  CHECK(error_of(R"({"lr": {"type": "uniform", "lower": 0}})") == "config_space.lr.upper = null: missing");
  CHECK(error_of(R"({"lr": {"type": "uniform", "lower": 0, "upper": 1, "log": true}})") ==
        "config_space.lr.log = true: unknown field; expected type, lower, upper");
  CHECK(error_of(R"({"n": {"type": "randint", "lower": 1.5, "upper": 4}})") ==
        "config_space.n.lower = 1.5: must be a whole number");
  CHECK(error_of(R"({"opt": {"type": "choice", "values": []}})") ==
        "config_space.opt.values = []: must be a non-empty array");
  CHECK(error_of(R"({"opt": {"type": "choice", "values": [true]}})") ==
        "config_space.opt.values = true: must be a number or a string");
  CHECK(error_of(R"({"lr": {"type": "uniform", "lower": 1, "upper": 0}})")
            .starts_with("hyperparameter 'lr': lower bound"));
  CHECK(error_of(R"({"opt": {"type": "ordinal", "values": [1, 1.0]}})").starts_with("hyperparameter 'opt':"));
  CHECK(error_of(R"({"x": 1, "x": 2})") == "hyperparameter 'x': defined twice");
}

TEST_CASE("dynamic_config_space: list and object constants pass through as JSON, not as hyperparameters") {
  const auto space = rung::dynamic_config_space::from_json(R"({
    "width": {"type": "randint", "lower": 0, "upper": 20},
    "list_arg": ["this", "is", "a", "list", 1, 2, 3],
    "dict_arg": {"type": "constant", "value": {"this": 27, "is": [1, 2, 3], "even": {"a": 0}}},
    "tags": {"type": "constant", "value": []}})");
  CHECK(space.names() == std::vector<std::string>{"width"});
  using constant = std::pair<std::string, std::string>;
  CHECK(space.json_constants() ==
        std::vector<constant>{{"list_arg", R"(["this","is","a","list",1,2,3])"},
                              {"dict_arg", R"({"this":27,"is":[1,2,3],"even":{"a":0}})"},
                              {"tags", "[]"}});
  CHECK(error_of(R"({"x": 1, "l": [1], "l": [2]})") == "hyperparameter 'l': defined twice");
  CHECK(error_of(R"({"x": [1]})") == "config_space = {}: needs at least one hyperparameter");
  // A bare object is a domain: a misspelt one is refused, and the message says how to pass an object.
  CHECK(error_of(R"({"x": {"typ": "uniform"}})") ==
        R"(config_space.x.type = null: missing: name the domain (uniform, loguniform, randint, ...), or pass an )"
        R"(object to the program as {"type": "constant", "value": {...}})");
  CHECK(error_of(R"({"x": {"type": "constant", "value": [1], "values": 2}})") ==
        "config_space.x.values = 2: unknown field; expected type, value");
  CHECK(error_of(R"({"opt": {"type": "choice", "values": [[1]]}})") ==
        "config_space.opt.values = [1]: must be a number or a string (a list or an object only as a constant)");
}

TEST_CASE("dynamic_config_space: domains at the ends of int64 and of the doubles") {
  const auto high =
      rung::dynamic_config_space::from_json(R"({"n": {"type": "randint", "lower": 4611686018427387904, )"
                                            R"("upper": 9223372036854775807}})");
  CHECK(high.midpoint().at("n") == rung::scalar_value(std::int64_t{3} << 61));
  CHECK(high.cardinality() == std::uint64_t{1} << 62);
  const auto full = rung::dynamic_config_space::from_json(
      R"({"n": {"type": "randint", "lower": -9223372036854775808, "upper": 9223372036854775807}})");
  CHECK(full.cardinality() == std::numeric_limits<std::uint64_t>::max());
  CHECK(error_of(R"({"x": {"type": "uniform", "lower": -1.7e308, "upper": 1.7e308}})") ==
        "hyperparameter 'x': the width of [-1.7e+308, 1.7e+308] overflows a double (upper - lower = inf)");
  CHECK(error_of(R"({"x": {"type": "uniform", "lower": 0, "upper": 1, "lower": 0.5}})") ==
        "config_space.x.lower: given twice (each field may appear once)");
}

TEST_CASE("dynamic_config_space: the maximum resource comes from a constant hyperparameter only") {
  const auto space = rung::dynamic_config_space::from_json(
      R"({"x": {"type": "uniform", "lower": 0, "upper": 1}, "max_epochs": 27,
          "epochs": {"type": "randint", "lower": 1, "upper": 27}})");
  const auto scheduler =
      rung::asha(rung::random_searcher(space, {.seed = 1}), {.metric = "loss", .max_resource_attr = "max_epochs"});
  CHECK(scheduler.max_resource(space.midpoint()) == 27.0);
  CHECK_THROWS_WITH_AS(
      rung::asha(rung::random_searcher(space, {.seed = 1}), {.metric = "loss", .max_resource_attr = "epochs"}),
      doctest::Contains("max_resource_attr = epochs: the hyperparameter must be a constant"), std::invalid_argument);
}

TEST_CASE("dynamic_config_space: ASHA tunes over it through the real-time tuner") {
  const auto space = rung::dynamic_config_space::from_json(
      R"({"x": {"type": "uniform", "lower": 0, "upper": 1}, "tag": {"type": "choice", "values": ["a", "b"]}})");
  rung::tuner tuner(rung::asha(rung::random_searcher(space, {.seed = 3}), {.metric = "loss", .max_t = 9}),
                    {.n_workers = 2,
                     .stop_criterion = rung::stop_criterion{.max_num_trials_started = 12},
                     .record_results = false,
                     .log = nullptr});
  const auto result = tuner.run([](const rung::dynamic_configuration& config, rung::reporter& reporter) {
    const double x = rung::as_double(config.at("x"));
    for (int epoch = 1; epoch <= 9; ++epoch) {
      if (reporter.report(epoch, x / epoch) != rung::decision::continue_trial) return;
    }
  });
  CHECK(result.status.num_trials_started == 12);
  REQUIRE(result.best_config);
  CHECK(space.contains(*result.best_config));
}

}  // namespace test_dynamic_config_space
