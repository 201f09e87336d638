#include "rung/spaces/config_space.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <set>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "rung/concepts/config_space.hpp"

namespace test_config_space {

namespace {

constexpr auto lenet_space = rung::config_space(rung::loguniform<"learning_rate">(1e-2, 1.0),
                                                rung::randint<"batch_size">(32, 256),
                                                rung::constant<"max_epochs">(10));

constexpr auto mixed_space = rung::config_space(
    rung::uniform<"dropout">(0.0, 0.8), rung::lograndint<"width">(16, 512),
    rung::choice<"optimizer">("sgd", "adam"), rung::ordinal<"layers">(1, 2, 4, 8),
    rung::finrange<"momentum">(0.5, 0.9, 5), rung::logfinrange<"decay">(1e-4, 1e-1, 4),
    rung::choice<"scale">(0.5, 1.5));

using lenet_config = decltype(lenet_space)::config_type;

static_assert(rung::ConfigSpace<std::remove_const_t<decltype(lenet_space)>>);
static_assert(rung::ConfigSpace<std::remove_const_t<decltype(mixed_space)>>);
static_assert(rung::EncodableSpace<std::remove_const_t<decltype(mixed_space)>>);
static_assert(rung::Configuration<lenet_config>);
static_assert(!rung::ConfigSpace<int>);
static_assert(!rung::Configuration<double>);

// Names and types are part of the configuration's type.
static_assert(lenet_config::has<"learning_rate">);
static_assert(!lenet_config::has<"learningrate">);
static_assert(std::is_same_v<lenet_config::value_type_of<"batch_size">, std::int64_t>);
static_assert(std::is_same_v<lenet_config::value_type_of<"learning_rate">, double>);
static_assert(std::is_same_v<lenet_config::value_type_of<"max_epochs">, std::int64_t>);
static_assert(std::is_same_v<decltype(mixed_space)::config_type::value_type_of<"optimizer">, std::string_view>);

static_assert(decltype(lenet_space)::encoded_dims == 2);
static_assert(decltype(mixed_space)::encoded_dims == 1 + 1 + 2 + 1 + 1 + 1 + 2);

std::vector<std::string> json_lines(const auto& space, int count, std::uint64_t seed) {
  rung::random_stream rng(seed);
  std::vector<std::string> lines;
  for (int i = 0; i < count; ++i) {
    std::string line;
    space.append_json(line, space.sample(rng));
    lines.push_back(line);
  }
  return lines;
}

}  // namespace

TEST_CASE("sampled values stay inside their domains, integers inclusive at both ends") {
  rung::random_stream rng(7);
  std::set<std::int64_t> batch_sizes;
  for (int i = 0; i < 20000; ++i) {
    const auto config = lenet_space.sample(rng);
    const double lr = config.get<"learning_rate">();
    CHECK(lr >= 1e-2);
    CHECK(lr <= 1.0);
    batch_sizes.insert(config.get<"batch_size">());
    CHECK(config.get<"max_epochs">() == 10);
    CHECK(lenet_space.contains(config));
  }
  CHECK(*batch_sizes.begin() == 32);
  CHECK(*batch_sizes.rbegin() == 256);
  CHECK(batch_sizes.size() == 225);
}

TEST_CASE("loguniform draws are uniform in log space") {
  rung::random_stream rng(11);
  int below_geometric_mean = 0;
  constexpr int draws = 20000;
  for (int i = 0; i < draws; ++i) {
    if (lenet_space.sample(rng).get<"learning_rate">() < 0.1) ++below_geometric_mean;
  }
  CHECK(below_geometric_mean == doctest::Approx(draws / 2).epsilon(0.03));
}

TEST_CASE("the same seed gives the same configurations, another seed others") {
  CHECK(json_lines(mixed_space, 50, 3) == json_lines(mixed_space, 50, 3));
  CHECK(json_lines(mixed_space, 50, 3) != json_lines(mixed_space, 50, 4));
}

TEST_CASE("every value of a choice, ordinal and finite range is drawn") {
  rung::random_stream rng(5);
  std::map<std::string, std::set<std::string>> seen;
  for (int i = 0; i < 2000; ++i) {
    mixed_space.sample(rng).for_each([&](std::string_view name, const auto& value) {
      seen[std::string(name)].insert(rung::detail::to_text(value));
    });
  }
  CHECK(seen["optimizer"] == std::set<std::string>{"adam", "sgd"});
  CHECK(seen["layers"] == std::set<std::string>{"1", "2", "4", "8"});
  CHECK(seen["momentum"].size() == 5);
  CHECK(seen["decay"].size() == 4);
  CHECK(seen["scale"] == std::set<std::string>{"0.5", "1.5"});
}

TEST_CASE("midpoints follow Syne Tune's default-configuration rule") {
  const auto mid = lenet_space.midpoint();
  CHECK(mid.get<"learning_rate">() == doctest::Approx(0.1));
  CHECK(mid.get<"batch_size">() == 144);
  const auto mixed = mixed_space.midpoint();
  CHECK(mixed.get<"dropout">() == doctest::Approx(0.4));
  CHECK(mixed.get<"width">() == 91);  // round(sqrt(16 * 512)) = round(90.51)
  CHECK(mixed.get<"optimizer">() == "sgd");
  CHECK(mixed.get<"layers">() == 4);
  CHECK(mixed.get<"momentum">() == doctest::Approx(0.7));
}

TEST_CASE("encoding to the unit cube round-trips every configuration") {
  rung::random_stream rng(13);
  for (int i = 0; i < 1000; ++i) {
    const auto config = mixed_space.sample(rng);
    const auto encoded = mixed_space.encode(config);
    for (const double x : encoded) {
      CHECK(x >= 0.0);
      CHECK(x <= 1.0);
    }
    const auto decoded = mixed_space.decode(encoded);
    CHECK(decoded.get<"dropout">() == doctest::Approx(config.get<"dropout">()));
    CHECK(decoded.get<"width">() == config.get<"width">());
    CHECK(decoded.get<"optimizer">() == config.get<"optimizer">());
    CHECK(decoded.get<"layers">() == config.get<"layers">());
    CHECK(decoded.get<"momentum">() == doctest::Approx(config.get<"momentum">()));
    CHECK(decoded.get<"decay">() == doctest::Approx(config.get<"decay">()));
    CHECK(decoded.get<"scale">() == config.get<"scale">());
  }
}

TEST_CASE("encoding() says how each hyperparameter's coordinates are read, in order and without gaps") {
  using kind = rung::encoded_kind;
  const auto described = mixed_space.encoding();
  REQUIRE(described.size() == mixed_space.names().size());
  std::size_t offset = 0;
  for (std::size_t i = 0; i < described.size(); ++i) {
    CHECK(described[i].name == mixed_space.names()[i]);
    CHECK(described[i].offset == offset);
    offset += described[i].width;
  }
  CHECK(offset == mixed_space.encoded_size());
  CHECK(described[0].kind == kind::real);  // dropout
  CHECK(described[0].num_values == std::nullopt);
  CHECK(described[1].kind == kind::integer);  // width, lograndint(16, 512)
  CHECK(described[1].num_values == 497);
  CHECK(described[2].kind == kind::categorical);  // optimizer: one-hot over two coordinates
  CHECK(described[2].width == 2);
  CHECK(described[2].num_values == 2);
  CHECK(described[3].kind == kind::ordinal);  // layers
  CHECK(described[3].width == 1);
  CHECK(described[3].num_values == 4);
  CHECK(described[4].kind == kind::ordinal);  // momentum, finrange of 5
  CHECK(described[4].num_values == 5);
  const auto constant = lenet_space.encoding()[2];  // max_epochs: nothing to model
  CHECK(constant.width == 0);
  CHECK(constant.num_values == 1);
}

TEST_CASE("decode takes a run-time span of encoded_size() coordinates, and refuses another size") {
  rung::random_stream rng(5);
  for (int i = 0; i < 100; ++i) {
    const auto config = mixed_space.sample(rng);
    const auto encoded = mixed_space.encode(config);
    const std::vector<double> held(encoded.begin(), encoded.end());
    CHECK(mixed_space.decode(std::span<const double>(held)) == mixed_space.decode(encoded));
  }
  const std::vector<double> short_point(mixed_space.encoded_size() - 1, 0.5);
  CHECK_THROWS_WITH_AS(mixed_space.decode(std::span<const double>(short_point)),
                       "decode: 8 coordinates given, the space encodes to 9", std::invalid_argument);
}

TEST_CASE("a choice is one-hot encoded") {
  const auto config = mixed_space.complete(mixed_space.partial().set<"optimizer">("adam"));
  const auto encoded = mixed_space.encode(config);
  CHECK(encoded[2] == 0.0);
  CHECK(encoded[3] == 1.0);
}

TEST_CASE("JSON text round-trips a configuration exactly") {
  rung::random_stream rng(17);
  for (int i = 0; i < 200; ++i) {
    const auto config = mixed_space.sample(rng);
    std::string json;
    mixed_space.append_json(json, config);
    // Parse back through the scalar interface the journal reader uses.
    std::map<std::string, rung::scalar_value, std::less<>> values;
    config.for_each([&](std::string_view name, const auto& value) {
      values.emplace(std::string(name), rung::to_scalar(value));
    });
    const auto restored = mixed_space.from_scalars([&](std::string_view name) -> const rung::scalar_value* {
      const auto found = values.find(name);
      return found == values.end() ? nullptr : &found->second;
    });
    CHECK(restored == config);
  }
  std::string text;
  lenet_space.append_json(text, lenet_space.midpoint());
  // Shortest round-trip text: exp((ln 0.01 + ln 1) / 2) is 0.10000000000000002 in doubles.
  CHECK(text == R"({"learning_rate":0.10000000000000002,"batch_size":144,"max_epochs":10})");
}

TEST_CASE("reading a configuration with a missing or foreign value names the hyperparameter") {
  const std::map<std::string, rung::scalar_value, std::less<>> values = {
      {"learning_rate", 0.5}, {"batch_size", std::int64_t{999}}, {"max_epochs", std::int64_t{10}}};
  auto find = [&](std::string_view name) -> const rung::scalar_value* {
    const auto found = values.find(name);
    return found == values.end() ? nullptr : &found->second;
  };
  CHECK_THROWS_WITH_AS((void)lenet_space.from_scalars(find),
                       "hyperparameter 'batch_size': value 999 is not in the domain randint(32, 256)",
                       std::invalid_argument);
  const std::map<std::string, rung::scalar_value, std::less<>> partial = {{"learning_rate", 0.5}};
  CHECK_THROWS_WITH_AS((void)lenet_space.from_scalars([&](std::string_view name) -> const rung::scalar_value* {
                         const auto found = partial.find(name);
                         return found == partial.end() ? nullptr : &found->second;
                       }),
                       "hyperparameter 'batch_size': no value given", std::invalid_argument);
}

TEST_CASE("partial configurations are completed with midpoints and checked") {
  const auto config = lenet_space.complete(lenet_space.partial().set<"learning_rate">(0.3));
  CHECK(config.get<"learning_rate">() == 0.3);
  CHECK(config.get<"batch_size">() == 144);
  CHECK_THROWS_WITH_AS((void)lenet_space.complete(lenet_space.partial().set<"learning_rate">(2.0)),
                       "hyperparameter 'learning_rate': value 2 is not in the domain loguniform(0.01, 1)",
                       std::invalid_argument);
}

TEST_CASE("bounds given at run time are checked with the hyperparameter's name and values") {
  volatile double lower = 1.0;
  CHECK_THROWS_WITH_AS((void)rung::uniform<"dropout">(lower, 0.5),
                       "hyperparameter 'dropout': lower bound 1 must be below upper bound 0.5",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS((void)rung::loguniform<"lr">(lower - 1.0, 1.0),
                       "hyperparameter 'lr': a log-scale domain needs a lower bound > 0, got 0",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS((void)rung::randint<"units">(static_cast<std::int64_t>(lower) + 7, 8),
                       "hyperparameter 'units': lower bound 8 must be below upper bound 8", std::invalid_argument);
  CHECK_THROWS_WITH_AS((void)rung::lograndint<"units">(static_cast<std::int64_t>(lower) - 1, 8),
                       "hyperparameter 'units': lograndint needs a lower bound >= 1, got 0", std::invalid_argument);
  CHECK_THROWS_WITH_AS((void)rung::finrange<"m">(0.0, lower, 1),
                       "hyperparameter 'm': finrange/logfinrange needs size >= 2, got 1", std::invalid_argument);
  CHECK_THROWS_WITH_AS((void)rung::choice<"opt">("sgd", "adam", "sgd"),
                       "hyperparameter 'opt': the value sgd is listed twice", std::invalid_argument);
  CHECK_THROWS_WITH_AS((void)rung::uniform<"x">(0.0, std::numeric_limits<double>::infinity() * lower),
                       "hyperparameter 'x': bounds must be finite, got [0, Infinity]", std::invalid_argument);
}

TEST_CASE("a uniform range whose width overflows a double is refused, naming it") {
  volatile double top = 1.7e308;
  CHECK_THROWS_WITH_AS((void)rung::uniform<"x">(-top, top),
                       "hyperparameter 'x': the width of [-1.7e+308, 1.7e+308] "
                       "overflows a double (upper - lower = inf)",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS((void)rung::finrange<"x">(-top, top, 3),
                       "hyperparameter 'x': the width of [-1.7e+308, 1.7e+308] "
                       "overflows a double (upper - lower = inf)",
                       std::invalid_argument);
  // Half of that width still fits: values spread over it.
  const auto wide = rung::uniform<"x">(-top / 2, top / 2).domain;
  CHECK(wide.midpoint() == 0.0);
  CHECK(wide.from_unit(0.25) == doctest::Approx(-top / 4));
  CHECK_NOTHROW((void)rung::loguniform<"x">(1e-300, top));
}

TEST_CASE("randint near the ends of int64: midpoint, sampling, encoding and size without overflow") {
  constexpr auto max = std::numeric_limits<std::int64_t>::max();
  constexpr auto min = std::numeric_limits<std::int64_t>::min();
  const auto high = rung::randint<"n">(std::int64_t{1} << 62, max).domain;
  CHECK(high.midpoint() == std::int64_t{3} << 61);  // 1.5 * 2^62, not the lower bound
  CHECK(high.from_unit(1.0) == max);   // 2^63 as a double saturates, then is clamped
  CHECK(high.from_unit(0.0) == std::int64_t{1} << 62);
  CHECK(high.cardinality() == (std::uint64_t{1} << 62));
  const auto full = rung::randint<"n">(min, max).domain;
  CHECK(full.cardinality() == std::numeric_limits<std::uint64_t>::max());  // 2^64 values saturate
  CHECK(full.midpoint() == 0);
  CHECK(full.from_unit(0.0) == min);
  CHECK(full.from_unit(1.0) == max);
  rung::random_stream rng(3);
  for (int i = 0; i < 100; ++i) CHECK(full.contains(full.sample(rng)));
  CHECK(rung::randint<"n">(-5, 4).domain.midpoint() == 0);  // -0.5 rounds half to even
  CHECK(rung::randint<"n">(-5, 6).domain.midpoint() == 0);
  CHECK(rung::randint<"n">(1, 4).domain.midpoint() == 2);
}

TEST_CASE("cardinality counts finite spaces and saturates") {
  constexpr auto small = rung::config_space(rung::choice<"a">(1, 2, 3), rung::randint<"b">(0, 9),
                                            rung::constant<"c">("x"));
  CHECK(small.cardinality() == 30);
  CHECK(!lenet_space.cardinality().has_value());
}

TEST_CASE("the grid has every value of finite domains and cell centres of intervals") {
  constexpr auto space = rung::config_space(rung::uniform<"x">(0.0, 1.0), rung::choice<"opt">("sgd", "adam"),
                                            rung::randint<"n">(1, 3), rung::constant<"epochs">(5));
  const auto grid = space.grid(4);
  CHECK(grid.size() == 4 * 2 * 3);
  std::set<std::string> distinct;
  for (std::uint64_t i = 0; i < grid.size(); ++i) {
    std::string text;
    space.append_json(text, grid.at(i));
    distinct.insert(text);
  }
  CHECK(distinct.size() == grid.size());
  CHECK(grid.at(0).get<"x">() == doctest::Approx(0.125));
  CHECK(grid.at(grid.size() - 1).get<"x">() == doctest::Approx(0.875));
  CHECK(grid.at(1).get<"n">() == 2);  // the last hyperparameter with several values varies fastest
}

TEST_CASE("metadata describes every domain") {
  CHECK(lenet_space.describe_json() ==
        R"json({"learning_rate":"loguniform(0.01, 1)","batch_size":"randint(32, 256)","max_epochs":"10"})json");
}

}  // namespace test_config_space
